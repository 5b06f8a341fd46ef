/**
 * Runs before every test file (vitest.config.ts `setupFiles`). Byte arrays
 * compare by one native comparison: `toEqual` on a Buffer otherwise walks it
 * element by element through the generic equality, milliseconds a kilobyte,
 * and the suite compares many files' bytes (a failure still prints the diff).
 */
import { expect } from "vitest";

const ADDED = Symbol.for("bbgov.test.bytesTester");
const state = globalThis as { [ADDED]?: true };

// With `isolate: false` a worker runs this once per file in one module graph: the tester is added once.
if (state[ADDED] === undefined) {
  state[ADDED] = true;
  expect.addEqualityTesters([
    function sameBytes(a: unknown, b: unknown): boolean | undefined {
      if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.constructor !== b.constructor) return undefined;
      return Buffer.compare(a, b) === 0;
    },
  ]);
}
