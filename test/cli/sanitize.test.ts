/**
 * Untrusted text on its way to a terminal: escape sequences and bidi
 * characters from each source (file names, lock file fields, script lines and
 * comments, JSON parse errors, commander's errors, --json documents) arrive
 * escaped. In process, through `execute`.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { cli } from "./run.js";
import { renderJson } from "../../src/cli/render/json.js";
import { sanitize } from "../../src/cli/render/sanitize.js";

const P = "16uZAbWC1AJvL";
/** Clear screen, OSC 52 (set the clipboard), a C1 CSI, a right-to-left override. */
const EVIL = "\u001b[2J\u001b]52;c;cm0gLXJmIH4=\u0007\u009b31m\u202e";
const SHOWN = "\\x1b[2J\\x1b]52;c;cm0gLXJmIH4=\\x07\\x9b31m\\u202e";
/** Anything a terminal acts on, other than a line break. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

const root = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-sanitize-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let dir = "";
let file = "";
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(root, "t-"));
  file = path.join(dir, "governor.json");
  expect((await cli(["-s", file, "-q", "init"])).status).toBe(0);
});

function expectEscaped(text: string, shown = SHOWN): void {
  expect(text).not.toMatch(RAW);
  expect(text).toContain(shown);
}

describe("the sanitiser", () => {
  it("escapes C0, DEL, C1 and bidi/invisible characters and nothing else", () => {
    expect(sanitize(EVIL)).toBe(SHOWN);
    expect(sanitize("a\u007fb\u200bc\u2066d\ufeff")).toBe("a\\x7fb\\u200bc\\u2066d\\ufeff");
    expect(sanitize("plain é 名前 ✓ -_./:")).toBe("plain é 名前 ✓ -_./:");
  });
});

describe("every source arrives escaped", () => {
  it("file names, in errors and in reports", async () => {
    const missing = await cli(["-s", path.join(dir, `x${EVIL}.json`), "inspect"]);
    expect(missing.status).toBe(2);
    expectEscaped(missing.stderr);
    const named = path.join(dir, `n${EVIL}.json`);
    fs.copyFileSync(file, named);
    const report = await cli(["-s", named, "block", P]);
    expect(report.status).toBe(0);
    expectEscaped(report.stdout);
    const json = await cli(["--json", "-s", named, "validate"]);
    expect(json.stdout).not.toMatch(RAW);
    expect((JSON.parse(json.stdout) as { source: string }).source).toBe(sanitize(named));
    // Whatever else a --json document carries: C1 and bidi characters as JSON escapes, the same string to a parser.
    const document = renderJson({ text: EVIL });
    expect(document).not.toMatch(RAW);
    expect(JSON.parse(document)).toEqual({ text: EVIL });
  });

  it("lock file fields", async () => {
    const native = createRequire(import.meta.url)("fs-native-extensions") as { tryLock(fd: number): boolean };
    const fd = fs.openSync(`${file}.lock`, "r+");
    try {
      // An open file description lock: a second descriptor in this very process conflicts with it.
      expect(native.tryLock(fd)).toBe(true);
      fs.writeSync(fd, JSON.stringify({ pid: 7, host: `h${EVIL}`, command: `c${EVIL}`, since_ms: Date.now() }), 0);
      const result = await cli(["-s", file, "--lock-timeout", "0", "block", P]);
      expect(result.status).toBe(2);
      expect(result.stderr.split("\n")).toHaveLength(2);
      expectEscaped(result.stderr);
    } finally {
      fs.closeSync(fd);
    }
  });

  it("script lines and comments", async () => {
    const bad = await cli(["-s", file, "apply", "-"], `block ${P}\nblock x${EVIL}\n`);
    expect(bad.status).toBe(2);
    expect(bad.stderr).not.toMatch(RAW);
    expect(bad.stderr).toContain("31m\\u202e");
    const shown = await cli(["-s", file, "apply", "-"], `block ${P} # ${EVIL}\n# only a comment ${EVIL}\n`);
    expect(shown.status).toBe(0);
    expectEscaped(shown.stdout);
    const unterminated = await cli(["-s", file, "apply", "-"], `block "${EVIL}\n`);
    expect(unterminated.status).toBe(2);
    expect(unterminated.stderr).not.toMatch(RAW);
  });

  it("JSON parse errors and unknown keys", async () => {
    fs.writeFileSync(file, `{"spec_version": 1, "\\u001b[2J\\u009b\\u202e": 1}\n`);
    const unknown = await cli(["-s", file, "inspect"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).not.toMatch(RAW);
    expect(unknown.stderr).toContain("\\u001b[2J\\x9b\\u202e");
    fs.writeFileSync(file, `{"spec_version": 1, ${EVIL}\n`);
    const broken = await cli(["-s", file, "inspect"]);
    expect(broken.status).toBe(2);
    expect(broken.stderr).not.toMatch(RAW);
  });

  it("commander's unknown-command and choice errors", async () => {
    const command = await cli([`x${EVIL}`]);
    expect(command.status).toBe(2);
    expectEscaped(command.stderr);
    const choice = await cli(["-s", file, "export", "--to", `x${EVIL}`]);
    expect(choice.status).toBe(2);
    expectEscaped(choice.stderr);
    const option = await cli(["-s", file, "inspect", `--x${EVIL}`]);
    expect(option.status).toBe(2);
    expectEscaped(option.stderr);
  });
});
