/**
 * `inspect` across a fleet, folded as the files are read: each node adds its
 * peers to per-peer counts and is dropped, so memory grows with the distinct
 * peers (and, for `--by-node`, one byte per peer and node), never with the
 * nodes. Peers are numbered by one PeerTable for the whole fleet, and the
 * counts are columns indexed by that number: a node snapshot's quick scan
 * (snapshot/node-scan.ts) feeds them without a model or any peer's text, a
 * model (any other kind, or a file the scan refused) through its peers' texts.
 * Both apply upstream's restore the same way: the last entry of a repeated
 * peer wins, and a peer counts once per node.
 */
import type { Decision } from "../../core/governor.js";
import type { PeerId } from "../../core/peer-id.js";
import type { Snapshot } from "../../snapshot/model.js";
import { type GovernorScan, PeerTable, RestoredScan } from "../../snapshot/node-scan.js";
import { decisionJson } from "../commands/common.js";

/** A peer's state on one node, as bits: what `--by-node` shows. */
export const STATE = { known: 1, coolingDown: 2, down: 4, blocked: 8 } as const;

/** One peer across the fleet. */
export interface PeerAcross {
  readonly peer: string;
  /** Nodes that know the peer (health, backoff, blocklist or allowlist). */
  readonly nodes: number;
  readonly blocked: number;
  readonly down: number;
  readonly coolingDown: number;
  /** The longest failure streak on any node. */
  readonly worstStreak: number;
  /** The latest event on any node (undefined: no health entry anywhere). */
  readonly latestEventNs: bigint | undefined;
  /** Per node, the STATE bits (only with `--by-node`). */
  readonly states?: Uint8Array;
}

/** Which peers a fleet view keeps: the PEER arguments, `--down`, `--blocked`. */
export interface PeerFilter {
  /** The peers asked for (as typed: whole ids, prefixes, short forms), or undefined for every peer. */
  readonly only: ((text: string) => boolean) | undefined;
  readonly down: boolean;
  readonly blocked: boolean;
  /** Only peers cooling down on some node (the per-peer views; the rows of each node do not take it). */
  readonly cooling?: boolean;
}

const HIGH = 4294967296n;

/** An aggregate's counts as plain data (what a worker thread sends back): per peer counted, its text and columns. */
export interface AggregatePart {
  readonly texts: readonly string[];
  readonly nodes: Int32Array;
  readonly blocked: Int32Array;
  readonly down: Int32Array;
  readonly cooling: Int32Array;
  readonly worst: Float64Array;
  readonly latestHigh: Uint32Array;
  readonly latestLow: Uint32Array;
  readonly hasLatest: Uint8Array;
  /** Per peer, the STATE bits per node (`--by-node` only; else empty). */
  readonly states: readonly (Uint8Array | undefined)[];
}

/** The per-peer counts of a fleet, fed one node at a time. */
export class FleetAggregate {
  /** The fleet's peers, numbered: shared with the scans that feed `addScan`. */
  readonly table = new PeerTable();
  private capacity = 0;
  // Per peer, across the fleet.
  private nodes: Int32Array = new Int32Array(0);
  private blocked: Int32Array = new Int32Array(0);
  private down = new Int32Array(0);
  private cooling = new Int32Array(0);
  private worst = new Float64Array(0);
  private latestHigh = new Uint32Array(0);
  private latestLow = new Uint32Array(0);
  private hasLatest = new Uint8Array(0);
  /** 1 kept, -1 left out by the PEER arguments, 0 not yet asked. */
  private kept = new Int8Array(0);
  private states: (Uint8Array | undefined)[] = [];
  // Per peer, for the node being added: its STATE bits there (bitsNode: that node + 1).
  private bitsNode = new Int32Array(0);
  private bits = new Uint8Array(0);
  /** What restore keeps of the scan being added. */
  private readonly restored = new RestoredScan();
  private made: PeerAcross[] | undefined;

  constructor(
    private readonly nodeCount: number,
    private readonly byNode: boolean,
    private readonly only: ((text: string) => boolean) | undefined,
  ) {}

  /** Adds node `index`'s peers from its model; the snapshot may be dropped after. */
  add(index: number, snapshot: Snapshot): void {
    const { governor, backoff, clockNs } = snapshot;
    const table = this.table;
    for (const entry of governor.iterHealth()) {
      const peer = this.touch(index, table.peerOfText(entry.peer.text));
      if (peer < 0) continue;
      const event = entry.lastEventNs;
      this.health(index, peer, entry.consecutiveFailures, Number(event / HIGH), Number(event % HIGH), entry.down);
    }
    for (const entry of backoff.iter()) {
      const peer = this.touch(index, table.peerOfText(entry.peer.text));
      if (peer >= 0 && entry.nextRetryNs > clockNs) this.mark(peer, index, STATE.coolingDown);
    }
    for (const blocked of governor.blocklist()) {
      const peer = this.touch(index, table.peerOfText(blocked.text));
      if (peer >= 0) this.mark(peer, index, STATE.blocked);
    }
    for (const allowed of governor.allowlist() ?? []) this.touch(index, table.peerOfText(allowed.text));
  }

  /**
   * Adds node `index`'s peers from its scan, restoring as upstream does: of a
   * peer's entries in one list the last wins, and the clock is the latest
   * event time among the entries kept (as the node reader's).
   */
  addScan(index: number, scan: GovernorScan): void {
    this.room();
    const restored = this.restored;
    restored.restore(scan, this.table.size);
    const clockHigh = restored.clockHigh;
    const clockLow = restored.clockLow;
    for (let i = 0; i < scan.healthCount; i++) {
      const peer = scan.healthPeer[i] as number;
      if (!restored.keepsHealth(scan, i) || this.touch(index, peer) < 0) continue;
      const failures = scan.healthFailures[i] as number;
      this.health(index, peer, failures, scan.healthEventHigh[i] as number, scan.healthEventLow[i] as number, scan.healthDown[i] === 1);
    }
    for (let i = 0; i < scan.backoffCount; i++) {
      const peer = scan.backoffPeer[i] as number;
      if (!restored.keepsBackoff(scan, i) || this.touch(index, peer) < 0) continue;
      const high = scan.backoffNextHigh[i] as number;
      const low = scan.backoffNextLow[i] as number;
      if (high > clockHigh || (high === clockHigh && low > clockLow)) this.mark(peer, index, STATE.coolingDown);
    }
    for (let i = 0; i < scan.blockedCount; i++) {
      const peer = this.touch(index, scan.blocked[i] as number);
      if (peer >= 0) this.mark(peer, index, STATE.blocked);
    }
    for (let i = 0; i < scan.allowedCount; i++) this.touch(index, scan.allowed[i] as number);
  }

  /** The counts so far, to be merged into another aggregate of the same fleet (a worker's share of the nodes). */
  part(): AggregatePart {
    const keep: number[] = [];
    for (let peer = 0; peer < this.capacity && peer < this.table.size; peer++) if ((this.nodes[peer] as number) > 0) keep.push(peer);
    const pick = <T extends Int32Array | Uint32Array | Float64Array | Uint8Array>(column: T, make: (length: number) => T): T => {
      const out = make(keep.length);
      for (let k = 0; k < keep.length; k++) out[k] = column[keep[k] as number] as number;
      return out;
    };
    return {
      texts: keep.map((peer) => this.table.text(peer)),
      nodes: pick(this.nodes, (n) => new Int32Array(n)),
      blocked: pick(this.blocked, (n) => new Int32Array(n)),
      down: pick(this.down, (n) => new Int32Array(n)),
      cooling: pick(this.cooling, (n) => new Int32Array(n)),
      worst: pick(this.worst, (n) => new Float64Array(n)),
      latestHigh: pick(this.latestHigh, (n) => new Uint32Array(n)),
      latestLow: pick(this.latestLow, (n) => new Uint32Array(n)),
      hasLatest: pick(this.hasLatest, (n) => new Uint8Array(n)),
      states: this.byNode ? keep.map((peer) => this.states[peer]) : [],
    };
  }

  /** Adds another aggregate's counts, made from other nodes of the same fleet (its peers kept here as this one keeps them). */
  merge(part: AggregatePart): void {
    for (let k = 0; k < part.texts.length; k++) {
      const text = part.texts[k] as string;
      if (this.only !== undefined && !this.only(text)) continue;
      const peer = this.table.peerOfText(text);
      if (peer >= this.capacity) this.room();
      this.nodes[peer] = (this.nodes[peer] as number) + (part.nodes[k] as number);
      this.blocked[peer] = (this.blocked[peer] as number) + (part.blocked[k] as number);
      this.down[peer] = (this.down[peer] as number) + (part.down[k] as number);
      this.cooling[peer] = (this.cooling[peer] as number) + (part.cooling[k] as number);
      if ((part.worst[k] as number) > (this.worst[peer] as number)) this.worst[peer] = part.worst[k] as number;
      if (part.hasLatest[k] === 1) {
        const high = part.latestHigh[k] as number;
        const low = part.latestLow[k] as number;
        const ownHigh = this.latestHigh[peer] as number;
        if (this.hasLatest[peer] === 0 || high > ownHigh || (high === ownHigh && low > (this.latestLow[peer] as number))) {
          this.hasLatest[peer] = 1;
          this.latestHigh[peer] = high;
          this.latestLow[peer] = low;
        }
      }
      const states = part.states[k];
      if (states === undefined) continue;
      const own = this.states[peer];
      if (own === undefined) this.states[peer] = states;
      else for (let node = 0; node < own.length; node++) own[node] = (own[node] as number) | (states[node] as number);
    }
    this.made = undefined;
  }

  /** Every peer some node knows, each with its text (made here, once per peer). */
  peers(): readonly PeerAcross[] {
    if (this.made !== undefined) return this.made;
    const made: PeerAcross[] = [];
    for (let peer = 0; peer < this.capacity && peer < this.table.size; peer++) {
      if ((this.nodes[peer] as number) === 0) continue;
      const states = this.states[peer];
      made.push({
        peer: this.table.text(peer),
        nodes: this.nodes[peer] as number,
        blocked: this.blocked[peer] as number,
        down: this.down[peer] as number,
        coolingDown: this.cooling[peer] as number,
        worstStreak: this.worst[peer] as number,
        latestEventNs:
          this.hasLatest[peer] === 1 ? BigInt(this.latestHigh[peer] as number) * HIGH + BigInt(this.latestLow[peer] as number) : undefined,
        ...(states === undefined ? {} : { states }),
      });
    }
    this.made = made;
    return made;
  }

  /** The peers kept by `filter`, sorted by `key` (peer text, then the key's order). */
  rows(filter: PeerFilter, key: string): PeerAcross[] {
    const rows = this.peers().filter(
      (row) => (!filter.down || row.down > 0) && (!filter.blocked || row.blocked > 0) && (filter.cooling !== true || row.coolingDown > 0),
    );
    rows.sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));
    if (key === "failures") rows.sort((a, b) => b.worstStreak - a.worstStreak);
    if (key === "last-event") rows.sort((a, b) => descending(a.latestEventNs ?? -1n, b.latestEventNs ?? -1n));
    return rows;
  }

  /** A health entry restore keeps for `peer` on node `index`. */
  private health(index: number, peer: number, failures: number, eventHigh: number, eventLow: number, down: boolean): void {
    if (down) this.mark(peer, index, STATE.down);
    if (failures > (this.worst[peer] as number)) this.worst[peer] = failures;
    const high = this.latestHigh[peer] as number;
    if (this.hasLatest[peer] === 0 || eventHigh > high || (eventHigh === high && eventLow > (this.latestLow[peer] as number))) {
      this.hasLatest[peer] = 1;
      this.latestHigh[peer] = eventHigh;
      this.latestLow[peer] = eventLow;
    }
  }

  /** Counts node `index` for `peer` once; returns the peer, or -1 when the PEER arguments leave it out. */
  private touch(index: number, peer: number): number {
    if (peer >= this.capacity) this.room();
    if (this.only !== undefined) {
      if (this.kept[peer] === 0) this.kept[peer] = this.only(this.table.text(peer)) ? 1 : -1;
      if (this.kept[peer] === -1) return -1;
    }
    if (this.bitsNode[peer] !== index + 1) {
      this.bitsNode[peer] = index + 1;
      this.bits[peer] = STATE.known;
      this.nodes[peer] = (this.nodes[peer] as number) + 1;
      if (this.byNode) {
        let states = this.states[peer];
        if (states === undefined) {
          states = new Uint8Array(this.nodeCount);
          this.states[peer] = states;
        }
        states[index] = STATE.known;
      }
    }
    return peer;
  }

  /** Sets `bit` for `peer` on node `index`, counting the node once per bit. */
  private mark(peer: number, index: number, bit: number): void {
    const bits = this.bits[peer] as number;
    if ((bits & bit) !== 0) return;
    this.bits[peer] = bits | bit;
    const states = this.states[peer];
    if (states !== undefined) states[index] = bits | bit;
    if (bit === STATE.down) this.down[peer] = (this.down[peer] as number) + 1;
    else if (bit === STATE.blocked) this.blocked[peer] = (this.blocked[peer] as number) + 1;
    else this.cooling[peer] = (this.cooling[peer] as number) + 1;
  }

  /** Grows the columns to every peer the table has numbered. */
  private room(): void {
    const wanted = this.table.size;
    if (wanted <= this.capacity) return;
    const capacity = Math.max(wanted, this.capacity * 2, 1024);
    const int32 = (array: Int32Array): Int32Array<ArrayBuffer> => {
      const bigger = new Int32Array(capacity);
      bigger.set(array);
      return bigger;
    };
    this.nodes = int32(this.nodes);
    this.blocked = int32(this.blocked);
    this.down = int32(this.down);
    this.cooling = int32(this.cooling);
    this.bitsNode = int32(this.bitsNode);
    const worst = new Float64Array(capacity);
    worst.set(this.worst);
    this.worst = worst;
    const latestHigh = new Uint32Array(capacity);
    latestHigh.set(this.latestHigh);
    this.latestHigh = latestHigh;
    const latestLow = new Uint32Array(capacity);
    latestLow.set(this.latestLow);
    this.latestLow = latestLow;
    const hasLatest = new Uint8Array(capacity);
    hasLatest.set(this.hasLatest);
    this.hasLatest = hasLatest;
    const bits = new Uint8Array(capacity);
    bits.set(this.bits);
    this.bits = bits;
    const kept = new Int8Array(capacity);
    kept.set(this.kept);
    this.kept = kept;
    this.capacity = capacity;
  }
}

function descending(a: bigint, b: bigint): number {
  return a > b ? -1 : a < b ? 1 : 0;
}

/** One row per node and peer (`--format ndjson|tsv|json`). */
export interface NodePeerRow {
  readonly node: string;
  readonly path: string;
  readonly peer: string;
  readonly blocked: boolean;
  readonly allowlisted: boolean;
  readonly consecutive_failures: number | null;
  readonly down: boolean | null;
  readonly last_event_ns: bigint | null;
  readonly attempts: number | null;
  readonly next_retry_ns: bigint | null;
  readonly cooling_down: boolean;
  readonly inbound: ReturnType<typeof decisionJson>;
  readonly outbound: ReturnType<typeof decisionJson>;
}

/** The rows of one node: every peer it knows (or the PEER arguments), filtered, in peer order. */
export function nodeRows(node: { label: string; path: string }, snapshot: Snapshot, filter: PeerFilter): NodePeerRow[] {
  const { governor, backoff, clockNs } = snapshot;
  const peers = new Map<string, PeerId>();
  const keep = (peer: PeerId): void => {
    if (filter.only === undefined || filter.only(peer.text)) peers.set(peer.text, peer);
  };
  for (const entry of governor.iterHealth()) keep(entry.peer);
  for (const entry of backoff.iter()) keep(entry.peer);
  for (const peer of governor.blocklist()) keep(peer);
  for (const peer of governor.allowlist() ?? []) keep(peer);
  const rows: NodePeerRow[] = [];
  for (const text of [...peers.keys()].sort()) {
    const peer = peers.get(text) as PeerId;
    const health = governor.peerHealth(peer);
    const state = backoff.state(peer);
    const blocked = governor.isBlocked(peer);
    if (filter.down && health?.down !== true) continue;
    if (filter.blocked && !blocked) continue;
    const inbound: Decision = governor.checkInbound(peer);
    const outbound: Decision = governor.checkOutbound(peer, backoff, clockNs);
    rows.push({
      node: node.label,
      path: node.path,
      peer: text,
      blocked,
      allowlisted: governor.isAllowlisted(peer),
      consecutive_failures: health?.consecutiveFailures ?? null,
      down: health?.down ?? null,
      last_event_ns: health?.lastEventNs ?? null,
      attempts: state?.attempts ?? null,
      next_retry_ns: state?.nextRetryNs ?? null,
      cooling_down: state !== undefined && state.nextRetryNs > clockNs,
      inbound: decisionJson(inbound),
      outbound: decisionJson(outbound),
    });
  }
  return rows;
}
