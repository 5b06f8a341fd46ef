/**
 * Upstream's node snapshots (fixtures/node/) and their JSON renderings, read
 * losslessly and mapped onto the generic codec's value shape: serde's byte
 * arrays become Uint8Array, u64 bigint, enums `{ variant, value }`.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { isDeepStrictEqual } from "node:util";
import { parse } from "lossless-json";
import { expect } from "vitest";
import { Reader, Writer, read, write, type Schema, type Value } from "../../src/snapshot/bincode.js";
import { canonicalLists } from "../../src/snapshot/canonical.js";
import type { Snapshot, Tallies } from "../../src/snapshot/model.js";
import { NODE_SNAPSHOT } from "../../src/snapshot/node-schema.js";

export const NODE_FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures", "node");

/** Every fixture, smallest first; the last two are the big ones. */
export const FIXTURE_NAMES = [
  "empty",
  "default-spec0",
  "small",
  "allowlist-some",
  "allowlist-empty",
  "hand-edited",
  "trailing-bytes",
  "spec-version-2",
  "heavy-300k",
  "peers-10k",
] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

/** The fixtures upstream's restore refuses (spec_version other than 1). */
export const REFUSED: readonly FixtureName[] = ["default-spec0", "spec-version-2"];

/** A restored entry as the rendering has it. */
export interface RestoredHealth {
  peer: string;
  consecutive_failures: string;
  last_event_ns: string;
  down: boolean;
}
export interface RestoredBackoff {
  peer: string;
  attempts: string;
  last_attempt_ns: string;
  next_retry_ns: string;
}
/** `restored`, numbers kept as their digits. */
export type Restored =
  | {
      failure_threshold: string;
      blocklist: string[];
      allowlist: string[] | null;
      health: RestoredHealth[];
      backoff_table: RestoredBackoff[];
    }
  | { error: string };

/** One fixture: the file, and what upstream decoded from it. */
export interface NodeFixture {
  readonly name: FixtureName;
  readonly bytes: Uint8Array;
  /** `snapshot`, numbers as their digits (map with `toValue`). */
  readonly snapshot: unknown;
  readonly trailing: number[];
  readonly governorBytes: [number, number];
  readonly restored: Restored;
}

const cache = new Map<FixtureName, NodeFixture>();

/** What upstream decoded from a fixture, as its rendering file has it. */
interface Rendering {
  snapshot: unknown;
  trailing: string[];
  governor_bytes: [string, string];
  restored: Restored;
}

/**
 * Loads a fixture; its rendering (`.json`, or `.json.gz` for the big ones) is read on first use of a field that
 * comes from it. The big renderings take half a second to parse, and the tests that cut or flip a file's bytes
 * never look at them.
 */
export function loadFixture(name: FixtureName): NodeFixture {
  const known = cache.get(name);
  if (known !== undefined) return known;
  let parsed: Rendering | undefined;
  const rendering = (): Rendering => {
    if (parsed === undefined) {
      const plain = join(NODE_FIXTURES, `${name}.json`);
      const text = existsSync(plain) ? readFileSync(plain, "utf8") : gunzipSync(readFileSync(`${plain}.gz`)).toString("utf8");
      parsed = parse(text, null, (digits: string) => digits) as Rendering;
    }
    return parsed;
  };
  const fixture: NodeFixture = {
    name,
    bytes: new Uint8Array(readFileSync(join(NODE_FIXTURES, `${name}.bin`))),
    get snapshot() {
      return rendering().snapshot;
    },
    get trailing() {
      return rendering().trailing.map(Number);
    },
    get governorBytes(): [number, number] {
      const [start, end] = rendering().governor_bytes;
      return [Number(start), Number(end)];
    },
    get restored() {
      return rendering().restored;
    },
  };
  cache.set(name, fixture);
  return fixture;
}

/** Maps serde's JSON form of a value of `schema` onto the generic codec's value shape. */
export function toValue(schema: Schema, json: unknown): Value {
  switch (schema) {
    case "u8":
    case "u32":
      return Number(json as string);
    case "u64":
      return BigInt(json as string);
    case "bool":
      return json as boolean;
    case "string":
      return json as string;
    case "bytes":
      return Uint8Array.from(json as string[], Number);
  }
  if ("struct" in schema) {
    const object = json as Record<string, unknown>;
    const out: { [field: string]: Value } = {};
    for (const [name, field] of schema.struct) out[name] = toValue(field, object[name]);
    return out;
  }
  if ("tuple" in schema) return schema.tuple.map((item, i) => toValue(item, (json as unknown[])[i]));
  if ("option" in schema) return json === null ? null : toValue(schema.option, json);
  if ("vec" in schema) return (json as unknown[]).map((item) => toValue(schema.vec, item));
  if ("map" in schema) {
    const { key, value } = schema.map;
    return (json as [unknown, unknown][]).map(([k, v]) => [toValue(key, k), toValue(value, v)]);
  }
  // serde: a unit variant is its name; any other a one-key object.
  if (typeof json === "string") return { variant: json, value: null };
  const [variant, inner] = Object.entries(json as Record<string, unknown>)[0] as [string, unknown];
  const fields = schema.enum.find(([name]) => name === variant)?.[1];
  if (fields === undefined) throw new Error(`unknown variant ${variant} in the rendering`);
  return { variant, value: fields === null ? null : toValue(fields, inner) };
}

/**
 * `expect(actual).toEqual(expected)` for the big fixtures' values, at a fraction of its cost: Node's deep
 * strict comparison (stricter than toEqual) settles the usual case in milliseconds where toEqual takes most of
 * a second on the 10k-peer file; only a difference falls through to toEqual, which fails with its diff.
 */
export function expectEqualValue(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

/** small.bin with its health list and backoff table replaced (tuples and records as the generic codec reads them). */
export function smallWithLists(health: Value[], table: Value[]): Uint8Array {
  const value = read(NODE_SNAPSHOT, new Reader(loadFixture("small").bytes)) as {
    transient: { framework: { peer_governor: { health: Value[] }; backoff_table: Value[] } };
  };
  value.transient.framework.peer_governor.health = health;
  value.transient.framework.backoff_table = table;
  const writer = new Writer();
  write(NODE_SNAPSHOT, value as unknown as Value, writer);
  return writer.result().slice();
}

/** The counts of a summary (see nodeTallies), from the built model. */
export function modelTallies(snapshot: Snapshot, nowNs: bigint): Tallies {
  const health = Array.from(snapshot.governor.iterHealth());
  const table = Array.from(snapshot.backoff.iter());
  return {
    tracked: health.length,
    down: health.filter((entry) => entry.down).length,
    backoffEntries: table.length,
    coolingDown: table.filter((entry) => entry.nextRetryNs > nowNs).length,
  };
}

/** The model as the renderings' `restored` has it: lists by peer text, numbers as digits. */
export function restoredOf(snapshot: Snapshot): Restored {
  const lists = canonicalLists(snapshot);
  return {
    failure_threshold: String(snapshot.governor.failureThreshold()),
    blocklist: lists.blocklist.map(String),
    allowlist: lists.allowlist === null ? null : lists.allowlist.map(String),
    health: lists.health.map((entry) => ({
      peer: entry.peer.text,
      consecutive_failures: String(entry.consecutiveFailures),
      last_event_ns: String(entry.lastEventNs),
      down: entry.down,
    })),
    backoff_table: lists.backoffTable.map((entry) => ({
      peer: entry.peer.text,
      attempts: String(entry.attempts),
      last_attempt_ns: String(entry.lastAttemptNs),
      next_retry_ns: String(entry.nextRetryNs),
    })),
  };
}
