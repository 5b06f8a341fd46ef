/**
 * Review 13: a read-only fleet of pipes (`-s <(...)`, a FIFO) with a PEER prefix. The prefix is resolved over every
 * file first, which read each pipe; the command then read it again and found it empty: "the document is empty" for
 * every such file, "none of the N file(s) could be read".
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sandboxes } from "./helpers.js";

const sandbox = sandboxes();
const FIXTURES = path.resolve(__dirname, "../../fixtures");
const writers: ChildProcess[] = [];

afterEach(() => {
  for (const writer of writers.splice(0)) writer.kill();
});

/** Two FIFOs, each with a writer that sends a fixture once (`cat FILE > FIFO`), as a shell's `<(cat FILE)`. */
function pipes(box: ReturnType<typeof sandbox>): string[] {
  return ["node/small.bin", "example.json"].map((fixture, index) => {
    const fifo = box.path(`pipe${index}`);
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    writers.push(spawn("sh", ["-c", 'exec cat "$0" > "$1"', path.join(FIXTURES, fixture), fifo], { stdio: "ignore" }));
    return fifo;
  });
}

describe("a read-only fleet of pipes with a PEER prefix reads each pipe once", () => {
  it("check PREFIX", async () => {
    const box = sandbox();
    const [a, b] = pipes(box) as [string, string];
    const result = await box.run(["--json", "-s", a, "-s", b, "check", "16uZAbWC1A"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const doc = JSON.parse(result.stdout) as { peer: string; nodes: { path: string; kind: string; seen: boolean }[] };
    expect(doc.peer).toBe("16uZAbWC1AtVc");
    expect(doc.nodes.map((node) => [node.path, node.kind, node.seen])).toEqual([
      ["pipe0", "node-snapshot", true],
      ["pipe1", "bbgov-json", false],
    ]);
  }, 10_000); // without the fix the second read of a FIFO waits for a writer that is gone

  it("inspect PREFIX", async () => {
    const box = sandbox();
    const [a, b] = pipes(box) as [string, string];
    const result = await box.run(["--json", "-s", a, "-s", b, "inspect", "16uZAbWC1A"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const doc = JSON.parse(result.stdout) as { summary: { nodes: number; unreadable: number }; peers: { peer: string }[] };
    expect(doc.summary).toMatchObject({ nodes: 2, unreadable: 0 });
    expect(doc.peers.map((peer) => peer.peer)).toEqual(["16uZAbWC1AtVc"]);
    expect(fs.readdirSync(box.dir).sort()).toEqual(["pipe0", "pipe1"]);
  }, 10_000);

  it("a usage error is said at once, not after waiting for a pipe's writer", async () => {
    const box = sandbox();
    expect(spawnSync("mkfifo", [box.path("pipe")]).status).toBe(0);
    fs.copyFileSync(path.join(FIXTURES, "example.json"), box.path("a.json"));
    // No writer: a read of the pipe would wait for ever.
    const result = await box.run(["-s", "pipe", "-s", "a.json", "inspect", "--at", "now"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^bbgov: --at is for one snapshot; /);
  }, 10_000);
});
