/**
 * The suite's settings. `npm test` runs it with coverage of `src/`: line
 * coverage may not fall below the figure measured when coverage was added
 * (issue 12), so a change that drops tests fails the suite.
 */
import path from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The longest files, longest first (measured for issue 12, again after the suite's CPU was cut, and with two workers): the workers take
 * files from one queue, so a long file started last would run alone at the end. Vitest orders by the last run's durations only when its cache has
 * them, which a fresh clone (CI) has not; a file missing here only starts later, nothing else depends on this list.
 */
const LONG_FIRST = [
  "test/cli/fleet-scan.test.ts",
  "test/e2e/reliability-kills.test.ts",
  "test/e2e/fleet.test.ts",
  "test/e2e/reliability-locks.test.ts",
  "test/cli/fleet-fold-attack.test.ts",
  "test/e2e/pack.test.ts",
  "test/cli/inspect-rows.test.ts",
  "test/e2e/code-cache.test.ts",
  "test/cli/fleet-fold.test.ts",
  "test/e2e/terminal.test.ts",
  "test/cli/node-snapshots.test.ts",
  "test/e2e/bundle.test.ts",
  "test/e2e/reliability-paths.test.ts",
  "test/e2e/readme.test.ts",
  "test/cli/completion.test.ts",
  "test/e2e/standard-output.test.ts",
  "test/e2e/process.test.ts",
  "test/snapshot/node.test.ts",
  "test/snapshot/lazy-lists.test.ts",
  "test/cli/fleet.test.ts",
  "test/e2e/review7-signals.test.ts",
  "test/cli/table.property.test.ts",
  "test/cli/inspect-rows-attack.test.ts",
  "test/cli/review5-completion.test.ts",
  "test/snapshot/canonical.property.test.ts",
  "test/e2e/review4-owner.test.ts",
  "test/cli/review7-shells.test.ts",
];

/** Vitest's order (failed first, then by the cached durations, else by size), with LONG_FIRST ahead of it. */
class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number => {
      const at = LONG_FIRST.indexOf(path.relative(this.ctx.config.root, file.moduleId).split(path.sep).join("/"));
      return at === -1 ? LONG_FIRST.length : at;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Vitest's default on a 2-core machine is one worker. The end-to-end files mostly wait (on child processes, on
    // a lock's timeout, on a stopped holder): a second worker runs other files meanwhile. A third one (as before)
    // imports and compiles the whole module graph once more and competes for the two cores: with it the suite
    // took more CPU and no less time (3 runs each on this machine, loaded: 63.5-66.9 s CPU and 32.7-41.9 s wall with
    // three workers, 58.3-62.6 s and 31.8-38.0 s with two).
    maxWorkers: 2,
    // A worker's young generation of 64 MiB instead of V8's default of a few: the suite allocates much short-lived
    // data (snapshots read and written, property runs), and with small semi-spaces the scavenger promotes it to the
    // old generation, which the suite's big shared fixtures make costly to collect (GC was 5.1 s of CPU, 3.0 s with it).
    execArgv: ["--max-semi-space-size=64"],
    // A worker runs its files one after another in one module graph instead of re-importing it for each
    // (a third of the suite's CPU time). Tests that change process state (cwd, spies) put it back.
    isolate: false,
    // Vitest keeps each transformed module on disk (node_modules/.experimental-vitest-cache/, keyed by the file's
    // content and the config), so a run after the first does not transform the sources and tests again: the run's
    // "transform" went from ~8 s to ~1.5 s (summed over the files) and "import" from ~10 s to ~5 s; coverage the same.
    experimental: { fsModuleCache: true },
    sequence: { sequencer: LongFirstSequencer },
    // Temporary folders on a tmpfs (/dev/shm) when TMPDIR is not set: see test/global-setup.ts.
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/setup.ts"],
    coverage: {
      provider: "v8",
      include: ["src/**"],
      // AssemblyScript, run as WebAssembly (test/cli/fleet-fold.test.ts checks what it computes).
      exclude: ["src/wasm/**"],
      reporter: ["text-summary"],
      thresholds: { lines: 81.88 },
    },
  },
});
