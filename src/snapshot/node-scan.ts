/**
 * A fleet's quick look at a node snapshot (issue 15): the governor part of a
 * bincode `NodeSnapshot` walked straight from the bytes, without building a
 * model. `inspect` across 200 nodes of 10k peers spent its time in the node
 * reader making base58 text, PeerId objects and maps for every entry of
 * every file; a fleet only needs, per entry, which peer it is and a few
 * numbers. So each entry's peer bytes are looked up in one table shared by
 * the whole fleet (a hash of the bytes, confirmed by comparing them): a peer
 * seen before costs a probe, and a peer's text is made once per fleet.
 *
 * The walk accepts exactly the files `readNodeSnapshot` accepts: the other
 * sections go through the same schema skip, the governor lists get the same
 * bounds, tag and bool checks, `spec_version` must be 1, and the entries
 * whose peer bytes upstream's `PeerId::from_bytes` refuses are skipped with
 * the same warnings. On any fault it throws; the caller then reads the file
 * the usual way, whose error names the field and the byte. What restore
 * does with the entries (the last of a repeated peer wins, threshold 0 acts
 * as 1) is the consumer's to apply: the scan reports every entry in file order.
 */
import { BackoffTable, type BackoffConfig } from "../core/backoff.js";
import { InvalidPeerId } from "../core/errors.js";
import { PeerGovernor } from "../core/governor.js";
import { PeerId, multihashProblem, multihashProblemIn } from "../core/peer-id.js";
import { Reader, skip } from "./bincode.js";
import type { Snapshot, SnapshotWarning } from "./model.js";
import { FRAMEWORK, NODE_SNAPSHOT, TRANSIENT } from "./node-schema.js";
import { skippedEntryWarning, thresholdZeroWarning } from "./node.js";

const GOVERNOR_PATH = "transient.framework.peer_governor";
const BACKOFF_PATH = "transient.framework.backoff_table";
const TWO_POW_32 = 4294967296;

/**
 * Every distinct peer of a fleet, numbered from 0, keyed by its bytes as
 * files hold them. Bytes that spell the same peer differently (a long varint)
 * get the same number; bytes that do not parse get -1. Each distinct byte
 * string is parsed once, and each peer's text made once.
 */
export class PeerTable {
  /** Open addressing: slot -> 1 + index of a byte string, 0 when empty; kept under half full. */
  private slots = new Int32Array(4096);
  /**
   * Per byte string, four Int32 side by side (one cache line holds them, where four arrays cost four misses):
   * its hash, its length, its place in `store`, its peer (-1: does not parse).
   */
  private records = new Int32Array(4 * 2048);
  private strings = 0;
  private store = new Uint8Array(1 << 16);
  private storeView = new DataView(this.store.buffer);
  private stored = 0;
  private readonly texts: string[] = [];
  private readonly byText = new Map<string, number>();

  /** How many peers are numbered. */
  get size(): number {
    return this.texts.length;
  }

  /** The peer's base58 text. */
  text(peer: number): string {
    return this.texts[peer] as string;
  }

  /** The number of the peer with this (canonical) text, numbering it when new. */
  peerOfText(text: string): number {
    let peer = this.byText.get(text);
    if (peer === undefined) {
      peer = this.texts.length;
      this.texts.push(text);
      this.byText.set(text, peer);
    }
    return peer;
  }

  /** The peer whose bytes are `file[from..end)`, or -1 when upstream's `PeerId::from_bytes` refuses them. */
  peer(file: Uint8Array, view: DataView, from: number, end: number): number {
    const length = end - from;
    let hash = length;
    if (length < 12) {
      for (let i = from; i < end; i++) hash = Math.imul(hash ^ (file[i] as number), 0x01000193);
      hash &= 0x3fffffff;
    } else {
      // The digest's tail and middle, where peers differ; colliding peers are only compared, never confused.
      hash = Math.imul(hash ^ view.getInt32(end - 4, true), 0x9e3779b1);
      hash = Math.imul(hash ^ view.getInt32(end - 8, true), 0x85ebca6b);
      hash = Math.imul(hash ^ view.getInt32(from + (length >> 1) - 2, true), 0xc2b2ae35) & 0x3fffffff;
    }
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = hash & mask;
    for (let known = (slots[slot] as number) - 1; known >= 0; known = (slots[slot] as number) - 1) {
      const record = known << 2;
      if (this.records[record] === hash && this.records[record + 1] === length) {
        // The bytes compared here rather than in a method (a tenth of the lookup), eight at a time: equal doubles
        // other than zero have equal bits; NaN (never equal) and zero (+0 === -0) are compared as two words.
        const store = this.storeView;
        const at = this.records[record + 2] as number;
        let i = 0;
        let equal = true;
        for (; i + 8 <= length; i += 8) {
          const word = store.getFloat64(at + i, true);
          if (word !== view.getFloat64(from + i, true) || word === 0) {
            if (
              store.getInt32(at + i, true) !== view.getInt32(from + i, true) ||
              store.getInt32(at + i + 4, true) !== view.getInt32(from + i + 4, true)
            ) {
              equal = false;
              break;
            }
          }
        }
        if (equal) {
          for (; i < length; i++) {
            if (store.getUint8(at + i) !== view.getUint8(from + i)) {
              equal = false;
              break;
            }
          }
        }
        if (equal) return this.records[record + 3] as number;
      }
      slot = (slot + 1) & mask;
    }
    return this.add(file, from, end, hash, slot);
  }

  private add(file: Uint8Array, from: number, end: number, hash: number, slot: number): number {
    let peer = -1;
    // Checked first, as the node reader does: PeerId.fromBytes's error holds the hex of every byte (6.5 ms for 100 KB).
    if (multihashProblemIn(file, from, end) === undefined) {
      try {
        // Parsed (and its text made) once per distinct byte string; only the text is kept, never a view of the file.
        peer = this.peerOfText(PeerId.fromBytesIn(file, from, end).text);
      } catch (error) {
        if (!(error instanceof InvalidPeerId)) throw error;
      }
    }
    const index = this.strings++;
    if (4 * index === this.records.length) {
      const records = new Int32Array(this.records.length * 2);
      records.set(this.records);
      this.records = records;
    }
    const length = end - from;
    if (this.stored + length > this.store.length) {
      const store = new Uint8Array(Math.max(this.store.length * 2, this.stored + length));
      store.set(this.store.subarray(0, this.stored));
      this.store = store;
      this.storeView = new DataView(store.buffer);
    }
    this.store.set(file.subarray(from, end), this.stored);
    const record = index << 2;
    this.records[record] = hash;
    this.records[record + 1] = length;
    this.records[record + 2] = this.stored;
    this.records[record + 3] = peer;
    this.stored += length;
    this.slots[slot] = index + 1;
    if (this.strings * 2 > this.slots.length) this.growSlots();
    return peer;
  }

  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let index = 0; index < this.strings; index++) {
      let slot = (this.records[index << 2] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = index + 1;
    }
    this.slots = slots;
  }
}

/**
 * The governor part of one node snapshot, as columns in file order (the
 * entries restore skips left out). u64 times are kept as two u32 halves, so
 * that no entry makes a bigint. One is reused from file to file.
 */
export class GovernorScan {
  blocked = new Int32Array(256);
  blockedCount = 0;
  /** `allowlist` is `Some`. */
  allowlistSome = false;
  allowed = new Int32Array(256);
  allowedCount = 0;
  healthPeer = new Int32Array(256);
  healthFailures = new Uint32Array(256);
  healthEventHigh = new Uint32Array(256);
  healthEventLow = new Uint32Array(256);
  healthDown = new Uint8Array(256);
  healthCount = 0;
  /** The u32 in the file (0 restores as 1). */
  failureThreshold = 0;
  backoffPeer = new Int32Array(256);
  backoffAttempts = new Uint32Array(256);
  backoffLastHigh = new Uint32Array(256);
  backoffLastLow = new Uint32Array(256);
  backoffNextHigh = new Uint32Array(256);
  backoffNextLow = new Uint32Array(256);
  backoffCount = 0;
  /** As `readNodeSnapshot` gives them: one per skipped entry, and the threshold's clamp. */
  warnings: SnapshotWarning[] = [];

  /** Empties the columns, keeping their memory. */
  reset(): void {
    this.blockedCount = 0;
    this.allowlistSome = false;
    this.allowedCount = 0;
    this.healthCount = 0;
    this.failureThreshold = 0;
    this.backoffCount = 0;
    this.warnings = [];
  }

  /** Room for `count` blocklist/allowlist entries. */
  roomForPeers(count: number): void {
    if (count > this.blocked.length) this.blocked = new Int32Array(count);
    if (count > this.allowed.length) this.allowed = new Int32Array(count);
  }

  /** Room for `count` health entries. */
  roomForHealth(count: number): void {
    if (count <= this.healthPeer.length) return;
    this.healthPeer = new Int32Array(count);
    this.healthFailures = new Uint32Array(count);
    this.healthEventHigh = new Uint32Array(count);
    this.healthEventLow = new Uint32Array(count);
    this.healthDown = new Uint8Array(count);
  }

  /** Room for `count` backoff entries. */
  roomForBackoff(count: number): void {
    if (count <= this.backoffPeer.length) return;
    this.backoffPeer = new Int32Array(count);
    this.backoffAttempts = new Uint32Array(count);
    this.backoffLastHigh = new Uint32Array(count);
    this.backoffLastLow = new Uint32Array(count);
    this.backoffNextHigh = new Uint32Array(count);
    this.backoffNextLow = new Uint32Array(count);
  }
}

/**
 * Restore's view of a scan: which entries upstream keeps (the last of each
 * peer, in health and in the backoff table) and the clock the node reader
 * gives the file (the latest event among those: health's last event, the
 * table's last attempt). Its scratch space is reused from file to file.
 */
export class RestoredScan {
  /** Per peer number, the index of its last entry in the file's health list / backoff table. */
  private healthAt = new Int32Array(1024);
  private backoffAt = new Int32Array(1024);
  clockHigh = 0;
  clockLow = 0;

  /** Works out what restore keeps of `scan`, whose peers are numbered below `peers`. */
  restore(scan: GovernorScan, peers: number): void {
    if (peers > this.healthAt.length) {
      this.healthAt = new Int32Array(Math.max(peers, this.healthAt.length * 2));
      this.backoffAt = new Int32Array(this.healthAt.length);
    }
    const { healthAt, backoffAt } = this;
    for (let i = 0; i < scan.healthCount; i++) healthAt[scan.healthPeer[i] as number] = i;
    for (let i = 0; i < scan.backoffCount; i++) backoffAt[scan.backoffPeer[i] as number] = i;
    let high = 0;
    let low = 0;
    for (let i = 0; i < scan.healthCount; i++) {
      if (healthAt[scan.healthPeer[i] as number] !== i) continue;
      const entryHigh = scan.healthEventHigh[i] as number;
      const entryLow = scan.healthEventLow[i] as number;
      if (entryHigh > high || (entryHigh === high && entryLow > low)) {
        high = entryHigh;
        low = entryLow;
      }
    }
    for (let i = 0; i < scan.backoffCount; i++) {
      if (backoffAt[scan.backoffPeer[i] as number] !== i) continue;
      const entryHigh = scan.backoffLastHigh[i] as number;
      const entryLow = scan.backoffLastLow[i] as number;
      if (entryHigh > high || (entryHigh === high && entryLow > low)) {
        high = entryHigh;
        low = entryLow;
      }
    }
    this.clockHigh = high;
    this.clockLow = low;
  }

  /** True when restore keeps health entry `i` of the scan last given to `restore`. */
  keepsHealth(scan: GovernorScan, i: number): boolean {
    return this.healthAt[scan.healthPeer[i] as number] === i;
  }

  /** True when restore keeps backoff entry `i` of the scan last given to `restore`. */
  keepsBackoff(scan: GovernorScan, i: number): boolean {
    return this.backoffAt[scan.backoffPeer[i] as number] === i;
  }
}

const HIGH = 4294967296n;

/**
 * The model of one node as restore leaves it, cut down to some peers (`ids`:
 * peer number -> its id, the peers wanted): the threshold, the policy's answer
 * for those peers (blocked; an allowlist, holding them or not), their health
 * and backoff entries, and the file's own clock. What any command about those
 * peers sees (check's decisions, inspect's rows) is what the whole model gives.
 */
export function snapshotOfPeers(
  scan: GovernorScan,
  restored: RestoredScan,
  ids: ReadonlyMap<number, PeerId>,
  backoff: Partial<BackoffConfig> = {},
): Snapshot {
  const governor = new PeerGovernor();
  governor.setFailureThreshold(scan.failureThreshold);
  for (let i = 0; i < scan.blockedCount; i++) {
    const id = ids.get(scan.blocked[i] as number);
    if (id !== undefined) governor.block(id);
  }
  if (scan.allowlistSome) {
    const allowed: PeerId[] = [];
    for (let i = 0; i < scan.allowedCount; i++) {
      const id = ids.get(scan.allowed[i] as number);
      if (id !== undefined) allowed.push(id);
    }
    governor.setAllowlist(allowed);
  }
  const table = new BackoffTable(backoff);
  const u64 = (high: number, low: number): bigint => BigInt(high) * HIGH + BigInt(low);
  for (let i = 0; i < scan.healthCount; i++) {
    const id = ids.get(scan.healthPeer[i] as number);
    if (id === undefined || !restored.keepsHealth(scan, i)) continue;
    governor.restoreHealth(id, {
      consecutiveFailures: scan.healthFailures[i] as number,
      lastEventNs: u64(scan.healthEventHigh[i] as number, scan.healthEventLow[i] as number),
      down: scan.healthDown[i] === 1,
    });
  }
  for (let i = 0; i < scan.backoffCount; i++) {
    const id = ids.get(scan.backoffPeer[i] as number);
    if (id === undefined || !restored.keepsBackoff(scan, i)) continue;
    table.restoreState(id, {
      attempts: scan.backoffAttempts[i] as number,
      lastAttemptNs: u64(scan.backoffLastHigh[i] as number, scan.backoffLastLow[i] as number),
      nextRetryNs: u64(scan.backoffNextHigh[i] as number, scan.backoffNextLow[i] as number),
    });
  }
  return { clockNs: u64(restored.clockHigh, restored.clockLow), governor, backoff: table };
}

/** Why a scan stopped: the file is not one the quick look takes; reading it the usual way says what is wrong. */
export class ScanRefused extends Error {}

/**
 * Walks a bincode NodeSnapshot, validating every section as `readNodeSnapshot`
 * does, and fills `into` with its governor lists, each peer numbered by `peers`.
 * Throws (SnapshotError or ScanRefused) on any file `readNodeSnapshot` refuses.
 */
export function scanNodeSnapshot(input: Uint8Array, peers: PeerTable, into: GovernorScan): void {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  into.reset();
  walkNodeSnapshot(bytes, {
    governor: (at) => scanGovernor(bytes, view, at, peers, into),
    backoffTable: (at) => scanBackoffTable(bytes, view, at, peers, into),
  });
}

/** What reads the governor's two parts of a NodeSnapshot: each is given where its part starts and returns where it ends. */
export interface GovernorParts {
  governor(at: number): number;
  backoffTable(at: number): number;
  /** The file's bytes again after a part was read (a WebAssembly memory that grew gives a new view); else the same. */
  again?(): Uint8Array;
}

/**
 * Walks a bincode NodeSnapshot: every section other than the governor's two
 * parts is validated as `readNodeSnapshot` validates it and skipped, those two
 * are handed to `parts`, and `spec_version` must be 1 (else ScanRefused).
 * Throws SnapshotError or ScanRefused on any file `readNodeSnapshot` refuses.
 */
export function walkNodeSnapshot(bytes: Uint8Array, parts: GovernorParts): void {
  let reader = new Reader(bytes);
  const at = (end: number): void => {
    reader = new Reader(parts.again?.() ?? reader.bytes, end);
  };
  let specVersion = 0;
  for (const [name, schema] of NODE_SNAPSHOT.struct) {
    if (name !== "transient") {
      skip(schema, reader, name);
      continue;
    }
    for (const [field, fieldSchema] of TRANSIENT.struct) {
      if (field !== "framework") {
        skip(fieldSchema, reader, `transient.${field}`);
        continue;
      }
      for (const [part, partSchema] of FRAMEWORK.struct) {
        if (part === "peer_governor") at(parts.governor(reader.offset));
        else if (part === "backoff_table") at(parts.backoffTable(reader.offset));
        else if (part === "spec_version") specVersion = reader.u32();
        else skip(partSchema, reader, `transient.framework.${part}`);
      }
    }
  }
  if (specVersion !== 1) throw new ScanRefused(`spec_version ${specVersion}`);
}

/** A u64 length prefix at `at` of elements at least `minSize` bytes each, refused when the bytes left cannot hold them. */
function lengthAt(view: DataView, at: number, minSize: number): number {
  if (at + 8 > view.byteLength) throw new ScanRefused("truncated length");
  const count = view.getUint32(at + 4, true) * TWO_POW_32 + view.getUint32(at, true);
  if (count * minSize > view.byteLength - at - 8) throw new ScanRefused("length beyond the end");
  return count;
}

/** The end of a `Vec<u8>` at `at` (its length prefix included). */
function bytesEnd(view: DataView, at: number): number {
  return at + 8 + lengthAt(view, at, 1);
}

/** Warns, as the node reader does, about an entry restore skips. */
function skipped(into: GovernorScan, bytes: Uint8Array, at: number, end: number, path: string): void {
  const problem = multihashProblem(bytes.subarray(at + 8, end)) ?? "does not parse";
  into.warnings.push(skippedEntryWarning(path, problem, at));
}

/** `PeerGovernorSnapshot` from `at`; returns where it ends. */
function scanGovernor(bytes: Uint8Array, view: DataView, at: number, peers: PeerTable, into: GovernorScan): number {
  let offset = at;
  let count = lengthAt(view, offset, 8);
  offset += 8;
  into.roomForPeers(count);
  for (let index = 0; index < count; index++) {
    const end = bytesEnd(view, offset);
    const peer = peers.peer(bytes, view, offset + 8, end);
    if (peer < 0) skipped(into, bytes, offset, end, `${GOVERNOR_PATH}.blocklist[${index}]`);
    else into.blocked[into.blockedCount++] = peer;
    offset = end;
  }
  if (offset >= bytes.length) throw new ScanRefused("truncated Option tag");
  const tag = bytes[offset++] as number;
  if (tag > 1) throw new ScanRefused("bad Option tag");
  if (tag === 1) {
    into.allowlistSome = true;
    count = lengthAt(view, offset, 8);
    offset += 8;
    into.roomForPeers(count);
    for (let index = 0; index < count; index++) {
      const end = bytesEnd(view, offset);
      const peer = peers.peer(bytes, view, offset + 8, end);
      if (peer < 0) skipped(into, bytes, offset, end, `${GOVERNOR_PATH}.allowlist[${index}]`);
      else into.allowed[into.allowedCount++] = peer;
      offset = end;
    }
  }
  count = lengthAt(view, offset, 8 + 4 + 8 + 1);
  offset += 8;
  into.roomForHealth(count);
  // The hot loop: columns and the file's length in locals, each entry's bounds checked at once.
  const { healthPeer, healthFailures, healthEventLow, healthEventHigh, healthDown } = into;
  const length = bytes.length;
  let kept = 0;
  for (let index = 0; index < count; index++) {
    if (offset + 8 > length || view.getUint32(offset + 4, true) !== 0) throw new ScanRefused("bad peer length");
    const peerEnd = offset + 8 + view.getUint32(offset, true);
    if (peerEnd + 13 > length) throw new ScanRefused("truncated health entry");
    const down = bytes[peerEnd + 12] as number;
    if (down > 1) throw new ScanRefused("bad bool");
    const peer = peers.peer(bytes, view, offset + 8, peerEnd);
    if (peer < 0) skipped(into, bytes, offset, peerEnd, `${GOVERNOR_PATH}.health[${index}][0]`);
    else {
      healthPeer[kept] = peer;
      healthFailures[kept] = view.getUint32(peerEnd, true);
      healthEventLow[kept] = view.getUint32(peerEnd + 4, true);
      healthEventHigh[kept] = view.getUint32(peerEnd + 8, true);
      healthDown[kept] = down;
      kept++;
    }
    offset = peerEnd + 13;
  }
  into.healthCount = kept;
  if (offset + 4 > bytes.length) throw new ScanRefused("truncated failure_threshold");
  const threshold = view.getUint32(offset, true);
  into.failureThreshold = threshold;
  if (threshold === 0) into.warnings.push(thresholdZeroWarning(offset));
  return offset + 4;
}

/** `Vec<BackoffEntry>` from `at`; returns where it ends. */
function scanBackoffTable(bytes: Uint8Array, view: DataView, at: number, peers: PeerTable, into: GovernorScan): number {
  let offset = at;
  const count = lengthAt(view, offset, 8 + 4 + 8 + 8);
  offset += 8;
  into.roomForBackoff(count);
  const { backoffPeer, backoffAttempts, backoffLastLow, backoffLastHigh, backoffNextLow, backoffNextHigh } = into;
  const length = bytes.length;
  let kept = 0;
  for (let index = 0; index < count; index++) {
    if (offset + 8 > length || view.getUint32(offset + 4, true) !== 0) throw new ScanRefused("bad peer length");
    const peerEnd = offset + 8 + view.getUint32(offset, true);
    if (peerEnd + 20 > length) throw new ScanRefused("truncated backoff entry");
    const peer = peers.peer(bytes, view, offset + 8, peerEnd);
    if (peer < 0) skipped(into, bytes, offset, peerEnd, `${BACKOFF_PATH}[${index}].peer`);
    else {
      backoffPeer[kept] = peer;
      backoffAttempts[kept] = view.getUint32(peerEnd, true);
      backoffLastLow[kept] = view.getUint32(peerEnd + 4, true);
      backoffLastHigh[kept] = view.getUint32(peerEnd + 8, true);
      backoffNextLow[kept] = view.getUint32(peerEnd + 12, true);
      backoffNextHigh[kept] = view.getUint32(peerEnd + 16, true);
      kept++;
    }
    offset = peerEnd + 20;
  }
  into.backoffCount = kept;
  return offset;
}
