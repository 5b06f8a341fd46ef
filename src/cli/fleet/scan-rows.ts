/**
 * A fleet's rows of every peer (`inspect --format ndjson|tsv`, issue 15)
 * straight from each node snapshot's scan: no model, no PeerId, entry, map
 * or row object per peer. Through the model, 200 nodes of 10k peers took
 * ~12 s, most of it making every node's peers' base58 text again and
 * collecting the garbage; here a peer's text is made once per fleet (the
 * shared PeerTable) and each row is one string of fixed pieces and numbers.
 *
 * Each row says what `nodeRows` (aggregate.ts) says of the node's model:
 * restore's view of the entries (RestoredScan: the last of a repeated peer,
 * the node's clock), the policy's decisions by `policyDecision` (the
 * governor's own), the peers in text order. The text is what `compactLines`
 * (NDJSON) and `renderRowsTsv` give for those rows; test/cli/fleet-scan.test.ts
 * holds the two ways together byte for byte.
 *
 * What is kept from file to file is the peer table (with each peer's place in
 * text order): it grows with the fleet's distinct peers, so past MOST_PEERS
 * it is dropped before the next file and a new one starts (texts are then
 * made again), which keeps memory bounded by the files being read.
 */
import { type Decision, policyDecision } from "../../core/governor.js";
import { type GovernorScan, PeerTable, RestoredScan } from "../../snapshot/node-scan.js";
import { decisionJson } from "../render/inspect-rows.js";
import { TSV_HEADER, tsvText } from "../render/fleet.js";
import type { PeerFilter } from "./aggregate.js";

/** The row formats written from scans. */
export type ScannedRowsFormat = "ndjson" | "tsv";

/** Distinct peers the shared table may hold before it is dropped (~250 bytes each: text, bytes, slots, order). */
export const MOST_PEERS = 1 << 17;

const BLOCKED = 1;
const ALLOWLISTED = 2;
const ALLOW = policyDecision(false, true);

/** The rows of node snapshots' scans as NDJSON or TSV text, with one peer table for the fleet. */
export class ScannedRows {
  private peers = new PeerTable();
  private order = new PeerOrder(this.peers);
  /** Per peer number: 1 kept by the PEER arguments, -1 left out, 0 not yet asked. */
  private kept = new Int8Array(0);
  private readonly restored = new RestoredScan();
  // Per peer number, for the node being written (stamp: which node last touched it).
  private stamp = new Int32Array(0);
  private healthAt = new Int32Array(0);
  private backoffAt = new Int32Array(0);
  private flags = new Uint8Array(0);
  private nodePeers = new Int32Array(1024);
  private nodes = 0;
  private readonly layout: Layout;

  constructor(
    private readonly format: ScannedRowsFormat,
    private readonly filter: PeerFilter,
    private readonly mostPeers = MOST_PEERS,
  ) {
    this.layout = format === "ndjson" ? NDJSON : TSV;
  }

  /** The peer table to scan the next file with: a new one when this one holds more than its share of peers. */
  table(): PeerTable {
    if (this.peers.size > this.mostPeers) {
      this.peers = new PeerTable();
      this.order = new PeerOrder(this.peers);
      this.kept = new Int8Array(0);
    }
    return this.peers;
  }

  /** The header line that comes before the first rows (TSV), or "". */
  header(): string {
    return this.format === "tsv" ? TSV_HEADER : "";
  }

  /**
   * The rows of one node (its scan, made with `table()`'s table), in peer text order, as text in pieces of
   * about `size` characters.
   */
  rows(node: { label: string; path: string }, scan: GovernorScan, size: number): string[] {
    const count = this.collect(scan);
    const peers = this.nodePeers;
    this.order.sort(peers, count);
    const { layout, restored, healthAt, backoffAt, flags } = this;
    const { down: onlyDown, blocked: onlyBlocked } = this.filter;
    const open = !scan.allowlistSome;
    const clockHigh = restored.clockHigh;
    const clockLow = restored.clockLow;
    const start = layout.start(node.label, node.path);
    const pieces: string[] = [];
    let piece = "";
    for (let k = 0; k < count; k++) {
      const peer = peers[k] as number;
      const health = healthAt[peer] as number;
      const peerFlags = flags[peer] as number;
      const isDown = health >= 0 && scan.healthDown[health] === 1;
      if (onlyDown && !isDown) continue;
      if (onlyBlocked && (peerFlags & BLOCKED) === 0) continue;
      let row = start + this.peers.text(peer) + (layout.flags[peerFlags] as string);
      if (health < 0) row += layout.noHealth;
      else
        row +=
          (scan.healthFailures[health] as number) +
          (isDown ? layout.down : layout.up) +
          u64Text(scan.healthEventHigh[health] as number, scan.healthEventLow[health] as number) +
          layout.afterLastEvent;
      const inbound = policyDecision((peerFlags & BLOCKED) !== 0, open || (peerFlags & ALLOWLISTED) !== 0);
      const backoff = backoffAt[peer] as number;
      if (backoff < 0) row += layout.noBackoff + layout.decision(inbound) + layout.outbound + layout.decision(inbound);
      else {
        const high = scan.backoffNextHigh[backoff] as number;
        const low = scan.backoffNextLow[backoff] as number;
        const nextRetry = u64Text(high, low);
        // The next retry after the node's clock: cooling down, and outbound waits for it (the backoff table's shouldRetry).
        const cooling = high > clockHigh || (high === clockHigh && low > clockLow);
        row += (scan.backoffAttempts[backoff] as number) + layout.nextRetry + nextRetry;
        row += (cooling ? layout.cooling : layout.notCooling) + layout.decision(inbound) + layout.outbound;
        row += inbound === ALLOW && cooling ? layout.cooldown(nextRetry) : layout.decision(inbound);
      }
      piece += row + layout.end;
      if (piece.length >= size) {
        pieces.push(piece);
        piece = "";
      }
    }
    if (piece !== "") pieces.push(piece);
    return pieces;
  }

  /** Numbers in `nodePeers` every peer the node knows (once each, as the PEER arguments keep them); their count. */
  private collect(scan: GovernorScan): number {
    const size = this.peers.size;
    this.room(size);
    this.restored.restore(scan, size);
    const node = ++this.nodes;
    let count = 0;
    const touch = (peer: number): boolean => {
      if (!this.keeps(peer)) return false;
      if (this.stamp[peer] !== node) {
        this.stamp[peer] = node;
        this.healthAt[peer] = -1;
        this.backoffAt[peer] = -1;
        this.flags[peer] = 0;
        if (count === this.nodePeers.length) {
          const bigger = new Int32Array(count * 2);
          bigger.set(this.nodePeers);
          this.nodePeers = bigger;
        }
        this.nodePeers[count++] = peer;
      }
      return true;
    };
    // In file order, each entry over the one before: of a repeated peer the last wins (restore's rule, as RestoredScan's).
    for (let i = 0; i < scan.healthCount; i++) {
      const peer = scan.healthPeer[i] as number;
      if (touch(peer)) this.healthAt[peer] = i;
    }
    for (let i = 0; i < scan.backoffCount; i++) {
      const peer = scan.backoffPeer[i] as number;
      if (touch(peer)) this.backoffAt[peer] = i;
    }
    for (let i = 0; i < scan.blockedCount; i++) {
      const peer = scan.blocked[i] as number;
      if (touch(peer)) this.flags[peer] = (this.flags[peer] as number) | BLOCKED;
    }
    if (scan.allowlistSome) {
      for (let i = 0; i < scan.allowedCount; i++) {
        const peer = scan.allowed[i] as number;
        if (touch(peer)) this.flags[peer] = (this.flags[peer] as number) | ALLOWLISTED;
      }
    }
    return count;
  }

  /** Whether the PEER arguments keep `peer` (asked once per peer and table). */
  private keeps(peer: number): boolean {
    const only = this.filter.only;
    if (only === undefined) return true;
    if (this.kept[peer] === 0) this.kept[peer] = only(this.peers.text(peer)) ? 1 : -1;
    return this.kept[peer] === 1;
  }

  /** Grows the per-peer columns to `size` peers. */
  private room(size: number): void {
    if (size <= this.stamp.length && size <= this.kept.length) return;
    const capacity = Math.max(size, this.stamp.length * 2, 1024);
    const grow = <T extends Int32Array | Int8Array | Uint8Array>(array: T, make: (length: number) => T): T => {
      const bigger = make(capacity);
      bigger.set(array);
      return bigger;
    };
    this.stamp = grow(this.stamp, (n) => new Int32Array(n));
    this.healthAt = grow(this.healthAt, (n) => new Int32Array(n));
    this.backoffAt = grow(this.backoffAt, (n) => new Int32Array(n));
    this.flags = grow(this.flags, (n) => new Uint8Array(n));
    this.kept = grow(this.kept, (n) => new Int8Array(n));
  }
}

/**
 * The peers of a table in text order, kept from node to node: a node's peers
 * are sorted by their place (numbers, not strings); peers new since the last
 * node are sorted by text among themselves and merged in.
 */
class PeerOrder {
  /** Peer numbers in text order (the first `ranked` numbers of the table). */
  private sorted = new Int32Array(0);
  /** Per peer number, its place in `sorted`. */
  private place = new Int32Array(0);
  private ranked = 0;
  private places = new Int32Array(1024);

  constructor(private readonly peers: PeerTable) {}

  /** Sorts `numbers[0..count)` by their peers' texts. */
  sort(numbers: Int32Array, count: number): void {
    if (this.peers.size > this.ranked) this.rankNew();
    if (this.places.length < count) this.places = new Int32Array(count);
    const places = this.places.subarray(0, count);
    for (let i = 0; i < count; i++) places[i] = this.place[numbers[i] as number] as number;
    places.sort();
    for (let i = 0; i < count; i++) numbers[i] = this.sorted[places[i] as number] as number;
  }

  /** Places the table's new peers among the ranked ones. */
  private rankNew(): void {
    const peers = this.peers;
    const size = peers.size;
    const fresh: number[] = [];
    for (let peer = this.ranked; peer < size; peer++) fresh.push(peer);
    // The table numbers each text once: no two are equal.
    fresh.sort((a, b) => (peers.text(a) < peers.text(b) ? -1 : 1));
    const old = this.sorted;
    const merged = new Int32Array(size);
    let from = 0;
    let at = 0;
    for (const peer of fresh) {
      const text = peers.text(peer);
      // The first ranked peer after this one's text, from where the previous new one went.
      let low = from;
      let high = old.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (peers.text(old[middle] as number) < text) low = middle + 1;
        else high = middle;
      }
      merged.set(old.subarray(from, low), at);
      at += low - from;
      merged[at++] = peer;
      from = low;
    }
    merged.set(old.subarray(from), at);
    const place = new Int32Array(size);
    for (let i = 0; i < size; i++) place[merged[i] as number] = i;
    this.sorted = merged;
    this.place = place;
    this.ranked = size;
  }
}

/** The fixed text of a row format around its values. */
interface Layout {
  /** A node's rows start: its label and path, up to the peer's text. */
  start(label: string, path: string): string;
  /** By BLOCKED | ALLOWLISTED: from after the peer's text to the failures' value. */
  readonly flags: readonly string[];
  /** No health entry: from the failures to the attempts' value. */
  readonly noHealth: string;
  /** After the failures' digits, when down / not down: up to the last event's digits. */
  readonly down: string;
  readonly up: string;
  /** After the last event's digits, up to the attempts' value. */
  readonly afterLastEvent: string;
  /** No backoff entry: from the attempts to the inbound decision. */
  readonly noBackoff: string;
  /** After the attempts' digits, up to the next retry's digits. */
  readonly nextRetry: string;
  /** After the next retry's digits, when cooling down / not: up to the inbound decision. */
  readonly cooling: string;
  readonly notCooling: string;
  /** Between the inbound and outbound decisions. */
  readonly outbound: string;
  /** A decision other than a cooldown. */
  decision(decision: Decision): string;
  /** A cooldown until the retry time (its digits). */
  cooldown(retry: string): string;
  /** After the outbound decision: the end of the row. */
  readonly end: string;
}

/** The JSON text of a decision document, from the contract's own serializer (the retry as `retry`'s digits). */
function decisionText(decision: Decision, retry?: string): string {
  const document = decisionJson(decision);
  return JSON.stringify({ ...document, retry_ns: retry ?? null });
}

const FIXED_DECISIONS = [policyDecision(false, true), policyDecision(true, true), policyDecision(false, false)];
// The cooldown document with a marker where its digits go.
const [COOLDOWN_HEAD = "", COOLDOWN_TAIL = ""] = decisionText({ kind: "deny", reason: { kind: "cooldown", retryNs: 0n } }, "@").split("@");

/** compactLines' text of a NodePeerRow: JSON.stringify's, key by key. */
const NDJSON: Layout = {
  start: (label, path) => `{"node":${JSON.stringify(label)},"path":${JSON.stringify(path)},"peer":"`,
  flags: [0, BLOCKED, ALLOWLISTED, BLOCKED | ALLOWLISTED].map(
    (flags) => `","blocked":${(flags & BLOCKED) !== 0},"allowlisted":${(flags & ALLOWLISTED) !== 0},"consecutive_failures":`,
  ),
  noHealth: 'null,"down":null,"last_event_ns":null,"attempts":',
  down: ',"down":true,"last_event_ns":"',
  up: ',"down":false,"last_event_ns":"',
  afterLastEvent: '","attempts":',
  noBackoff: 'null,"next_retry_ns":null,"cooling_down":false,"inbound":',
  nextRetry: ',"next_retry_ns":"',
  cooling: '","cooling_down":true,"inbound":',
  notCooling: '","cooling_down":false,"inbound":',
  outbound: ',"outbound":',
  decision: textOfFixed((decision) => decisionText(decision)),
  cooldown: (retry) => COOLDOWN_HEAD + retry + COOLDOWN_TAIL,
  end: "}\n",
};

/** renderRowsTsv's line of a NodePeerRow: a missing value empty, a decision as `allow` or `deny:REASON`. */
const TSV: Layout = {
  start: (label, path) => `${tsvText(label)}\t${tsvText(path)}\t`,
  flags: [0, BLOCKED, ALLOWLISTED, BLOCKED | ALLOWLISTED].map((flags) => `\t${(flags & BLOCKED) !== 0}\t${(flags & ALLOWLISTED) !== 0}\t`),
  noHealth: "\t\t\t",
  down: "\ttrue\t",
  up: "\tfalse\t",
  afterLastEvent: "\t",
  noBackoff: "\t\tfalse\t",
  nextRetry: "\t",
  cooling: "\ttrue\t",
  notCooling: "\tfalse\t",
  outbound: "\t",
  decision: textOfFixed((decision) => {
    const document = decisionJson(decision);
    return document.decision === "allow" ? "allow" : `deny:${document.reason ?? ""}`;
  }),
  cooldown: () => "deny:cooldown",
  end: "\n",
};

/** A decision's text, made once for each decision the policy alone gives. */
function textOfFixed(make: (decision: Decision) => string): (decision: Decision) => string {
  const texts = new Map(FIXED_DECISIONS.map((decision) => [decision, make(decision)]));
  return (decision) => texts.get(decision) ?? make(decision);
}

const TWO_POW_32 = 4294967296;

/**
 * The decimal digits of the u64 `high` x 2^32 + `low`, with no bigint: high x 2^32 is high x 4294 x 10^6 +
 * high x 967296, so the value is (high x 4294 + floor(t / 10^6)) x 10^6 + t mod 10^6 with t = high x 967296 +
 * low; every step stays below 2^53, exact in a double.
 */
export function u64Text(high: number, low: number): string {
  if (high < 0x200000) return String(high * TWO_POW_32 + low);
  const t = high * 967296 + low;
  const under = t % 1e6;
  const over = high * 4294 + (t - under) / 1e6;
  return String(over) + String(under).padStart(6, "0");
}
