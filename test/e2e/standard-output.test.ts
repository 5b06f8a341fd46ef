/**
 * Standard output written straight to its descriptor (src/cli/io/output.ts),
 * in a real child process: a slow reader of a non-blocking pipe gets every
 * byte in order (the writes that would block go through Node's stream), a
 * file gets the text as written, and what bbgov prints to a pipe, a file and
 * /dev/null is the same.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { BIN } from "./helpers.js";

const OUTPUT = fileURLToPath(new URL("../../dist/cli/io/output.js", import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-stdout-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A child that writes `count` numbered lines of 1 kB through StandardOutput, after making its pipe non-blocking. */
function writer(count: number, nonBlocking: boolean): string {
  return `
    import { StandardOutput } from ${JSON.stringify(OUTPUT)};
    ${nonBlocking ? "process.stdout;" : ""}
    const out = new StandardOutput(1, () => process.stdout, (error) => {
      process.stderr.write("fault " + error.code + "\\n");
      process.exit(3);
    });
    for (let i = 0; i < ${count}; i++) out.write(String(i).padStart(8, "0") + "x".repeat(1015) + "\\n");
  `;
}

function expectLines(text: string, count: number): void {
  const lines = text.split("\n");
  expect(lines.pop()).toBe("");
  expect(lines).toHaveLength(count);
  lines.forEach((line, i) => {
    expect(line.slice(0, 8)).toBe(String(i).padStart(8, "0"));
    expect(line.length).toBe(1023);
  });
}

describe("standard output on a descriptor", () => {
  it("a slow reader of a non-blocking pipe gets every byte, in order", async () => {
    // process.stdout on a pipe makes the descriptor non-blocking: 2 MB outrun the pipe, so writes would block.
    const child = spawn(process.execPath, ["--input-type=module", "-e", writer(2048, true)], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.resume();
    const status = await new Promise((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expectLines(Buffer.concat(chunks).toString(), 2048);
  });

  it("a blocking pipe and a file get the text as written", () => {
    const piped = spawnSync(process.execPath, ["--input-type=module", "-e", writer(300, false)], { encoding: "utf8" });
    expect(piped.stderr).toBe("");
    expectLines(piped.stdout, 300);
    const file = path.join(root, "out.txt");
    const fd = fs.openSync(file, "w");
    try {
      const toFile = spawnSync(process.execPath, ["--input-type=module", "-e", writer(300, false)], {
        stdio: ["ignore", fd, "pipe"],
        encoding: "utf8",
      });
      expect(toFile.stderr).toBe("");
    } finally {
      fs.closeSync(fd);
    }
    expectLines(fs.readFileSync(file, "utf8"), 300);
  });

  it("bbgov prints the same to a pipe, a file and /dev/null (its exit code and standard error alike)", () => {
    const dir = fs.mkdtempSync(path.join(root, "t-"));
    const run = (stdout: "pipe" | number) =>
      spawnSync(process.execPath, [BIN, "--json", "inspect"], {
        cwd: dir,
        stdio: ["ignore", stdout, "pipe"],
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
    expect(spawnSync(process.execPath, [BIN, "-q", "init"], { cwd: dir }).status).toBe(0);
    const piped = run("pipe");
    expect(piped.status).toBe(0);
    const file = path.join(dir, "report.json");
    const fd = fs.openSync(file, "w");
    const devNull = fs.openSync("/dev/null", "w");
    try {
      const toFile = run(fd);
      const toNull = run(devNull);
      expect([toFile.status, toFile.stderr, toNull.status, toNull.stderr]).toEqual([0, "", 0, ""]);
    } finally {
      fs.closeSync(fd);
      fs.closeSync(devNull);
    }
    expect(fs.readFileSync(file, "utf8")).toBe(piped.stdout);
    expect(JSON.parse(piped.stdout)).toHaveProperty("peers");
  });
});
