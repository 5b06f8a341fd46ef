/**
 * Snapshot text -> validated model, losslessly.
 *
 * u64 times are often epoch nanoseconds (~1.7e18), and JSON.parse rounds any
 * integer above 2^53. So there are two parsers feeding one validator (the
 * general path), after a shortcut for the files bbgov writes itself:
 *
 * - Canonical path, tried first: a text laid out byte for byte as
 *   encodeSnapshot writes it is read by a recognizer that walks it once and
 *   fills the model directly, with no JSON tree in between (see
 *   `readCanonical`). It accepts a subset of what the general path accepts and
 *   builds the same model; at the first thing it does not expect (other
 *   whitespace or key order, an escape, a list out of order, a value the
 *   general path would warn about or reject) it gives up, and the general
 *   path decides, so errors and warnings always come from one place. It also
 *   remembers where each entry stood, for encodeSnapshot to copy the entries
 *   nothing has changed (see `CanonicalSource`).
 * - Fast path: JSON.parse, taken only when a single regex scan proves that no
 *   number token in the text has 16+ digits, a fraction or an exponent. Every
 *   number JSON.parse then returns is an integer of at most 15 digits, which a
 *   double holds exactly, so its decimal text is the text that was written.
 *   A canonical text that is edited by hand usually takes this path.
 * - Slow path: lossless-json with a number parser that keeps each number's raw
 *   text, so "18446744073709551615" and "1.0" are judged as written.
 *
 * Duplicate keys: JSON.parse silently keeps the last one. Every colon in a
 * JSON text ends a key or sits inside a string, so the fast path counts the
 * colons of the text and of the parsed tree (keys plus colons inside strings);
 * any difference means a key was repeated and the text goes to the slow path,
 * where lossless-json reports a repeated key whose values differ (we turn that
 * into an error at the key's path). A key repeated with the same value is
 * harmless and accepted by both paths alike.
 *
 * Other choices: u64 strings hold plain digits with no leading zero (except
 * "0"); inside a health or backoff entry every field is required (the
 * defaults apply to whole sections only); the same peer twice in one list is
 * an error at the second one. lossless-json recurses, so very deep nesting on
 * the slow path is reported as "nested too deeply" at `$`.
 *
 * Every failure is a SnapshotError with the JSON path of the offending value;
 * nothing else escapes decodeSnapshot.
 */
import { parse as parseLosslessJson } from "lossless-json";
import { BackoffTable, type BackoffEntry } from "../core/backoff.js";
import { InvalidPeerId, truncate } from "../core/errors.js";
import { PeerGovernor, type HealthEntry } from "../core/governor.js";
import { MAX_PEER_TEXT, PeerId } from "../core/peer-id.js";
import { U32_MAX, U64_MAX } from "../core/u64.js";
import { SPEC_VERSION, SnapshotError, tooDeep, type Snapshot, type SnapshotWarning } from "./model.js";

/** A decoded snapshot and the non-fatal findings made while loading it. */
export interface DecodedSnapshot {
  snapshot: Snapshot;
  warnings: SnapshotWarning[];
}

/** Knobs for tests and benchmarks; callers normally pass nothing. */
export interface DecodeOptions {
  /** Skip the canonical and JSON.parse fast paths and always use the lossless parser. */
  readonly forceLossless?: boolean;
}

/**
 * Parses and validates a version-1 snapshot text; a text that is not a valid
 * snapshot throws SnapshotError. Anything else that escapes is a bug in bbgov
 * and is left to surface as one, never dressed up as a bad file.
 */
export function decodeSnapshot(text: string, options: DecodeOptions = {}): DecodedSnapshot {
  try {
    return decode(text, options.forceLossless === true);
  } catch (error) {
    throw tooDeep(error) ? new SnapshotError("nested too deeply to read (is this a snapshot?)", "$") : error;
  }
}

// A number token that a double may not hold exactly, or whose written form
// (fraction, exponent) matters: number tokens follow `:`, `,`, `[` or start the text.
const NEEDS_LOSSLESS = /(?:^|[:,[])\s*-?(?:\d{16}|\d+[.eE])/;

function decode(input: string, forceLossless: boolean): DecodedSnapshot {
  const warnings: SnapshotWarning[] = [];
  let text = input;
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
    warnings.push({ path: "$", message: "ignored a byte order mark (U+FEFF) at the start of the text" });
  }
  if (isBlank(text)) throw new SnapshotError("the document is empty: expected a JSON object with spec_version 1", "$");
  if (!forceLossless && warnings.length === 0) {
    const canonical = readCanonical(text);
    if (canonical !== undefined) return { snapshot: canonical, warnings };
  }
  if (!forceLossless && !NEEDS_LOSSLESS.test(text)) {
    let tree: unknown;
    let parsed = true;
    try {
      tree = JSON.parse(text);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      // Let the lossless parser report the error with its position.
      parsed = false;
    }
    if (parsed && !hidesRepeatedKeys(text, tree)) return new Reader(warnings).snapshot(tree);
  }
  return new Reader(warnings).snapshot(parseLossless(text));
}

// ---------------------------------------------------------------- canonical path

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
  readonly blocklist: SourceList<PeerId>;
  readonly allowlist: SourceList<PeerId> | null;
  readonly health: SourceList<HealthEntry>;
  readonly backoffTable: SourceList<BackoffEntry>;
}

const SOURCES = new WeakMap<Snapshot, CanonicalSource>();

/** The canonical text `snapshot` was decoded from, if it was read by the canonical path. */
export function canonicalSource(snapshot: Snapshot): CanonicalSource | undefined {
  return SOURCES.get(snapshot);
}

/** Thrown inside CanonicalReader at the first unexpected character; never escapes readCanonical. */
class NotCanonical extends Error {}
const NOT_CANONICAL = new NotCanonical("not in the canonical layout");

/**
 * The snapshot of a text in exactly the canonical layout (CONTRACT section 1:
 * contract key order, 2-space indent, values as encodeSnapshot writes them),
 * or undefined for any other text. Builds the model with the same calls, in
 * the same order, as Reader; returns undefined wherever Reader would warn or
 * fail, so that the general path reports it.
 */
function readCanonical(text: string): Snapshot | undefined {
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

// One whole entry each, as encodeSnapshot writes it: sticky, so `lastIndex` is
// where it must start. A match proves the layout; the values are then read at
// known offsets from the peer's closing quote (no capture strings to allocate).
const HEALTH_ENTRY =
  /      \{\n        "peer": "[1-9A-HJ-NP-Za-km-z]{1,256}",\n        "consecutive_failures": (?:0|[1-9][0-9]{0,9}),\n        "last_event_ns": "(?:0|[1-9][0-9]{0,19})",\n        "down": (?:true|false)\n      \}/y;
const HEALTH_ENTRY_PEER_AT = '      {\n        "peer": "'.length;
const HEALTH_ENTRY_FAILURES_AT = '",\n        "consecutive_failures": '.length;
const HEALTH_ENTRY_LAST_EVENT_AT = ',\n        "last_event_ns": "'.length;
const HEALTH_ENTRY_DOWN_AT = '",\n        "down": '.length;
const TABLE_ENTRY =
  /    \{\n      "peer": "[1-9A-HJ-NP-Za-km-z]{1,256}",\n      "attempts": (?:0|[1-9][0-9]{0,9}),\n      "last_attempt_ns": "(?:0|[1-9][0-9]{0,19})",\n      "next_retry_ns": "(?:0|[1-9][0-9]{0,19})"\n    \}/y;
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

/** The u32 whose digits (at most 10, as the entry pattern allows) are text[start, end). */
function u32At(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (text.charCodeAt(i) - 0x30);
  if (value > U32_MAX) throw NOT_CANONICAL;
  return value;
}

/** The u64 whose digits (no leading zero, as the entry pattern allows) are text[start, end). */
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
  /** What peerAt found last: where the peer's text ends (its closing quote), and its index in `known` if it was there (else -1). */
  private peerEnd = 0;
  private metAt = -1;
  /** Per health entry: its last_event_ns and where its digits stand, to share with an equal last_attempt_ns. */
  private readonly lastEventNs: bigint[] = [];
  private readonly lastEventStarts: number[] = [];
  private readonly lastEventEnds: number[] = [];
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
    const snapshot: Snapshot = { clockNs, governor: this.governor, backoff: this.backoff };
    if (schema !== undefined) snapshot.schema = schema;
    // Each list went into a fresh map in text order, so the maps iterate in text order.
    SOURCES.set(snapshot, {
      text: this.text,
      blocklist,
      allowlist,
      health: { ...health, items: Array.from(this.governor.iterHealth()) },
      backoffTable: { ...backoffTable, items: Array.from(this.backoff.iter()) },
    });
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

  private health(): Omit<SourceList<HealthEntry>, "items"> {
    const list = this.entryList(HEALTH_ENTRY, "\n    ]", (start) => this.healthEntry(start));
    if (this.governor.trackedPeers() !== list.starts.length) throw NOT_CANONICAL; // a repeated peer
    return list;
  }

  private backoffTable(): Omit<SourceList<BackoffEntry>, "items"> {
    const list = this.entryList(TABLE_ENTRY, "\n  ]", (start) => this.backoffEntry(start));
    if (this.backoff.len() !== list.starts.length) throw NOT_CANONICAL; // a repeated peer
    return list;
  }

  /** `[]`, or entries each matching `pattern` whole, read by `read`, then `closing`; where each starts. */
  private entryList(pattern: RegExp, closing: string, read: (start: number) => void): Omit<SourceList<unknown>, "items"> {
    const starts: number[] = [];
    let end = this.at;
    if (!this.emptyList()) {
      this.startList();
      do {
        const start = this.at;
        starts.push(start);
        pattern.lastIndex = start;
        if (!pattern.test(this.text)) throw NOT_CANONICAL;
        this.at = pattern.lastIndex;
        read(start);
      } while (this.nextItem());
      end = this.at;
      this.expect(closing);
      this.endList();
    }
    return { starts, end };
  }

  /** The values of the health entry HEALTH_ENTRY matched at `start`, into the governor. */
  private healthEntry(start: number): void {
    const text = this.text;
    const peer = this.peerAt(start + HEALTH_ENTRY_PEER_AT);
    const failuresAt = this.peerEnd + HEALTH_ENTRY_FAILURES_AT;
    const failuresEnd = digitsEnd(text, failuresAt);
    const consecutiveFailures = u32At(text, failuresAt, failuresEnd);
    const lastEventAt = failuresEnd + HEALTH_ENTRY_LAST_EVENT_AT;
    const lastEventEnd = digitsEnd(text, lastEventAt);
    const lastEventNs = u64At(text, lastEventAt, lastEventEnd);
    const down = text.charCodeAt(lastEventEnd + HEALTH_ENTRY_DOWN_AT) === 0x74; // "true"
    this.noteHealth(this.lastEventNs.length);
    this.lastEventNs.push(lastEventNs);
    this.lastEventStarts.push(lastEventAt);
    this.lastEventEnds.push(lastEventEnd);
    this.governor.restoreHealth(peer, { consecutiveFailures, lastEventNs, down });
  }

  /** The values of the backoff entry TABLE_ENTRY matched at `start`, into the table. */
  private backoffEntry(start: number): void {
    const text = this.text;
    const peer = this.peerAt(start + TABLE_ENTRY_PEER_AT);
    const attemptsAt = this.peerEnd + TABLE_ENTRY_ATTEMPTS_AT;
    const attemptsEnd = digitsEnd(text, attemptsAt);
    const attempts = u32At(text, attemptsAt, attemptsEnd);
    const lastAttemptAt = attemptsEnd + TABLE_ENTRY_LAST_ATTEMPT_AT;
    const lastAttemptEnd = digitsEnd(text, lastAttemptAt);
    // Usually the same instant as the peer's last health event (a failure records both): share that value.
    const health = this.metAt >= 0 ? (this.known.healthIndexes[this.metAt] as number) : -1;
    const lastAttemptNs =
      health >= 0 &&
      compareSpans(text, this.lastEventStarts[health] as number, this.lastEventEnds[health] as number, lastAttemptAt, lastAttemptEnd) === 0
        ? (this.lastEventNs[health] as bigint)
        : u64At(text, lastAttemptAt, lastAttemptEnd);
    const nextRetryAt = lastAttemptEnd + TABLE_ENTRY_NEXT_RETRY_AT;
    const nextRetryNs = u64At(text, nextRetryAt, digitsEnd(text, nextRetryAt));
    this.backoff.restoreState(peer, { attempts, lastAttemptNs, nextRetryNs });
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
    const end = text.indexOf('"', start);
    if (end <= start || end - start > MAX_PEER_TEXT) throw NOT_CANONICAL;
    this.peerEnd = end;
    // Strictly after the list's previous item: in order, and no repeat.
    if (this.previousStart >= 0 && compareSpans(text, this.previousStart, this.previousEnd, start, end) >= 0) throw NOT_CANONICAL;
    this.previousStart = start;
    this.previousEnd = end;
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
    if (cursor < count && order === 0) {
      this.metAt = cursor;
      return known.peers[cursor] as PeerId;
    }
    this.metAt = -1;
    const value = text.slice(start, end);
    const peer = PeerId.parse(value); // a backslash or any other non-base58 character throws
    if (peer.text !== value) throw NOT_CANONICAL;
    const added = this.added;
    added.peers.push(peer);
    added.starts.push(start);
    added.ends.push(end);
    added.healthIndexes.push(-1);
    return peer;
  }

  /** Notes that the peer peerAt read last has the health entry `index`. */
  private noteHealth(index: number): void {
    const met = this.metAt >= 0 ? this.known : this.added;
    met.healthIndexes[this.metAt >= 0 ? this.metAt : met.peers.length - 1] = index;
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

/** Compares text[aStart, aEnd) with text[bStart, bEnd) as `<` compares strings: negative, 0 or positive. */
function compareSpans(text: string, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const aLength = aEnd - aStart;
  const bLength = bEnd - bStart;
  const common = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < common; i++) {
    const difference = text.charCodeAt(aStart + i) - text.charCodeAt(bStart + i);
    if (difference !== 0) return difference;
  }
  return aLength - bLength;
}

/** Peers met in a canonical text, ascending by text: where each text stands, and its health entry (-1 for none yet). */
interface MetPeers {
  readonly peers: PeerId[];
  readonly starts: number[];
  readonly ends: number[];
  readonly healthIndexes: number[];
}

function emptyMetPeers(): MetPeers {
  return { peers: [], starts: [], ends: [], healthIndexes: [] };
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
      merged.healthIndexes.push(from.healthIndexes[i] as number);
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

/** A number exactly as written in the text (slow path). */
class RawNumber {
  constructor(readonly raw: string) {}
}

/** Stands where lossless-json met the same key twice with different values. */
class RepeatedKey {
  constructor(
    readonly first: unknown,
    readonly last: unknown,
  ) {}
}

function parseLossless(text: string): unknown {
  try {
    return parseLosslessJson(text, null, {
      parseNumber: (raw) => new RawNumber(raw),
      onDuplicateKey: ({ oldValue, newValue }) =>
        oldValue instanceof RepeatedKey ? oldValue : new RepeatedKey(oldValue, newValue),
    });
  } catch (error) {
    if (error instanceof SyntaxError) throw new SnapshotError(`invalid JSON: ${withLineAndColumn(error.message, text)}`, "$");
    throw error;
  }
}

/** Adds the 1-based line and column to lossless-json's "at position N". */
function withLineAndColumn(message: string, text: string): string {
  const match = / at position (\d+)$/.exec(message);
  if (match === null) return message;
  const position = Number(match[1]);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < position; i = text.indexOf("\n", i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return `${message.slice(0, match.index)} at line ${line}, column ${position - lineStart + 1}`;
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return false;
  }
  return true;
}

/**
 * True when JSON.parse may have dropped a repeated key: the text has more
 * colons than the tree accounts for, or escaped colons (`\u003a`) could make
 * the two counts agree by accident.
 */
function hidesRepeatedKeys(text: string, tree: unknown): boolean {
  let textColons = 0;
  for (let i = text.indexOf(":"); i !== -1; i = text.indexOf(":", i + 1)) textColons += 1;
  let keys = 0;
  let colonsInStrings = 0; // in keys and in values, as decoded
  const stack: unknown[] = [tree];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") {
      colonsInStrings += countColons(value);
    } else if (Array.isArray(value)) {
      for (const item of value) if (typeof item === "object" || typeof item === "string") stack.push(item);
    } else if (typeof value === "object" && value !== null) {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        keys += 1;
        colonsInStrings += countColons(key);
        const item = record[key];
        if (typeof item === "object" || typeof item === "string") stack.push(item);
      }
    }
  }
  if (textColons !== keys + colonsInStrings) return true;
  return colonsInStrings > 0 && (text.includes("\\u003a") || text.includes("\\u003A"));
}

function countColons(text: string): number {
  let count = 0;
  for (let i = text.indexOf(":"); i !== -1; i = text.indexOf(":", i + 1)) count += 1;
  return count;
}

/** A finding without its path; the container that knows the path wraps it in a SnapshotError. */
class Problem extends Error {}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof RawNumber) &&
    !(value instanceof RepeatedKey)
  );
}

const ROOT_KEYS = "$schema, spec_version, clock_ns, peer_governor, backoff, backoff_table";
const GOVERNOR_KEYS = "failure_threshold, blocklist, allowlist, health";
const BACKOFF_KEYS = "base_ns, max_delay_ns";
const HEALTH_KEYS = "peer, consecutive_failures, last_event_ns, down";

/** One field of a list entry besides `peer`: its key and its reader. */
type EntryField = readonly [string, (item: unknown) => unknown];

/** How the general path reads one kind of per-peer list entry. */
interface EntryKind {
  /** The entry in messages: "a health entry". */
  readonly noun: string;
  /** The list in messages: "an array of health entries". */
  readonly list: string;
  /** The accepted keys, for messages. */
  readonly keys: string;
  /** Every field besides `peer`, in the order their absence is reported. */
  readonly fields: readonly EntryField[];
  /** Puts a read entry into the model; `values` follow `fields`. */
  restore(peer: PeerId, values: readonly unknown[]): void;
  /** How many peers the model holds for this list (fewer than entries: a duplicate). */
  size(): number;
}

function readBoolean(item: unknown): boolean {
  if (typeof item !== "boolean") throw mismatch("true or false", item);
  return item;
}
const TABLE_KEYS = "peer, attempts, last_attempt_ns, next_retry_ns";

/** Walks the parsed tree once, validating and restoring into a fresh model. */
class Reader {
  private readonly peers = new Map<string, PeerId>();
  private readonly governor = new PeerGovernor();
  private readonly backoff = new BackoffTable();
  private clockNs = 0n;
  private schema: string | undefined;

  constructor(private readonly warnings: SnapshotWarning[]) {}

  snapshot(root: unknown): DecodedSnapshot {
    if (!isObject(root)) throw new SnapshotError(`the top level must be a JSON object, got ${describe(root)}`, "$");
    if (!Object.hasOwn(root, "spec_version")) {
      throw new SnapshotError(`missing "spec_version" (this bbgov reads spec_version ${SPEC_VERSION})`, "$");
    }
    // The version comes first: a newer file's other keys would only confuse the message.
    this.fields({ spec_version: root["spec_version"] }, "$", (_key, value) => checkSpecVersion(value));
    this.fields(root, "$", (key, value) => {
      switch (key) {
        case "spec_version":
          return;
        case "$schema":
          if (typeof value !== "string") throw mismatch("a string", value);
          this.schema = value;
          return;
        case "clock_ns":
          this.clockNs = readU64(value);
          return;
        case "peer_governor":
          return this.peerGovernor(value, "peer_governor");
        case "backoff":
          return this.backoffConfig(value, "backoff");
        case "backoff_table":
          return this.backoffTable(value, "backoff_table");
        default:
          throw unknownKey(key, "the top level", ROOT_KEYS);
      }
    });
    const snapshot: Snapshot = { clockNs: this.clockNs, governor: this.governor, backoff: this.backoff };
    if (this.schema !== undefined) snapshot.schema = this.schema;
    return { snapshot, warnings: this.warnings };
  }

  /** Visits an object's own keys in order, reporting a Problem at the key's path. */
  private fields(object: JsonObject, path: string, visit: (key: string, value: unknown) => void): void {
    for (const key of Object.keys(object)) {
      try {
        visit(key, object[key]);
      } catch (error) {
        if (error instanceof Problem) throw new SnapshotError(error.message, keyPath(path, key));
        throw error;
      }
    }
  }

  private peerGovernor(value: unknown, path: string): void {
    if (!isObject(value)) throw mismatch("an object", value);
    this.fields(value, path, (key, item) => {
      switch (key) {
        case "failure_threshold": {
          const threshold = readU32(item);
          if (threshold === 0) this.clampWarning(keyPath(path, key), key);
          this.governor.setFailureThreshold(threshold);
          return;
        }
        case "blocklist": {
          const peers = this.peerList(item, keyPath(path, key), false);
          for (const peer of peers) this.governor.block(peer);
          if (this.governor.blocklistSize() !== peers.length) throwDuplicate(peers, keyPath(path, key), "");
          return;
        }
        case "allowlist": {
          const peers = item === null ? null : this.peerList(item, keyPath(path, key), true);
          this.governor.setAllowlist(peers);
          if (peers !== null && this.governor.allowlistSize() !== peers.length) {
            throwDuplicate(peers, keyPath(path, key), "");
          }
          return;
        }
        case "health":
          return this.health(item, keyPath(path, key));
        default:
          throw unknownKey(key, "peer_governor", GOVERNOR_KEYS);
      }
    });
  }

  private backoffConfig(value: unknown, path: string): void {
    if (!isObject(value)) throw mismatch("an object", value);
    this.fields(value, path, (key, item) => {
      switch (key) {
        case "base_ns":
          this.backoff.setConfig({ baseNs: this.atLeastOne(readU64(item), keyPath(path, key), key) });
          return;
        case "max_delay_ns":
          this.backoff.setConfig({ maxDelayNs: this.atLeastOne(readU64(item), keyPath(path, key), key) });
          return;
        default:
          throw unknownKey(key, "backoff", BACKOFF_KEYS);
      }
    });
  }

  private atLeastOne(value: bigint, path: string, name: string): bigint {
    if (value !== 0n) return value;
    this.clampWarning(path, name);
    return 1n;
  }

  private clampWarning(path: string, name: string): void {
    this.warnings.push({ path, message: `${name} 0 loads as 1 (upstream clamps it to at least 1)` });
  }

  private peerList(value: unknown, path: string, nullable: boolean): PeerId[] {
    if (!Array.isArray(value)) throw mismatch(nullable ? "null or an array of peer ids" : "an array of peer ids", value);
    const list: unknown[] = value;
    const peers = new Array<PeerId>(list.length);
    for (let index = 0; index < list.length; index++) {
      try {
        peers[index] = this.peer(list[index]);
      } catch (error) {
        if (error instanceof Problem) throw new SnapshotError(error.message, `${path}[${index}]`);
        throw error;
      }
    }
    return peers;
  }

  private health(value: unknown, path: string): void {
    this.entries(value, path, {
      noun: "a health entry",
      list: "an array of health entries",
      keys: HEALTH_KEYS,
      fields: [
        ["consecutive_failures", readU32],
        ["last_event_ns", readU64],
        ["down", readBoolean],
      ],
      restore: (peer, [consecutiveFailures, lastEventNs, down]) =>
        this.governor.restoreHealth(peer, {
          consecutiveFailures: consecutiveFailures as number,
          lastEventNs: lastEventNs as bigint,
          down: down as boolean,
        }),
      size: () => this.governor.trackedPeers(),
    });
  }

  private backoffTable(value: unknown, path: string): void {
    this.entries(value, path, {
      noun: "a backoff entry",
      list: "an array of backoff entries",
      keys: TABLE_KEYS,
      fields: [
        ["attempts", readU32],
        ["last_attempt_ns", readU64],
        ["next_retry_ns", readU64],
      ],
      restore: (peer, [attempts, lastAttemptNs, nextRetryNs]) =>
        this.backoff.restoreState(peer, {
          attempts: attempts as number,
          lastAttemptNs: lastAttemptNs as bigint,
          nextRetryNs: nextRetryNs as bigint,
        }),
      size: () => this.backoff.len(),
    });
  }

  /**
   * A list of per-peer entries (health, backoff table): every entry an object
   * with `peer` and exactly the kind's fields, each read by its reader, then
   * restored into the model; a peer twice in the list is an error.
   */
  private entries(value: unknown, path: string, kind: EntryKind): void {
    if (!Array.isArray(value)) throw mismatch(kind.list, value);
    const list: unknown[] = value;
    const peers = new Array<PeerId>(list.length);
    let index = 0;
    let field: string | undefined;
    try {
      for (; index < list.length; index++) {
        field = undefined;
        const entry = list[index];
        if (!isObject(entry)) throw mismatch(`${kind.noun} object`, entry);
        let peer: PeerId | undefined;
        const values = new Array<unknown>(kind.fields.length);
        for (const key of Object.keys(entry)) {
          field = key;
          const item = entry[key];
          if (key === "peer") {
            peer = this.peer(item);
            continue;
          }
          const at = kind.fields.findIndex(([name]) => name === key);
          const reader = kind.fields[at]?.[1];
          if (reader === undefined) throw unknownKey(key, kind.noun, kind.keys);
          values[at] = reader(item);
        }
        field = undefined;
        if (peer === undefined) throw missing("peer", kind.noun, kind.keys);
        for (let at = 0; at < kind.fields.length; at++) {
          if (values[at] === undefined) throw missing((kind.fields[at] as EntryField)[0], kind.noun, kind.keys);
        }
        kind.restore(peer, values);
        peers[index] = peer;
      }
    } catch (error) {
      if (error instanceof Problem) throw new SnapshotError(error.message, entryPath(path, index, field));
      throw error;
    }
    if (kind.size() !== list.length) throwDuplicate(peers, path, ".peer");
  }

  /** A peer id in canonical base58btc text; each distinct text is parsed once. */
  private peer(value: unknown): PeerId {
    if (typeof value !== "string") throw mismatch("a peer id string", value);
    const known = this.peers.get(value);
    if (known !== undefined) return known;
    if (value.length > MAX_PEER_TEXT) {
      throw new Problem(new InvalidPeerId(value, `too long (${value.length} characters)`).message);
    }
    let peer: PeerId;
    try {
      peer = PeerId.parse(value);
    } catch (error) {
      if (error instanceof InvalidPeerId) throw new Problem(error.message);
      throw error;
    }
    if (peer.text !== value) {
      throw new Problem(`peer id ${describe(value)} must be base58btc text (that is ${peer.text})`);
    }
    this.peers.set(value, peer);
    return peer;
  }
}

/**
 * Reports the first repeated peer of a list already loaded into the model.
 * Lists are checked after loading (the model holding fewer peers than the list
 * has entries means a repeat), which keeps a lookup per peer off the hot path.
 */
function throwDuplicate(peers: readonly PeerId[], listPath: string, field: string): never {
  const firstIndex = new Map<string, number>();
  for (let index = 0; index < peers.length; index++) {
    const text = (peers[index] as PeerId).text;
    const first = firstIndex.get(text);
    if (first !== undefined) {
      throw new SnapshotError(
        `duplicate peer ${JSON.stringify(text)} (already at index ${first})`,
        `${listPath}[${index}]${field}`,
      );
    }
    firstIndex.set(text, index);
  }
  throw new Error("unreachable: the list has no repeated peer");
}

function checkSpecVersion(value: unknown): void {
  const raw = numberText(value);
  if (raw === "1") return;
  if (raw !== undefined && isIntegerText(raw)) {
    throw new Problem(`spec_version ${truncate(raw)} is not supported by this bbgov (reads ${SPEC_VERSION})`);
  }
  throw mismatch(`the JSON integer ${SPEC_VERSION}`, value);
}

/** The decimal text of a JSON number as written, or undefined for a non-number. */
function numberText(value: unknown): string | undefined {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (value instanceof RawNumber) return value.raw;
  return undefined;
}

function isIntegerText(raw: string): boolean {
  for (let i = raw.charCodeAt(0) === 0x2d ? 1 : 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

const U64_MAX_TEXT = U64_MAX.toString();
const U64_EXPECTED = "a u64: a decimal string or a JSON integer";

/** A u64 from a decimal string or a JSON integer, exactly. */
function readU64(value: unknown): bigint {
  if (typeof value === "string") return u64FromString(value);
  if (typeof value === "number") {
    // The fast-path guard leaves only integers of at most 15 digits here.
    if (Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0)) return BigInt(value);
    return u64FromNumber(numberText(value) ?? String(value));
  }
  if (value instanceof RawNumber) return u64FromNumber(value.raw);
  throw mismatch(U64_EXPECTED, value);
}

// Strings hold plain digits only. A leading zero ("007") is refused like in a
// JSON integer: writers never produce it and it reads like an octal literal.
function u64FromString(text: string): bigint {
  const problem = (reason: string) => new Problem(`${describe(text)} is not a u64: ${reason}`);
  if (text.length === 0) throw problem("empty string");
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) continue;
    if (code === 0x2d && i === 0) throw problem("negative");
    if (code === 0x2b && i === 0) throw problem('leading "+"');
    if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) throw problem("whitespace");
    throw problem("only the digits 0-9 are allowed");
  }
  if (text.length > 1 && text.charCodeAt(0) === 0x30) throw problem("leading zeros");
  if (text.length > U64_MAX_TEXT.length || (text.length === U64_MAX_TEXT.length && text > U64_MAX_TEXT)) {
    throw problem(`above ${U64_MAX_TEXT}`);
  }
  return BigInt(text);
}

function u64FromNumber(raw: string): bigint {
  const reason = integerProblem(raw);
  if (reason !== undefined) throw new Problem(`${truncate(raw)} is not a u64: ${reason}`);
  if (raw.length > U64_MAX_TEXT.length || (raw.length === U64_MAX_TEXT.length && raw > U64_MAX_TEXT)) {
    throw new Problem(`${truncate(raw)} is not a u64: above ${U64_MAX_TEXT}`);
  }
  return BigInt(raw);
}

/** Why a JSON number token is not a non-negative integer, or undefined. */
function integerProblem(raw: string): string | undefined {
  if (raw.charCodeAt(0) === 0x2d) return "negative";
  if (raw.includes(".")) return "has a fraction (write a whole number)";
  if (raw.includes("e") || raw.includes("E")) return "has an exponent (write all the digits)";
  return undefined;
}

const U32_MAX_TEXT = String(U32_MAX);

/** A u32: a JSON integer 0..4294967295 (not a string). */
function readU32(value: unknown): number {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 0 && value <= U32_MAX && !Object.is(value, -0)) return value;
  } else if (!(value instanceof RawNumber)) {
    throw mismatch("a u32: a JSON integer 0..4294967295", value);
  }
  const raw = numberText(value) ?? "";
  const reason = integerProblem(raw);
  if (reason !== undefined) throw new Problem(`${truncate(raw)} is not a u32: ${reason}`);
  if (raw.length > U32_MAX_TEXT.length || (raw.length === U32_MAX_TEXT.length && raw > U32_MAX_TEXT)) {
    throw new Problem(`${truncate(raw)} is not a u32: above ${U32_MAX_TEXT}`);
  }
  return Number(raw);
}

function mismatch(expected: string, value: unknown): Problem {
  if (value instanceof RepeatedKey) {
    return new Problem(`the key appears more than once, with different values (${describe(value.first)} and ${describe(value.last)})`);
  }
  return new Problem(`expected ${expected}, got ${describe(value)}`);
}

function unknownKey(key: string, where: string, known: string): Problem {
  return new Problem(`unknown key ${JSON.stringify(truncate(key))} in ${where} (known keys: ${known})`);
}

function missing(key: string, where: string, required: string): Problem {
  return new Problem(`missing "${key}" in ${where} (every one needs ${required})`);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** JSON path of a key: `clock_ns`, `peer_governor.health`, `$["odd key"]`. */
function keyPath(parent: string, key: string): string {
  if (IDENTIFIER.test(key)) return parent === "$" ? key : `${parent}.${key}`;
  return `${parent}[${truncate(JSON.stringify(key))}]`;
}

function entryPath(listPath: string, index: number, field: string | undefined): string {
  const path = `${listPath}[${index}]`;
  return field === undefined ? path : keyPath(path, field);
}

/** A JSON rendering of a value for a message: short, and safe on huge or deeply nested values. */
function describe(value: unknown): string {
  return truncate(render(value, 100));
}

function render(value: unknown, limit: number): string {
  if (limit <= 0) return "…";
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value.length > limit ? value.slice(0, limit) : value);
  const raw = numberText(value);
  if (raw !== undefined) return raw;
  if (value instanceof RepeatedKey) return render(value.last, limit);
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    let out = "[";
    for (let i = 0; i < items.length && out.length < limit; i++) {
      out += (i > 0 ? "," : "") + render(items[i], limit - out.length - 1);
    }
    return `${out}]`;
  }
  if (isObject(value)) {
    let out = "{";
    for (const key of Object.keys(value)) {
      if (out.length >= limit) break;
      out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:`;
      out += render(value[key], limit - out.length);
    }
    return `${out}}`;
  }
  return String(value);
}

