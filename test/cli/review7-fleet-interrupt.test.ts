/**
 * Review 13: Ctrl-C (or SIGTERM, SIGHUP) during a fleet change's first phase, before any file is written (the files
 * being checked, an apply script being read). It ended without a word, where an interrupt during the writes says
 * which files hold the change: the operator could not tell whether some did. The process's end by the signal
 * (process.kill of itself, else process.exit) is stubbed here, for the test's own process, and put back after (the
 * suite's workers share their modules: no module mock); test/e2e/fleet.test.ts signals the real binary midway.
 */
import fs from "node:fs";
import { describe, expect, it, vi } from "vitest";
import type { CliIo } from "../../src/cli/context.js";
import { execute } from "../../src/cli/main.js";
import { sandboxes } from "./helpers.js";

class Ended extends Error {}

const sandbox = sandboxes();

describe("an interrupt before a fleet change's first write", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("%s: one line says no file was written; nothing is", async (signal) => {
    const box = sandbox();
    fs.mkdirSync(box.path("nodes"));
    await box.ok(["-q", "-s", "nodes/a.json", "init"]);
    await box.ok(["-q", "-s", "nodes/b.json", "init"]);
    const before = ["a", "b"].map((name) => fs.readFileSync(box.path(`nodes/${name}.json`)));
    let stderr = "";
    // The script on standard input never comes: bbgov waits for it, in the first phase.
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const io = {
      stdout: { isTTY: false, write: () => true },
      stderr: { write: (chunk: string | Uint8Array) => ((stderr += String(chunk)), true) },
      stdin: {
        [Symbol.asyncIterator]() {
          return { next: () => gate.then((): IteratorResult<Uint8Array> => ({ done: true, value: undefined })) };
        },
      },
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
    try {
      const run = execute(["-s", "nodes", "apply", "-"], io);
      await vi.waitFor(() => expect(process.listeners(signal).length).toBeGreaterThan(listening.length));
      const handler = process.listeners(signal).find((listener) => !listening.includes(listener)) as (signal: string) => void;
      expect(() => handler(signal)).toThrow(Ended);
      expect(stderr).toBe(`bbgov: interrupted by ${signal} while the files were checked: 0 of 2 file(s) written (fleet)\n`);
      // (The real process ends here; the stub lets this one go on: an empty script, which changes nothing.)
      release();
      await run;
    } finally {
      kill.mockRestore();
      exit.mockRestore();
      process.chdir(previous);
    }
    expect(["a", "b"].map((name) => fs.readFileSync(box.path(`nodes/${name}.json`)))).toEqual(before);
    // Its handlers are gone with the command.
    expect(process.listeners(signal)).toEqual(listening);
  });
});
