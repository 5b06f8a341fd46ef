/**
 * Snapshot text -> validated model, losslessly.
 *
 * u64 times are often epoch nanoseconds (~1.7e18), and JSON.parse rounds any
 * integer above 2^53. So there are two parsers feeding one validator (the
 * general path), after a shortcut for the files bbgov writes itself:
 *
 * - Canonical path, tried first (`decode-canonical.ts`): a text laid out byte for byte as
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
import { BackoffTable } from "../core/backoff.js";
import { checkedOptions, checkedText, InvalidPeerId, truncate } from "../core/errors.js";
import { PeerGovernor } from "../core/governor.js";
import { MAX_PEER_TEXT, PeerId } from "../core/peer-id.js";
import { U32_MAX, U64_MAX } from "../core/u64.js";
import { readCanonical } from "./decode-canonical.js";
import {
  describe,
  hidesRepeatedKeys,
  isBlank,
  isIntegerText,
  isObject,
  numberText,
  parseLossless,
  RawNumber,
  RepeatedKey,
  type JsonObject,
} from "./json-values.js";
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
  /** The canonical reader already declined this very text (kinds.ts `recognize`): it is not walked again. */
  readonly canonicalTried?: boolean;
}

/**
 * Parses and validates a version-1 snapshot text; a text that is not a valid
 * snapshot throws SnapshotError. Anything else that escapes is a bug in bbgov
 * and is left to surface as one, never dressed up as a bad file.
 */
export function decodeSnapshot(text: string, options: DecodeOptions = {}): DecodedSnapshot {
  checkedText(text, "decodeSnapshot");
  checkedOptions(options, "decodeSnapshot");
  try {
    return decode(text, options.forceLossless === true, options.canonicalTried === true);
  } catch (error) {
    throw tooDeep(error) ? new SnapshotError("nested too deeply to read (is this a snapshot?)", "$") : error;
  }
}

// A number token that a double may not hold exactly, or whose written form
// (fraction, exponent) matters: number tokens follow `:`, `,`, `[` or start the text.
const NEEDS_LOSSLESS = /(?:^|[:,[])\s*-?(?:\d{16}|\d+[.eE])/;

function decode(input: string, forceLossless: boolean, canonicalTried: boolean): DecodedSnapshot {
  const warnings: SnapshotWarning[] = [];
  let text = input;
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
    warnings.push({ path: "$", message: "ignored a byte order mark (U+FEFF) at the start of the text" });
  }
  if (isBlank(text)) throw new SnapshotError("the document is empty: expected a JSON object with spec_version 1", "$");
  if (!forceLossless && !canonicalTried && warnings.length === 0) {
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

/** A finding without its path; the container that knows the path wraps it in a SnapshotError. */
class Problem extends Error {}

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
      throw new SnapshotError(`duplicate peer ${JSON.stringify(text)} (already at index ${first})`, `${listPath}[${index}]${field}`);
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
