/**
 * Model -> canonical snapshot text (the snapshot format in README.md). The text is, byte for
 * byte, `JSON.stringify(snapshotDocument(snapshot), null, 2) + "\n"`: keys in
 * contract order, lists sorted by peer text, u64 values as decimal strings.
 *
 * `encodeSnapshotBytes` writes that text's UTF-8 bytes in one pass over the
 * sorted model instead of building the document first: on 100k-1M peers the
 * document alone (an object and three decimal strings per entry) cost as much
 * as stringifying it, and the string then had to be encoded again to be
 * written. A formatted item is one template string, gathered with the next
 * ones and encoded in chunks; peer texts are base58btc and times decimal
 * digits, written as they are (a peer text that would need escaping goes
 * through JSON.stringify, as does `$schema`).
 *
 * A snapshot decoded from a canonical text (see CanonicalSource in decode.ts)
 * mostly still holds the entries it was read with, in the same order: each
 * run of those is copied from that text in one piece instead of formatted,
 * and the lists' order is checked without comparing their texts. Property
 * tests hold all of it to the JSON.stringify form.
 */
import type { BackoffEntry } from "../core/backoff.js";
import { InvalidArgument } from "../core/errors.js";
import { checkedU64 } from "../core/u64.js";
import type { HealthEntry } from "../core/governor.js";
import type { PeerId } from "../core/peer-id.js";
import { canonicalLists, entryPeerText, peerText } from "./canonical.js";
import { canonicalSource, type SourceList } from "./decode-canonical.js";
import { checkedSnapshot, SPEC_VERSION, type Snapshot } from "./model.js";

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
  checkedTopLevel(snapshot, "snapshotDocument");
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
 * The snapshot's own fields, which a caller may assign (the governor and the table check what they are given): a
 * clock outside u64 was written as `"clock_ns": "-1"` (or "undefined"), and a `$schema` that is not a string as
 * that value, into a file the decoder then refuses.
 */
function checkedTopLevel(snapshot: Snapshot, reader: string): void {
  checkedSnapshot(snapshot, reader);
  checkedU64(snapshot.clockNs, "clockNs");
  if (snapshot.schema !== undefined && typeof snapshot.schema !== "string")
    throw new InvalidArgument(`invalid schema ${String(snapshot.schema)}: expected a string, or undefined for none`);
}

/**
 * The UTF-8 bytes of `encodeSnapshot(snapshot)`: what bbgov writes to disk,
 * without a string in between. They are written into `scratch` when it is
 * long enough (the caller gives up its contents: bbgov passes the buffer the
 * snapshot was read into), else into new memory.
 */
export function encodeSnapshotBytes(snapshot: Snapshot, scratch?: Uint8Array): Uint8Array {
  checkedTopLevel(snapshot, "encodeSnapshot");
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
const END = ascii("\n}\n");
const EMPTY_LIST = ascii("[]");
const LIST_START = ascii("[\n");
const ITEM_SEPARATOR = ascii(",\n");
const INNER_LIST_END = ascii("\n    ]");
const TABLE_LIST_END = ascii("\n  ]");
const LIST_BOUND = LIST_START.length + INNER_LIST_END.length;

function writePeerList(out: ByteWriter, peers: readonly PeerId[], source: SourceList<PeerId> | null | undefined, text: string): void {
  writeList(out, peers, source ?? undefined, text, peerText, writePeer, INNER_LIST_END);
}

function writeHealth(out: ByteWriter, entries: readonly HealthEntry[], source: SourceList<HealthEntry> | undefined, text: string): void {
  writeList(out, entries, source, text, entryPeerText, writeHealthEntry, INNER_LIST_END);
}

function writeBackoffTable(
  out: ByteWriter,
  entries: readonly BackoffEntry[],
  source: SourceList<BackoffEntry> | undefined,
  text: string,
): void {
  writeList(out, entries, source, text, entryPeerText, writeBackoffEntry, TABLE_LIST_END);
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
    if (i > 0) out.text(",\n");
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

// Items are formatted as strings (a template each, native string work even
// before V8 optimizes anything) and reach the buffer in chunks through
// TextEncoder.encodeInto. A byte at a time, the cold loops over every
// character were ~2.5 µs an item: most of writing the 5,000 new peers of an
// `apply`, which runs each formatter a few thousand times, never hot.
function writePeer(out: ByteWriter, peer: PeerId): void {
  out.text(`      "${jsonInside(peer.text)}"`);
}

function writeHealthEntry(out: ByteWriter, entry: HealthEntry): void {
  out.text(
    `      {\n        "peer": "${jsonInside(entry.peer.text)}",\n        "consecutive_failures": ${entry.consecutiveFailures},\n        "last_event_ns": "${entry.lastEventNs}",\n        "down": ${entry.down}\n      }`,
  );
}

function writeBackoffEntry(out: ByteWriter, entry: BackoffEntry): void {
  out.text(
    `    {\n      "peer": "${jsonInside(entry.peer.text)}",\n      "attempts": ${entry.attempts},\n      "last_attempt_ns": "${entry.lastAttemptNs}",\n      "next_retry_ns": "${entry.nextRetryNs}"\n    }`,
  );
}

/** Characters a JSON string holds as they are, in the printable ASCII a peer text is. */
const NEEDS_ESCAPE = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/;

/** The inside of a JSON string, as JSON.stringify writes it (a peer text is printable ASCII that needs no escape). */
function jsonInside(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/**
 * Appends bytes to a buffer, growing it when `ensure` asks for more room than
 * is left; callers ensure room for a piece (by an upper bound) before writing
 * it with `bytes` or `copy`. Text given to `text` is gathered and encoded in
 * chunks, before the next `ensure` and at the end.
 */
class ByteWriter {
  private buffer: Uint8Array;
  private at = 0;
  /** Text not yet encoded. */
  private pending = "";

  constructor(buffer: Uint8Array) {
    this.buffer = buffer;
  }

  /** Room for `length` more bytes (after the text gathered so far). */
  ensure(length: number): void {
    if (this.pending !== "") this.encodePending();
    if (this.at + length <= this.buffer.length) return;
    this.grow(length);
  }

  // A plain loop: the chunks are short, and TypedArray#set costs more per call than copying them.
  bytes(chunk: Uint8Array): void {
    const buffer = this.buffer;
    const at = this.at;
    for (let i = 0; i < chunk.length; i++) buffer[at + i] = chunk[i] as number;
    this.at = at + chunk.length;
  }

  /** Text to write as UTF-8, gathered so that many short pieces are encoded in one native call. */
  text(piece: string): void {
    this.pending += piece;
    if (this.pending.length >= TEXT_CHUNK) this.encodePending();
  }

  /** Characters start..end of `text`, copied natively (as UTF-8, which for the ASCII they are is the same bytes). */
  copy(text: string, start: number, end: number): void {
    this.at += UTF8_ENCODER.encodeInto(text.slice(start, end), this.buffer.subarray(this.at)).written;
  }

  written(): Uint8Array {
    if (this.pending !== "") this.encodePending();
    return this.buffer.subarray(0, this.at);
  }

  private encodePending(): void {
    let rest = this.pending;
    this.pending = "";
    for (;;) {
      const { read, written } = UTF8_ENCODER.encodeInto(rest, this.buffer.subarray(this.at));
      this.at += written;
      if (read === rest.length) return;
      rest = rest.slice(read);
      // A UTF-16 code unit is at most 3 bytes of UTF-8.
      this.grow(rest.length * 3);
    }
  }

  private grow(length: number): void {
    const grown = new Uint8Array(Math.max(this.buffer.length + (this.buffer.length >> 1), this.at + length));
    grown.set(this.buffer.subarray(0, this.at));
    this.buffer = grown;
  }
}

/** Characters of formatted items gathered before they are encoded: large enough to make the native calls few, small enough to stay in cache. */
const TEXT_CHUNK = 16_384;
