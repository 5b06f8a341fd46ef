/**
 * The built bin in a real pseudo-terminal (util-linux `script`), at 80 and
 * 120 columns: no line of default output may be wider than the terminal.
 * The dozen commands of each width run one after another in one process
 * in that terminal, through the bundle's `execute` with the process's own
 * streams (what bin/bbgov.js runs), rather than a process start each; the
 * width tests and the watch run bin/bbgov.js itself.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";

const BIN = fileURLToPath(new URL("../../bin/bbgov.js", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../../dist/bundle/bbgov.cjs", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../../fixtures/example.json", import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-pty-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Single-quotes a word for sh. */
function sh(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** Runs `command` (sh) in a pseudo-terminal `columns` wide; returns what the terminal showed, colours removed. */
function terminalText(columns: number, command: string): string {
  const result = spawnSync("script", ["-qfec", `stty cols ${columns} rows 40; ${command}`, "/dev/null"], {
    encoding: "utf8",
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm-256color", HOME: dir },
  });
  expect(result.error).toBeUndefined();
  return result.stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
}

/** The lines of a terminal's text. */
function linesOf(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.replace(/\r/g, ""));
}

/** Runs the built bin in a pseudo-terminal `columns` wide; returns what the terminal showed, colours removed, line by line. */
function inTerminal(columns: number, args: readonly string[]): string[] {
  return linesOf(terminalText(columns, `exec ${sh(process.execPath)} ${sh(BIN)} ${args.map(sh).join(" ")}`));
}

/** Marks where each run starts in the shared terminal's text (a control character no output holds). */
const START = "\u0001run\u0001";

/**
 * A script that runs each argv of its JSON argument in turn through the bundle's `execute`, with the
 * process's own streams and environment (as bin/bbgov.js's `run` does), each after a START line.
 */
const DRIVER = `
  const { execute } = require(${JSON.stringify(BUNDLE)});
  const io = { stdout: process.stdout, stderr: process.stderr, stdin: (async function* () {})(), env: process.env };
  (async () => {
    for (const args of JSON.parse(process.argv[1])) {
      process.stdout.write(${JSON.stringify(`${START}\n`)});
      await execute(args, io);
    }
  })();`;

/** Runs every argv of `runs` in turn in one process in a pseudo-terminal `columns` wide; returns each run's lines. */
function allInOneTerminal(columns: number, runs: readonly (readonly string[])[]): string[][] {
  const text = terminalText(columns, `exec ${sh(process.execPath)} -e ${sh(DRIVER)} ${sh(JSON.stringify(runs))}`);
  const outputs = text.split(`${START}\r\n`).slice(1);
  expect(outputs).toHaveLength(runs.length);
  return outputs.map(linesOf);
}

const snapshot = path.join(dir, "governor.json");
fs.copyFileSync(EXAMPLE, snapshot);

const COMMANDS: readonly (readonly string[])[] = [
  ["inspect"],
  ["inspect", "--sort", "failures", "--at", "2025-11-24T16:00:30Z"],
  ["check", "12D3KooWJj"],
  ["check", "QmZn"],
  ["--dry-run", "fail", "QmZn", "--times", "4", "--every", "1s"],
  ["--dry-run", "fail", "12D3KooWPFD8", "--times", "1000", "--every", "10ms"],
  ["--dry-run", "advise", "12D3KooWJA", "5s"],
  ["--help"],
  ["fail", "--help"],
  ["inspect", "--help"],
  ["import", "--help"],
  ["validate"],
];

describe.each([80, 120])("a terminal %i columns wide", (columns) => {
  let outputs: string[][] | undefined;
  it.each(COMMANDS.map((args, index) => [args.join(" "), index] as const))("%s: no line is wider", (_, index) => {
    outputs ??= allInOneTerminal(
      columns,
      COMMANDS.map((args) => ["-s", "governor.json", ...args]),
    );
    const lines = outputs[index] as string[];
    expect(lines.join("\n")).not.toContain("bbgov: ");
    const widest = Math.max(...lines.map((line) => [...line].length));
    expect(
      widest,
      lines.find((line) => [...line].length === widest),
    ).toBeLessThanOrEqual(columns);
    expect(lines.filter((line) => line.trim() !== "").length).toBeGreaterThan(0);
  });
});

describe("the width decides what is shown", () => {
  it("80 columns: short peer ids; 120 columns: more columns; --no-trunc: everything", () => {
    const narrow = inTerminal(80, ["-s", snapshot, "inspect"]).join("\n");
    expect(narrow).toContain("12D3KooW…a7Ci4");
    expect(narrow).not.toContain("LAST EVENT");
    const wide = inTerminal(120, ["-s", snapshot, "inspect"]).join("\n");
    expect(wide).toContain("LAST EVENT");
    expect(wide).toContain("ATTEMPTS");
    const all = inTerminal(80, ["-s", snapshot, "--no-trunc", "inspect"]).join("\n");
    expect(all).toContain("12D3KooWJATkUcKJHbbtK22skXSBCUAtjkCg9z6NVDz3wX4a7Ci4");
    expect(all).toMatch(/\(\d\d:\d\d:\d\d\.\d{3}\)/);
  });
});

/** Resolves once `check` holds for the text seen so far (polling; the test's own timeout bounds the wait). */
async function until(read: () => string, check: (text: string) => boolean): Promise<string> {
  for (;;) {
    const text = read();
    if (check(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * `command` run by `sh` in a pseudo-terminal (`script`) in the test folder: its child, what it has printed so far,
 * and its exit code once it ends. A test that fails or times out leaves no watcher running (script ends its session
 * on SIGTERM).
 */
function inPseudoTerminal(command: string): {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm-256color", HOME: dir },
    stdio: ["pipe", "pipe", "pipe"],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  });
  let seen = "";
  child.stdout.on("data", (chunk: Buffer) => (seen += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => seen, exited };
}

describe("inspect --watch in a pseudo-terminal", () => {
  it("redraws after an atomic rename, fits 80 columns, and Ctrl-C exits cleanly", { timeout: 30_000 }, async () => {
    const file = path.join(dir, "watched.json");
    fs.copyFileSync(EXAMPLE, file);
    // The file by its name in the terminal's folder: the footer (`watching <file> every 20 ms; Ctrl-C quits`) must fit
    // 80 columns whole, however long the path of the temporary folder.
    const command = `stty cols 80 rows 30; exec ${sh(process.execPath)} ${sh(BIN)} -s watched.json inspect --watch --interval 20ms`;
    const { child, output, exited } = inPseudoTerminal(command);
    const frames = (text: string): string[] => text.split("\u001b[2J").slice(1);
    await until(output, (text) => frames(text).some((frame) => frame.includes("Ctrl-C quits")));
    expect(frames(output()).join("")).not.toContain("blocked 3");
    // A host rewrites its snapshot: a new file renamed over the old one.
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { peer_governor: { blocklist: string[] } };
    doc.peer_governor.blocklist.push("QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4");
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
    fs.renameSync(`${file}.tmp`, file);
    const after = await until(output, (text) => frames(text).some((frame) => frame.includes("3 blocked")));
    child.stdin.write("\u0003");
    expect(await exited).toBe(0);
    // Each frame starts at the top left of a cleared screen: measure them one by one.
    for (const frame of frames(after)) {
      const lines = frame
        .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "")
        .split(/\r?\n/)
        .map((line) => line.replace(/\r/g, ""));
      expect(Math.max(...lines.map((line) => [...line].length)), frame).toBeLessThanOrEqual(80);
    }
    expect(output()).not.toContain("bbgov: ");
  });
});

describe("inspect --watch fits a pseudo-terminal's height", () => {
  it("20 rows: the table gets what the rest leaves, and the frame is no taller", { timeout: 30_000 }, async () => {
    // 40 peers: more rows than the window has.
    const health = Array.from({ length: 40 }, (_, n) => ({
      peer: PeerId.fromU64(BigInt(n)).text,
      consecutive_failures: 1,
      last_event_ns: "1764000000000000000",
      down: false,
    }));
    fs.writeFileSync(path.join(dir, "tall.json"), JSON.stringify({ spec_version: 1, peer_governor: { health } }));
    const command = `stty cols 80 rows 20; exec ${sh(process.execPath)} ${sh(BIN)} -s tall.json --no-color inspect --watch --interval 1h`;
    const { child, output, exited } = inPseudoTerminal(command);
    const text = await until(output, (shown) => shown.includes("Ctrl-C quits"));
    child.stdin.write("\u0003");
    expect(await exited).toBe(0);
    const frame = text.slice(text.lastIndexOf("\u001b[3J") + "\u001b[3J".length, text.indexOf("Ctrl-C quits"));
    const lines = frame.split(/\r?\n/);
    expect(lines).toHaveLength(20);
    expect(frame).toMatch(/\d+ more row\(s\) not shown \(window too short\)/);
  });
});

describe("inspect --watch ended by SIGTERM or SIGHUP", () => {
  it.each(["SIGTERM", "SIGHUP"] as const)(
    "%s: the cursor is shown again, then the process ends by the signal",
    { timeout: 30_000 },
    async (signal) => {
      const file = path.join(dir, `watched-${signal}.json`);
      fs.copyFileSync(EXAMPLE, file);
      const pidFile = path.join(dir, `watch-${signal}.pid`);
      // The shell's pid is the watcher's once it execs: the signal goes to bbgov itself (as `timeout` sends it).
      const command = `stty cols 100 rows 30; echo $$ > ${sh(pidFile)}; exec ${sh(process.execPath)} ${sh(BIN)} -s ${sh(path.basename(file))} inspect --watch --interval 1h`;
      const { output, exited } = inPseudoTerminal(command);
      await until(output, (text) => text.includes("Ctrl-C quits"));
      process.kill(Number(fs.readFileSync(pidFile, "utf8").trim()), signal);
      await exited;
      const seen = output();
      expect(seen).toContain("\u001b[?25l");
      expect(seen.slice(seen.lastIndexOf("Ctrl-C quits"))).toContain("\u001b[?25h");
    },
  );
});

describe("standard input from a terminal", () => {
  it("apply at a prompt says it reads the terminal and how to end (not under -q; a pipe gets no such line)", () => {
    const file = path.join(dir, "typed.json");
    fs.copyFileSync(EXAMPLE, file);
    const HINT = "bbgov: reading standard input from the terminal; end it with Ctrl-D";
    const typed = (quiet: string, line: string): string[] => {
      const result = spawnSync("script", ["-qfec", `exec ${sh(process.execPath)} ${sh(BIN)} -s ${sh(file)} ${quiet} apply`, "/dev/null"], {
        input: `${line}\n\u0004`,
        encoding: "utf8",
        cwd: dir,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "dumb", HOME: dir, NO_COLOR: "1" },
      });
      expect(result.error).toBeUndefined();
      return linesOf(result.stdout);
    };
    expect(typed("-q", "threshold 2")).not.toContain(HINT);
    expect(typed("", "threshold 3")).toContain(HINT);
    expect(
      (JSON.parse(fs.readFileSync(file, "utf8")) as { peer_governor: { failure_threshold: number } }).peer_governor.failure_threshold,
    ).toBe(3);
    const piped = spawnSync(process.execPath, [BIN, "-s", file, "-q", "apply"], { input: "threshold 4\n", encoding: "utf8" });
    expect(piped).toMatchObject({ status: 0, stdout: "", stderr: "" });
  });
});
