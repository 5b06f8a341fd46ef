/**
 * The streamed JSON writer (src/cli/render/json.ts) against what it stands
 * in for: JSON.stringify with bigints as strings and a 2-space indent, then
 * the sanitizer; NDJSON against JSON.stringify per item. Same text, byte for
 * byte, on any value, however it is cut into pieces.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";
import { PeerJson } from "../../src/cli/render/inspect-rows.js";
import { OWN_JSON, compactLines, jsonChunks, ndjsonChunks, renderJson } from "../../src/cli/render/json.js";
import { sanitizeJson } from "../../src/cli/render/sanitize.js";

const replacer = (_key: string, value: unknown): unknown => (typeof value === "bigint" ? value.toString() : value);
const reference = (document: unknown): string => `${sanitizeJson(JSON.stringify(document, replacer, 2))}\n`;

/**
 * Any code point, lone surrogates included (fast-check's "binary" unit). Not that unit itself: building it maps all
 * 1.1M code points back to indices once, a second of the suite's CPU. Keys keep fast-check's own strings, whose
 * "dangerous" slices give `__proto__`, `constructor` and the like.
 */
const anyCodePoint = fc
  .oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xffff }), fc.integer({ min: 0x1_0000, max: 0x10_ffff }))
  .map((point) => String.fromCodePoint(point));
const values = fc.anything({
  key: fc.oneof(fc.string(), fc.string({ unit: anyCodePoint })),
  withBigInt: true,
  withDate: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  stringUnit: anyCodePoint,
  maxDepth: 5,
});
const unsafe = fc.constantFrom("\u009b[31m", "\u202e", "a\u2028b", "\ufeff", "\u0000\u001f", "\ud800", '"\\', "é");
const documents = fc.dictionary(
  fc.oneof(fc.string(), unsafe),
  fc.oneof(
    values,
    unsafe,
    fc.array(fc.oneof(values, unsafe, fc.bigInt())),
    fc.constant(undefined),
    fc.constant(() => 1),
  ),
);

describe("the streamed JSON writer", () => {
  it("writes exactly JSON.stringify's text with bigints as strings, sanitized", () => {
    fc.assert(
      fc.property(documents, (document) => {
        expect(renderJson(document)).toBe(reference(document));
      }),
      { numRuns: 500 },
    );
  });

  it("keeps to it for top-level arrays, leaves and toJSON, and cuts big documents between items", () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      peer: `p${i}\u202e`,
      n: BigInt(i) * 10n ** 15n,
      at: new Date(i),
      nested: { list: [i, null, undefined, "x"], empty: {}, none: [] },
    }));
    const document = {
      kind: "bbgov-json",
      clock_ns: 2n ** 64n - 1n,
      summary: { peers: 5000 },
      peers: rows,
      blocklist: [],
      skipped: undefined,
    };
    const pieces = [...jsonChunks(document)];
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.join("")).toBe(reference(document));
    for (const top of [[1n, "a", { b: [] }], "text", 5n, null, [], {}, { toJSON: () => ({ a: 1n }) }, [new Date(0), () => 1]]) {
      expect(renderJson(top)).toBe(reference(top));
    }
  });

  it("writes NDJSON as JSON.stringify per item, unsanitized as before", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(values, unsafe)), (items) => {
        const expected = items.map((item) => `${JSON.stringify(item, replacer)}\n`).join("");
        expect([...ndjsonChunks(items)].join("")).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe("compactLines (a fleet's NDJSON rows)", () => {
  const objects = fc.array(fc.dictionary(fc.string(), fc.oneof(values, unsafe, fc.bigInt())), { maxLength: 8 });

  it("writes JSON.stringify per item with bigints as strings, and leaves BigInt.prototype as it found it", () => {
    fc.assert(
      fc.property(objects, (items) => {
        const expected = items.map((item) => `${JSON.stringify(item, replacer)}\n`).join("");
        expect(compactLines(items)).toBe(expected);
        expect(Object.hasOwn(BigInt.prototype, "toJSON")).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("keeps a BigInt.prototype.toJSON some other code put there", () => {
    const proto = BigInt.prototype as { toJSON?: (this: bigint) => string };
    const theirs = function (this: bigint): string {
      return `n${this.toString()}`;
    };
    proto.toJSON = theirs;
    try {
      expect(compactLines([{ a: 5n, b: [1n] }])).toBe(`${JSON.stringify({ a: 5n, b: [1n] }, replacer)}\n`);
      expect(proto.toJSON).toBe(theirs);
    } finally {
      delete proto.toJSON;
    }
  });
});

describe("inspect's rows, which write their own JSON", () => {
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
  const decision: fc.Arbitrary<Decision> = fc.oneof(
    fc.constant<Decision>({ kind: "allow" }),
    fc.constant<Decision>({ kind: "deny", reason: { kind: "blocklisted" } }),
    fc.constant<Decision>({ kind: "deny", reason: { kind: "not_allowlisted" } }),
    u64.map<Decision>((retryNs) => ({ kind: "deny", reason: { kind: "cooldown", retryNs } })),
  );
  const rows = fc.record({
    peer: u64.map((n) => PeerId.fromU64(n)),
    blocked: fc.boolean(),
    allowlisted: fc.boolean(),
    health: fc.option(fc.record({ consecutiveFailures: u32, lastEventNs: u64, down: fc.boolean() }), { nil: undefined }),
    backoff: fc.option(fc.record({ attempts: u32, lastAttemptNs: u64, nextRetryNs: u64 }), { nil: undefined }),
    inbound: decision,
    outbound: decision,
  });

  it("write exactly JSON.stringify's text, indented, compact, and inside a document", () => {
    fc.assert(
      fc.property(rows, fc.constantFrom("", "  ", "    "), (row, indent) => {
        const json = new PeerJson(row);
        expect(json[OWN_JSON](indent)).toBe(JSON.stringify(json, replacer, 2).replaceAll("\n", `\n${indent}`));
        expect(json[OWN_JSON](undefined)).toBe(JSON.stringify(json, replacer));
        const document = { peers: [json, json], nested: { row: json } };
        expect(renderJson(document)).toBe(reference(document));
        expect([...ndjsonChunks([json])].join("")).toBe(`${JSON.stringify(json, replacer)}\n`);
      }),
    );
  });
});
