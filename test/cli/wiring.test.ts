/**
 * CLI wiring, in process: argv in, exit code and output out, through
 * `execute` with fake streams and a temporary snapshot. No process is spawned.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { COMMAND_MODULES, loadCommand } from "../../src/cli/commands/index.js";
import { COMMANDS } from "../../src/cli/program.js";
import { cli, type Result } from "./helpers.js";

const P = "16uZAbWC1AJvL";
const Q = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
const ANSI = /\u001b\[/;
const version = (JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

const root = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-wiring-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let dir = "";
let file = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(root, "t-"));
  file = path.join(dir, "governor.json");
});

/** A snapshot at `file` with a clock and, optionally, a few commands applied. */
async function fixture(...commands: string[][]): Promise<string> {
  expect((await cli(["-s", file, "-q", "init", "--clock", "1000"])).status).toBe(0);
  for (const command of commands) expect((await cli(["-s", file, "-q", ...command])).status).toBe(0);
  return fs.readFileSync(file, "utf8");
}

/** Asserts the contract's error shape: exit 2, one `bbgov: ` line on stderr, nothing on stdout. */
function expectUsageError(result: Result, fragment: string): void {
  expect(result.status).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(/^bbgov: [^\n]+\n$/);
  expect(result.stderr).toContain(fragment);
}

describe("commands: argv to exit code and output", () => {
  it("init writes a snapshot and reports it", async () => {
    const result = await cli(["-s", file, "init", "--threshold", "3", "--clock", "1000000000"]);
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(result.stdout).toContain("new snapshot");
    expect(result.stdout).toContain(`wrote ${file}`);
    const written = JSON.parse(fs.readFileSync(file, "utf8")) as { clock_ns: string; peer_governor: { failure_threshold: number } };
    expect(written.clock_ns).toBe("1000000000");
    expect(written.peer_governor.failure_threshold).toBe(3);
  });

  it("check exits 0 when allowed and 1 when denied", async () => {
    await fixture();
    const allowed = await cli(["-s", file, "--json", "check", P]);
    expect(allowed.status).toBe(0);
    expect(JSON.parse(allowed.stdout)).toEqual({
      peer: P,
      at_ns: "1000",
      inbound: { decision: "allow", reason: null, retry_ns: null },
      outbound: { decision: "allow", reason: null, retry_ns: null },
    });
    await cli(["-s", file, "-q", "block", P]);
    const denied = await cli(["-s", file, "check", P]);
    expect(denied.status).toBe(1);
    expect(denied.stdout).toContain("blocklisted");
  });

  it("fail reports each event in --json", async () => {
    await fixture();
    const result = await cli(["-s", file, "--json", "fail", P, "--times", "2", "--every", "1us"]);
    expect(result.status).toBe(0);
    const doc = JSON.parse(result.stdout) as { command: string; written: boolean; events: { at_ns: string }[] };
    expect(doc.command).toBe("fail");
    expect(doc.written).toBe(true);
    expect(doc.events.map((event) => event.at_ns)).toEqual(["1000", "2000"]);
  });

  it("a mutating command reports on stdout and a warning on stderr", async () => {
    await fixture();
    const result = await cli(["-s", file, "threshold", "0"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("failure threshold 5 -> 1");
    expect(result.stderr).toBe("bbgov: warning: a failure threshold of 0 becomes 1 (the upstream clamp)\n");
  });

  it("-q prints nothing; --json ignores colour even when forced", async () => {
    await fixture();
    expect(await cli(["-s", file, "-q", "block", Q])).toEqual({ status: 0, stdout: "", stderr: "" });
    const json = await cli(["-s", file, "--json", "inspect"], { env: { FORCE_COLOR: "3" }, tty: true });
    expect(json.stdout).not.toMatch(ANSI);
    expect((await cli(["-s", file, "inspect"], { env: { FORCE_COLOR: "1" } })).stdout).toMatch(ANSI);
    expect((await cli(["-s", file, "--no-color", "inspect"], { env: { FORCE_COLOR: "1" } })).stdout).not.toMatch(ANSI);
  });

  it("BBGOV_SNAPSHOT names the snapshot when -s is absent", async () => {
    await fixture();
    const result = await cli(["--json", "clock"], { env: { BBGOV_SNAPSHOT: file } });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ clock_ns: "1000" });
  });

  it("-s - reads stdin, writes the snapshot to stdout and messages to stderr", async () => {
    const original = await fixture();
    const result = await cli(["-s", "-", "block", P], { input: original });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ peer_governor: { blocklist: [P] } });
    expect(result.stderr).toContain(`${P} blocked`);
  });
});

describe("usage errors: exit 2, one line, snapshot untouched", () => {
  it.each([
    [["bogus"], "unknown command 'bogus'"],
    [["inspect", "--bogus"], "unknown option '--bogus'"],
    [["--bogus", "inspect"], "unknown option '--bogus'"],
    [["fail"], "missing required argument 'peer'"],
    [["advise", P], "missing required argument 'dur'"],
    [["block", "not-a-peer"], 'invalid peer id "not-a-peer"'],
    [["fail", "0OIl"], "invalid peer id"],
    [["fail", P, "--at", "soon"], 'invalid time "soon"'],
    [["fail", P, "--after", "-1s"], "invalid duration"],
    [["fail", P, "--at", "1", "--after", "1s"], "cannot be used with option '--after"],
    [["fail", P, "--times", "0"], 'invalid number "0"'],
    [["fail", P, "--times", "1000001"], "1 to 1000000"],
    [["threshold", "4294967296"], "invalid number"],
    [["threshold", "-1"], 'invalid number "-1"'],
    [["check", P, "--inbound", "--outbound"], "cannot be used with option '--outbound'"],
    [["inspect", "--sort", "size"], "Allowed choices are peer, failures, last-event, next-retry, attempts"],
    [["block", P, "extra", "--at", "1"], "unknown option '--at'"],
    [["threshold", "3", "4"], "too many arguments"],
    [["clock", "--set", "1", "--advance", "1s"], "cannot be used with"],
    [["backoff", "--attempts", "3"], "--attempts goes with --plan"],
    [["unblock"], "name at least one PEER, or --all"],
    [["reset", "--all", P], "give peers or --all, not both"],
    [["allow", "--open", P], "give peers or --open, not both"],
    [["-o", "x.json", "inspect"], "--out is for commands that "],
  ])("%j: %s", async (args, fragment) => {
    const original = await fixture();
    expectUsageError(await cli(["-s", file, ...args]), fragment);
    expect(fs.readFileSync(file, "utf8")).toBe(original);
  });

  it("names the command's help in the hint", async () => {
    await fixture();
    expect((await cli(["-s", file, "fail", P, "--every"])).stderr).toContain("(see bbgov fail --help)");
    expect((await cli(["-s", file, "bogus"])).stderr).toContain("(see bbgov --help)");
  });

  it("a missing snapshot is an error that suggests init", async () => {
    expectUsageError(await cli(["-s", path.join(dir, "missing.json"), "inspect"]), "create one with `bbgov init`");
  });

  it("init refuses to replace a file without --force", async () => {
    const original = await fixture(["block", P]);
    expectUsageError(await cli(["-s", file, "init"]), "already exists; add --force");
    expect(fs.readFileSync(file, "utf8")).toBe(original);
    expect((await cli(["-s", file, "-q", "init", "--force"])).status).toBe(0);
    expect(fs.readFileSync(file, "utf8")).not.toContain(P);
  });

  it("never prints a stack trace unless BBGOV_DEBUG=1", async () => {
    fs.writeFileSync(file, '{"spec_version": 2}\n');
    const quiet = await cli(["-s", file, "inspect"]);
    expect(quiet.status).toBe(2);
    expect(quiet.stderr).not.toContain("    at ");
    const debug = await cli(["-s", file, "inspect"], { env: { BBGOV_DEBUG: "1" } });
    expect(debug.status).toBe(2);
    expect(debug.stderr.split("\n")[0]).toBe(quiet.stderr.trimEnd());
    expect(debug.stderr).toContain("    at ");
  });
});

describe("help and version", () => {
  it.each([[["--help"]], [["-h"]], [["help"]], [["fail", "--help"]], [["help", "fail"]], [["apply", "-h"]]])(
    "%j exits 0 with examples",
    async (args) => {
      const result = await cli(args);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("Examples:");
      expect(result.stdout).toContain("Usage: bbgov");
      expect(result.stderr).toBe("");
    },
  );

  it("global help explains times and exit codes", async () => {
    const { stdout } = await cli(["--help"]);
    expect(stdout).toContain("Exit codes: 0 success, 1 a negative answer");
    expect(stdout).toContain("ns, us, ms, s, m, h, d");
    for (const name of [
      "init",
      "inspect",
      "block",
      "unblock",
      "allow",
      "disallow",
      "fail",
      "succeed",
      "advise",
      "check",
      "threshold",
      "backoff",
      "clock",
      "reset",
      "validate",
      "diff",
      "apply",
    ]) {
      expect(stdout).toMatch(new RegExp(`\\n  ${name} `));
    }
  });

  it.each([[["--version"]], [["-V"]]])("%j prints the package version", async (args) => {
    expect(await cli(args)).toEqual({ status: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("no command at all is a usage error", async () => {
    const result = await cli([]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("bbgov: no command given (see bbgov --help)\n");
  });
});

describe("the command table and the command modules", () => {
  it("have the same commands, each module with an execute", async () => {
    expect([...COMMAND_MODULES].sort()).toEqual(COMMANDS.map((spec) => spec.name).sort());
    for (const name of COMMAND_MODULES) expect(typeof (await loadCommand(name)).execute, name).toBe("function");
    expect(() => loadCommand("frobnicate")).toThrow("invariant: no module for the command frobnicate");
  });
});
