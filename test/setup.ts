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

/**
 * Node reads the file NODE_EXTRA_CA_CERTS names (here the system's 200 kB bundle of certificates) at every start,
 * whether or not the process ever opens a TLS connection: ~55 ms of CPU for each process the suite starts (bbgov,
 * lock holders, shells' completions), twice what the rest of a `bbgov -V` costs, ~7 s of the suite's CPU in all.
 * None of them connects anywhere; npm in test/e2e/pack.test.ts may, and gets it back from `extraCaCerts()`.
 */
const CA_CERTS = Symbol.for("bbgov.test.extraCaCerts");
const saved = globalThis as { [CA_CERTS]?: string };
if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
  saved[CA_CERTS] = process.env.NODE_EXTRA_CA_CERTS;
  delete process.env.NODE_EXTRA_CA_CERTS;
}

/** NODE_EXTRA_CA_CERTS as the suite was started with it (test/setup.ts takes it out of the workers' environment). */
export function extraCaCerts(): { NODE_EXTRA_CA_CERTS?: string } {
  const value = saved[CA_CERTS];
  return value === undefined ? {} : { NODE_EXTRA_CA_CERTS: value };
}
