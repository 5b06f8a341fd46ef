/**
 * The canonical-layout reader: the fast path for the files bbgov writes itself.
 *
 * A text laid out byte for byte as encodeSnapshot writes it is read by a
 * recognizer that walks it once and fills the model directly, with no JSON
 * tree in between. It accepts a subset of what the general reader
 * (`decode.ts`) accepts and builds the same model; at the first thing it does
 * not expect (other whitespace or key order, an escape, a list out of order,
 * a value the general path would warn about or reject) it gives up, and the
 * general path decides, so errors and warnings always come from one place. It
 * also remembers where each entry stood, for encodeSnapshot to copy the
 * entries nothing has changed (see `CanonicalSource`).
 */
import { BackoffTable, type BackoffEntry } from "../core/backoff.js";
import { InvalidPeerId } from "../core/errors.js";
import { PeerGovernor, type HealthEntry, type PeerHealth } from "../core/governor.js";
import { MAX_PEER_TEXT, PeerId, isPeerTextIn } from "../core/peer-id.js";
import { U32_MAX, U64_MAX } from "../core/u64.js";
import { AsReadSlot, type Snapshot, type Tallies } from "./model.js";

const U64_MAX_TEXT = U64_MAX.toString();
const U32_MAX_TEXT = String(U32_MAX);

/**
 * Where a list of a canonically read snapshot sits in its text: `items` as
 * the model held them right after the read (PeerIds, or health / backoff
 * entry objects), in text order, and where each item's text starts; the last
 * one ends at `end`. Items are joined by ",\n".
 */
export interface SourceList<T> {
  readonly items: readonly T[];
  readonly starts: readonly number[];
  readonly end: number;
}

/**
 * The text a snapshot was read from by the canonical path, with its lists.
 * An item the model still holds (the same object: the core replaces an entry
 * on every change and never edits one) is written back exactly as it stands
 * there, so encodeSnapshot may copy it instead of formatting it again.
 */
export interface CanonicalSource {
  readonly text: string;
  /** The model's objects the lists were read into: a list whose restore is still deferred is copied from `text` whole. */
  readonly governor: PeerGovernor;
  readonly backoff: BackoffTable;
  readonly blocklist: SourceList<PeerId>;
  readonly allowlist: SourceList<PeerId> | null;
  readonly health: SourceList<HealthEntry>;
  readonly backoffTable: SourceList<BackoffEntry>;
}

/** The canonical text a snapshot was read from, kept on the snapshot (see AsReadSlot). */
const SOURCE = new AsReadSlot<CanonicalSource>("bbgov.canonicalSource");

/** The canonical text `snapshot` was decoded from, if it was read by the canonical path. */
export function canonicalSource(snapshot: Snapshot): CanonicalSource | undefined {
  return SOURCE.of(snapshot);
}

/** Thrown inside CanonicalReader at the first unexpected character; never escapes readCanonical. */
class NotCanonical extends Error {}
const NOT_CANONICAL = new NotCanonical("not in the canonical layout");

/**
 * The snapshot of a text in exactly the canonical layout (the snapshot format in README.md:
 * contract key order, 2-space indent, values as encodeSnapshot writes them),
 * or undefined for any other text. Builds the model with the same calls, in
 * the same order, as Reader; returns undefined wherever Reader would warn or
 * fail, so that the general path reports it.
 */
export function readCanonical(text: string): Snapshot | undefined {
  // A cheap look at both ends first: most other texts fail here.
  if (text.charCodeAt(0) !== 0x7b || !text.endsWith("\n}\n")) return undefined;
  try {
    return new CanonicalReader(text).snapshot();
  } catch (error) {
    // NotCanonical, or a peer id PeerId.parse refused: the general path reports it. Anything else is a bug.
    if (error instanceof NotCanonical || error instanceof InvalidPeerId) return undefined;
    throw error;
  }
}

// One entry each, as encodeSnapshot writes it, in two sticky patterns: up to the peer's text, and from
// its closing quote to the entry's end. The peer's text between them is found by its closing quote and
// checked (entryPeerAt: at most MAX_PEER_TEXT characters, after the list's previous peer, and a peer id's
// text as bbgov writes it, so base58 letters only); a character class over it in the pattern cost more
// than that check. A match proves the layout; the values are then read
// at known offsets from the peer's closing quote (no capture strings to allocate).
const HEALTH_HEAD = / {6}\{\n {8}"peer": "/y;
const HEALTH_TAIL = new RegExp(
  String.raw`",\n {8}"consecutive_failures": (?:0|[1-9][0-9]{0,9}),\n {8}"last_event_ns": "(?:0|[1-9][0-9]{0,19})",` +
    String.raw`\n {8}"down": (?:true|false)\n {6}\}`,
  "y",
);
const HEALTH_ENTRY_PEER_AT = '      {\n        "peer": "'.length;
const HEALTH_ENTRY_FAILURES_AT = '",\n        "consecutive_failures": '.length;
const HEALTH_ENTRY_LAST_EVENT_AT = ',\n        "last_event_ns": "'.length;
const HEALTH_ENTRY_DOWN_AT = '",\n        "down": '.length;
const TABLE_HEAD = / {4}\{\n {6}"peer": "/y;
const TABLE_TAIL = new RegExp(
  String.raw`",\n {6}"attempts": (?:0|[1-9][0-9]{0,9}),\n {6}"last_attempt_ns": "(?:0|[1-9][0-9]{0,19})",` +
    String.raw`\n {6}"next_retry_ns": "(?:0|[1-9][0-9]{0,19})"\n {4}\}`,
  "y",
);
const TABLE_ENTRY_PEER_AT = '    {\n      "peer": "'.length;
const TABLE_ENTRY_ATTEMPTS_AT = '",\n      "attempts": '.length;
const TABLE_ENTRY_LAST_ATTEMPT_AT = ',\n      "last_attempt_ns": "'.length;
const TABLE_ENTRY_NEXT_RETRY_AT = '",\n      "next_retry_ns": "'.length;

/** Where the run of decimal digits starting at `start` ends. */
function digitsEnd(text: string, start: number): number {
  let end = start;
  for (let code = text.charCodeAt(end); code >= 0x30 && code <= 0x39; code = text.charCodeAt(++end));
  return end;
}

/** The u32 whose digits (at most 10, as the entry's tail pattern allows) are text[start, end). */
function u32At(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (text.charCodeAt(i) - 0x30);
  if (value > U32_MAX) throw NOT_CANONICAL;
  return value;
}

/** Checks that the digits text[start, end) (no leading zero, as the entry's tail pattern allows) are at most U64_MAX, without a bigint. */
function checkU64At(text: string, start: number, end: number): void {
  if (end - start < U64_MAX_TEXT.length) return;
  for (let i = 0; i < U64_MAX_TEXT.length; i++) {
    const difference = text.charCodeAt(start + i) - U64_MAX_TEXT.charCodeAt(i);
    if (difference < 0) return;
    if (difference > 0) throw NOT_CANONICAL;
  }
}

/** The u64 whose digits (no leading zero, as the entry's tail pattern allows) are text[start, end). */
function u64At(text: string, start: number, end: number): bigint {
  const digits = text.slice(start, end);
  if (digits.length === U64_MAX_TEXT.length && digits > U64_MAX_TEXT) throw NOT_CANONICAL;
  return BigInt(digits);
}

const SCHEMA_KEY = '  "$schema": "';

/**
 * A cursor over a canonical text; every method consumes exactly what it
 * expects or throws NOT_CANONICAL. Canonical lists are sorted by peer text, so
 * instead of a Map of the peers met so far (a hash of each text), each list is
 * matched against the sorted peers of the lists before it by a merge walk,
 * comparing texts where they stand in the source; a list out of order is not
 * canonical.
 */
class CanonicalReader {
  private at = 0;
  /** Every peer of the lists read so far, ascending by text, each once, with where its text stands. */
  private known: MetPeers = emptyMetPeers();
  /** The list being read: its position in `known`, where its last text stands, and its peers not in `known`. */
  private cursor = 0;
  private previousStart = -1;
  private previousEnd = -1;
  private added: MetPeers = emptyMetPeers();
  /** Where the text of the peer peerAt read last ends (its closing quote). */
  private peerEnd = 0;
  private readonly governor = new PeerGovernor();
  private readonly backoff = new BackoffTable();

  constructor(private readonly text: string) {}

  snapshot(): Snapshot {
    this.expect("{\n");
    let schema: string | undefined;
    if (this.text.startsWith(SCHEMA_KEY, this.at)) {
      this.at += SCHEMA_KEY.length;
      schema = this.plainString();
      this.expect(",\n");
    }
    this.expect('  "spec_version": 1,\n  "clock_ns": ');
    const clockNs = this.u64();
    this.expect(',\n  "peer_governor": {\n    "failure_threshold": ');
    const threshold = this.u32();
    if (threshold === 0) throw NOT_CANONICAL; // loads with a warning: the general path gives it
    this.governor.setFailureThreshold(threshold);
    this.expect(',\n    "blocklist": ');
    const blocklist = this.peerList();
    for (const peer of blocklist.items) this.governor.block(peer);
    if (this.governor.blocklistSize() !== blocklist.items.length) throw NOT_CANONICAL;
    this.expect(',\n    "allowlist": ');
    let allowlist: SourceList<PeerId> | null = null;
    if (this.text.startsWith("null", this.at)) {
      this.at += 4;
      this.governor.setAllowlist(null);
    } else {
      allowlist = this.peerList();
      this.governor.setAllowlist(allowlist.items);
      if (this.governor.allowlistSize() !== allowlist.items.length) throw NOT_CANONICAL;
    }
    this.expect(',\n    "health": ');
    const health = this.health();
    this.expect('\n  },\n  "backoff": {\n    "base_ns": ');
    const baseNs = this.u64();
    this.expect(',\n    "max_delay_ns": ');
    const maxDelayNs = this.u64();
    if (baseNs === 0n || maxDelayNs === 0n) throw NOT_CANONICAL; // clamped with a warning
    this.backoff.setConfig({ baseNs });
    this.backoff.setConfig({ maxDelayNs });
    this.expect('\n  },\n  "backoff_table": ');
    const backoffTable = this.backoffTable();
    this.expect("\n}\n");
    if (this.at !== this.text.length) throw NOT_CANONICAL;
    const { text, governor, backoff } = this;
    const peers = new RestoredPeers(text);
    const snapshot: Snapshot = { clockNs, governor, backoff };
    if (schema !== undefined) snapshot.schema = schema;
    const source = {
      text,
      governor,
      backoff,
      blocklist,
      allowlist,
      health: { ...health, items: [] as HealthEntry[] },
      backoffTable: { ...backoffTable, items: [] as BackoffEntry[] },
    };
    // Every entry is checked; the entries themselves are made only for a command that looks at them
    // (`block` on 100k peers does not: the encoder copies both lists from the text). Each list goes
    // into a fresh map in text order, so the maps iterate in text order.
    governor.deferHealthRestore(
      (restored) => {
        restoreHealth(text, health.starts, peers.of(health.starts, HEALTH_ENTRY_PEER_AT), restored);
        source.health.items = Array.from(restored.iterHealth());
      },
      (peer) => holdsPeer(text, health.starts, HEALTH_ENTRY_PEER_AT, peer.text),
      (peer) => peekHealth(text, health.starts, peer),
    );
    backoff.deferRestore(
      (restored) => {
        restoreBackoffTable(text, backoffTable.starts, peers.of(backoffTable.starts, TABLE_ENTRY_PEER_AT), restored);
        source.backoffTable.items = Array.from(restored.iter());
      },
      (peer) => holdsPeer(text, backoffTable.starts, TABLE_ENTRY_PEER_AT, peer.text),
      (peer) => peekBackoff(text, backoffTable.starts, peer),
    );
    SOURCE.keep(snapshot, source);
    return snapshot;
  }

  /** `[]`, or the peer texts one per line at the depth of the governor's lists. */
  private peerList(): SourceList<PeerId> {
    const items: PeerId[] = [];
    const starts: number[] = [];
    if (this.emptyList()) return { items, starts, end: this.at };
    this.startList();
    do {
      starts.push(this.at);
      this.expect('      "');
      items.push(this.peerUpToQuote());
    } while (this.nextItem());
    const end = this.at;
    this.expect("\n    ]");
    this.endList();
    return { items, starts, end };
  }

  // A repeated peer is out of order (peerAt wants each text strictly after the one before), so not canonical.
  private health(): Omit<SourceList<HealthEntry>, "items"> {
    return this.entryList(HEALTH_HEAD, HEALTH_TAIL, "\n    ]", () => this.healthEntry());
  }

  private backoffTable(): Omit<SourceList<BackoffEntry>, "items"> {
    return this.entryList(TABLE_HEAD, TABLE_TAIL, "\n  ]", () => this.backoffEntry());
  }

  /**
   * `[]`, or entries each matching `head`, a peer's text (entryPeerAt) and `tail`, their values checked by
   * `read`, then `closing`; where each starts.
   */
  private entryList(head: RegExp, tail: RegExp, closing: string, read: () => void): Omit<SourceList<unknown>, "items"> {
    const text = this.text;
    const starts: number[] = [];
    let end = this.at;
    if (!this.emptyList()) {
      this.startList();
      do {
        const start = this.at;
        starts.push(start);
        head.lastIndex = start;
        if (!head.test(text)) throw NOT_CANONICAL;
        this.entryPeerAt(head.lastIndex);
        tail.lastIndex = this.peerEnd;
        if (!tail.test(text)) throw NOT_CANONICAL;
        this.at = tail.lastIndex;
        read();
      } while (this.nextItem());
      end = this.at;
      this.expect(closing);
      this.endList();
    }
    return { starts, end };
  }

  /** Checks the numbers of the health entry just matched (its peer ends at peerEnd); the entry is made by the deferred restore. */
  private healthEntry(): void {
    const text = this.text;
    const failuresAt = this.peerEnd + HEALTH_ENTRY_FAILURES_AT;
    const failuresEnd = digitsEnd(text, failuresAt);
    u32At(text, failuresAt, failuresEnd);
    const lastEventAt = failuresEnd + HEALTH_ENTRY_LAST_EVENT_AT;
    checkU64At(text, lastEventAt, digitsEnd(text, lastEventAt));
  }

  /** Checks the numbers of the backoff entry just matched (its peer ends at peerEnd); the entry is made by the deferred restore. */
  private backoffEntry(): void {
    const text = this.text;
    const attemptsAt = this.peerEnd + TABLE_ENTRY_ATTEMPTS_AT;
    const attemptsEnd = digitsEnd(text, attemptsAt);
    u32At(text, attemptsAt, attemptsEnd);
    const lastAttemptAt = attemptsEnd + TABLE_ENTRY_LAST_ATTEMPT_AT;
    const lastAttemptEnd = digitsEnd(text, lastAttemptAt);
    checkU64At(text, lastAttemptAt, lastAttemptEnd);
    const nextRetryAt = lastAttemptEnd + TABLE_ENTRY_NEXT_RETRY_AT;
    checkU64At(text, nextRetryAt, digitsEnd(text, nextRetryAt));
  }

  /** Consumes `[]` (true) or `[` and a newline (false: items follow). */
  private emptyList(): boolean {
    this.expect("[");
    if (this.text.charCodeAt(this.at) === 0x5d) {
      this.at += 1;
      return true;
    }
    this.expect("\n");
    return false;
  }

  /** Consumes `,` and a newline when another item follows. */
  private nextItem(): boolean {
    if (this.text.charCodeAt(this.at) !== 0x2c || this.text.charCodeAt(this.at + 1) !== 0x0a) return false;
    this.at += 2;
    return true;
  }

  private expect(literal: string): void {
    if (!this.text.startsWith(literal, this.at)) throw NOT_CANONICAL;
    this.at += literal.length;
  }

  /** The rest of a string with no escape and no control character, up to and past its closing quote. */
  private plainString(): string {
    const end = this.text.indexOf('"', this.at);
    if (end === -1) throw NOT_CANONICAL;
    for (let i = this.at; i < end; i++) {
      const code = this.text.charCodeAt(i);
      if (code < 0x20 || code === 0x5c) throw NOT_CANONICAL;
    }
    const value = this.text.slice(this.at, end);
    this.at = end + 1;
    return value;
  }

  private startList(): void {
    this.cursor = 0;
    this.previousStart = -1;
    this.added = emptyMetPeers();
  }

  private endList(): void {
    if (this.added.peers.length > 0) this.known = mergeMetPeers(this.text, this.known, this.added);
  }

  /**
   * Checks the peer text of a health or backoff entry at `start` without
   * making it: strictly after the list's previous peer (in order, no repeat)
   * and a peer id as bbgov writes it. Its PeerId is made if the list is.
   */
  private entryPeerAt(start: number): void {
    if (!isPeerTextIn(this.text, start, this.nextPeerText(start))) throw NOT_CANONICAL;
  }

  /**
   * Where the peer text starting at `start` ends (its closing quote, also left
   * in `peerEnd`), checked to come strictly after the list's previous one: in
   * order, and no repeat.
   */
  private nextPeerText(start: number): number {
    const text = this.text;
    const end = text.indexOf('"', start);
    if (end <= start || end - start > MAX_PEER_TEXT) throw NOT_CANONICAL;
    this.peerEnd = end;
    if (this.previousStart >= 0 && compareSpans(text, this.previousStart, this.previousEnd, start, end) >= 0) throw NOT_CANONICAL;
    this.previousStart = start;
    this.previousEnd = end;
    return end;
  }

  /** A peer id up to and past its closing quote (see peerAt; PeerId.parse takes base58btc letters only). */
  private peerUpToQuote(): PeerId {
    const peer = this.peerAt(this.at);
    this.at = this.peerEnd + 1;
    return peer;
  }

  /**
   * The peer id whose text starts at `start` and runs to the next quote, as
   * Reader.peer accepts it: the same PeerId as an earlier list's for the same
   * text, else parsed (once). Texts are compared where they stand in the
   * source (`compareSpans`), so a peer met before costs no string at all.
   */
  private peerAt(start: number): PeerId {
    const text = this.text;
    const end = this.nextPeerText(start);
    const known = this.known;
    const count = known.peers.length;
    let cursor = this.cursor;
    let order = -1;
    while (cursor < count) {
      order = compareSpans(text, known.starts[cursor] as number, known.ends[cursor] as number, start, end);
      if (order >= 0) break;
      cursor++;
    }
    this.cursor = cursor;
    if (cursor < count && order === 0) return known.peers[cursor] as PeerId;
    const value = text.slice(start, end);
    const peer = PeerId.parse(value); // a backslash or any other non-base58 character throws
    if (peer.text !== value) throw NOT_CANONICAL;
    const added = this.added;
    added.peers.push(peer);
    added.starts.push(start);
    added.ends.push(end);
    return peer;
  }

  /** A u64 as a decimal string, as u64FromString accepts it. */
  private u64(): bigint {
    const text = this.text;
    if (text.charCodeAt(this.at) !== 0x22) throw NOT_CANONICAL;
    const start = this.at + 1;
    const end = text.indexOf('"', start);
    const length = end - start;
    if (end === -1 || length === 0 || length > U64_MAX_TEXT.length) throw NOT_CANONICAL;
    for (let i = start; i < end; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x30 || code > 0x39) throw NOT_CANONICAL;
    }
    if (length > 1 && text.charCodeAt(start) === 0x30) throw NOT_CANONICAL;
    const digits = text.slice(start, end);
    if (length === U64_MAX_TEXT.length && digits > U64_MAX_TEXT) throw NOT_CANONICAL;
    this.at = end + 1;
    return BigInt(digits);
  }

  /** A u32 as a JSON integer: digits with no leading zero, at most U32_MAX. */
  private u32(): number {
    const text = this.text;
    const start = this.at;
    let value = 0;
    let i = start;
    for (; i < text.length && i - start <= U32_MAX_TEXT.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x30 || code > 0x39) break;
      value = value * 10 + (code - 0x30);
    }
    const length = i - start;
    if (length === 0 || length > U32_MAX_TEXT.length || value > U32_MAX) throw NOT_CANONICAL;
    if (length > 1 && text.charCodeAt(start) === 0x30) throw NOT_CANONICAL;
    this.at = i;
    return value;
  }
}

/**
 * The PeerIds of a deferred list, made when it is restored; the list restored
 * second reuses the first one's object for each peer both hold (a peer
 * usually has health and a backoff entry: one object, not two). Both lists
 * ascend by peer text, so one merge walk finds them.
 */
class RestoredPeers {
  private peers: PeerId[] = [];
  private starts: number[] = [];
  private ends: number[] = [];

  constructor(private readonly text: string) {}

  /** The peers of the entries at `starts`, whose peer texts begin `at` characters in. */
  of(entryStarts: readonly number[], at: number): PeerId[] {
    const text = this.text;
    const made: PeerId[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let j = 0;
    for (const entryStart of entryStarts) {
      const start = entryStart + at;
      const end = text.indexOf('"', start);
      let order = -1;
      while (j < this.peers.length) {
        order = compareSpans(text, this.starts[j] as number, this.ends[j] as number, start, end);
        if (order >= 0) break;
        j++;
      }
      made.push(j < this.peers.length && order === 0 ? (this.peers[j] as PeerId) : PeerId.parse(text.slice(start, end)));
      starts.push(start);
      ends.push(end);
    }
    if (this.peers.length === 0) {
      this.peers = made;
      this.starts = starts;
      this.ends = ends;
    }
    return made;
  }
}

/** Restores the health entries checked at `starts` of `text` (their peers `peers`), as `restoreHealth` calls in text order. */
function restoreHealth(text: string, starts: readonly number[], peers: readonly PeerId[], governor: PeerGovernor): void {
  for (let i = 0; i < starts.length; i++) {
    const peer = peers[i] as PeerId;
    governor.restoreHealth(peer, healthAt(text, starts[i] as number, peer.text.length));
  }
}

/** The values of the checked health entry at `start` of `text`, whose peer's text is `peerLength` long. */
function healthAt(text: string, start: number, peerLength: number): PeerHealth {
  const failuresAt = start + HEALTH_ENTRY_PEER_AT + peerLength + HEALTH_ENTRY_FAILURES_AT;
  const failuresEnd = digitsEnd(text, failuresAt);
  const lastEventAt = failuresEnd + HEALTH_ENTRY_LAST_EVENT_AT;
  const lastEventEnd = digitsEnd(text, lastEventAt);
  return {
    consecutiveFailures: u32At(text, failuresAt, failuresEnd),
    lastEventNs: u64At(text, lastEventAt, lastEventEnd),
    down: text.charCodeAt(lastEventEnd + HEALTH_ENTRY_DOWN_AT) === 0x74, // "true"
  };
}

/** Restores the backoff entries checked at `starts` of `text` (their peers `peers`), in text order. */
function restoreBackoffTable(text: string, starts: readonly number[], peers: readonly PeerId[], backoff: BackoffTable): void {
  // Usually the same instant as the one before (a burst of failures): one bigint for equal digits in a row.
  let previousStart = -1;
  let previousEnd = -1;
  let previous = 0n;
  for (let i = 0; i < starts.length; i++) {
    const peer = peers[i] as PeerId;
    const attemptsAt = (starts[i] as number) + TABLE_ENTRY_PEER_AT + peer.text.length + TABLE_ENTRY_ATTEMPTS_AT;
    const attemptsEnd = digitsEnd(text, attemptsAt);
    const attempts = u32At(text, attemptsAt, attemptsEnd);
    const lastAttemptAt = attemptsEnd + TABLE_ENTRY_LAST_ATTEMPT_AT;
    const lastAttemptEnd = digitsEnd(text, lastAttemptAt);
    const lastAttemptNs =
      previousStart >= 0 && compareSpans(text, previousStart, previousEnd, lastAttemptAt, lastAttemptEnd) === 0
        ? previous
        : u64At(text, lastAttemptAt, lastAttemptEnd);
    previousStart = lastAttemptAt;
    previousEnd = lastAttemptEnd;
    previous = lastAttemptNs;
    const nextRetryAt = lastAttemptEnd + TABLE_ENTRY_NEXT_RETRY_AT;
    const nextRetryNs = u64At(text, nextRetryAt, digitsEnd(text, nextRetryAt));
    backoff.restoreState(peer, { attempts, lastAttemptNs, nextRetryNs });
  }
}

/** True when the entries at `starts` (ascending by the peer text `peerAt` into each) hold the peer `key`: a binary search. */
function holdsPeer(text: string, starts: readonly number[], peerAt: number, key: string): boolean {
  return entryOf(text, starts, peerAt, key) >= 0;
}

/** Which of the entries at `starts` (ascending by the peer text `peerAt` into each) is the peer `key`'s, or -1: a binary search. */
function entryOf(text: string, starts: readonly number[], peerAt: number, key: string): number {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareWith(text, (starts[middle] as number) + peerAt, key) < 0) low = middle + 1;
    else high = middle;
  }
  return low < starts.length && compareWith(text, (starts[low] as number) + peerAt, key) === 0 ? low : -1;
}

/** The health entry of `peer` as the checked entries at `starts` hold it (what the restore would make), or null. */
function peekHealth(text: string, starts: readonly number[], peer: PeerId): HealthEntry | null {
  const index = entryOf(text, starts, HEALTH_ENTRY_PEER_AT, peer.text);
  return index < 0 ? null : { peer, ...healthAt(text, starts[index] as number, peer.text.length) };
}

/** The backoff entry of `peer` as the checked entries at `starts` hold it (what the restore would make), or null. */
function peekBackoff(text: string, starts: readonly number[], peer: PeerId): BackoffEntry | null {
  const index = entryOf(text, starts, TABLE_ENTRY_PEER_AT, peer.text);
  if (index < 0) return null;
  const attemptsAt = (starts[index] as number) + TABLE_ENTRY_PEER_AT + peer.text.length + TABLE_ENTRY_ATTEMPTS_AT;
  const attemptsEnd = digitsEnd(text, attemptsAt);
  const lastAttemptAt = attemptsEnd + TABLE_ENTRY_LAST_ATTEMPT_AT;
  const lastAttemptEnd = digitsEnd(text, lastAttemptAt);
  const nextRetryAt = lastAttemptEnd + TABLE_ENTRY_NEXT_RETRY_AT;
  return {
    peer,
    attempts: u32At(text, attemptsAt, attemptsEnd),
    lastAttemptNs: u64At(text, lastAttemptAt, lastAttemptEnd),
    nextRetryNs: u64At(text, nextRetryAt, digitsEnd(text, nextRetryAt)),
  };
}

/** Compares the peer text at `start` of `text` (up to its closing quote) with `key`, as `<` compares strings. */
function compareWith(text: string, start: number, key: string): number {
  const end = text.indexOf('"', start);
  const common = Math.min(end - start, key.length);
  for (let i = 0; i < common; i++) {
    const difference = text.charCodeAt(start + i) - key.charCodeAt(i);
    if (difference !== 0) return difference;
  }
  return end - start - key.length;
}

/** Compares text[aStart, aEnd) with text[bStart, bEnd) as `<` compares strings: negative, 0 or positive. */
function compareSpans(text: string, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const aLength = aEnd - aStart;
  const bLength = bEnd - bStart;
  const common = Math.min(aLength, bLength);
  for (let i = 0; i < common; i++) {
    const difference = text.charCodeAt(aStart + i) - text.charCodeAt(bStart + i);
    if (difference !== 0) return difference;
  }
  return aLength - bLength;
}

/** Peers met in a canonical text, ascending by text, with where each text stands. */
interface MetPeers {
  readonly peers: PeerId[];
  readonly starts: number[];
  readonly ends: number[];
}

function emptyMetPeers(): MetPeers {
  return { peers: [], starts: [], ends: [] };
}

/**
 * The union of two lists of distinct peers of `text`, each ascending. Usually
 * one is far shorter (a blocklist against the health list): each of its peers
 * is placed by binary search, and the other list is copied between them.
 */
function mergeMetPeers(text: string, a: MetPeers, b: MetPeers): MetPeers {
  const [short, long] = a.peers.length <= b.peers.length ? [a, b] : [b, a];
  const merged = emptyMetPeers();
  const copy = (from: MetPeers, start: number, end: number): void => {
    for (let i = start; i < end; i++) {
      merged.peers.push(from.peers[i] as PeerId);
      merged.starts.push(from.starts[i] as number);
      merged.ends.push(from.ends[i] as number);
    }
  };
  let next = 0; // the first peer of `long` not copied yet
  for (let i = 0; i < short.peers.length; i++) {
    const start = short.starts[i] as number;
    const end = short.ends[i] as number;
    let low = next;
    let high = long.peers.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareSpans(text, long.starts[middle] as number, long.ends[middle] as number, start, end) < 0) low = middle + 1;
      else high = middle;
    }
    copy(long, next, low);
    copy(short, i, i + 1);
    next = low;
  }
  copy(long, next, long.peers.length);
  return merged;
}

/**
 * Every peer a canonically read snapshot knows, ascending by text, with where
 * its entries stand in the text: what a reader of every peer needs to write
 * its rows straight from the text, with no model of 100k peers in between
 * (see `canonicalRows`). Offsets index `text`; the values of an entry are found
 * from where it stands by `healthOf` and `backoffOf`.
 */
export class CanonicalRows {
  constructor(
    readonly text: string,
    /** How many peers. */
    readonly count: number,
    /** Per peer: where its text starts and ends. */
    readonly peerStarts: Int32Array,
    readonly peerEnds: Int32Array,
    /** Per peer: BLOCKED and ALLOWLISTED. */
    readonly flags: Uint8Array,
    /** Per peer: where the digits of its health entry's failures start, or -1. */
    private readonly healthAt: Int32Array,
    /** Per peer: where the digits of its backoff entry's attempts start, or -1. */
    private readonly backoffAt: Int32Array,
  ) {}

  /** Every peer's text, in order (ascending, distinct). */
  texts(): string[] {
    const texts = new Array<string>(this.count);
    for (let i = 0; i < this.count; i++) texts[i] = this.text.slice(this.peerStarts[i], this.peerEnds[i]);
    return texts;
  }

  /**
   * The peer's health entry, if it has one (true): into `values`, the digits
   * of its failures [0, 1) and last event [2, 3), 1 at 4 when it is down, and
   * [5, 6) the entry from its first key to its closing brace, as
   * JSON.stringify writes an object whose keys stand 8 spaces in.
   */
  healthOf(i: number, values: Int32Array): boolean {
    const failuresAt = this.healthAt[i] as number;
    if (failuresAt < 0) return false;
    const text = this.text;
    const failuresEnd = digitsEnd(text, failuresAt);
    const lastEventAt = failuresEnd + HEALTH_ENTRY_LAST_EVENT_AT;
    const lastEventEnd = digitsEnd(text, lastEventAt);
    values[0] = failuresAt;
    values[1] = failuresEnd;
    values[2] = lastEventAt;
    values[3] = lastEventEnd;
    const down = text.charCodeAt(lastEventEnd + HEALTH_ENTRY_DOWN_AT) === 0x74; // "true"
    values[4] = down ? 1 : 0;
    values[5] = failuresAt - HEALTH_FIRST_KEY.length;
    values[6] = lastEventEnd + HEALTH_ENTRY_DOWN_AT + (down ? HEALTH_TRUE_END.length : HEALTH_FALSE_END.length);
    return true;
  }

  /**
   * The peer's backoff entry, if it has one (true): into `values`, the digits
   * of its attempts [0, 1), last attempt [2, 3) and next retry [4, 5).
   */
  backoffOf(i: number, values: Int32Array): boolean {
    const attemptsAt = this.backoffAt[i] as number;
    if (attemptsAt < 0) return false;
    const text = this.text;
    const attemptsEnd = digitsEnd(text, attemptsAt);
    const lastAttemptAt = attemptsEnd + TABLE_ENTRY_LAST_ATTEMPT_AT;
    const lastAttemptEnd = digitsEnd(text, lastAttemptAt);
    const nextRetryAt = lastAttemptEnd + TABLE_ENTRY_NEXT_RETRY_AT;
    values[0] = attemptsAt;
    values[1] = attemptsEnd;
    values[2] = lastAttemptAt;
    values[3] = lastAttemptEnd;
    values[4] = nextRetryAt;
    values[5] = digitsEnd(text, nextRetryAt);
    return true;
  }
}

/** CanonicalRows.flags: on the blocklist, on the allowlist. */
export const BLOCKED = 1;
export const ALLOWLISTED = 2;
/** The room `healthOf` and `backoffOf` fill. */
export const HEALTH_VALUES = 7;
export const BACKOFF_VALUES = 6;

const LIST_PEER_AT = '      "'.length;
const HEALTH_FIRST_KEY = '"consecutive_failures": ';
const HEALTH_TRUE_END = "true\n      }";
const HEALTH_FALSE_END = "false\n      }";

/**
 * The rows of `snapshot` as they stand in the canonical text it was read
 * from, or undefined when it was not read by the canonical path or its lists
 * are no longer exactly as read (a restore ran, or the blocklist or allowlist
 * changed). The texts are the checked ones: every value is as encodeSnapshot
 * writes it (digits without a leading zero, peers in base58).
 */
export function canonicalRows(snapshot: Snapshot): CanonicalRows | undefined {
  const source = canonicalSource(snapshot);
  if (source === undefined || source.governor !== snapshot.governor || source.backoff !== snapshot.backoff) return undefined;
  const { governor, backoff, text } = source;
  if (!governor.healthRestoreDeferred() || !backoff.restoreDeferred()) return undefined;
  if (!sameItems(governor.blocklist(), source.blocklist.items)) return undefined;
  const allowlist = governor.allowlist();
  if ((allowlist === null) !== (source.allowlist === null)) return undefined;
  if (allowlist !== null && !sameItems(allowlist, source.allowlist?.items ?? [])) return undefined;
  // The four lists' peer texts, each ascending, merged into one ascending list of distinct peers.
  const blocks = new PeerSpans(text, source.blocklist.starts, LIST_PEER_AT, BLOCKED);
  const allows = new PeerSpans(text, source.allowlist?.starts ?? [], LIST_PEER_AT, ALLOWLISTED);
  const health = new PeerSpans(text, source.health.starts, HEALTH_ENTRY_PEER_AT, 0);
  const table = new PeerSpans(text, source.backoffTable.starts, TABLE_ENTRY_PEER_AT, 0);
  const lists = [blocks, allows, health, table].filter((list) => list.count > 0);
  const most = blocks.count + allows.count + health.count + table.count;
  const peerStarts = new Int32Array(most);
  const peerEnds = new Int32Array(most);
  const flags = new Uint8Array(most);
  const healthAt = new Int32Array(most);
  const backoffAt = new Int32Array(most);
  let count = 0;
  const listCount = lists.length;
  for (;;) {
    // The least of the lists' next peers, and which lists hold it next (`holding`, a bit a list): one
    // comparison per list.
    let holding = 0;
    let start = 0;
    let end = 0;
    for (let k = 0; k < listCount; k++) {
      const list = lists[k] as PeerSpans;
      const next = list.next;
      if (next >= list.count) continue;
      const order = holding === 0 ? -1 : compareSpans(text, list.starts[next] as number, list.ends[next] as number, start, end);
      if (order < 0) {
        holding = 1 << k;
        start = list.starts[next] as number;
        end = list.ends[next] as number;
      } else if (order === 0) holding |= 1 << k;
    }
    if (holding === 0) break;
    peerStarts[count] = start;
    peerEnds[count] = end;
    let flag = 0;
    healthAt[count] = -1;
    backoffAt[count] = -1;
    for (let k = 0; k < listCount; k++) {
      if ((holding & (1 << k)) === 0) continue;
      const list = lists[k] as PeerSpans;
      flag |= list.flag;
      const peerAt = list.starts[list.next] as number;
      if (list === health) healthAt[count] = peerAt + (end - start) + HEALTH_ENTRY_FAILURES_AT;
      else if (list === table) backoffAt[count] = peerAt + (end - start) + TABLE_ENTRY_ATTEMPTS_AT;
      list.next++;
    }
    flags[count] = flag;
    count++;
  }
  return new CanonicalRows(
    text,
    count,
    peerStarts.slice(0, count),
    peerEnds.slice(0, count),
    flags.slice(0, count),
    healthAt.slice(0, count),
    backoffAt.slice(0, count),
  );
}

/**
 * How many health entries `snapshot` has and how many are down, how many
 * backoff entries and how many retry after `nowNs`, counted where they stand
 * in the canonical text it was read from; undefined when it was not read so
 * or a list was built since (then the model answers). A summary of the whole
 * snapshot needs them even when only one peer is shown.
 */
export function canonicalTallies(snapshot: Snapshot, nowNs: bigint): Tallies | undefined {
  const source = canonicalSource(snapshot);
  if (source === undefined || source.governor !== snapshot.governor || source.backoff !== snapshot.backoff) return undefined;
  if (!source.governor.healthRestoreDeferred() || !source.backoff.restoreDeferred()) return undefined;
  const { text } = source;
  const now = nowNs.toString();
  let down = 0;
  for (const start of source.health.starts) {
    const failuresAt = text.indexOf('"', start + HEALTH_ENTRY_PEER_AT) + HEALTH_ENTRY_FAILURES_AT;
    const lastEventEnd = digitsEnd(text, digitsEnd(text, failuresAt) + HEALTH_ENTRY_LAST_EVENT_AT);
    if (text.charCodeAt(lastEventEnd + HEALTH_ENTRY_DOWN_AT) === 0x74) down++; // "true"
  }
  let coolingDown = 0;
  for (const start of source.backoffTable.starts) {
    const attemptsAt = text.indexOf('"', start + TABLE_ENTRY_PEER_AT) + TABLE_ENTRY_ATTEMPTS_AT;
    const nextRetryAt = digitsEnd(text, digitsEnd(text, attemptsAt) + TABLE_ENTRY_LAST_ATTEMPT_AT) + TABLE_ENTRY_NEXT_RETRY_AT;
    if (compareDigits(text, nextRetryAt, digitsEnd(text, nextRetryAt), now) > 0) coolingDown++;
  }
  return { tracked: source.health.starts.length, down, backoffEntries: source.backoffTable.starts.length, coolingDown };
}

/** Compares the u64 digits text[start, end) with `digits` (both without a leading zero) as numbers. */
export function compareDigits(text: string, start: number, end: number, digits: string): number {
  const length = end - start;
  if (length !== digits.length) return length - digits.length;
  for (let i = 0; i < length; i++) {
    const difference = text.charCodeAt(start + i) - digits.charCodeAt(i);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** True when `iterated` yields exactly `items`, the same objects in the same order. */
function sameItems<T>(iterated: Iterable<T>, items: readonly T[]): boolean {
  let i = 0;
  for (const item of iterated) if (item !== items[i++]) return false;
  return i === items.length;
}

/** The peer texts of one list of a canonical text, ascending, with a cursor for the merge in canonicalRows. */
class PeerSpans {
  readonly count: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** The next peer not merged yet. */
  next = 0;

  constructor(
    text: string,
    itemStarts: readonly number[],
    peerAt: number,
    /** What being on this list sets in CanonicalRows.flags. */
    readonly flag: number,
  ) {
    this.count = itemStarts.length;
    this.starts = new Int32Array(this.count);
    this.ends = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const start = (itemStarts[i] as number) + peerAt;
      this.starts[i] = start;
      this.ends[i] = text.indexOf('"', start);
    }
  }
}
