/**
 * Model -> canonical snapshot text (the snapshot format in README.md). The text is, byte for
 * byte, `JSON.stringify(snapshotDocument(snapshot), null, 2) + "\n"`: keys in
 * contract order, lists sorted by peer text, u64 values as decimal strings.
 *
 * `encodeSnapshotBytes` writes that text's UTF-8 bytes in one pass over the
 * sorted model instead of building the document first: on 100k-1M peers the
 * document alone (an object and three decimal strings per entry) cost as much
 * as stringifying it, and the string then had to be encoded again to be
 * written. Peer texts are base58btc and times decimal digits, written as they
 * are (a peer text that would need escaping goes through JSON.stringify, as
 * does `$schema`).
 *
 * A snapshot decoded from a canonical text (see CanonicalSource in decode.ts)
 * mostly still holds the entries it was read with, in the same order: each
 * run of those is copied from that text in one piece instead of formatted,
 * and the lists' order is checked without comparing their texts. Property
 * tests hold all of it to the JSON.stringify form.
 */
import type { BackoffEntry } from "../core/backoff.js";
import type { HealthEntry } from "../core/governor.js";
import type { PeerId } from "../core/peer-id.js";
import { canonicalLists, entryPeerText, peerText } from "./canonical.js";
import { canonicalSource, type SourceList } from "./decode-canonical.js";
import { SPEC_VERSION, type Snapshot } from "./model.js";

/** One `peer_governor.health` entry as written. */
export interface HealthDocument {
  peer: string;
  consecutive_failures: number;
  last_event_ns: string;
  down: boolean;
}

/** One `backoff_table` entry as written. */
export interface BackoffEntryDocument {
  peer: string;
  attempts: number;
  last_attempt_ns: string;
  next_retry_ns: string;
}

/** The canonical JSON document of a snapshot, as plain data (key order is significant). */
export interface SnapshotDocument {
  $schema?: string;
  spec_version: number;
  clock_ns: string;
  peer_governor: {
    failure_threshold: number;
    blocklist: string[];
    allowlist: string[] | null;
    health: HealthDocument[];
  };
  backoff: { base_ns: string; max_delay_ns: string };
  backoff_table: BackoffEntryDocument[];
}

/** The canonical document of a snapshot: what `encodeSnapshot` writes, before it becomes text. */
export function snapshotDocument(snapshot: Snapshot): SnapshotDocument {
  const lists = canonicalLists(snapshot);
  const config = snapshot.backoff.config();
  const document: SnapshotDocument = {
    spec_version: SPEC_VERSION,
    clock_ns: snapshot.clockNs.toString(),
    peer_governor: {
      failure_threshold: snapshot.governor.failureThreshold(),
      blocklist: lists.blocklist.map((peer) => peer.text),
      allowlist: lists.allowlist === null ? null : lists.allowlist.map((peer) => peer.text),
      health: lists.health.map((entry) => ({
        peer: entry.peer.text,
        consecutive_failures: entry.consecutiveFailures,
        last_event_ns: entry.lastEventNs.toString(),
        down: entry.down,
      })),
    },
    backoff: { base_ns: config.baseNs.toString(), max_delay_ns: config.maxDelayNs.toString() },
    backoff_table: lists.backoffTable.map((entry) => ({
      peer: entry.peer.text,
      attempts: entry.attempts,
      last_attempt_ns: entry.lastAttemptNs.toString(),
      next_retry_ns: entry.nextRetryNs.toString(),
    })),
  };
  // `$schema` leads when present; spreading keeps the remaining keys in order.
  return snapshot.schema === undefined ? document : { $schema: snapshot.schema, ...document };
}

/**
 * What the last `encodeSnapshotBytes` did with the list items: copied from the
 * text the snapshot was read from, or formatted. Tests read it to prove the
 * copying path runs (its output is the same either way); nothing else should.
 */
export const lastEncode = { copiedItems: 0, formattedItems: 0 };

/** The canonical text of a snapshot: fixed key order, sorted lists, u64 as strings, 2-space indent, trailing newline. */
export function encodeSnapshot(snapshot: Snapshot): string {
  return UTF8_DECODER.decode(encodeSnapshotBytes(snapshot));
}

/**
 * The UTF-8 bytes of `encodeSnapshot(snapshot)`: what bbgov writes to disk,
 * without a string in between. They are written into `scratch` when it is
 * long enough (the caller gives up its contents: bbgov passes the buffer the
 * snapshot was read into), else into new memory.
 */
export function encodeSnapshotBytes(snapshot: Snapshot, scratch?: Uint8Array): Uint8Array {
  lastEncode.copiedItems = 0;
  lastEncode.formattedItems = 0;
  const source = canonicalSource(snapshot);
  // A list the canonical reader checked but nobody has looked at since is copied from its text whole.
  const ownSource = source !== undefined && source.governor === snapshot.governor && source.backoff === snapshot.backoff;
  const copyHealth = ownSource && snapshot.governor.healthRestoreDeferred();
  const copyTable = ownSource && snapshot.backoff.restoreDeferred();
  const lists = canonicalLists(snapshot, { health: copyHealth, backoffTable: copyTable });
  const config = snapshot.backoff.config();
  const text = source?.text ?? "";
  const schema = snapshot.schema === undefined ? "" : `\n  "$schema": ${JSON.stringify(snapshot.schema)},`;
  const head = UTF8_ENCODER.encode(`{${schema}
  "spec_version": ${SPEC_VERSION},
  "clock_ns": "${snapshot.clockNs}",
  "peer_governor": {
    "failure_threshold": ${snapshot.governor.failureThreshold()},
    "blocklist": `);
  const backoff = UTF8_ENCODER.encode(`
  },
  "backoff": {
    "base_ns": "${config.baseNs}",
    "max_delay_ns": "${config.maxDelayNs}"
  },
  "backoff_table": `);
  // About the size of the text read, or of typical entries; the writer grows if it must.
  const estimate = Math.max(text.length, (lists.health.length + lists.backoffTable.length) * 200) + head.length + backoff.length + 4096;
  const out = new ByteWriter(scratch !== undefined && scratch.length >= estimate ? scratch : new Uint8Array(estimate));
  out.ensure(head.length);
  out.bytes(head);
  writePeerList(out, lists.blocklist, source?.blocklist, text);
  out.ensure(ALLOWLIST_KEY.length + NULL.length);
  out.bytes(ALLOWLIST_KEY);
  if (lists.allowlist === null) out.bytes(NULL);
  else writePeerList(out, lists.allowlist, source?.allowlist, text);
  out.ensure(HEALTH_KEY.length);
  out.bytes(HEALTH_KEY);
  if (copyHealth) writeCopiedList(out, source.health, text, INNER_LIST_END);
  else writeHealth(out, lists.health, source?.health, text);
  out.ensure(backoff.length);
  out.bytes(backoff);
  if (copyTable) writeCopiedList(out, source.backoffTable, text, TABLE_LIST_END);
  else writeBackoffTable(out, lists.backoffTable, source?.backoffTable, text);
  out.ensure(END.length);
  out.bytes(END);
  return out.written();
}

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();
const ascii = (text: string): Uint8Array => UTF8_ENCODER.encode(text);

// The fixed parts of the layout, as JSON.stringify(…, null, 2) indents each
// depth: "[]" for an empty list, else one item per line, the bracket on its own.
const ALLOWLIST_KEY = ascii(',\n    "allowlist": ');
const HEALTH_KEY = ascii(',\n    "health": ');
const NULL = ascii("null");
const TRUE = ascii("true");
const FALSE = ascii("false");
const END = ascii("\n}\n");
const EMPTY_LIST = ascii("[]");
const LIST_START = ascii("[\n");
const ITEM_SEPARATOR = ascii(",\n");
const PEER_ITEM = ascii('      "');
const QUOTE = ascii('"');
const INNER_LIST_END = ascii("\n    ]");
const HEALTH_PEER = ascii('      {\n        "peer": "');
const HEALTH_FAILURES = ascii('",\n        "consecutive_failures": ');
const HEALTH_LAST_EVENT = ascii(',\n        "last_event_ns": "');
const HEALTH_DOWN = ascii('",\n        "down": ');
const HEALTH_END = ascii("\n      }");
const TABLE_PEER = ascii('    {\n      "peer": "');
const TABLE_ATTEMPTS = ascii('",\n      "attempts": ');
const TABLE_LAST_ATTEMPT = ascii(',\n      "last_attempt_ns": "');
const TABLE_NEXT_RETRY = ascii('",\n      "next_retry_ns": "');
const TABLE_END = ascii('"\n    }');
const TABLE_LIST_END = ascii("\n  ]");

// Most bytes an item takes besides its peer text (which needs one byte a
// character unless it must be escaped): a u32 has at most 10 digits, a u64 20.
const PEER_ITEM_BOUND = ITEM_SEPARATOR.length + PEER_ITEM.length + QUOTE.length;
const HEALTH_ENTRY_BOUND =
  ITEM_SEPARATOR.length +
  HEALTH_PEER.length +
  HEALTH_FAILURES.length +
  10 +
  HEALTH_LAST_EVENT.length +
  20 +
  HEALTH_DOWN.length +
  5 +
  HEALTH_END.length;
const TABLE_ENTRY_BOUND =
  ITEM_SEPARATOR.length +
  TABLE_PEER.length +
  TABLE_ATTEMPTS.length +
  10 +
  TABLE_LAST_ATTEMPT.length +
  20 +
  TABLE_NEXT_RETRY.length +
  20 +
  TABLE_END.length;
const LIST_BOUND = LIST_START.length + INNER_LIST_END.length;
const ITEM_BOUND = Math.max(PEER_ITEM_BOUND, HEALTH_ENTRY_BOUND, TABLE_ENTRY_BOUND);

function writePeerList(out: ByteWriter, peers: readonly PeerId[], source: SourceList<PeerId> | null | undefined, text: string): void {
  writeList(out, peers, source ?? undefined, text, peerText, writePeer, PEER_ITEM_BOUND, INNER_LIST_END);
}

function writeHealth(out: ByteWriter, entries: readonly HealthEntry[], source: SourceList<HealthEntry> | undefined, text: string): void {
  writeList(out, entries, source, text, entryPeerText, writeHealthEntry, HEALTH_ENTRY_BOUND, INNER_LIST_END);
}

function writeBackoffTable(
  out: ByteWriter,
  entries: readonly BackoffEntry[],
  source: SourceList<BackoffEntry> | undefined,
  text: string,
): void {
  writeList(out, entries, source, text, entryPeerText, writeBackoffEntry, TABLE_ENTRY_BOUND, TABLE_LIST_END);
}

/**
 * A sorted list as JSON.stringify lays it out: `[]`, or its items one per line
 * (",\n" between them) and `closing` on its own. An item the snapshot's source
 * text holds (the same object, see CanonicalSource) is not formatted: each run
 * of such items that also sit side by side in the source is copied from it in
 * one piece. Both orders are by peer text, so one walk finds them.
 */
function writeList<T>(
  out: ByteWriter,
  items: readonly T[],
  source: SourceList<T> | undefined,
  text: string,
  keyOf: (item: T) => string,
  write: (out: ByteWriter, item: T) => void,
  bound: number,
  closing: Uint8Array,
): void {
  out.ensure(LIST_BOUND);
  if (items.length === 0) {
    out.bytes(EMPTY_LIST);
    return;
  }
  out.bytes(LIST_START);
  const from = source?.items ?? [];
  let next = 0; // the first source item not yet passed
  let runFirst = -1; // source indexes of the run being gathered, -1 when none
  let runLast = -1;
  const flush = (): void => {
    if (runFirst < 0 || source === undefined) return;
    const start = source.starts[runFirst] as number;
    const end = runLast + 1 < source.starts.length ? (source.starts[runLast + 1] as number) - ITEM_SEPARATOR.length : source.end;
    out.ensure(end - start);
    out.copy(text, start, end);
    lastEncode.copiedItems += runLast - runFirst + 1;
    runFirst = -1;
  };
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    while (next < from.length && from[next] !== item && keyOf(from[next] as T) < keyOf(item)) next++;
    if (next < from.length && from[next] === item) {
      if (runFirst >= 0 && runLast === next - 1) {
        runLast = next;
      } else {
        flush();
        out.ensure(ITEM_SEPARATOR.length);
        if (i > 0) out.bytes(ITEM_SEPARATOR);
        runFirst = runLast = next;
      }
      next++;
      continue;
    }
    flush();
    out.ensure(bound + keyOf(item).length);
    if (i > 0) out.bytes(ITEM_SEPARATOR);
    write(out, item);
    lastEncode.formattedItems++;
  }
  flush();
  out.ensure(LIST_BOUND);
  out.bytes(closing);
}

/** A list exactly as it stands in the source text (its items unchanged and unlooked-at since the read). */
function writeCopiedList<T>(out: ByteWriter, source: SourceList<T>, text: string, closing: Uint8Array): void {
  out.ensure(LIST_BOUND);
  if (source.starts.length === 0) {
    out.bytes(EMPTY_LIST);
    return;
  }
  out.bytes(LIST_START);
  const start = source.starts[0] as number;
  out.ensure(source.end - start);
  out.copy(text, start, source.end);
  lastEncode.copiedItems += source.starts.length;
  out.ensure(LIST_BOUND);
  out.bytes(closing);
}

function writePeer(out: ByteWriter, peer: PeerId): void {
  out.bytes(PEER_ITEM);
  out.string(peer.text);
  out.bytes(QUOTE);
}

function writeHealthEntry(out: ByteWriter, entry: HealthEntry): void {
  writeEntryStart(out, HEALTH_PEER, entry.peer, HEALTH_FAILURES, entry.consecutiveFailures, HEALTH_LAST_EVENT, entry.lastEventNs);
  out.bytes(HEALTH_DOWN);
  out.bytes(entry.down ? TRUE : FALSE);
  out.bytes(HEALTH_END);
}

function writeBackoffEntry(out: ByteWriter, entry: BackoffEntry): void {
  writeEntryStart(out, TABLE_PEER, entry.peer, TABLE_ATTEMPTS, entry.attempts, TABLE_LAST_ATTEMPT, entry.lastAttemptNs);
  out.bytes(TABLE_NEXT_RETRY);
  out.ascii(entry.nextRetryNs.toString());
  out.bytes(TABLE_END);
}

/** What both kinds of entry start with: the peer, a u32 counter, the time of the last event. */
function writeEntryStart(
  out: ByteWriter,
  peerKey: Uint8Array,
  peer: PeerId,
  countKey: Uint8Array,
  count: number,
  timeKey: Uint8Array,
  timeNs: bigint,
): void {
  out.bytes(peerKey);
  out.string(peer.text);
  out.bytes(countKey);
  out.ascii(String(count));
  out.bytes(timeKey);
  out.ascii(timeNs.toString());
}

/**
 * Appends bytes to a buffer, growing it when `ensure` asks for more room than
 * is left; callers ensure room for a piece (by an upper bound) before writing it.
 */
class ByteWriter {
  private buffer: Uint8Array;
  private at = 0;

  constructor(buffer: Uint8Array) {
    this.buffer = buffer;
  }

  /** Room for `length` more bytes. */
  ensure(length: number): void {
    if (this.at + length <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length + (this.buffer.length >> 1), this.at + length));
    grown.set(this.buffer.subarray(0, this.at));
    this.buffer = grown;
  }

  // A plain loop: the chunks are short, and TypedArray#set costs more per call than copying them.
  bytes(chunk: Uint8Array): void {
    const buffer = this.buffer;
    const at = this.at;
    for (let i = 0; i < chunk.length; i++) buffer[at + i] = chunk[i] as number;
    this.at = at + chunk.length;
  }

  /** Text known to be ASCII digits: one byte per character. */
  ascii(text: string): void {
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.at = at;
  }

  /**
   * The inside of a JSON string, as JSON.stringify writes it. Peer texts are
   * printable ASCII needing no escape (one byte per character, which the
   * caller ensured room for); anything else is escaped by JSON.stringify and
   * encoded, with the room that takes.
   */
  string(text: string): void {
    const buffer = this.buffer;
    const start = this.at;
    let at = start;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) {
        this.at = start;
        const escaped = UTF8_ENCODER.encode(JSON.stringify(text).slice(1, -1));
        this.ensure(escaped.length + ITEM_BOUND); // and the rest of the item

        this.bytes(escaped);
        return;
      }
      buffer[at++] = code;
    }
    this.at = at;
  }

  /** Characters start..end of `text`, copied natively (as UTF-8, which for the ASCII they are is the same bytes). */
  copy(text: string, start: number, end: number): void {
    this.at += UTF8_ENCODER.encodeInto(text.slice(start, end), this.buffer.subarray(this.at)).written;
  }

  written(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }
}
