/**
 * The framework-json kind: upstream's serde JSON of a `FrameworkSnapshot`.
 *
 * bb-runtime serializes the governor inside its framework snapshot: peer ids
 * are arrays of byte integers (canonical multihash bytes), u64 times are bare
 * JSON integers, health entries are 4-tuples `[peer, consecutive_failures,
 * last_event_ns, down]`, and every list comes out of a hash map in random
 * order. Times are epoch nanoseconds far above 2^53, so the text is parsed
 * with lossless-json keeping each number's raw text.
 *
 * Reading follows upstream's restore: the threshold is clamped to at least 1,
 * an entry whose peer bytes do not parse is skipped (reported with its JSON
 * path, and kept as it was when the file is written back), and for a peer
 * repeated in a list the last entry wins. Keys that upstream's serde fills in
 * with `#[serde(default)]` (`peer_governor`, `backoff_table`,
 * `pending_outbound`, `peer_id_bytes`, the id counters, `spec_version` = 1)
 * may be missing. The backoff schedule and a clock are not in the file: they
 * come from the options, the clock defaulting to the latest event time among
 * the entries restore keeps (a repeated peer's last entry, as for a node snapshot).
 *
 * Writing back replaces only the text of `peer_governor` and `backoff_table`:
 * every other byte of the document, numbers included, stays as it was.
 */
import { BackoffTable, type BackoffConfig } from "../core/backoff.js";
import { checkedOptions, checkedText, truncate } from "../core/errors.js";
import { PeerGovernor } from "../core/governor.js";
import { multihashProblem, PeerId } from "../core/peer-id.js";
import { U32_MAX, U64_MAX } from "../core/u64.js";
import { canonicalLists } from "./canonical.js";
import {
  describe,
  firstRepeatedField,
  isObject,
  mayHideEqualRepeats,
  numberText,
  parseRawJson,
  readUnsigned,
  RepeatedKey,
  stringifyRaw,
  topLevelLayout,
  type JsonObject,
} from "./json-values.js";
import { checkedSnapshot, latestEventNs, SPEC_VERSION, SnapshotError, type Snapshot, type SnapshotWarning } from "./model.js";

/** How to read a framework snapshot into the model. */
export interface UpstreamDecodeOptions {
  /**
   * Skip entries whose peer bytes do not parse, as upstream does, reporting each
   * as a warning (the default when editing a file in place). When false, such
   * an entry fails the read (import's default).
   */
  readonly skipInvalid?: boolean;
  /** The backoff schedule (not in the upstream snapshot); defaults 10 ms / 60 s. */
  readonly backoff?: Partial<BackoffConfig>;
  /** The snapshot clock; default the latest `last_event_ns` / `last_attempt_ns` of the entries restore keeps (a repeated peer's last), else 0. */
  readonly clockNs?: bigint;
}

/** An entry of the upstream snapshot whose peer could not be read. */
export interface InvalidEntry {
  /** JSON path of the peer value, e.g. `peer_governor.health[3][0]`. */
  readonly path: string;
  readonly message: string;
}

/** A framework snapshot read into the model, and what was found on the way. */
export interface DecodedUpstream {
  snapshot: Snapshot;
  /** Entries skipped because their peer did not parse. */
  invalid: InvalidEntry[];
  /** Non-fatal findings: clamps, skipped entries, repeated peers, ignored keys, missing fields. */
  warnings: SnapshotWarning[];
  /** Top-level keys besides the governor's (`counters`, `address_book`, ...): kept, not read. */
  otherKeys: string[];
  /** The latest `last_event_ns` / `last_attempt_ns` of the entries restore keeps, or undefined when there is none. */
  latestEventNs: bigint | undefined;
}

/** A framework-json file opened for editing in place. */
export interface FrameworkJsonRead extends DecodedUpstream {
  /** The governor part (`peer_governor` and `backoff_table` values) of a model as text: compare to see a change. */
  encodeGovernor(snapshot: Snapshot): string;
  /** The whole document with only `peer_governor` and `backoff_table` replaced. */
  encode(snapshot: Snapshot): string;
  /** The document's other FrameworkSnapshot fields, each as its text in the file. */
  readonly fields: FrameworkFields;
}

/** Upstream entries whose peer bytes do not parse; `path` is the first one's. */
export class InvalidUpstreamEntries extends SnapshotError {
  readonly entries: readonly InvalidEntry[];

  constructor(entries: readonly InvalidEntry[]) {
    const first = entries[0] as InvalidEntry;
    const more = entries.length > 1 ? ` (and ${entries.length - 1} more)` : "";
    super(
      `${entries.length} upstream entr${entries.length === 1 ? "y has" : "ies have"} a peer that does not parse${more};` +
        ` the first: ${first.message}`,
      first.path,
    );
    this.entries = entries;
  }
}

/** The fields of `FrameworkSnapshot` in declaration order (serde writes them so). */
export const FRAMEWORK_FIELDS = [
  "counters",
  "fired_phases",
  "address_book",
  "peer_governor",
  "backoff_table",
  "pending_outbound",
  "peer_id_bytes",
  "next_command_id",
  "next_exec_id",
  "spec_version",
] as const;

/** Fields without `#[serde(default)]`: upstream's serde refuses a document that lacks one. */
const REQUIRED_FIELDS = ["counters", "fired_phases", "address_book"] as const;

/** Top-level keys that only a framework snapshot has (not a version-1 bbgov snapshot). */
export const FRAMEWORK_ONLY_FIELDS: readonly string[] = FRAMEWORK_FIELDS.filter(
  (key) => key !== "peer_governor" && key !== "backoff_table" && key !== "spec_version",
);

/** Reads a framework snapshot (or just its governor fields) into a version-1 model; throws SnapshotError. */
export function decodeUpstream(text: string, options: UpstreamDecodeOptions = {}): DecodedUpstream {
  return readFrameworkJson(checkedText(text, "decodeUpstream"), { skipInvalid: false, ...options });
}

/** Opens a framework-json text for editing in place: the model, findings, and writers that keep every other byte. */
export function readFrameworkJson(input: string, options: UpstreamDecodeOptions = {}): FrameworkJsonRead {
  const warnings: SnapshotWarning[] = [];
  let text = checkedText(input, "readFrameworkJson");
  checkedOptions(options, "readFrameworkJson");
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
    warnings.push({ path: "$", message: "ignored a byte order mark (U+FEFF) at the start of the text" });
  }
  const bom = input.length - text.length;
  if (text.trim() === "") throw new SnapshotError("the document is empty: expected an upstream framework snapshot (JSON)", "$");
  const root = parseRawJson(text);
  if (!isObject(root)) throw new SnapshotError(`expected a JSON object (a framework snapshot), got ${describe(root)}`, "$");
  const layout = topLevelLayout(text);
  if (layout === undefined) throw new SnapshotError("could not read the top level as one JSON object (nested more than 1000 deep?)", "$");
  const seen = new Set<string>();
  for (const member of layout.members) {
    // A field of the struct given twice is refused; serde ignores an unknown key, however often it comes.
    if (seen.has(member.key) && (FRAMEWORK_FIELDS as readonly string[]).includes(member.key))
      throw new SnapshotError(`duplicate field \`${truncate(member.key)}\` (upstream's serde refuses it)`, member.key);
    seen.add(member.key);
  }
  // lossless-json merges a key given twice with the same value; serde's derive refuses a struct's field given twice.
  if (mayHideEqualRepeats(text, root)) {
    const repeated = firstRepeatedField(text, frameworkShape);
    if (repeated !== undefined) {
      const key = repeated.slice(repeated.lastIndexOf(".") + 1);
      throw new SnapshotError(`duplicate field \`${truncate(key)}\` (upstream's serde refuses it)`, repeated);
    }
  }
  if (Object.hasOwn(root, "spec_version")) {
    const raw = numberText(root["spec_version"]);
    if (raw !== String(SPEC_VERSION)) {
      const got =
        raw !== undefined && /^(0|[1-9][0-9]*)$/.test(raw)
          ? `SpecVersionMismatch { got: ${raw}, expected: 1 }`
          : describe(root["spec_version"]);
      throw new SnapshotError(`spec_version must be ${SPEC_VERSION}: upstream's restore refuses this file (${got})`, "spec_version");
    }
  }
  // A document with any field of its own is a whole FrameworkSnapshot: what serde refuses, bbgov refuses too.
  // (A governor-only document, as older bbgov exports wrote, is read for its governor.)
  if (hasAnyFrameworkOnlyField(root)) {
    for (const key of REQUIRED_FIELDS) {
      if (!Object.hasOwn(root, key))
        throw new SnapshotError(`missing field \`${key}\`: upstream's serde refuses a FrameworkSnapshot without it`, "$");
    }
    checkOtherFields(root);
  }
  const restorer = new Restorer(options, warnings);
  if (Object.hasOwn(root, "peer_governor")) restorer.peerGovernor(root["peer_governor"], "peer_governor");
  else restorer.defaultGovernor();
  if (Object.hasOwn(root, "backoff_table")) restorer.backoffTable(root["backoff_table"], "backoff_table");
  if (restorer.invalid.length > 0 && options.skipInvalid === false) throw new InvalidUpstreamEntries(restorer.invalid);
  for (const entry of restorer.invalid) warnings.push({ path: entry.path, message: `skipped: ${entry.message}`, skippedEntry: true });
  // The entries restore keeps, as a node snapshot's "now" is found: a repeated peer's earlier entry is not its state.
  const latest = latestEventNs(restorer);
  const snapshot: Snapshot = {
    clockNs: options.clockNs ?? latest ?? 0n,
    governor: restorer.governor,
    backoff: restorer.backoff,
  };
  const otherKeys = Object.keys(root).filter((key) => key !== "spec_version" && key !== "peer_governor" && key !== "backoff_table");
  const kept = restorer.kept;
  const span = (key: string) => layout.members.find((member) => member.key === key);
  const encodeParts = (model: Snapshot) => {
    checkedSnapshot(model, "encode");
    return { peer_governor: governorJson(model, kept), backoff_table: backoffTableJson(model, kept.backoffTable) };
  };
  return {
    snapshot,
    invalid: restorer.invalid,
    warnings,
    otherKeys,
    latestEventNs: latest,
    fields: Object.fromEntries(
      layout.members
        .filter((member) => (FRAMEWORK_FIELDS as readonly string[]).includes(member.key))
        .map((member) => [member.key, text.slice(member.valueStart, member.valueEnd)]),
    ),
    encodeGovernor: (model) => {
      const parts = encodeParts(model);
      return `${parts.peer_governor}\n${parts.backoff_table}`;
    },
    encode: (model) => {
      const parts = encodeParts(model);
      // Replace from the end of the text so that earlier offsets stay valid.
      const edits: { start: number; end: number; text: string }[] = [];
      const appended: string[] = [];
      for (const key of ["peer_governor", "backoff_table"] as const) {
        const member = span(key);
        if (member === undefined) appended.push(`${JSON.stringify(key)}:${parts[key]}`);
        else edits.push({ start: member.valueStart, end: member.valueEnd, text: parts[key] });
      }
      if (appended.length > 0) {
        const lead = layout.members.length > 0 ? "," : "";
        edits.push({ start: layout.close, end: layout.close, text: lead + appended.join(",") });
      }
      edits.sort((a, b) => b.start - a.start);
      let out = text;
      for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
      return input.slice(0, bom) + out;
    },
  };
}

const ADDRESS_BOOK_FIELDS = ["peer_id", "addresses", "ref_count"] as const;
const PENDING_OUTBOUND_FIELDS = ["envelope_bytes", "redelivered"] as const;

/** The structs of a FrameworkSnapshot by JSON path (for firstRepeatedField); `counters` is a HashMap, which takes a name twice. */
function frameworkShape(path: string): readonly string[] | "walk" | undefined {
  if (path === "") return FRAMEWORK_FIELDS;
  if (path === "peer_governor") return GOVERNOR_FIELDS;
  if (path === "backoff_table" || path === "address_book" || path === "pending_outbound") return "walk";
  const entry = /^(backoff_table|address_book|pending_outbound)\[\d+\]$/.exec(path)?.[1];
  if (entry === "backoff_table") return TABLE_FIELDS;
  if (entry === "address_book") return ADDRESS_BOOK_FIELDS;
  if (entry === "pending_outbound") return PENDING_OUTBOUND_FIELDS;
  return undefined;
}

function hasAnyFrameworkOnlyField(root: JsonObject): boolean {
  return FRAMEWORK_ONLY_FIELDS.some((key) => Object.hasOwn(root, key));
}

/** The rest of a `FrameworkSnapshot` besides the governor: each field's serde JSON text. */
export type FrameworkFields = Partial<Record<(typeof FRAMEWORK_FIELDS)[number], string>>;

/**
 * A complete `FrameworkSnapshot` document (every field, in declaration order)
 * that upstream's serde deserializes as that type: the governor from the
 * model, the other fields from `fields` (a node's own, when there is one)
 * else upstream's defaults. Compact, as `serde_json::to_string` writes it.
 */
export function encodeFrameworkSnapshot(snapshot: Snapshot, fields: FrameworkFields = {}): string {
  checkedSnapshot(snapshot, "encodeFrameworkSnapshot");
  checkedOptions(fields, "encodeFrameworkSnapshot");
  const defaults: Record<(typeof FRAMEWORK_FIELDS)[number], string> = {
    counters: "{}",
    fired_phases: "[]",
    address_book: "[]",
    peer_governor: governorJson(snapshot, NO_KEPT),
    backoff_table: backoffTableJson(snapshot, []),
    pending_outbound: "[]",
    peer_id_bytes: "[]",
    next_command_id: "0",
    next_exec_id: "0",
    spec_version: String(SPEC_VERSION),
  };
  const members = FRAMEWORK_FIELDS.map((key) => {
    const given = key === "peer_governor" || key === "backoff_table" || key === "spec_version" ? undefined : fields[key];
    return `${JSON.stringify(key)}:${given ?? defaults[key]}`;
  });
  return `{${members.join(",")}}`;
}

/** The upstream serde JSON of a snapshot's governor state only (spec_version, peer_governor, backoff_table). */
export function encodeUpstream(snapshot: Snapshot): string {
  checkedSnapshot(snapshot, "encodeUpstream");
  const governor = governorJson(snapshot, NO_KEPT);
  return `{"spec_version":${SPEC_VERSION},"peer_governor":${governor},"backoff_table":${backoffTableJson(snapshot, [])}}`;
}

/** Entries read from the file whose peer does not parse: written back as they were. */
interface KeptEntries {
  readonly blocklist: unknown[];
  readonly allowlist: unknown[];
  readonly health: unknown[];
  readonly backoffTable: unknown[];
}

const NO_KEPT: KeptEntries = { blocklist: [], allowlist: [], health: [], backoffTable: [] };

function governorJson(snapshot: Snapshot, kept: KeptEntries): string {
  const lists = canonicalLists(snapshot);
  const raw = (values: readonly unknown[]) => values.map(stringifyRaw);
  const blocklist = [...lists.blocklist.map(peerBytes), ...raw(kept.blocklist)];
  const health = [
    ...lists.health.map((entry) => `[${peerBytes(entry.peer)},${entry.consecutiveFailures},${entry.lastEventNs},${entry.down}]`),
    ...raw(kept.health),
  ];
  const allowlist = lists.allowlist === null ? "null" : `[${[...lists.allowlist.map(peerBytes), ...raw(kept.allowlist)].join(",")}]`;
  return (
    `{"blocklist":[${blocklist.join(",")}],"allowlist":${allowlist},` +
    `"health":[${health.join(",")}],"failure_threshold":${snapshot.governor.failureThreshold()}}`
  );
}

function backoffTableJson(snapshot: Snapshot, kept: readonly unknown[]): string {
  const entries = canonicalLists(snapshot).backoffTable.map(
    (entry) =>
      `{"peer":${peerBytes(entry.peer)},"attempts":${entry.attempts},` +
      `"last_attempt_ns":${entry.lastAttemptNs},"next_retry_ns":${entry.nextRetryNs}}`,
  );
  return `[${[...entries, ...kept.map(stringifyRaw)].join(",")}]`;
}

function peerBytes(peer: PeerId): string {
  return `[${peer.bytes.join(",")}]`;
}

const GOVERNOR_FIELDS = ["blocklist", "allowlist", "health", "failure_threshold"] as const;
const TABLE_FIELDS = ["peer", "attempts", "last_attempt_ns", "next_retry_ns"] as const;

/** Restores the governor parts into a fresh governor and table, as `Node::restore` does. */
class Restorer {
  readonly governor = new PeerGovernor();
  readonly backoff: BackoffTable;
  readonly invalid: InvalidEntry[] = [];
  readonly kept: KeptEntries = { blocklist: [], allowlist: [], health: [], backoffTable: [] };

  constructor(
    options: UpstreamDecodeOptions,
    private readonly warnings: SnapshotWarning[],
  ) {
    this.backoff = new BackoffTable(options.backoff ?? {});
  }

  /** `PeerGovernorSnapshot::default()`: threshold 0, which restores as 1. */
  defaultGovernor(): void {
    this.governor.setFailureThreshold(0);
  }

  peerGovernor(value: unknown, path: string): void {
    const governor = objectAt(value, path, "the peer governor object");
    this.ignoreUnknownKeys(governor, path, GOVERNOR_FIELDS);
    for (const key of ["blocklist", "health", "failure_threshold"]) {
      if (!Object.hasOwn(governor, key)) throw new SnapshotError(`missing "${key}" in peer_governor`, path);
    }
    const threshold = readU32(governor["failure_threshold"], `${path}.failure_threshold`);
    if (threshold === 0) {
      this.warnings.push({
        path: `${path}.failure_threshold`,
        message: "failure_threshold 0 loads as 1 (upstream clamps it to at least 1)",
      });
    }
    this.governor.setFailureThreshold(threshold);
    for (const peer of this.peerSet(governor["blocklist"], `${path}.blocklist`, this.kept.blocklist)) this.governor.block(peer);
    // serde reads a missing Option field as None: the open policy.
    const allowlist = governor["allowlist"] ?? null;
    this.governor.setAllowlist(allowlist === null ? null : this.peerSet(allowlist, `${path}.allowlist`, this.kept.allowlist));
    this.health(governor["health"], `${path}.health`);
  }

  backoffTable(value: unknown, path: string): void {
    const seen = new Map<string, string>();
    arrayAt(value, path, "an array of backoff entries").forEach((item, index) => {
      const entryPath = `${path}[${index}]`;
      const entry = objectAt(item, entryPath, "a backoff entry object");
      this.ignoreUnknownKeys(entry, entryPath, TABLE_FIELDS);
      for (const key of TABLE_FIELDS) {
        if (!Object.hasOwn(entry, key))
          throw new SnapshotError(`missing "${key}" in a backoff entry (every one needs ${TABLE_FIELDS.join(", ")})`, entryPath);
      }
      const attempts = readU32(entry["attempts"], `${entryPath}.attempts`);
      const lastAttemptNs = readU64(entry["last_attempt_ns"], `${entryPath}.last_attempt_ns`);
      const nextRetryNs = readU64(entry["next_retry_ns"], `${entryPath}.next_retry_ns`);
      const peer = this.peer(entry["peer"], `${entryPath}.peer`);
      if (peer === undefined) {
        this.kept.backoffTable.push(item);
        return;
      }
      this.noteRepeat(seen, peer, entryPath, "the last entry wins");
      this.backoff.restoreState(peer, { attempts, lastAttemptNs, nextRetryNs });
    });
  }

  private peerSet(value: unknown, path: string, kept: unknown[]): PeerId[] {
    const peers: PeerId[] = [];
    const seen = new Map<string, string>();
    arrayAt(value, path, "an array of peer ids (byte arrays)").forEach((item, index) => {
      const itemPath = `${path}[${index}]`;
      const peer = this.peer(item, itemPath);
      if (peer === undefined) {
        kept.push(item);
        return;
      }
      this.noteRepeat(seen, peer, itemPath, "it counts once");
      peers.push(peer);
    });
    return peers;
  }

  private health(value: unknown, path: string): void {
    const seen = new Map<string, string>();
    arrayAt(value, path, "an array of health entries").forEach((item, index) => {
      const entryPath = `${path}[${index}]`;
      const tuple = arrayAt(item, entryPath, "a health entry [peer, consecutive_failures, last_event_ns, down]");
      if (tuple.length !== 4) {
        throw new SnapshotError(
          `expected a health entry [peer, consecutive_failures, last_event_ns, down], got ${tuple.length} elements`,
          entryPath,
        );
      }
      const consecutiveFailures = readU32(tuple[1], `${entryPath}[1]`);
      const lastEventNs = readU64(tuple[2], `${entryPath}[2]`);
      if (typeof tuple[3] !== "boolean") throw new SnapshotError(`expected true or false, got ${describe(tuple[3])}`, `${entryPath}[3]`);
      const peer = this.peer(tuple[0], `${entryPath}[0]`);
      if (peer === undefined) {
        this.kept.health.push(item);
        return;
      }
      this.noteRepeat(seen, peer, entryPath, "the last entry wins");
      this.governor.restoreHealth(peer, { consecutiveFailures, lastEventNs, down: tuple[3] });
    });
  }

  /**
   * The peer of an entry, or undefined (recorded as invalid) when its bytes do not parse. A value
   * that is not a byte array is a type error.
   */
  private peer(value: unknown, path: string): PeerId | undefined {
    const bytes = readBytes(value, path);
    const problem = multihashProblem(bytes);
    if (problem !== undefined) {
      this.invalid.push({ path, message: `peer bytes ${describe(value)} are not a multihash: ${problem}` });
      return undefined;
    }
    return PeerId.fromBytes(bytes);
  }

  /** A peer repeated in one list: upstream keeps the last entry (or one set member); say so. */
  private noteRepeat(seen: Map<string, string>, peer: PeerId, path: string, outcome: string): void {
    const first = seen.get(peer.text);
    if (first === undefined) {
      seen.set(peer.text, path);
      return;
    }
    this.warnings.push({ path, message: `peer ${peer.text} is repeated (first at ${first}): ${outcome}, as upstream restores it` });
  }

  private ignoreUnknownKeys(object: JsonObject, path: string, known: readonly string[]): void {
    for (const key of Object.keys(object)) {
      if (!known.includes(key))
        this.warnings.push({ path: `${path}.${key}`, message: `ignored unknown key ${JSON.stringify(truncate(key))}` });
    }
  }
}

/** The types of the FrameworkSnapshot fields besides the governor, as serde reads them; throws SnapshotError. */
function checkOtherFields(root: JsonObject): void {
  const bytesAt = (value: unknown, path: string): void => void readBytes(value, path, "bytes (an array of integers 0..255)");
  if (Object.hasOwn(root, "counters")) {
    const counters = objectAt(root["counters"], "counters", "an object of counters (name: u64)");
    for (const name of Object.keys(counters)) {
      // A HashMap, not a struct: serde takes a name given twice (the last value stays), each value a u64.
      const value = counters[name];
      for (const each of value instanceof RepeatedKey ? value.values : [value])
        readU64(each, `counters[${JSON.stringify(truncate(name))}]`);
    }
  }
  if (Object.hasOwn(root, "fired_phases")) {
    arrayAt(root["fired_phases"], "fired_phases", "an array of phase names").forEach((item, index) => {
      if (typeof item !== "string")
        throw new SnapshotError(`expected a phase name (a string), got ${describe(item)}`, `fired_phases[${index}]`);
    });
  }
  if (Object.hasOwn(root, "address_book")) {
    arrayAt(root["address_book"], "address_book", "an array of address book entries").forEach((item, index) => {
      const path = `address_book[${index}]`;
      const entry = objectAt(item, path, "an address book entry {peer_id, addresses, ref_count}");
      for (const key of ["peer_id", "addresses", "ref_count"])
        if (!Object.hasOwn(entry, key)) throw new SnapshotError(`missing field \`${key}\``, path);
      bytesAt(entry["peer_id"], `${path}.peer_id`);
      const addresses = arrayAt(entry["addresses"], `${path}.addresses`, "an array of addresses (byte arrays)");
      for (let i = 0; i < addresses.length; i++) bytesAt(addresses[i], `${path}.addresses[${i}]`);
      readU64(entry["ref_count"], `${path}.ref_count`);
    });
  }
  if (Object.hasOwn(root, "pending_outbound")) {
    arrayAt(root["pending_outbound"], "pending_outbound", "an array of pending envelopes").forEach((item, index) => {
      const path = `pending_outbound[${index}]`;
      const entry = objectAt(item, path, "a pending envelope {envelope_bytes, redelivered}");
      for (const key of ["envelope_bytes", "redelivered"])
        if (!Object.hasOwn(entry, key)) throw new SnapshotError(`missing field \`${key}\``, path);
      bytesAt(entry["envelope_bytes"], `${path}.envelope_bytes`);
      if (typeof entry["redelivered"] !== "boolean")
        throw new SnapshotError(`expected true or false, got ${describe(entry["redelivered"])}`, `${path}.redelivered`);
    });
  }
  if (Object.hasOwn(root, "peer_id_bytes")) bytesAt(root["peer_id_bytes"], "peer_id_bytes");
  for (const key of ["next_command_id", "next_exec_id"]) if (Object.hasOwn(root, key)) readU64(root[key], key);
}

/** A key lossless-json met twice with different values: serde refuses a duplicate field. */
function refuseRepeated(value: unknown, path: string): void {
  if (value instanceof RepeatedKey) throw new SnapshotError("duplicate field (upstream's serde refuses it)", path);
}

function objectAt(value: unknown, path: string, what: string): JsonObject {
  refuseRepeated(value, path);
  if (!isObject(value)) throw new SnapshotError(`expected ${what}, got ${describe(value)}`, path);
  return value;
}

function arrayAt(value: unknown, path: string, what: string): unknown[] {
  refuseRepeated(value, path);
  if (!Array.isArray(value)) throw new SnapshotError(`expected ${what}, got ${describe(value)}`, path);
  return value;
}

/** Canonical multihash bytes as serde writes them: an array of integers 0..255. */
function readBytes(value: unknown, path: string, what = "a peer id (an array of byte integers 0..255)"): Uint8Array {
  const items = arrayAt(value, path, what);
  const bytes = new Uint8Array(items.length);
  items.forEach((item, index) => {
    bytes[index] = Number(readUnsigned(item, `${path}[${index}]`, 255n, "a byte"));
  });
  return bytes;
}

function readU32(value: unknown, path: string): number {
  refuseRepeated(value, path);
  return Number(readUnsigned(value, path, BigInt(U32_MAX), "a u32"));
}

function readU64(value: unknown, path: string): bigint {
  refuseRepeated(value, path);
  return readUnsigned(value, path, U64_MAX, "a u64");
}
