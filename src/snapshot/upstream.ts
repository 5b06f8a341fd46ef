/**
 * The upstream framework snapshot <-> the version-1 model.
 *
 * bb-runtime serializes the governor (serde JSON) inside its framework
 * snapshot: peer ids are arrays of byte integers (canonical multihash bytes),
 * u64 times are bare JSON integers, health entries are 4-tuples
 * `[peer, consecutive_failures, last_event_ns, down]`, and every list comes
 * out of a hash map in random order. The times are epoch nanoseconds far
 * above 2^53, so the text is parsed with lossless-json keeping each number's
 * raw text: no value ever passes through a double.
 *
 * Restoring follows upstream (threshold clamped to at least 1), except that an
 * entry whose peer bytes do not parse, which upstream drops silently, is
 * reported with its JSON path, and the import fails unless the caller asks to
 * drop such entries. The backoff schedule and a clock are not part of the
 * upstream snapshot: they come from the options, the clock defaulting to the
 * latest event time found in the file.
 */
import { parse as parseLosslessJson } from "lossless-json";
import { BackoffTable, type BackoffConfig } from "../core/backoff.js";
import { truncate } from "../core/errors.js";
import { PeerGovernor } from "../core/governor.js";
import { multihashProblem, PeerId } from "../core/peer-id.js";
import { U32_MAX, U64_MAX } from "../core/u64.js";
import { canonicalLists } from "./canonical.js";
import { SPEC_VERSION, SnapshotError, tooDeep, type Snapshot, type SnapshotWarning } from "./model.js";

/** How to turn an upstream snapshot into a version-1 one. */
export interface UpstreamDecodeOptions {
  /** Drop entries whose peer bytes do not parse (as upstream does) instead of failing; each becomes a warning. */
  readonly skipInvalid?: boolean;
  /** The backoff schedule (not in the upstream snapshot); defaults 10 ms / 60 s. */
  readonly backoff?: Partial<BackoffConfig>;
  /** The snapshot clock; default the latest `last_event_ns` / `last_attempt_ns` imported, else 0. */
  readonly clockNs?: bigint;
}

/** An entry of the upstream snapshot whose peer could not be imported. */
export interface InvalidEntry {
  /** JSON path of the peer value, e.g. `peer_governor.health[3][0]`. */
  readonly path: string;
  readonly message: string;
}

/** An imported upstream snapshot and what was found on the way. */
export interface DecodedUpstream {
  snapshot: Snapshot;
  /** Entries dropped because their peer did not parse (empty unless `skipInvalid`). */
  invalid: InvalidEntry[];
  /** Non-fatal findings: clamps, dropped entries, ignored keys. */
  warnings: SnapshotWarning[];
  /** Top-level keys of a whole framework snapshot that are not the governor's (ignored). */
  otherKeys: string[];
  /** The latest `last_event_ns` / `last_attempt_ns` imported, or undefined when there is none. */
  latestEventNs: bigint | undefined;
}

/** Upstream entries whose peer bytes do not parse; `path` is the first one's. */
export class InvalidUpstreamEntries extends SnapshotError {
  readonly entries: readonly InvalidEntry[];

  constructor(entries: readonly InvalidEntry[]) {
    const first = entries[0] as InvalidEntry;
    const more = entries.length > 1 ? ` (and ${entries.length - 1} more)` : "";
    super(`${entries.length} upstream entr${entries.length === 1 ? "y has" : "ies have"} a peer that does not parse${more}; the first: ${first.message}`, first.path);
    this.entries = entries;
  }
}

/** Reads an upstream framework snapshot (or just its governor fields) into a version-1 model; throws SnapshotError. */
export function decodeUpstream(text: string, options: UpstreamDecodeOptions = {}): DecodedUpstream {
  try {
    return new UpstreamReader(options).read(text);
  } catch (error) {
    // Only a bad text becomes a SnapshotError; anything else is a bug and surfaces as one.
    throw tooDeep(error) ? new SnapshotError("nested too deeply to read", "$") : error;
  }
}

/** The upstream serde JSON of a snapshot's governor state: compact, u64 as exact bare integers, lists sorted by peer text. */
export function encodeUpstream(snapshot: Snapshot): string {
  const lists = canonicalLists(snapshot);
  const health = lists.health.map(
    (entry) => `[${peerBytes(entry.peer)},${entry.consecutiveFailures},${entry.lastEventNs},${entry.down}]`,
  );
  const table = lists.backoffTable.map(
    (entry) =>
      `{"peer":${peerBytes(entry.peer)},"attempts":${entry.attempts},` +
      `"last_attempt_ns":${entry.lastAttemptNs},"next_retry_ns":${entry.nextRetryNs}}`,
  );
  const allowlist = lists.allowlist === null ? "null" : `[${lists.allowlist.map(peerBytes).join(",")}]`;
  return (
    `{"spec_version":${SPEC_VERSION},"peer_governor":{` +
    `"blocklist":[${lists.blocklist.map(peerBytes).join(",")}],` +
    `"allowlist":${allowlist},` +
    `"health":[${health.join(",")}],` +
    `"failure_threshold":${snapshot.governor.failureThreshold()}},` +
    `"backoff_table":[${table.join(",")}]}`
  );
}

function peerBytes(peer: PeerId): string {
  return `[${peer.bytes.join(",")}]`;
}

/** A JSON number exactly as written. */
class RawNumber {
  constructor(readonly raw: string) {}
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof RawNumber);
}

const GOVERNOR_FIELDS = ["blocklist", "allowlist", "health", "failure_threshold"] as const;
const TABLE_FIELDS = ["peer", "attempts", "last_attempt_ns", "next_retry_ns"] as const;

/** One pass over the parsed tree, restoring into a fresh governor and table. */
class UpstreamReader {
  private readonly governor = new PeerGovernor();
  private readonly backoff: BackoffTable;
  private readonly invalid: InvalidEntry[] = [];
  private readonly warnings: SnapshotWarning[] = [];
  private latestEventNs: bigint | undefined;

  constructor(private readonly options: UpstreamDecodeOptions) {
    this.backoff = new BackoffTable(options.backoff ?? {});
  }

  read(input: string): DecodedUpstream {
    let text = input;
    if (text.charCodeAt(0) === 0xfeff) {
      text = text.slice(1);
      this.warnings.push({ path: "$", message: "ignored a byte order mark (U+FEFF) at the start of the text" });
    }
    if (text.trim() === "") throw new SnapshotError("the document is empty: expected an upstream framework snapshot (JSON)", "$");
    const root = parseJson(text);
    if (!isObject(root)) throw new SnapshotError(`expected a JSON object (a framework snapshot), got ${describe(root)}`, "$");
    for (const key of ["spec_version", "peer_governor", "backoff_table"]) {
      if (!Object.hasOwn(root, key)) {
        throw new SnapshotError(`missing "${key}": not an upstream framework snapshot (it needs spec_version, peer_governor and backoff_table)`, "$");
      }
    }
    if (numberText(root["spec_version"]) !== "1") {
      throw new SnapshotError(`expected spec_version ${SPEC_VERSION} (upstream restore refuses any other), got ${describe(root["spec_version"])}`, "spec_version");
    }
    this.peerGovernor(root["peer_governor"], "peer_governor");
    this.backoffTable(root["backoff_table"], "backoff_table");
    if (this.invalid.length > 0 && this.options.skipInvalid !== true) throw new InvalidUpstreamEntries(this.invalid);
    for (const entry of this.invalid) this.warnings.push({ path: entry.path, message: `skipped: ${entry.message}` });
    const snapshot: Snapshot = {
      clockNs: this.options.clockNs ?? this.latestEventNs ?? 0n,
      governor: this.governor,
      backoff: this.backoff,
    };
    const otherKeys = Object.keys(root).filter((key) => !["spec_version", "peer_governor", "backoff_table"].includes(key));
    return { snapshot, invalid: this.invalid, warnings: this.warnings, otherKeys, latestEventNs: this.latestEventNs };
  }

  private peerGovernor(value: unknown, path: string): void {
    const governor = objectAt(value, path, "the peer governor object");
    this.ignoreUnknownKeys(governor, path, GOVERNOR_FIELDS);
    for (const key of ["blocklist", "health", "failure_threshold"]) {
      if (!Object.hasOwn(governor, key)) throw new SnapshotError(`missing "${key}" in peer_governor`, path);
    }
    const threshold = readU32(governor["failure_threshold"], `${path}.failure_threshold`);
    if (threshold === 0) {
      this.warnings.push({ path: `${path}.failure_threshold`, message: "failure_threshold 0 loads as 1 (upstream clamps it to at least 1)" });
    }
    this.governor.setFailureThreshold(threshold);
    for (const peer of this.peerSet(governor["blocklist"], `${path}.blocklist`)) this.governor.block(peer);
    // serde reads a missing Option field as None: the open policy.
    const allowlist = governor["allowlist"] ?? null;
    this.governor.setAllowlist(allowlist === null ? null : this.peerSet(allowlist, `${path}.allowlist`));
    this.health(governor["health"], `${path}.health`);
  }

  private peerSet(value: unknown, path: string): PeerId[] {
    const peers: PeerId[] = [];
    const seen = new Map<string, string>();
    arrayAt(value, path, "an array of peer ids (byte arrays)").forEach((item, index) => {
      const peer = this.peer(item, `${path}[${index}]`, seen);
      if (peer !== undefined) peers.push(peer);
    });
    return peers;
  }

  private health(value: unknown, path: string): void {
    const seen = new Map<string, string>();
    arrayAt(value, path, "an array of health entries").forEach((item, index) => {
      const entryPath = `${path}[${index}]`;
      const tuple = arrayAt(item, entryPath, "a health entry [peer, consecutive_failures, last_event_ns, down]");
      if (tuple.length !== 4) {
        throw new SnapshotError(`expected a health entry [peer, consecutive_failures, last_event_ns, down], got ${tuple.length} elements`, entryPath);
      }
      const consecutiveFailures = readU32(tuple[1], `${entryPath}[1]`);
      const lastEventNs = readU64(tuple[2], `${entryPath}[2]`);
      if (typeof tuple[3] !== "boolean") throw new SnapshotError(`expected true or false, got ${describe(tuple[3])}`, `${entryPath}[3]`);
      const peer = this.peer(tuple[0], `${entryPath}[0]`, seen);
      if (peer === undefined) return;
      this.governor.restoreHealth(peer, { consecutiveFailures, lastEventNs, down: tuple[3] });
      this.sawEvent(lastEventNs);
    });
  }

  private backoffTable(value: unknown, path: string): void {
    const seen = new Map<string, string>();
    arrayAt(value, path, "an array of backoff entries").forEach((item, index) => {
      const entryPath = `${path}[${index}]`;
      const entry = objectAt(item, entryPath, "a backoff entry object");
      this.ignoreUnknownKeys(entry, entryPath, TABLE_FIELDS);
      for (const key of TABLE_FIELDS) {
        if (!Object.hasOwn(entry, key)) throw new SnapshotError(`missing "${key}" in a backoff entry (every one needs ${TABLE_FIELDS.join(", ")})`, entryPath);
      }
      const attempts = readU32(entry["attempts"], `${entryPath}.attempts`);
      const lastAttemptNs = readU64(entry["last_attempt_ns"], `${entryPath}.last_attempt_ns`);
      const nextRetryNs = readU64(entry["next_retry_ns"], `${entryPath}.next_retry_ns`);
      const peer = this.peer(entry["peer"], `${entryPath}.peer`, seen);
      if (peer === undefined) return;
      this.backoff.restoreState(peer, { attempts, lastAttemptNs, nextRetryNs });
      this.sawEvent(lastAttemptNs);
    });
  }

  /**
   * The peer of an entry, or undefined when the entry is to be dropped: its
   * bytes do not parse, or it repeats a peer of the same list (hash maps never
   * do). A value that is not a byte array at all is a type error.
   */
  private peer(value: unknown, path: string, seen: Map<string, string>): PeerId | undefined {
    const bytes = readBytes(value, path);
    const problem = multihashProblem(bytes);
    if (problem !== undefined) {
      this.invalid.push({ path, message: `peer bytes ${describe(value)} are not a multihash: ${problem}` });
      return undefined;
    }
    const peer = PeerId.fromBytes(bytes);
    const first = seen.get(peer.text);
    if (first !== undefined) {
      this.invalid.push({ path, message: `duplicate peer ${peer.text} (already at ${first})` });
      return undefined;
    }
    seen.set(peer.text, path);
    return peer;
  }

  private ignoreUnknownKeys(object: JsonObject, path: string, known: readonly string[]): void {
    for (const key of Object.keys(object)) {
      if (!known.includes(key)) this.warnings.push({ path: `${path}.${key}`, message: `ignored unknown key ${JSON.stringify(truncate(key))}` });
    }
  }

  private sawEvent(ns: bigint): void {
    if (this.latestEventNs === undefined || ns > this.latestEventNs) this.latestEventNs = ns;
  }
}

function parseJson(text: string): unknown {
  try {
    return parseLosslessJson(text, null, { parseNumber: (raw) => new RawNumber(raw) });
  } catch (error) {
    if (error instanceof SyntaxError) throw new SnapshotError(`invalid JSON: ${truncate(error.message, 200)}`, "$");
    throw error;
  }
}

function objectAt(value: unknown, path: string, what: string): JsonObject {
  if (!isObject(value)) throw new SnapshotError(`expected ${what}, got ${describe(value)}`, path);
  return value;
}

function arrayAt(value: unknown, path: string, what: string): unknown[] {
  if (!Array.isArray(value)) throw new SnapshotError(`expected ${what}, got ${describe(value)}`, path);
  return value;
}

/** Canonical multihash bytes as serde writes them: an array of integers 0..255. */
function readBytes(value: unknown, path: string): Uint8Array {
  const items = arrayAt(value, path, "a peer id (an array of byte integers 0..255)");
  const bytes = new Uint8Array(items.length);
  items.forEach((item, index) => {
    bytes[index] = Number(readUnsigned(item, `${path}[${index}]`, 255n, "a byte"));
  });
  return bytes;
}

function readU32(value: unknown, path: string): number {
  return Number(readUnsigned(value, path, BigInt(U32_MAX), "a u32"));
}

function readU64(value: unknown, path: string): bigint {
  return readUnsigned(value, path, U64_MAX, "a u64");
}

/** A non-negative JSON integer up to `max`, read from its exact digits. */
function readUnsigned(value: unknown, path: string, max: bigint, what: string): bigint {
  const raw = numberText(value);
  if (raw === undefined) throw new SnapshotError(`expected ${what} (a JSON integer), got ${describe(value)}`, path);
  if (!/^(0|[1-9][0-9]*)$/.test(raw)) {
    const reason = raw.startsWith("-") ? "negative" : /[eE]/.test(raw) ? "has an exponent" : "not a whole number";
    throw new SnapshotError(`${truncate(raw)} is not ${what}: ${reason}`, path);
  }
  const number = BigInt(raw);
  if (number > max) throw new SnapshotError(`${truncate(raw)} is not ${what}: above ${max}`, path);
  return number;
}

function numberText(value: unknown): string | undefined {
  return value instanceof RawNumber ? value.raw : undefined;
}

/** A short JSON rendering of a value for a message. */
function describe(value: unknown): string {
  return truncate(render(value, 100));
}

function render(value: unknown, limit: number): string {
  if (limit <= 0) return "…";
  if (value instanceof RawNumber) return value.raw;
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value.length > limit ? value.slice(0, limit) : value);
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    let out = "[";
    for (let i = 0; i < items.length && out.length < limit; i++) out += (i > 0 ? "," : "") + render(items[i], limit - out.length - 1);
    return `${out}]`;
  }
  if (isObject(value)) {
    let out = "{";
    for (const key of Object.keys(value)) {
      if (out.length >= limit) break;
      out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${render(value[key], limit - out.length)}`;
    }
    return `${out}}`;
  }
  return String(value);
}
