import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SnapshotError, decodeSnapshot, encodeSnapshot } from "../../src/snapshot/index.js";
import { plain, snapshotArb } from "./helpers.js";

const example = readFileSync(new URL("../../fixtures/example.json", import.meta.url), "utf8");
const RUNS = Number(process.env.BBGOV_PROPERTY_RUNS ?? 100);

describe("random valid states", () => {
  it("encode -> decode -> encode is the identity, and decoding restores the state", () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const text = encodeSnapshot(snapshot);
        const fast = decodeSnapshot(text);
        expect(fast.warnings).toEqual([]);
        expect(plain(fast.snapshot)).toEqual(plain(snapshot));
        expect(encodeSnapshot(fast.snapshot)).toBe(text);
        const slow = decodeSnapshot(text, { forceLossless: true });
        expect(plain(slow.snapshot)).toEqual(plain(snapshot));
      }),
      { numRuns: RUNS },
    );
  });

  it("reads the same state when every u64 is a bare JSON integer", () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const text = encodeSnapshot(snapshot);
        const bare = text.replace(/"(clock_ns|base_ns|max_delay_ns|last_event_ns|last_attempt_ns|next_retry_ns)": "(\d+)"/g, '"$1": $2');
        expect(encodeSnapshot(decodeSnapshot(bare).snapshot)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Outcome of decoding: the canonical text, or the error's path and message. */
function outcome(text: string, forceLossless: boolean): string {
  try {
    return encodeSnapshot(decodeSnapshot(text, { forceLossless }).snapshot);
  } catch (error) {
    if (error instanceof SnapshotError) return `error ${error.path}: ${error.message}`;
    throw error;
  }
}

const JSON_BITS = [
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  '"',
  "\\",
  "-",
  "0",
  "1.5",
  "1e3",
  "18446744073709551616",
  "null",
  "true",
  " ",
  "\n",
  "\ufeff",
  "\\u003a",
];

type Mutation = (text: string) => string;

const deleteRange: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 12 })).map(([at, length]) => (text) => {
  const i = at % (text.length + 1);
  return text.slice(0, i) + text.slice(i + length);
});

const insert: fc.Arbitrary<Mutation> = fc
  .tuple(fc.nat(), fc.oneof(fc.constantFrom(...JSON_BITS), fc.string({ maxLength: 6 })))
  .map(([at, piece]) => (text) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + piece + text.slice(i);
  });

const replaceChar: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1 })).map(([at, char]) => (text) => {
  const i = at % Math.max(text.length, 1);
  return text.slice(0, i) + char + text.slice(i + 1);
});

/** Replaces one value somewhere in the tree (or adds a key) with a random JSON value. */
const swapValue: fc.Arbitrary<Mutation> = fc
  .tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 }), fc.boolean(), fc.string({ maxLength: 8 }))
  .map(([pick, replacement, addKey, newKey]) => (text) => {
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch {
      return text; // an earlier mutation broke the JSON: nothing to swap
    }
    const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) {
        value.forEach((item, index) => {
          slots.push({ parent: value, key: index });
          visit(item);
        });
      } else if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) {
          slots.push({ parent: record, key });
          visit(record[key]);
        }
      }
    };
    visit(root);
    const slot = slots[pick % Math.max(slots.length, 1)];
    if (slot === undefined) return JSON.stringify(replacement);
    if (addKey && !Array.isArray(slot.parent)) (slot.parent as Record<string, unknown>)[newKey] = replacement;
    else (slot.parent as Record<string | number, unknown>)[slot.key] = replacement;
    return JSON.stringify(root, null, 2);
  });

/** Repeats an existing `"key": value` line (the canonical layout has one per line). */
const repeatKey: fc.Arbitrary<Mutation> = fc.nat().map((pick) => (text) => {
  const lines = text.split("\n");
  const candidates = lines.map((line, index) => [line, index] as const).filter(([line]) => /^\s*"[^"]+": [^[{]*,$/.test(line));
  const chosen = candidates[pick % Math.max(candidates.length, 1)];
  if (chosen === undefined) return text;
  const [line, index] = chosen;
  const variant = pick % 2 === 0 ? line : line.replace(/: (.*),$/, ': "0",');
  return [...lines.slice(0, index + 1), variant, ...lines.slice(index + 1)].join("\n");
});

const mutation = fc.oneof(deleteRange, insert, replaceChar, swapValue, repeatKey);

describe("mutated snapshot texts", () => {
  it("never make decodeSnapshot throw anything but SnapshotError, and both parsers agree", () => {
    const source = fc.oneof(fc.constant(example), fc.constant('{"spec_version": 1}'), snapshotArb.map(encodeSnapshot));
    fc.assert(
      fc.property(source, fc.array(mutation, { minLength: 1, maxLength: 4 }), (original, mutations) => {
        const text = mutations.reduce((current, mutate) => mutate(current), original);
        const fast = outcome(text, false);
        expect({ text, outcome: outcome(text, true) }).toEqual({ text, outcome: fast });
        if (!fast.startsWith("error ")) expect(outcome(fast, false)).toBe(fast);
      }),
      { numRuns: RUNS },
    );
  });
});
