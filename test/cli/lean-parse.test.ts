/**
 * `main` parses a run that names a command with commander holding that one
 * command alone, and again with the whole program when that parse is not
 * clean. Runs where the two could differ (a file named like a command, help,
 * version, errors that list or suggest commands) give the whole program's
 * answer.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { L, M, sandboxes } from "./helpers.js";

const EXAMPLE = fileURLToPath(new URL("../../fixtures/example.json", import.meta.url));
const sandbox = sandboxes();

describe("a run that names a command", () => {
  it("a snapshot file named like a command is still the -s value", async () => {
    const box = sandbox();
    fs.copyFileSync(EXAMPLE, path.join(box.dir, "inspect"));
    const result = await box.run(["-s", "inspect", "-q", "block", M]);
    expect(result).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(box.read("inspect")).toContain(M);
    const check = await box.run(["-s", "inspect", "check", M]);
    expect(check.status).toBe(1);
  });

  it("help, version and commander's errors come from the whole program", async () => {
    const box = sandbox();
    fs.copyFileSync(EXAMPLE, path.join(box.dir, "governor.json"));
    const help = await box.run(["block", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: bbgov block");
    expect((await box.run(["--help", "block"])).stdout).toContain("Commands:");
    expect((await box.run(["-V", "block"])).stdout).toMatch(/^\d+\.\d+\.\d+/);
    const unknown = await box.run(["blok", L]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^bbgov: .*blok/);
    const extra = await box.run(["fail", L, "block"]);
    expect(extra.status).toBe(2);
    expect(extra.stderr).toMatch(/^bbgov: /);
    expect(extra.stdout).toBe("");
  });
});
