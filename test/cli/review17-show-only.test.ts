/**
 * Review 17: `clock` and `backoff` with nothing to set (`backoff --plan` too)
 * only show, so they take no lock, as across a fleet (fleet/run.ts): no lock
 * file is made beside a snapshot that was only looked at, and another
 * writer's lock does not hold them up. With `-o` they write a copy, under
 * the lock as before.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { cli, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

describe("a command that only shows takes no lock", () => {
  it.each([[["clock"]], [["backoff"]], [["backoff", "--plan", "--attempts", "2"]], [["--json", "clock"]]])(
    "%j: no lock file, the file unchanged",
    async (args) => {
      const box = sandbox();
      await box.build();
      fs.rmSync(box.path("governor.json.lock"));
      const before = box.read();
      await box.ok(args);
      expect(fs.readdirSync(box.dir)).toEqual(["governor.json"]);
      expect(box.read()).toBe(before);
    },
  );

  it("a node snapshot shown with --host-backoff leaves no lock file", async () => {
    const box = sandbox();
    fs.copyFileSync(new URL("../../fixtures/node/small.bin", import.meta.url), box.path("node.snap"));
    const result = await cli(["-s", box.path("node.snap"), "--host-backoff", "20ms,30s", "backoff"]);
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(result.stdout).toBe("backoff base 20 ms (20000000 ns), max 30 s (30000000000 ns)\n");
    expect(fs.readdirSync(box.dir)).toEqual(["node.snap"]);
  });

  it("with -o it still writes the copy, and setting still locks", async () => {
    const box = sandbox();
    await box.build();
    await box.ok(["-o", "copy.json", "clock"]);
    expect(fs.readFileSync(box.path("copy.json"), "utf8")).toBe(box.read());
    fs.rmSync(box.path("governor.json.lock"), { force: true });
    await box.ok(["clock", "--advance", "1s"]);
    expect(fs.existsSync(box.path("governor.json.lock"))).toBe(true);
  });
});
