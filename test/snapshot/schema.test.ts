/**
 * src/snapshot/snapshot.schema.json against the loader. No JSON Schema
 * validator is a dependency, so a small one below implements exactly the
 * keywords the schema uses (and throws on any other, so a new keyword cannot
 * be silently ignored). Numbers are read with JSON.parse, as most JavaScript
 * validators do.
 */
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { decodeSnapshot, emptySnapshot, encodeSnapshot } from "../../src/snapshot/index.js";
import { buildExampleSnapshot, snapshotArb } from "./helpers.js";

type Schema = Record<string, unknown>;

const FIXTURES = new URL("../../fixtures/", import.meta.url);
const SCHEMA = JSON.parse(readFileSync(new URL("../../src/snapshot/snapshot.schema.json", import.meta.url), "utf8")) as Schema;

// ------------------------------------------------------------ the validator

const ANNOTATIONS = new Set(["$schema", "$id", "$comment", "title", "description", "$defs"]);
const KEYWORDS = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "uniqueItems",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "const",
  "anyOf",
  "$ref",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  if (type === "integer") return typeof value === "number" && Number.isInteger(value);
  return typeOf(value) === type;
}

/** JSON text with sorted keys: equal for JSON-equal values. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(object[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The errors of `value` against `schema` (empty when valid), each with its JSON pointer. */
function validate(value: unknown, schema: Schema = SCHEMA, path = ""): string[] {
  const errors: string[] = [];
  const fail = (message: string): void => {
    errors.push(`${path || "/"}: ${message}`);
  };
  for (const [keyword, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    if (!KEYWORDS.has(keyword)) throw new Error(`the test validator does not know the keyword ${keyword}`);
    switch (keyword) {
      case "$ref": {
        const name = /^#\/\$defs\/([A-Za-z0-9]+)$/.exec(arg as string)?.[1];
        const target = name === undefined ? undefined : (SCHEMA.$defs as Record<string, Schema>)[name];
        if (target === undefined) throw new Error(`unresolvable $ref ${String(arg)}`);
        errors.push(...validate(value, target, path));
        break;
      }
      case "type":
        if (!hasType(value, arg as string)) fail(`not of type ${String(arg)}`);
        break;
      case "const":
        if (canonical(value) !== canonical(arg)) fail(`not ${JSON.stringify(arg)}`);
        break;
      case "anyOf":
        if (!(arg as Schema[]).some((branch) => validate(value, branch, path).length === 0)) fail("matches no anyOf branch");
        break;
      case "properties":
        if (typeOf(value) === "object") {
          const object = value as Record<string, unknown>;
          for (const [key, sub] of Object.entries(arg as Record<string, Schema>)) {
            if (Object.hasOwn(object, key)) errors.push(...validate(object[key], sub, `${path}/${key}`));
          }
        }
        break;
      case "additionalProperties":
        if (arg !== false) throw new Error("the test validator supports only additionalProperties: false");
        if (typeOf(value) === "object") {
          const known = Object.keys((schema.properties ?? {}) as Schema);
          for (const key of Object.keys(value as object)) if (!known.includes(key)) fail(`unknown key ${JSON.stringify(key)}`);
        }
        break;
      case "required":
        if (typeOf(value) === "object") {
          for (const key of arg as string[]) if (!Object.hasOwn(value as object, key)) fail(`missing ${key}`);
        }
        break;
      case "items":
        if (Array.isArray(value)) {
          value.forEach((item, index) => {
            errors.push(...validate(item, arg as Schema, `${path}/${index}`));
          });
        }
        break;
      case "uniqueItems":
        if (arg === true && Array.isArray(value) && new Set(value.map(canonical)).size !== value.length) fail("repeated items");
        break;
      case "pattern":
        if (typeof value === "string" && !new RegExp(arg as string, "u").test(value)) fail(`does not match ${String(arg)}`);
        break;
      case "minLength":
        if (typeof value === "string" && [...value].length < (arg as number)) fail(`shorter than ${String(arg)}`);
        break;
      case "maxLength":
        if (typeof value === "string" && [...value].length > (arg as number)) fail(`longer than ${String(arg)}`);
        break;
      case "minimum":
        if (typeof value === "number" && value < (arg as number)) fail(`below ${String(arg)}`);
        break;
      case "maximum":
        if (typeof value === "number" && value > (arg as number)) fail(`above ${String(arg)}`);
        break;
    }
  }
  return errors;
}

// ------------------------------------------------------------ the tests

describe("the validator of this test", () => {
  it("rejects what it should (so that passing means something)", () => {
    expect(validate({ spec_version: 1 })).toEqual([]);
    expect(validate({})).toEqual(["/: missing spec_version"]);
    expect(validate({ spec_version: 1, extra: 1 })).toEqual(['/: unknown key "extra"']);
    expect(validate({ spec_version: 1, backoff_table: [{ peer: "16uZAbWC1AJvL" }] })).toHaveLength(3);
    expect(validate({ spec_version: 1, peer_governor: { failure_threshold: 1.5 } })).toEqual([
      "/peer_governor/failure_threshold: not of type integer",
    ]);
    expect(validate({ spec_version: 1, clock_ns: "x" })).toEqual(["/clock_ns: matches no anyOf branch"]);
    expect(() => validate(1, { enum: [1] })).toThrow(/does not know the keyword enum/);
  });
});

describe("snapshot.schema.json", () => {
  it("is a draft 2020-12 schema with an $id, describing every field of the snapshot format in README.md", () => {
    expect(SCHEMA.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(typeof SCHEMA.$id).toBe("string");
    const properties = (schema: unknown): string[] => Object.keys((schema as { properties: object }).properties);
    const top = SCHEMA.properties as Record<string, Schema>;
    const defs = SCHEMA.$defs as Record<string, Schema>;
    expect(properties(SCHEMA)).toEqual(["$schema", "spec_version", "clock_ns", "peer_governor", "backoff", "backoff_table"]);
    expect(properties(top.peer_governor)).toEqual(["failure_threshold", "blocklist", "allowlist", "health"]);
    expect(properties(top.backoff)).toEqual(["base_ns", "max_delay_ns"]);
    expect(properties(defs.healthEntry)).toEqual(["peer", "consecutive_failures", "last_event_ns", "down"]);
    expect(properties(defs.backoffEntry)).toEqual(["peer", "attempts", "last_attempt_ns", "next_retry_ns"]);
  });

  it("accepts every fixture the loader accepts", () => {
    const names = readdirSync(FIXTURES).filter((name) => name.endsWith(".json"));
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const name of names) {
      const text = readFileSync(new URL(name, FIXTURES), "utf8");
      decodeSnapshot(text); // the loader accepts it
      expect(validate(JSON.parse(text)), name).toEqual([]);
    }
  });

  it("accepts every snapshot bbgov writes, and the integer forms the loader reads", () => {
    expect(validate(JSON.parse(encodeSnapshot(emptySnapshot())))).toEqual([]);
    expect(validate(JSON.parse(encodeSnapshot(buildExampleSnapshot())))).toEqual([]);
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        expect(validate(JSON.parse(encodeSnapshot(snapshot)))).toEqual([]);
      }),
      { numRuns: 300 },
    );
    const integers = '{"spec_version":1,"clock_ns":9007199254740991,"backoff":{"base_ns":0,"max_delay_ns":1}}';
    decodeSnapshot(integers);
    expect(validate(JSON.parse(integers))).toEqual([]);
  });

  // Invalid fixtures the schema cannot reject, and why (see the schema's $comment).
  const INEXPRESSIBLE: Record<string, string> = {
    "attempts-negative-zero.json": "-0 is the integer 0 to JSON Schema",
    "clock-2-pow-64-integer.json": "2^64 as a double equals the maximum 2^64-1 as a double",
    "last-attempt-2-pow-64.json": "2^64 as a double equals the maximum 2^64-1 as a double",
    "clock-exponent.json": "1e3 is the integer 1000 to JSON Schema",
    "failures-exponent.json": "5e0 is the integer 5 to JSON Schema",
    "threshold-5-point-0.json": "5.0 is the integer 5 to JSON Schema",
    "spec-version-fraction.json": "1.0 equals the const 1",
    "duplicate-health.json": "uniqueness by peer: uniqueItems compares whole entries",
    "duplicate-backoff-table.json": "uniqueness by peer: uniqueItems compares whole entries",
    "duplicate-key-different-values.json": "JSON.parse keeps the last of two equal keys",
    "peer-code-only.json": "multihash structure (base58 characters only)",
    "peer-digest-too-long.json": "multihash structure (base58 characters only)",
    "peer-invalid-in-backoff-table.json": "multihash structure (base58 characters only)",
    "peer-non-minimal-varint.json": "multihash structure (base58 characters only)",
    "peer-trailing-bytes.json": "multihash structure (base58 characters only)",
    "peer-truncated-multihash.json": "multihash structure (base58 characters only)",
  };
  // Not JSON at all: the parser rejects them before any schema applies.
  const NOT_JSON = [
    "bom-then-garbage.json",
    "control-character-in-string.json",
    "deep-nesting.json",
    "empty.json",
    "malformed-json.json",
    "nan-literal.json",
    "single-quotes.json",
    "trailing-comma.json",
    "trailing-garbage.json",
    "truncated.json",
    "whitespace-only.json",
  ];

  it("rejects every invalid fixture it can express; the others are exactly the listed ones", () => {
    const dir = new URL("invalid/", FIXTURES);
    const names = readdirSync(dir)
      .filter((name) => name.endsWith(".json") && name !== "EXPECTED.json")
      .sort();
    const notJson: string[] = [];
    const accepted: string[] = [];
    for (const name of names) {
      const text = readFileSync(new URL(name, dir), "utf8");
      expect(() => decodeSnapshot(text), name).toThrow();
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch {
        notJson.push(name);
        continue;
      }
      if (validate(document).length === 0) accepted.push(name);
    }
    expect(notJson).toEqual(NOT_JSON);
    expect(accepted).toEqual(Object.keys(INEXPRESSIBLE).sort());
    // The kinds of error the issue names are all among the rejected ones.
    for (const name of [
      "unknown-top-level-key.json",
      "unknown-health-entry-key.json",
      "clock-bool.json",
      "threshold-string.json",
      "clock-leading-zeros.json",
      "clock-2-pow-64-string.json",
      "threshold-2-pow-32.json",
      "peer-bad-base58-char.json",
      "duplicate-blocklist.json",
      "duplicate-allowlist.json",
      "missing-spec-version.json",
      "spec-version-2.json",
      "proto-key.json",
    ]) {
      expect(names).toContain(name);
      expect(accepted).not.toContain(name);
    }
  });

  it("bounds u64 strings to 0..18446744073709551615 exactly", () => {
    const u64 = (SCHEMA.$defs as Record<string, { anyOf: Schema[] }>).u64 as { anyOf: Schema[] };
    const pattern = new RegExp(u64.anyOf[0]?.pattern as string);
    const max = (1n << 64n) - 1n;
    const expected = (text: string): boolean => /^(0|[1-9][0-9]*)$/.test(text) && BigInt(text) <= max;
    const edges = ["0", "1", "9", "10", "00", "01", "-1", "+1", " 1", "1.0", "", "9007199254740993"];
    for (let delta = 0n; delta < 1000n; delta++) edges.push(String(max - delta), String(max + delta));
    for (const power of [10n ** 18n, 10n ** 19n, 10n ** 20n]) edges.push(String(power - 1n), String(power), String(power + 1n));
    // Twelve thousand checks: each a plain test first, `expect` (which fails with its message) only when it fails.
    for (const text of edges) if (pattern.test(text) !== expected(text)) expect(pattern.test(text), text).toBe(expected(text));
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 70n }), fc.bigInt({ min: max - 10n ** 15n, max: max + 10n ** 15n })), (n) => {
        if (pattern.test(String(n)) !== n <= max) expect(pattern.test(String(n))).toBe(n <= max);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,21}$/), (text) => {
        if (pattern.test(text) !== expected(text)) expect(pattern.test(text)).toBe(expected(text));
      }),
      { numRuns: 5000 },
    );
  });

  it("fits the longest valid peer id in the peer pattern", () => {
    // A 10-byte code varint (2^64-1), the length 64 and 64 digest bytes: the largest canonical multihash.
    const longest = PeerId.fromBytes(Uint8Array.from([...Array(9).fill(0xff), 0x01, 64, ...Array(64).fill(0xff)]));
    expect(longest.text.length).toBeLessThanOrEqual(103);
    expect(validate({ spec_version: 1, peer_governor: { blocklist: [longest.text, "16uZAbWC1AJvL"] } })).toEqual([]);
  });
});
