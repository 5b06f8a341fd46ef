/** Help and suggestions: prefixes first, unknown help topics, global options in command help, wrapping, long tables. */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli, EXAMPLE, tempDir } from "./terminal-helpers.js";

const root = tempDir("bbgov-help-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("bbgov help help (review 12)", () => {
  it("prints the program's help, which lists help among the commands, not 'unknown command help'", async () => {
    const result = await cli(["help", "help"]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe((await cli(["--help"])).stdout);
  });
});

describe("unknown commands", () => {
  it.each([
    ["insp", "unknown command 'insp' (did you mean inspect?)"],
    ["chek", "unknown command 'chek' (did you mean check?)"],
    ["in", "unknown command 'in' (did you mean init or inspect?)"],
    ["xyzzy", "unknown command 'xyzzy' (see bbgov --help)"],
  ])("%s", async (word, message) => {
    const result = await cli([word]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it("bbgov nosuch --help says the command is unknown, not the whole program's help with exit 0 (found by a review)", async () => {
    for (const argv of [
      ["nosuch", "--help"],
      ["--json", "-s", EXAMPLE, "insp", "-h"],
      ["--lock-timeout", "1s", "nosuch", "--help"],
    ]) {
      const result = await cli(argv);
      expect(result.status, argv.join(" ")).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/^bbgov: unknown command '(nosuch|insp)'/);
    }
    // An option's value is no command: the whole program's help, as before.
    for (const argv of [["-s", "nosuch.json", "--help"], ["--help"]]) {
      const result = await cli(argv);
      expect(result.status, argv.join(" ")).toBe(0);
      expect(result.stdout).toMatch(/^Usage: bbgov \[options\] \[command\]/);
    }
  });

  it("bbgov help nosuch says the command is unknown", async () => {
    const result = await cli(["help", "nosuch"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("bbgov: unknown command 'nosuch' (see bbgov --help)\n");
  });
});

describe("help text", () => {
  it("command help lists the global options", async () => {
    const result = await cli(["fail", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Global Options:");
    expect(result.stdout).toMatch(/-s, --snapshot <file>/);
    expect(result.stdout).toMatch(/--json/);
  });

  it("every command's help fits 80 columns, its examples too (found by an adversarial run)", async () => {
    const main = (await cli(["--help"], { tty: true, columns: 80 })).stdout;
    const commands = [...main.slice(main.indexOf("Commands:")).matchAll(/^ {2}([a-z]+) /gm)].map((match) => match[1] as string);
    expect(commands).toContain("validate");
    for (const command of commands) {
      const help = await cli([command, "--help"], { tty: true, columns: 80 });
      for (const line of help.stdout.split("\n")) expect([...line].length, `${command}: ${line}`).toBeLessThanOrEqual(80);
    }
  });

  it.each([80, 60])("at %i columns no line is wider and no word is broken", async (columns) => {
    const wide = (await cli(["--help"], { tty: true, columns: 1000 })).stdout;
    const narrow = await cli(["--help"], { tty: true, columns });
    for (const line of narrow.stdout.split("\n")) expect([...line].length, line).toBeLessThanOrEqual(columns);
    const words = (text: string): string[] => text.split(/\s+/).filter((word) => word !== "");
    expect(words(narrow.stdout.slice(narrow.stdout.indexOf("Times:")))).toEqual(words(wide.slice(wide.indexOf("Times:"))));
  });
});

describe("long event tables", () => {
  it("keep the first, PeerDown and last rows with a count of the hidden ones; --all-rows shows all", async () => {
    const file = path.join(fs.mkdtempSync(path.join(root, "t-")), "governor.json");
    fs.copyFileSync(EXAMPLE, file);
    const result = await cli(["-s", file, "--dry-run", "fail", "12D3KooWPFD8", "--times", "1000", "--every", "10ms"], {
      tty: true,
      columns: 80,
    });
    expect(result.status).toBe(0);
    const rows = result.stdout.split("\n").filter((line) => /^│\s+\d+ │/.test(line));
    expect(rows.map((row) => Number(/\d+/.exec(row)?.[0]))).toEqual([1, 2, 3, 5, 998, 999, 1000]);
    expect(rows[3]).toContain("PeerDown");
    expect(result.stdout).toContain("993 of 1000 rows hidden");
    const args = ["-s", file, "--dry-run", "fail", "12D3KooWPFD8", "--times", "1000", "--every", "10ms"];
    const all = await cli([...args, "--all-rows"], { tty: true, columns: 80 });
    expect(all.stdout.split("\n").filter((line) => /^│\s+\d+ │/.test(line))).toHaveLength(1000);
    expect(all.stdout).not.toContain("hidden");
  });

  it("are whole in a pipe: one row per failure, as the contract says (review 17: a pipe got 7 of 30)", async () => {
    const file = path.join(fs.mkdtempSync(path.join(root, "t-")), "governor.json");
    fs.copyFileSync(EXAMPLE, file);
    const piped = await cli(["-s", file, "--dry-run", "fail", "12D3KooWPFD8", "--times", "30"]);
    const numbers = piped.stdout
      .split("\n")
      .filter((line) => /^│\s+\d+ │/.test(line))
      .map((row) => Number(/\d+/.exec(row)?.[0]));
    expect(numbers).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    expect(piped.stdout).not.toContain("hidden");
    // --no-trunc on a terminal too.
    const whole = await cli(["-s", file, "--no-trunc", "--dry-run", "fail", "12D3KooWPFD8", "--times", "30"], { tty: true, columns: 80 });
    expect(whole.stdout.split("\n").filter((line) => /^│\s+\d+ │/.test(line))).toHaveLength(30);
  });
});
