/**
 * Three kinds of snapshot file over one model. Each kind is a module that
 * reads its bytes into the model and writes the model back into its own
 * kind, keeping what it does not model: a version-1 bbgov JSON snapshot
 * (`decode.ts` / `encode.ts`), upstream's bincode `NodeSnapshot` as a node
 * writes it (`node.ts`), and upstream's serde JSON of a `FrameworkSnapshot`
 * (`framework-json.ts`). The kind is recognised from the content; callers
 * never ask which kind they hold, only what it can store.
 */
import { checkedOptions, givenValue, InvalidArgument } from "../core/errors.js";
import type { PeerId } from "../core/peer-id.js";
import type { BackoffConfig } from "../core/backoff.js";
import { decodeSnapshot } from "./decode.js";
import { readCanonical } from "./decode-canonical.js";
import { encodeSnapshotBytes } from "./encode.js";
import { Reader, read, type Value } from "./bincode.js";
import { FRAMEWORK_ONLY_FIELDS, readFrameworkJson, type FrameworkFields } from "./framework-json.js";
import { topLevelLayout } from "./json-values.js";
import { SnapshotError, type Snapshot, type SnapshotWarning } from "./model.js";
import { readNodeSnapshot, type NodeInfo, type SharedPeers } from "./node.js";
import { FRAMEWORK, NODE_SNAPSHOT } from "./node-schema.js";
import { serdeJson } from "./serde-json.js";

/** The kinds of snapshot file bbgov reads and writes. */
export type SnapshotKind = "bbgov-json" | "node-snapshot" | "framework-json";

/** What each kind is called in messages. */
export const KIND_NAMES: Readonly<Record<SnapshotKind, string>> = {
  "bbgov-json": "bbgov snapshot",
  "node-snapshot": "node snapshot",
  "framework-json": "framework snapshot",
};

/** What each kind is, in a few words. */
export const KIND_DESCRIPTIONS: Readonly<Record<SnapshotKind, string>> = {
  "bbgov-json": "bbgov's JSON, version 1",
  "node-snapshot": "upstream's bincode NodeSnapshot",
  "framework-json": "upstream's serde JSON of a FrameworkSnapshot",
};

/** A snapshot file's content, with the text decoding left to the caller (which may have a faster one). */
export interface SnapshotInput {
  readonly bytes: Uint8Array;
  /** The bytes as strict UTF-8 text; throws when they are not. */
  text(): string;
  /**
   * True when `bytes` are the UTF-8 encoding of `text` (a faster check may be given). Called on the input
   * when the snapshot is opened for writing; a read-only open (`forWrite: false`) keeps neither it nor the
   * input, whose bytes may then be freed.
   */
  isEncodingOf?(bytes: Uint8Array, text: string): boolean;
}

/** Settings a file may not hold, from the user. */
export interface OpenOptions {
  /** The host's backoff schedule, for kinds that do not store one (default upstream's 10 ms / 60 s). */
  readonly backoff?: Partial<BackoffConfig>;
  /** The caller may change the model and write it back: prepare `unchanged` (false saves that work for a read-only look). */
  readonly forWrite?: boolean;
  /** Peers made by the reads of other files (a fleet's node snapshots), reused and added to. */
  readonly shared?: SharedPeers;
}

/** What a kind of file can store besides the governor and the backoff table. */
export interface Holds {
  /** The snapshot clock (`clock --set`, `clock --advance`). */
  readonly clock: boolean;
  /** The backoff schedule (`backoff --base`, `--max`). */
  readonly backoffSchedule: boolean;
}

/** A snapshot file opened as its kind: the model, its findings, and how to write it back. */
export interface OpenedSnapshot {
  readonly kind: SnapshotKind;
  readonly snapshot: Snapshot;
  readonly warnings: readonly SnapshotWarning[];
  /** Which node the file belongs to (node snapshots only). */
  readonly node?: NodeInfo;
  readonly holds: Holds;
  /** The file's own FrameworkSnapshot fields besides the governor (counters, address book, ...), as serde JSON texts. */
  frameworkFields(): FrameworkFields;
  /** The file's bytes for the model's current state; `spare`, when given, may be reused as the output's memory. */
  encode(spare?: Uint8Array): Uint8Array;
  /** True when `encoded` (from `encode`) stores the same state as the file that was read, so nothing needs writing (needs `forWrite`). */
  unchanged(encoded: Uint8Array): boolean;
  /**
   * Node snapshots: where the model's entry of `peer` in a list stands in the file, as a path (see
   * NodeSnapshotRead.entryPath), so that a finding about it names the entry where it is; with no peer, the list's.
   */
  entryPath?(list: "allowlist" | "health" | "backoff_table", peer: PeerId | undefined, field: string): string | undefined;
}

/** Recognises the kind of a snapshot file from its content; throws SnapshotError when it is none of them. */
export function detectKind(given: SnapshotInput | Uint8Array): SnapshotKind {
  const input = checkedInput(given, "detectKind");
  refuseCompressed(input.bytes);
  // JSON text never holds a NUL byte; a node snapshot's fixed-width integers almost always do.
  if (input.bytes.indexOf(0) === -1) return isFrameworkJson(input) ? "framework-json" : "bbgov-json";
  const text = textWithNul(input.bytes);
  if (text !== undefined) throw new SnapshotError(text, "$");
  if (startsLikeNodeSnapshot(input.bytes)) return "node-snapshot";
  throw new SnapshotError(
    `not a snapshot: ${input.bytes.length} bytes of binary data that do not start as a node snapshot does ` +
      `(an incarnation, then the node's peer id length); nor is it JSON`,
    "$",
  );
}

/** A file's kind, and its model when the canonical reader took it (a text in bbgov's own layout). */
export interface Recognized {
  readonly kind: SnapshotKind;
  /** The model the canonical reader made, which is what `decodeSnapshot` gives for the text, with no warnings. */
  readonly canonical?: Snapshot;
}

/**
 * `detectKind`, trying the canonical reader first: a text it takes is bbgov
 * JSON (it has only bbgov's top-level keys, and decodeSnapshot would return
 * this very model with no warnings), and `detectKind`'s scan of the whole
 * text (~130 ms at 100k peers) is spared; the caller keeps the model it made.
 */
export function recognize(input: SnapshotInput): Recognized {
  if (input.bytes.indexOf(0) === -1) {
    const text = textOrUndefined(input);
    const canonical = text === undefined ? undefined : readCanonical(text);
    if (canonical !== undefined) return { kind: "bbgov-json", canonical };
  }
  return { kind: detectKind(input) };
}

/**
 * What is wrong with text that holds a NUL byte, when it cannot be a node
 * snapshot (its peer id length at byte 8 runs past the end): UTF-16 text, or
 * JSON with a NUL in it. Read as a node snapshot, either gave a length of
 * petabytes "at byte 8 (config.peer_id)", which says nothing to whoever saved the file.
 */
function textWithNul(bytes: Uint8Array): string | undefined {
  if (couldBeNodeSnapshot(bytes)) return undefined;
  const [first, second] = bytes;
  if ((first === 0xff && second === 0xfe) || (first === 0xfe && second === 0xff))
    return "the file is UTF-16 text: a snapshot's JSON must be UTF-8 (convert it with iconv -f UTF-16 -t UTF-8)";
  let start = 0;
  while (start < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[start] as number)) start++;
  if (bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf) start += 3;
  if (bytes[start] !== 0x7b && bytes[start] !== 0x5b) return undefined;
  return `a NUL byte at byte ${bytes.indexOf(0)}: JSON text holds none (is the file damaged?)`;
}

/** Whether the node's peer id length at byte 8 fits in the bytes after it, as in any node snapshot. */
function couldBeNodeSnapshot(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getBigUint64(8, true) <= BigInt(bytes.length - 16);
}

/** Magic numbers of the compressions a snapshot may be kept in, with the tool that undoes each. */
const COMPRESSIONS: readonly (readonly [string, string, readonly number[]])[] = [
  ["gzip", "gunzip", [0x1f, 0x8b]],
  ["zstd", "unzstd", [0x28, 0xb5, 0x2f, 0xfd]],
  ["xz", "unxz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];

/** Throws SnapshotError naming the compression when the file is a compressed one (see compressedWith); a kind given by hand is checked so too. */
export function refuseCompressed(bytes: Uint8Array): void {
  const packed = compressedWith(bytes);
  if (packed !== undefined) throw new SnapshotError(`the file is ${packed[0]}-compressed: decompress it first (${packed[1]})`, "$");
}

/**
 * The compression and its tool when the file starts with a compressor's magic
 * and cannot be a node snapshot (which might start with the same bytes): read
 * as one, a gzip'd snapshot gave a length of exabytes "at byte 8 (config.peer_id)".
 */
function compressedWith(bytes: Uint8Array): readonly [string, string] | undefined {
  const found = COMPRESSIONS.find(([, , magic]) => magic.every((byte, at) => bytes[at] === byte));
  return found === undefined || couldBeNodeSnapshot(bytes) ? undefined : [found[0], found[1]];
}

/**
 * Binary data of at least the two leading u64 (the incarnation and the
 * length of the node's peer id) is read as a node snapshot: its reader then
 * says, with the field and the byte, where it stops being one (a file cut
 * short, a length beyond the end of the file).
 */
function startsLikeNodeSnapshot(bytes: Uint8Array): boolean {
  return bytes.length >= 16;
}

/**
 * A JSON document is a framework snapshot when it has a field only a
 * FrameworkSnapshot has, or when, having none of bbgov's own (clock_ns,
 * backoff, $schema), its governor is in serde's form: peers as byte arrays,
 * health entries as tuples, or the fields of `PeerGovernorSnapshot` in
 * serde's order (failure_threshold last, where bbgov writes it first).
 * Only the top level and the governor's own values are looked at.
 */
function isFrameworkJson(input: SnapshotInput): boolean {
  let text: string;
  try {
    text = inputText(input);
  } catch (error) {
    if (error instanceof InvalidArgument) throw error;
    return false; // not UTF-8: the bbgov reader says so
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const layout = topLevelLayout(body);
  if (layout === undefined) return false;
  const keys = new Set(layout.members.map((member) => member.key));
  if (FRAMEWORK_ONLY_FIELDS.some((key) => keys.has(key))) return true;
  if (keys.has("clock_ns") || keys.has("backoff") || keys.has("$schema")) return false;
  const memberText = (key: string): string | undefined => {
    const member = layout.members.find((m) => m.key === key);
    return member === undefined ? undefined : body.slice(member.valueStart, member.valueEnd);
  };
  const governor = memberText("peer_governor");
  const table = memberText("backoff_table");
  if (governor !== undefined) {
    const members = topLevelLayout(governor)?.members ?? [];
    // A list whose first item is an array: serde's byte arrays and health tuples.
    const serdeList = members.some((m) => SERDE_LISTS.has(m.key) && /^\[\s*\[/.test(governor.slice(m.valueStart, m.valueStart + 64)));
    const serdeOrder = members.length > 1 && members[0]?.key === "blocklist" && members[members.length - 1]?.key === "failure_threshold";
    if (serdeList || serdeOrder) return true;
  }
  return table !== undefined && /^\[\s*\{\s*"peer"\s*:\s*\[/.test(table.slice(0, 64));
}

/** The governor's lists, whose items serde writes as arrays (byte arrays, health tuples). */
const SERDE_LISTS: ReadonlySet<string> = new Set(["blocklist", "allowlist", "health"]);

/**
 * `input` as a SnapshotInput: a file's bytes alone (a Uint8Array, as `readFileSync` gives them) get a strict UTF-8
 * reading of their own, for the kinds that are text; anything else must be a SnapshotInput, else an InvalidArgument
 * that says what one is (`{ bytes }` with no `text` failed deep inside: "Cannot read properties of undefined").
 */
function checkedInput(input: SnapshotInput | Uint8Array, reader: string): SnapshotInput {
  const given: unknown = input;
  if (given instanceof Uint8Array) return bytesInput(given);
  const shape = given as { bytes?: unknown; text?: unknown } | null | undefined;
  if (typeof shape === "object" && shape !== null && shape.bytes instanceof Uint8Array && typeof shape.text === "function") {
    return input as SnapshotInput;
  }
  const what =
    typeof shape === "object" && shape !== null
      ? `an object without ${shape.bytes instanceof Uint8Array ? "" : "bytes (a Uint8Array)"}${shape.bytes instanceof Uint8Array || typeof shape.text === "function" ? "" : " and "}${typeof shape.text === "function" ? "" : "text (a function)"}`
      : typeof given === "string"
        ? "a string (give the file's bytes: readFileSync(path), without an encoding)"
        : String(given);
  throw new InvalidArgument(
    `${reader} reads a file's bytes (a Uint8Array), or a SnapshotInput, { bytes, text }: the bytes and a function ` +
      `giving them as text; it was given ${what}`,
  );
}

/** A SnapshotInput's text, checked: a caller's `text()` giving other than a string failed deep inside ("text.charCodeAt is not a function"). */
function inputText(input: SnapshotInput): string {
  const text: unknown = input.text();
  if (typeof text !== "string")
    throw new InvalidArgument(`a SnapshotInput's text() gives the file's text, a string; it gave ${givenValue(text)}`);
  return text;
}

/** The bytes of a file as a SnapshotInput whose text is their strict UTF-8 reading (a byte order mark kept). */
function bytesInput(bytes: Uint8Array): SnapshotInput {
  return {
    bytes,
    text: () => {
      try {
        return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
      } catch (error) {
        if (error instanceof TypeError) throw new SnapshotError("not UTF-8 text", "$");
        throw error;
      }
    },
  };
}

/** Opens a snapshot file of any kind, as that kind, from its bytes (or a SnapshotInput, whose text reading may be faster). */
export function openSnapshot(given: SnapshotInput | Uint8Array, options: OpenOptions = {}): OpenedSnapshot {
  const input = checkedInput(given, "openSnapshot");
  checkedOptions(options, "openSnapshot");
  const once = textOnce(input, options.forWrite !== false);
  // The file bbgov writes itself is recognised by the canonical reader first (recognize), and opened with
  // the model it made.
  const { kind, canonical } = recognize(once);
  if (canonical !== undefined) return bbgovJson(once, once.text(), canonical, []);
  if (kind === "node-snapshot") return openNode(once, options);
  if (kind === "framework-json") return openFrameworkJson(once, options);
  return openBbgovJson(once);
}

/**
 * The input with its text made once: a big file's text is tens of megabytes. `isEncodingOf` stays a call
 * on the input (it may be a method) when the snapshot may be written back (`forWrite`): `unchanged` needs
 * it then. A read-only open needs no `unchanged`, so nothing of the input outlives it.
 */
function textOnce(input: SnapshotInput, forWrite: boolean): SnapshotInput {
  let text: string | undefined;
  const isEncodingOf = input.isEncodingOf;
  return {
    bytes: input.bytes,
    text: () => (text ??= inputText(input)),
    ...(isEncodingOf === undefined ? {} : { isEncodingOf: forWrite ? isEncodingOf.bind(input) : isEncodingOf }),
  };
}

function textOrUndefined(input: SnapshotInput): string | undefined {
  try {
    return inputText(input);
  } catch (error) {
    if (error instanceof InvalidArgument) throw error;
    return undefined; // not UTF-8: the general path says so
  }
}

function openBbgovJson(input: SnapshotInput): OpenedSnapshot {
  const text = input.text();
  // recognize tried the canonical reader on this text already (JSON holds no NUL; a text that is not UTF-8
  // threw just above): it is not walked twice.
  const { snapshot, warnings } = decodeSnapshot(text, { canonicalTried: true });
  return bbgovJson(input, text, snapshot, warnings);
}

function bbgovJson(input: SnapshotInput, text: string, snapshot: Snapshot, warnings: readonly SnapshotWarning[]): OpenedSnapshot {
  const isEncodingOf = input.isEncodingOf ?? defaultIsEncodingOf;
  return {
    kind: "bbgov-json",
    snapshot,
    warnings,
    holds: { clock: true, backoffSchedule: true },
    frameworkFields: () => ({}),
    // Bytes, not a string: the canonical text goes to disk without a second copy.
    encode: (spare) => encodeSnapshotBytes(snapshot, spare),
    unchanged: (encoded) => isEncodingOf(encoded, text),
  };
}

function openNode(input: SnapshotInput, options: OpenOptions): OpenedSnapshot {
  const read = readNodeSnapshot(input.bytes, {
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    ...(options.shared === undefined ? {} : { shared: options.shared }),
  });
  const { snapshot } = read;
  // A model as read encodes to the file's own governor bytes (each list is copied as it stood, the
  // threshold as its raw u32), so a command that changed nothing encodes to the very file.
  const [governorStart, governorEnd] = read.node.governorRange;
  const before = input.bytes.subarray(governorStart, governorEnd);
  const suffix = input.bytes.length - governorEnd;
  return {
    kind: "node-snapshot",
    snapshot,
    warnings: read.warnings,
    node: read.node,
    holds: { clock: false, backoffSchedule: false },
    frameworkFields: () => nodeFrameworkFields(input.bytes),
    encode: () => read.encode(snapshot),
    unchanged: (encoded) => sameBytes(encoded.subarray(governorStart, encoded.length - suffix), before),
    entryPath: read.entryPath,
  };
}

function openFrameworkJson(input: SnapshotInput, options: OpenOptions): OpenedSnapshot {
  const read = readFrameworkJson(input.text(), options.backoff === undefined ? {} : { backoff: options.backoff });
  const { snapshot } = read;
  const before = options.forWrite === false ? "" : read.encodeGovernor(snapshot);
  return {
    kind: "framework-json",
    snapshot,
    warnings: read.warnings,
    holds: { clock: false, backoffSchedule: false },
    frameworkFields: () => read.fields,
    encode: () => new TextEncoder().encode(read.encode(snapshot)),
    unchanged: () => read.encodeGovernor(snapshot) === before,
  };
}

/** A node's FrameworkSnapshot fields besides the governor, as upstream's serde_json writes them. */
function nodeFrameworkFields(bytes: Uint8Array): FrameworkFields {
  const node = read(NODE_SNAPSHOT, new Reader(bytes)) as { transient: { framework: Record<string, Value> } };
  const fields: Record<string, string> = {};
  for (const [name, schema] of FRAMEWORK.struct) {
    if (name === "peer_governor" || name === "backoff_table" || name === "spec_version") continue;
    fields[name] = serdeJson(schema, node.transient.framework[name] as Value);
  }
  return fields;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function defaultIsEncodingOf(bytes: Uint8Array, text: string): boolean {
  return new TextDecoder().decode(bytes) === text;
}
