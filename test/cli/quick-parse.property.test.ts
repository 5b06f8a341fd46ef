/**
 * `apply`'s quick path (src/cli/quick-parse.ts) against commander, the parser
 * it stands in for: on any words, either the quick path declines (undefined)
 * or it gives exactly the Invocation commander's action gives, and it never
 * accepts a line commander refuses.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildProgram, COMMANDS, type Invocation } from "../../src/cli/program.js";
import { quickParser } from "../../src/cli/quick-parse.js";
import { L, M, Q } from "./helpers.js";

const APPLY = COMMANDS.filter((spec) => spec.inApply);

/** Commander's result for `words`: the Invocation, or the error it throws. */
function viaCommander(words: readonly string[]): { invocation?: Invocation; error?: unknown } {
  let parsed: Invocation | undefined;
  const program = buildProgram("apply", "", { writeOut: () => {}, writeErr: () => {} }, (invocation) => {
    parsed = invocation;
  });
  try {
    program.parse([...words], { from: "user" });
  } catch (error) {
    return { error };
  }
  return parsed === undefined ? { error: "no action" } : { invocation: parsed };
}

const quick = quickParser(APPLY, (spec) => spec.options, {});

const FLAGS = [...new Set(COMMANDS.flatMap((spec) => spec.options.map((option) => option.flags.split(" ")[0] as string)))];
const WORDS = [
  ...APPLY.map((spec) => spec.name),
  "inspect",
  "help",
  "bbgov",
  "",
  ...FLAGS,
  "--help",
  "-h",
  "--",
  "--times=3",
  "-x",
  "--nope",
  L,
  M,
  Q,
  "16uZAb",
  "16uZAbWC1AJvL/extra",
  `/p2p/${Q}`,
  "0OIl",
  "-5",
  "0",
  "1",
  "3",
  "4294967295",
  "4294967296",
  "1000001",
  "x",
  "5s",
  "100ms",
  "1m",
  "2h",
  "0ns",
  "5",
  "-1s",
  "1.5s",
  "1764000000000000000",
  "2025-11-24T16:00:00Z",
  "now",
];

function compare(words: readonly string[]): void {
  const fast = quick(words);
  if (fast === undefined) return;
  const slow = viaCommander(words);
  // Thousands of lines: a plain comparison first (stricter than toEqual), `expect` (which fails with its diff) only
  // when it fails.
  const invocation = slow.invocation;
  if (
    slow.error === undefined &&
    fast.spec === invocation?.spec &&
    isDeepStrictEqual(fast.args, invocation.args) &&
    isDeepStrictEqual(fast.options, invocation.options) &&
    isDeepStrictEqual(Object.keys(fast.options), Object.keys(invocation.options)) &&
    isDeepStrictEqual(fast.globals, invocation.globals)
  )
    return;
  expect(slow.error, words.join(" ")).toBeUndefined();
  expect(fast.spec, words.join(" ")).toBe(slow.invocation?.spec);
  expect(fast.args, words.join(" ")).toEqual(slow.invocation?.args);
  expect(fast.options, words.join(" ")).toEqual(slow.invocation?.options);
  expect(Object.keys(fast.options), words.join(" ")).toEqual(Object.keys(slow.invocation?.options ?? {}));
  expect(fast.globals).toEqual(slow.invocation?.globals);
}

describe("apply's quick parser", () => {
  // "now" reads the wall clock: both parsers must see the same instant, or a millisecond tick between them fails the test.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2025-11-24T16:00:00Z"));
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it("agrees with commander on random lines, or leaves them to it", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...APPLY.map((spec) => spec.name)),
        fc.array(fc.constantFrom(...WORDS), { maxLength: 6 }),
        (name, rest) => {
          compare([name, ...rest]);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("agrees with commander on lines built from each command's own options", () => {
    const arb = fc.constantFrom(...APPLY).chain((spec) => {
      const parts = [
        ...spec.options.map((option) => option.flags.split(" ")[0] as string),
        ...spec.options.filter((option) => option.flags.includes("<")).map((option) => option.flags.split(" ")[0] as string),
      ];
      return fc.tuple(
        fc.constant(spec.name),
        fc.array(fc.constantFrom(...parts, L, M, Q, "5s", "3", "100ms", "0", "2025-11-24T16:00:00Z"), { maxLength: 6 }),
      );
    });
    fc.assert(
      fc.property(arb, ([name, rest]) => {
        compare([name, ...rest]);
      }),
      { numRuns: 3000 },
    );
  });

  it("takes the common script lines itself, with commander's values", () => {
    const lines = [
      ["block", Q],
      ["block", L, M],
      ["unblock", "--all"],
      ["fail", L, "--times", "3", "--every", "100ms"],
      ["fail", L, "--after", "5ms"],
      ["fail", L, "--all-rows", "--at", "1764000000000000000"],
      ["succeed", M, "--after", "1s"],
      ["advise", L, "5s"],
      ["reset", L],
      ["reset"],
      ["clock", "--advance", "1ms"],
      ["threshold", "3"],
      ["backoff", "--base", "10ms", "--max", "1m"],
      ["allow", "--restrict", L],
    ];
    for (const words of lines) {
      expect(quick(words), words.join(" ")).toBeDefined();
      compare(words);
    }
  });

  it("leaves to commander what it does not handle", () => {
    for (const words of [
      ["fail", L, "--times=3"],
      ["fail", L, "--times", "3", "--times", "4"],
      ["fail", L, "--at", "1764000000000000000", "--after", "1s"],
      ["clock", "--set", "now", "--advance", "1s"],
      ["fail"],
      ["fail", L, M],
      ["fail", L, "--times", "0"],
      ["block", "--help"],
      ["help"],
      ["nope"],
    ]) {
      expect(quick(words), words.join(" ")).toBeUndefined();
    }
  });
});
