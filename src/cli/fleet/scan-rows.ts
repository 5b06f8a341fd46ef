/**
 * A fleet's rows of every node and peer (`inspect --format ndjson|tsv|json`,
 * issue 15) straight from each node snapshot's scan: no model, no PeerId,
 * entry, map or row object per peer. Through the model, 200 nodes of 10k
 * peers took ~11 s, most of it making every node's peers' base58 text again
 * and collecting the garbage; here a peer's text is made once per fleet (the
 * shared PeerTable) and each row is written from a few numbers.
 *
 * Each row says what `nodeRows` (aggregate.ts) says of the node's model:
 * restore's view of the entries (the last of a repeated peer wins, the
 * node's clock by RestoredScan), the policy's decisions by `policyDecision`
 * (the governor's own), the peers in text order. The text is what
 * `compactLines` (NDJSON), `renderRowsTsv` and `renderJson` give for those
 * rows; test/cli/fleet-scan.test.ts holds the two ways together byte for
 * byte. It is written as UTF-8 bytes straight into buffers of about the size
 * asked for (fixed pieces encoded once, digits written in place, each peer's
 * text encoded once per table): strings concatenated row by row spent a third
 * of the time collecting their garbage.
 *
 * What is kept from file to file is the peer table (with each peer's place in
 * text order): it grows with the fleet's distinct peers, so past MOST_PEERS
 * it is dropped before the next file and a new one starts (texts are then
 * made again), which keeps memory bounded by the files being read. A JSON
 * document holds every node's rows (as NodeRows) and so keeps its table.
 */
import { type Decision, policyDecision } from "../../core/governor.js";
import { type GovernorScan, PeerTable, RestoredScan } from "../../snapshot/node-scan.js";
import { decisionJson } from "../render/inspect-rows.js";
import { tsvText } from "../render/fleet.js";
import { OWN_ITEMS, type OwnItems, ownItemsValues } from "../render/json.js";
import { sanitizeJson } from "../render/sanitize.js";
import type { NodePeerRow, PeerFilter } from "./aggregate.js";

/** The row formats written from scans: NDJSON and TSV streamed, JSON for one document. */
export type ScannedRowsFormat = "ndjson" | "tsv" | "json";

/** Distinct peers the shared table may hold before it is dropped (~1 kB each with its text, bytes, slots and order). */
export const MOST_PEERS = 1 << 16;

// A row's bits (NodeRows.bits).
const BLOCKED = 1;
const ALLOWLISTED = 2;
/** The policy admits the peer: no allowlist, or the peer on it. */
const ADMITTED = 4;
const HEALTH = 8;
const DOWN = 16;
const BACKOFF = 32;
/** The next retry is after the node's clock. */
const COOLING = 64;
const ALLOW = policyDecision(false, true);

/**
 * One node's rows in a few columns, ~30 bytes a row: what a `--format json`
 * document holds of every node until it is written (row objects took ~2.5 kB).
 */
export interface NodeRows {
  readonly label: string;
  readonly path: string;
  readonly count: number;
  /** Each row's peer, by its number in the ScannedRows' table. */
  readonly peers: Int32Array;
  readonly bits: Uint8Array;
  readonly failures: Uint32Array;
  readonly eventHigh: Uint32Array;
  readonly eventLow: Uint32Array;
  readonly attempts: Uint32Array;
  readonly nextHigh: Uint32Array;
  readonly nextLow: Uint32Array;
}

/** The rows of node snapshots' scans as NDJSON, TSV or JSON text, with one peer table for the fleet. */
export class ScannedRows {
  private peers = new PeerTable();
  private order = new PeerOrder(this.peers);
  private texts = new PeerTexts(this.peers);
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
  private readonly layout: Layout | undefined;

  /** `mostPeers`: see MOST_PEERS; a JSON document's rows keep their peers' numbers to the end, so never dropped there. */
  constructor(
    format: ScannedRowsFormat,
    private readonly filter: PeerFilter,
    private readonly mostPeers = format === "json" ? Number.POSITIVE_INFINITY : MOST_PEERS,
  ) {
    this.layout = format === "ndjson" ? NDJSON : format === "tsv" ? TSV : undefined;
  }

  /** The peer table to scan the next file with: a new one when this one holds more than its share of peers. */
  table(): PeerTable {
    if (this.peers.size > this.mostPeers) {
      this.peers = new PeerTable();
      this.order = new PeerOrder(this.peers);
      this.texts = new PeerTexts(this.peers);
      this.kept = new Int8Array(0);
    }
    return this.peers;
  }

  /** A node's rows as NDJSON or TSV text, in pieces of about `size` bytes. */
  text(rows: NodeRows, size: number): Uint8Array[] {
    return this.write(rows, this.layout as Layout, size, EMPTY, EMPTY, []);
  }

  /**
   * The rows of one node (its scan, made with `table()`'s table), in peer text order, as columns. `clock`: the
   * node's clock when the scan holds only some of its entries (a cut-down's), else the one restore gives the scan.
   */
  nodeRows(node: { label: string; path: string }, scan: GovernorScan, clock?: RestoredScan): NodeRows {
    const count = this.collect(scan);
    const peers = this.nodePeers;
    this.order.sort(peers, count);
    const { healthAt, backoffAt, flags } = this;
    const { down: onlyDown, blocked: onlyBlocked } = this.filter;
    const open = !scan.allowlistSome;
    const clockHigh = (clock ?? this.restored).clockHigh;
    const clockLow = (clock ?? this.restored).clockLow;
    const rows = emptyRows(node, count);
    let row = 0;
    for (let k = 0; k < count; k++) {
      const peer = peers[k] as number;
      const health = healthAt[peer] as number;
      const peerFlags = flags[peer] as number;
      const isDown = health >= 0 && scan.healthDown[health] === 1;
      if (onlyDown && !isDown) continue;
      if (onlyBlocked && (peerFlags & BLOCKED) === 0) continue;
      let bits = peerFlags | (open || (peerFlags & ALLOWLISTED) !== 0 ? ADMITTED : 0);
      if (health >= 0) {
        bits |= HEALTH | (isDown ? DOWN : 0);
        rows.failures[row] = scan.healthFailures[health] as number;
        rows.eventHigh[row] = scan.healthEventHigh[health] as number;
        rows.eventLow[row] = scan.healthEventLow[health] as number;
      }
      const backoff = backoffAt[peer] as number;
      if (backoff >= 0) {
        const high = scan.backoffNextHigh[backoff] as number;
        const low = scan.backoffNextLow[backoff] as number;
        // The next retry after the node's clock: cooling down, and outbound waits for it (the backoff table's shouldRetry).
        bits |= BACKOFF | (high > clockHigh || (high === clockHigh && low > clockLow) ? COOLING : 0);
        rows.attempts[row] = scan.backoffAttempts[backoff] as number;
        rows.nextHigh[row] = high;
        rows.nextLow[row] = low;
      }
      rows.peers[row] = peer;
      rows.bits[row] = bits;
      row++;
    }
    if (row === count) return rows;
    // Filtered: only the rows kept (a JSON document holds them to its end).
    const cut = <T extends Int32Array | Uint8Array | Uint32Array>(column: T): T => column.slice(0, row) as T;
    return {
      ...rows,
      count: row,
      peers: cut(rows.peers),
      bits: cut(rows.bits),
      failures: cut(rows.failures),
      eventHigh: cut(rows.eventHigh),
      eventLow: cut(rows.eventLow),
      attempts: cut(rows.attempts),
      nextHigh: cut(rows.nextHigh),
      nextLow: cut(rows.nextLow),
    };
  }

  /**
   * The rows of a node snapshot the WebAssembly fold cut down to the PEER arguments' peers (wasm-fold.ts
   * cutDown: its own peer numbers, their ids, the file's clock): its peers numbered in this table, then as
   * `nodeRows`. The scan is the cut-down's own, changed here.
   */
  cutRows(
    node: { label: string; path: string },
    cut: { scan: GovernorScan; restored: RestoredScan; ids: ReadonlyMap<number, { readonly text: string }> },
  ): NodeRows {
    const { scan, ids } = cut;
    const renumber = (column: Int32Array, count: number): void => {
      for (let i = 0; i < count; i++) column[i] = this.peers.peerOfText(ids.get(column[i] as number)?.text as string);
    };
    renumber(scan.healthPeer, scan.healthCount);
    renumber(scan.backoffPeer, scan.backoffCount);
    renumber(scan.blocked, scan.blockedCount);
    renumber(scan.allowed, scan.allowedCount);
    return this.nodeRows(node, scan, cut.restored);
  }

  /** A model's rows (a file of another kind) as columns, their peers numbered in this table: for a JSON document. */
  modelRows(node: { label: string; path: string }, modelled: readonly NodePeerRow[]): NodeRows {
    const rows = emptyRows(node, modelled.length);
    modelled.forEach((model, row) => {
      let bits = (model.blocked ? BLOCKED : 0) | (model.allowlisted ? ALLOWLISTED : 0);
      // A blocked peer is denied whatever the allowlist says: then whether it is admitted does not matter.
      if (model.inbound.reason !== "not_allowlisted") bits |= ADMITTED;
      if (model.last_event_ns !== null) {
        bits |= HEALTH | (model.down === true ? DOWN : 0);
        rows.failures[row] = model.consecutive_failures ?? 0;
        rows.eventHigh[row] = Number(model.last_event_ns >> 32n);
        rows.eventLow[row] = Number(model.last_event_ns & 0xffffffffn);
      }
      if (model.next_retry_ns !== null) {
        bits |= BACKOFF | (model.cooling_down ? COOLING : 0);
        rows.attempts[row] = model.attempts ?? 0;
        rows.nextHigh[row] = Number(model.next_retry_ns >> 32n);
        rows.nextLow[row] = Number(model.next_retry_ns & 0xffffffffn);
      }
      rows.peers[row] = this.peers.peerOfText(model.peer);
      rows.bits[row] = bits;
    });
    return rows;
  }

  /** Every node's rows, in order, as the list a JSON document writes in pieces (see OWN_ITEMS). */
  items(nodes: readonly NodeRows[]): OwnItems & { toJSON(): unknown[] } {
    const length = nodes.reduce((sum, rows) => sum + rows.count, 0);
    const write = (indent: string | undefined, first: string, between: string, last: string, size: number): Iterable<string> => {
      const layout = documentLayout(indent);
      const before = { first: utf8(first), between: utf8(between) };
      const rows = this;
      return (function* () {
        let written = 0;
        for (const node of nodes) {
          if (node.count === 0) continue;
          for (const piece of rows.write(node, layout, size, written === 0 ? before.first : before.between, before.between, []))
            yield Buffer.from(piece.buffer, piece.byteOffset, piece.length).toString("utf8");
          written += node.count;
        }
        yield last;
      })();
    };
    const list = {
      length,
      [OWN_ITEMS]: write,
      /** The rows as plain values, for any other serializer: JSON.stringify gives the same text. */
      toJSON: (): unknown[] => ownItemsValues(list),
    };
    return list;
  }

  /**
   * `rows` as text at `layout`, in pieces of about `size` bytes pushed to `pieces`: `first` before the first
   * row, `between` before each other.
   */
  private write(rows: NodeRows, layout: Layout, size: number, first: Uint8Array, between: Uint8Array, pieces: Uint8Array[]): Uint8Array[] {
    const texts = this.texts;
    const { count, peers, bits: rowBits } = rows;
    for (let row = 0; row < count; row++) texts.make(peers[row] as number);
    const start = layout.start(rows.label, rows.path);
    // The longest row this node can have: room checked once a row.
    const most = Math.max(first.length, between.length) + start.length + texts.longest + layout.most;
    if (count === 0) return pieces;
    // A piece of about `size` bytes, or room for every row when they take less (a few peers' rows).
    const room = Math.min(Math.max(size, most), count * most) + most;
    let buffer = new Uint8Array(room);
    let at = 0;
    for (let row = 0; row < count; row++) {
      const bits = rowBits[row] as number;
      if (at + most > buffer.length) {
        pieces.push(buffer.subarray(0, at));
        buffer = new Uint8Array(room);
        at = 0;
      }
      at = put(buffer, at, row === 0 ? first : between);
      at = put(buffer, at, start);
      at = texts.put(buffer, at, peers[row] as number);
      at = put(buffer, at, layout.flags[bits & (BLOCKED | ALLOWLISTED)] as Uint8Array);
      if ((bits & HEALTH) === 0) at = put(buffer, at, layout.noHealth);
      else {
        at = putNumber(buffer, at, rows.failures[row] as number);
        at = put(buffer, at, (bits & DOWN) !== 0 ? layout.down : layout.up);
        at = putU64(buffer, at, rows.eventHigh[row] as number, rows.eventLow[row] as number);
        at = put(buffer, at, layout.afterLastEvent);
      }
      const inbound = policyDecision((bits & BLOCKED) !== 0, (bits & ADMITTED) !== 0);
      const inboundText = layout.decision(inbound);
      if ((bits & BACKOFF) === 0) {
        at = put(buffer, at, layout.noBackoff);
        at = put(buffer, at, inboundText);
        at = put(buffer, at, layout.outbound);
        at = put(buffer, at, inboundText);
      } else {
        const high = rows.nextHigh[row] as number;
        const low = rows.nextLow[row] as number;
        const cooling = (bits & COOLING) !== 0;
        at = putNumber(buffer, at, rows.attempts[row] as number);
        at = put(buffer, at, layout.nextRetry);
        at = putU64(buffer, at, high, low);
        at = put(buffer, at, cooling ? layout.cooling : layout.notCooling);
        at = put(buffer, at, inboundText);
        at = put(buffer, at, layout.outbound);
        if (inbound === ALLOW && cooling) {
          at = put(buffer, at, layout.cooldownHead);
          if (layout.cooldownRetry) at = putU64(buffer, at, high, low);
          at = put(buffer, at, layout.cooldownTail);
        } else at = put(buffer, at, inboundText);
      }
      at = put(buffer, at, layout.end);
    }
    if (at > 0) pieces.push(buffer.subarray(0, at));
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

  /** Grows the per-peer columns to `size` peers (`kept` starts again empty with each table). */
  private room(size: number): void {
    const grown = (length: number): number => Math.max(size, length * 2, 1024);
    if (size > this.kept.length) {
      const kept = new Int8Array(grown(this.kept.length));
      kept.set(this.kept);
      this.kept = kept;
    }
    if (size <= this.stamp.length) return;
    // The node columns need no copy: each node sets what it reads (a number not stamped for it is not read).
    const capacity = grown(this.stamp.length);
    const stamp = new Int32Array(capacity);
    stamp.set(this.stamp);
    this.stamp = stamp;
    this.healthAt = new Int32Array(capacity);
    this.backoffAt = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
  }
}

const EMPTY = new Uint8Array(0);

/** Text as UTF-8 bytes, in a plain Uint8Array (one kind of array where the pieces are copied). */
function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "utf8"));
}

/** Columns for `count` rows of a node. */
function emptyRows(node: { label: string; path: string }, count: number): NodeRows {
  return {
    label: node.label,
    path: node.path,
    count,
    peers: new Int32Array(count),
    bits: new Uint8Array(count),
    failures: new Uint32Array(count),
    eventHigh: new Uint32Array(count),
    eventLow: new Uint32Array(count),
    attempts: new Uint32Array(count),
    nextHigh: new Uint32Array(count),
    nextLow: new Uint32Array(count),
  };
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

/**
 * The peers' texts as bytes, each encoded once (base58: ASCII), side by side
 * in one growing store.
 */
class PeerTexts {
  private store = new Uint8Array(1 << 16);
  private stored = 0;
  private starts = new Int32Array(0);
  private lengths = new Int32Array(0);
  /** The longest text encoded so far, in bytes. */
  longest = 0;

  constructor(private readonly peers: PeerTable) {}

  /** Encodes peer `peer`'s text, unless it is already. */
  make(peer: number): void {
    if (peer >= this.lengths.length) {
      const capacity = Math.max(peer + 1, this.lengths.length * 2, 1024);
      const starts = new Int32Array(capacity);
      starts.set(this.starts);
      this.starts = starts;
      const lengths = new Int32Array(capacity);
      lengths.set(this.lengths);
      this.lengths = lengths;
    }
    if (this.lengths[peer] !== 0) return;
    const text = this.peers.text(peer);
    if (this.stored + text.length > this.store.length) {
      const store = new Uint8Array(Math.max(this.store.length * 2, this.stored + text.length));
      store.set(this.store.subarray(0, this.stored));
      this.store = store;
    }
    for (let i = 0; i < text.length; i++) this.store[this.stored + i] = text.charCodeAt(i);
    this.starts[peer] = this.stored;
    this.lengths[peer] = text.length;
    this.stored += text.length;
    if (text.length > this.longest) this.longest = text.length;
  }

  /** Writes peer `peer`'s text (made) at `at`; returns where it ends. */
  put(into: Uint8Array, at: number, peer: number): number {
    const store = this.store;
    const from = this.starts[peer] as number;
    const length = this.lengths[peer] as number;
    for (let i = 0; i < length; i++) into[at + i] = store[from + i] as number;
    return at + length;
  }
}

/** Copies `piece` into `into` at `at`; returns where it ends (a loop for the short pieces, a copy for the long). */
function put(into: Uint8Array, at: number, piece: Uint8Array): number {
  const length = piece.length;
  if (length > 16) into.set(piece, at);
  else for (let i = 0; i < length; i++) into[at + i] = piece[i] as number;
  return at + length;
}

/** Writes the decimal digits of the integer 0 <= `value` < 2^31 at `at`; returns where they end (int32 steps only). */
function putSmall(into: Uint8Array, at: number, value: number): number {
  let digits = 1;
  for (let rest = (value / 10) | 0; rest > 0; rest = (rest / 10) | 0) digits++;
  let left = value;
  for (let i = at + digits - 1; i >= at; i--) {
    const next = (left / 10) | 0;
    into[i] = 48 + left - next * 10;
    left = next;
  }
  return at + digits;
}

/** Writes `value` (0 <= value < 10^6) as six digits, zeros in front, at `at`; returns where they end. */
function putSix(into: Uint8Array, at: number, value: number): number {
  let left = value;
  for (let i = at + 5; i >= at; i--) {
    const next = (left / 10) | 0;
    into[i] = 48 + left - next * 10;
    left = next;
  }
  return at + 6;
}

/** Writes the decimal digits of the u32 `value` at `at`; returns where they end. */
export function putNumber(into: Uint8Array, at: number, value: number): number {
  if (value < 0x80000000) return putSmall(into, at, value);
  const over = Math.floor(value / 1e6);
  return putSix(into, putSmall(into, at, over), value - over * 1e6);
}

/**
 * Writes the decimal digits of the u64 `high` x 2^32 + `low` at `at`, with no bigint; returns where they end.
 * high x 2^32 is high x 4294 x 10^6 + high x 967296, so the value is (high x 4294 + q) x 10^6 + r where q and r
 * are t's quotient and remainder by 10^6, t = high x 967296 + low: every step stays below 2^53, exact in a
 * double; the digits are then written in groups of six, each below 2^31 (a double's % is a slow call).
 */
export function putU64(into: Uint8Array, at: number, high: number, low: number): number {
  const t = high * 967296 + low;
  let q = Math.floor(t / 1e6);
  let r = t - q * 1e6;
  // The division rounded: at most one step off.
  if (r < 0) {
    q--;
    r += 1e6;
  } else if (r >= 1e6) {
    q++;
    r -= 1e6;
  }
  const over = high * 4294 + q;
  if (over === 0) return putSmall(into, at, r);
  // over < 1.9 x 10^13: its high part below 2^31.
  const top = Math.floor(over / 1e6);
  const middle = over - top * 1e6;
  const to = top === 0 ? putSmall(into, at, middle) : putSix(into, putSmall(into, at, top), middle);
  return putSix(into, to, r);
}

/** The fixed text of a row format around its values, as UTF-8 bytes. */
interface Layout {
  /** A node's rows start: its label and path, up to the peer's text (encoded once per node). */
  start(label: string, path: string): Uint8Array;
  /** By BLOCKED | ALLOWLISTED: from after the peer's text to the failures' value. */
  readonly flags: readonly Uint8Array[];
  /** No health entry: from the failures to the attempts' value. */
  readonly noHealth: Uint8Array;
  /** After the failures' digits, when down / not down: up to the last event's digits. */
  readonly down: Uint8Array;
  readonly up: Uint8Array;
  /** After the last event's digits, up to the attempts' value. */
  readonly afterLastEvent: Uint8Array;
  /** No backoff entry: from the attempts to the inbound decision. */
  readonly noBackoff: Uint8Array;
  /** After the attempts' digits, up to the next retry's digits. */
  readonly nextRetry: Uint8Array;
  /** After the next retry's digits, when cooling down / not: up to the inbound decision. */
  readonly cooling: Uint8Array;
  readonly notCooling: Uint8Array;
  /** Between the inbound and outbound decisions. */
  readonly outbound: Uint8Array;
  /** A decision other than a cooldown. */
  decision(decision: Decision): Uint8Array;
  /** A cooldown: its text before the retry time, whether the retry's digits follow, the text after. */
  readonly cooldownHead: Uint8Array;
  readonly cooldownRetry: boolean;
  readonly cooldownTail: Uint8Array;
  /** After the outbound decision: the end of the row. */
  readonly end: Uint8Array;
  /** The most bytes a row has besides its start and its peer's text. */
  readonly most: number;
}

/**
 * The JSON text of a decision document at `indent` (compact when undefined), from the contract's own
 * serializer as a document's writer gives it (the retry as `retry`'s digits).
 */
function decisionText(decision: Decision, indent: string | undefined, retry?: string): string {
  const document = { ...decisionJson(decision), retry_ns: retry ?? null };
  return indent === undefined ? JSON.stringify(document) : JSON.stringify(document, null, 2).replaceAll("\n", `\n${indent}`);
}

const FIXED_DECISIONS = [policyDecision(false, true), policyDecision(true, true), policyDecision(false, false)];
const COOLDOWN: Decision = { kind: "deny", reason: { kind: "cooldown", retryNs: 0n } };
const FLAG_VALUES = [0, BLOCKED, ALLOWLISTED, BLOCKED | ALLOWLISTED];

/** A layout from its pieces as text: each encoded once, the decisions by `decision`, the cooldown split at `@`. */
function layoutOf(pieces: TextPieces, start: (label: string, path: string) => string, decision: (decision: Decision) => string): Layout {
  const bytes = utf8;
  const fixed = new Map(FIXED_DECISIONS.map((made) => [made, bytes(decision(made))]));
  const [head = "", tail] = decision(COOLDOWN).split("@");
  const texts = {
    flags: pieces.flags.map(bytes),
    noHealth: bytes(pieces.noHealth),
    down: bytes(pieces.down),
    up: bytes(pieces.up),
    afterLastEvent: bytes(pieces.afterLastEvent),
    noBackoff: bytes(pieces.noBackoff),
    nextRetry: bytes(pieces.nextRetry),
    cooling: bytes(pieces.cooling),
    notCooling: bytes(pieces.notCooling),
    outbound: bytes(pieces.outbound),
    end: bytes(pieces.end),
  };
  const longest = (list: readonly Uint8Array[]): number => Math.max(...list.map((piece) => piece.length));
  const decisions = [...fixed.values(), bytes(decision(COOLDOWN).replace("@", "18446744073709551615"))];
  // Every piece at its longest, three u64 and two u32 values at theirs.
  const most =
    longest(texts.flags) +
    Math.max(texts.noHealth.length, texts.down.length + texts.up.length + texts.afterLastEvent.length + 20 + 10) +
    Math.max(texts.noBackoff.length, texts.nextRetry.length + 10 + 20 + longest([texts.cooling, texts.notCooling])) +
    2 * longest(decisions) +
    texts.outbound.length +
    texts.end.length;
  return {
    ...texts,
    start: (label, path) => bytes(start(label, path)),
    decision: (made) => fixed.get(made) ?? bytes(decision(made)),
    cooldownHead: bytes(head),
    cooldownRetry: tail !== undefined,
    cooldownTail: bytes(tail ?? ""),
    most,
  };
}

/** The pieces of a layout as text. */
interface TextPieces {
  readonly flags: readonly string[];
  readonly noHealth: string;
  readonly down: string;
  readonly up: string;
  readonly afterLastEvent: string;
  readonly noBackoff: string;
  readonly nextRetry: string;
  readonly cooling: string;
  readonly notCooling: string;
  readonly outbound: string;
  readonly end: string;
}

/**
 * A NodePeerRow's JSON text at `indent` (compact when undefined), key by key as JSON.stringify gives it (a
 * document's at its 2-space gap), followed by `end`: compactLines' NDJSON line, or an item of a `--format json`
 * document, whose text outside its values is sanitized as the document's writer does (sanitizeJson).
 */
function jsonLayout(indent: string | undefined, end: string, sanitized: boolean): Layout {
  const one = indent === undefined ? "" : `\n${indent}  `;
  const colon = indent === undefined ? ":" : ": ";
  const key = (name: string): string => `${one}"${name}"${colon}`;
  const text = (value: string): string => (sanitized ? sanitizeJson(JSON.stringify(value)) : JSON.stringify(value));
  const inner = indent === undefined ? undefined : `${indent}  `;
  return layoutOf(
    {
      flags: FLAG_VALUES.map(
        (flags) =>
          `",${key("blocked")}${(flags & BLOCKED) !== 0},${key("allowlisted")}${(flags & ALLOWLISTED) !== 0},${key("consecutive_failures")}`,
      ),
      noHealth: `null,${key("down")}null,${key("last_event_ns")}null,${key("attempts")}`,
      down: `,${key("down")}true,${key("last_event_ns")}"`,
      up: `,${key("down")}false,${key("last_event_ns")}"`,
      afterLastEvent: `",${key("attempts")}`,
      noBackoff: `null,${key("next_retry_ns")}null,${key("cooling_down")}false,${key("inbound")}`,
      nextRetry: `,${key("next_retry_ns")}"`,
      cooling: `",${key("cooling_down")}true,${key("inbound")}`,
      notCooling: `",${key("cooling_down")}false,${key("inbound")}`,
      outbound: `,${key("outbound")}`,
      end: `${indent === undefined ? "" : `\n${indent}`}}${end}`,
    },
    (label, path) => `{${key("node")}${text(label)},${key("path")}${text(path)},${key("peer")}"`,
    (decision) => decisionText(decision, inner, decision.kind === "deny" && decision.reason.kind === "cooldown" ? "@" : undefined),
  );
}

/** compactLines' text of a NodePeerRow. */
const NDJSON = jsonLayout(undefined, "\n", false);

const documentLayouts = new Map<string | undefined, Layout>();

/** The layout of a JSON document's rows at `indent` (made once per indent). */
function documentLayout(indent: string | undefined): Layout {
  let layout = documentLayouts.get(indent);
  if (layout === undefined) {
    layout = jsonLayout(indent, "", true);
    documentLayouts.set(indent, layout);
  }
  return layout;
}

/** renderRowsTsv's line of a NodePeerRow: a missing value empty, a decision as `allow` or `deny:REASON`. */
const TSV = layoutOf(
  {
    flags: FLAG_VALUES.map((flags) => `\t${(flags & BLOCKED) !== 0}\t${(flags & ALLOWLISTED) !== 0}\t`),
    noHealth: "\t\t\t",
    down: "\ttrue\t",
    up: "\tfalse\t",
    afterLastEvent: "\t",
    noBackoff: "\t\tfalse\t",
    nextRetry: "\t",
    cooling: "\ttrue\t",
    notCooling: "\tfalse\t",
    outbound: "\t",
    end: "\n",
  },
  (label, path) => `${tsvText(label)}\t${tsvText(path)}\t`,
  (decision) => {
    const document = decisionJson(decision);
    return document.decision === "allow" ? "allow" : `deny:${document.reason ?? ""}`;
  },
);
