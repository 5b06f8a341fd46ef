/**
 * `inspect` across a fleet, folded as the files are read: each node's model
 * adds its peers to one map of per-peer counts and is dropped, so memory
 * grows with the distinct peers (and, for `--by-node`, one byte per peer and
 * node), never with the models.
 */
import type { Decision } from "../../core/governor.js";
import type { PeerId } from "../../core/peer-id.js";
import type { Snapshot } from "../../snapshot/model.js";
import { decisionJson } from "../commands/common.js";

/** A peer's state on one node, as bits: what `--by-node` shows. */
export const STATE = { known: 1, coolingDown: 2, down: 4, blocked: 8 } as const;

/** One peer across the fleet. */
export interface PeerAcross {
  readonly peer: string;
  /** Nodes that know the peer (health, backoff, blocklist or allowlist). */
  nodes: number;
  blocked: number;
  down: number;
  coolingDown: number;
  /** The longest failure streak on any node. */
  worstStreak: number;
  /** The latest event on any node (undefined: no health entry anywhere). */
  latestEventNs: bigint | undefined;
  /** The last node that counted this peer, so that a node counts once. */
  lastNode: number;
  /** Per node, the STATE bits (only with `--by-node`). */
  states?: Uint8Array;
}

/** Which peers a fleet view keeps: the PEER arguments, `--down`, `--blocked`. */
export interface PeerFilter {
  /** The peers asked for (as typed: whole ids, prefixes, short forms), or undefined for every peer. */
  readonly only: ((text: string) => boolean) | undefined;
  readonly down: boolean;
  readonly blocked: boolean;
}

/** The per-peer counts of a fleet, fed one node at a time. */
export class FleetAggregate {
  readonly peers = new Map<string, PeerAcross>();

  constructor(
    private readonly nodeCount: number,
    private readonly byNode: boolean,
    private readonly only: ((text: string) => boolean) | undefined,
  ) {}

  /** Adds node `index`'s peers; the snapshot may be dropped after. */
  add(index: number, snapshot: Snapshot): void {
    const { governor, backoff, clockNs } = snapshot;
    for (const entry of governor.iterHealth()) {
      const peer = this.touch(index, entry.peer);
      if (peer === undefined) continue;
      if (entry.down) this.mark(peer, index, STATE.down, "down");
      if (entry.consecutiveFailures > peer.worstStreak) peer.worstStreak = entry.consecutiveFailures;
      if (peer.latestEventNs === undefined || entry.lastEventNs > peer.latestEventNs) peer.latestEventNs = entry.lastEventNs;
    }
    for (const entry of backoff.iter()) {
      const peer = this.touch(index, entry.peer);
      if (peer !== undefined && entry.nextRetryNs > clockNs) this.mark(peer, index, STATE.coolingDown, "coolingDown");
    }
    for (const blocked of governor.blocklist()) {
      const peer = this.touch(index, blocked);
      if (peer !== undefined) this.mark(peer, index, STATE.blocked, "blocked");
    }
    for (const allowed of governor.allowlist() ?? []) this.touch(index, allowed);
  }

  /** The peers kept by `filter`, sorted by `key` (peer text, then the key's order). */
  rows(filter: PeerFilter, key: string): PeerAcross[] {
    const rows = [...this.peers.values()].filter((row) => (!filter.down || row.down > 0) && (!filter.blocked || row.blocked > 0));
    rows.sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));
    if (key === "failures") rows.sort((a, b) => b.worstStreak - a.worstStreak);
    if (key === "last-event") rows.sort((a, b) => descending(a.latestEventNs ?? -1n, b.latestEventNs ?? -1n));
    return rows;
  }

  private touch(index: number, id: PeerId): PeerAcross | undefined {
    const text = id.text;
    if (this.only !== undefined && !this.only(text)) return undefined;
    let peer = this.peers.get(text);
    if (peer === undefined) {
      peer = { peer: text, nodes: 0, blocked: 0, down: 0, coolingDown: 0, worstStreak: 0, latestEventNs: undefined, lastNode: -1 };
      if (this.byNode) peer.states = new Uint8Array(this.nodeCount);
      this.peers.set(text, peer);
    }
    if (peer.lastNode !== index) {
      peer.lastNode = index;
      peer.nodes++;
      if (peer.states !== undefined) peer.states[index] = STATE.known;
    }
    return peer;
  }

  private mark(peer: PeerAcross, index: number, bit: number, count: "down" | "coolingDown" | "blocked"): void {
    if (peer.states !== undefined) {
      if (((peer.states[index] ?? 0) & bit) !== 0) return;
      peer.states[index] = (peer.states[index] ?? 0) | bit;
    }
    peer[count]++;
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
