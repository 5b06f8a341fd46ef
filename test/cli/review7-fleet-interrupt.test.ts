/**
 * Review 13: Ctrl-C (or SIGTERM, SIGHUP) during a fleet change's first phase, before any file is written (the files
 * being checked, an apply script being read). It ended without a word, where an interrupt during the writes says
 * which files hold the change: the operator could not tell whether some did. Review 14: the line names every file,
 * written, unchanged and not written (it left out the files unchanged or failed before the signal), and under --json
 * the one document is printed all the same (there was none). The process's end by the signal (process.kill of
 * itself, else process.exit) is stubbed here, for the test's own process, and put back after (the suite's workers
 * share their modules: no module mock); test/e2e/fleet.test.ts signals the real binary midway.
 */
import fs from "node:fs";
import { describe, expect, it, vi } from "vitest";
import type { CliIo } from "../../src/cli/context.js";
import { acquireLock } from "../../src/cli/io/lock.js";
import { execute } from "../../src/cli/main.js";
import { L, sandboxes, type Sandbox } from "./helpers.js";

class Ended extends Error {}

const sandbox = sandboxes();

/** What the interrupted run printed, from the signal's handler (the run itself goes on: its end is stubbed). */
interface Interrupted {
  stdout: string;
  stderr: string;
}

/**
 * Runs bbgov in `box`, calls its handler of `signal` once `ready` says so, and checks that the handler ends the
 * process; `unblock` lets the run end after that (its end by the signal is stubbed, the run goes on).
 */
async function interrupt(
  box: Sandbox,
  args: readonly string[],
  signal: NodeJS.Signals,
  ready: () => void,
  options: { stdin?: AsyncIterable<Uint8Array>; unblock: () => void | Promise<void> },
): Promise<Interrupted> {
  const printed = { stdout: "", stderr: "" };
  const io = {
    stdout: { isTTY: false, write: (chunk: string | Uint8Array) => ((printed.stdout += String(chunk)), true) },
    stderr: { write: (chunk: string | Uint8Array) => ((printed.stderr += String(chunk)), true) },
    stdin: options.stdin ?? (async function* () {})(),
    env: { NO_COLOR: "1" },
  } as unknown as CliIo;
  const listening = process.listeners(signal);
  const previous = process.cwd();
  const end = (): never => {
    throw new Ended(signal);
  };
  const kill = vi.spyOn(process, "kill").mockImplementation(end);
  const exit = vi.spyOn(process, "exit").mockImplementation(end);
  process.chdir(box.dir);
  let seen: Interrupted;
  try {
    const run = execute(args, io);
    await vi.waitFor(() => {
      expect(process.listeners(signal).length).toBeGreaterThan(listening.length);
      ready();
    });
    const handler = process.listeners(signal).find((listener) => !listening.includes(listener)) as (signal: string) => void;
    expect(() => handler(signal)).toThrow(Ended);
    seen = { ...printed };
    // (The real process ends here; the stub lets this one go on.)
    await options.unblock();
    await run;
  } finally {
    kill.mockRestore();
    exit.mockRestore();
    process.chdir(previous);
  }
  // Its handlers are gone with the command.
  expect(process.listeners(signal)).toEqual(listening);
  return seen;
}

/** A standard input whose script never comes until `release` is called: bbgov waits for it, in the first phase. */
function heldStdin(): { stdin: AsyncIterable<Uint8Array>; release: () => void } {
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const stdin = {
    [Symbol.asyncIterator]() {
      return { next: () => gate.then((): IteratorResult<Uint8Array> => ({ done: true, value: undefined })) };
    },
  };
  return { stdin, release };
}

/** A fleet of `names` under nodes/, each a new snapshot. */
async function fleetOf(box: Sandbox, names: readonly string[]): Promise<void> {
  fs.mkdirSync(box.path("nodes"));
  for (const name of names) await box.ok(["-q", "-s", `nodes/${name}.json`, "init"]);
}

describe("an interrupt before a fleet change's first write", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("%s: one line says no file was written, naming them; nothing is", async (signal) => {
    const box = sandbox();
    await fleetOf(box, ["a", "b"]);
    const before = ["a", "b"].map((name) => fs.readFileSync(box.path(`nodes/${name}.json`)));
    const { stdin, release } = heldStdin();
    const seen = await interrupt(box, ["-s", "nodes", "apply", "-"], signal, () => {}, { stdin, unblock: release });
    expect(seen.stderr).toBe(
      `bbgov: interrupted by ${signal} while the files were checked: 0 of 2 file(s) written: none; not written: a.json, b.json (fleet)\n`,
    );
    expect(seen.stdout).toBe("");
    expect(["a", "b"].map((name) => fs.readFileSync(box.path(`nodes/${name}.json`)))).toEqual(before);
  });

  it("--json: the one document says so too, every file not written (there was no document)", async () => {
    const box = sandbox();
    await fleetOf(box, ["a", "b"]);
    const { stdin, release } = heldStdin();
    const seen = await interrupt(box, ["--json", "-s", "nodes", "apply", "-"], "SIGINT", () => {}, { stdin, unblock: release });
    expect(JSON.parse(seen.stdout)).toEqual({
      command: "apply",
      dry_run: false,
      interrupted: "SIGINT",
      written: [],
      unchanged: [],
      not_written: ["a.json", "b.json"],
      nodes: [
        { node: "a.json", path: "a.json", kind: null, result: "not_written" },
        { node: "b.json", path: "b.json", kind: null, result: "not_written" },
      ],
      warnings: [],
    });
    expect(seen.stderr).toMatch(/^bbgov: interrupted by SIGINT while the files were checked: 0 of 2 file\(s\) written: none; /);
  });
});

describe("an interrupt during a fleet change's writes", () => {
  /** a is written, b already blocks the peer, c's lock is held (bbgov waits there), d is not reached. */
  async function waitingOnC(json: boolean): Promise<{ box: Sandbox; seen: Interrupted }> {
    const box = sandbox();
    await fleetOf(box, ["a", "b", "c", "d"]);
    await box.ok(["-q", "-s", "nodes/b.json", "block", L]);
    const before = fs.readFileSync(box.path("nodes/a.json"));
    const lock = await acquireLock(box.path("nodes/c.json"), "test", 1000);
    let released = false;
    const release = async (): Promise<void> => {
      if (!released) await lock.release();
      released = true;
    };
    try {
      const args = [...(json ? ["--json"] : []), "-s", "nodes", "--lock-timeout", "20s", "block", L];
      const seen = await interrupt(box, args, "SIGTERM", () => expect(fs.readFileSync(box.path("nodes/a.json"))).not.toEqual(before), {
        unblock: release,
      });
      return { box, seen };
    } finally {
      await release();
    }
  }

  it("the line names the files written, unchanged and not written (one unchanged was in neither list)", async () => {
    const { seen } = await waitingOnC(false);
    expect(seen.stderr).toBe(
      "bbgov: interrupted by SIGTERM: 1 of 4 file(s) written: a.json; unchanged: b.json; not written: c.json, d.json;" +
        " the same command run again completes the rest (fleet)\n",
    );
    expect(seen.stdout).toBe("");
  });

  it("--json: the one document says which files were written and which not, each node's result (there was none)", async () => {
    const { seen } = await waitingOnC(true);
    const document = JSON.parse(seen.stdout) as Record<string, unknown> & { nodes: Record<string, unknown>[] };
    expect(document).toMatchObject({
      command: "block",
      dry_run: false,
      interrupted: "SIGTERM",
      written: ["a.json"],
      unchanged: ["b.json"],
      not_written: ["c.json", "d.json"],
      warnings: [],
    });
    expect(document.nodes.map((node) => [node.path, node.kind, node.result])).toEqual([
      ["a.json", "bbgov-json", "written"],
      ["b.json", "bbgov-json", "unchanged"],
      ["c.json", "bbgov-json", "not_written"],
      ["d.json", "bbgov-json", "not_written"],
    ]);
    // Standard error still has the line, for a person watching the script.
    expect(seen.stderr).toMatch(/^bbgov: interrupted by SIGTERM: 1 of 4 file\(s\) written: a\.json; /);
  });
});
