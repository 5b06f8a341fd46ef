/**
 * Completion in real shells (bash 5.2, zsh 5.9 and fish 3.6, driven by hand in a terminal): what the scripts
 * did wrong there. Only bash runs here (CI machines may lack zsh and fish); the zsh script is checked as text.
 * - A PEER after `-s -` asked `bbgov -s - --json inspect` with the shell's standard input, the terminal: the
 *   prompt hung, the keys typed next went to bbgov, until Ctrl-C (bash and fish).
 * - bash splits `--format=tsv` at the `=`: nothing was completed after `--format=` or `--snapshot=`, and
 *   `--lock-timeout=5s check PEER` took `5s` for the command and completed no PEER.
 * - After `--` every word is an argument, yet bash offered options there.
 * - zsh knew no `--sort=KEY` form, and took a second `-s` (a fleet) for no option.
 * - Installing a script as the README says, into a folder not made yet, said "cannot write the snapshot".
 * - `-s=node.json init` and `-o=out.json` (the `=` other tools take after a short option) created files named
 *   `=node.json` and `=out.json`: commander, as getopt, takes what follows a short option whole.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { completionScript } from "../../src/cli/completion.js";
import { writeTextAtomic } from "../../src/cli/io/store.js";
import { bashCompleter } from "./bash-completion.js";
import { cli, tempDirs } from "./helpers.js";

const dir = tempDirs("bbgov-review7-shells-");
const EXAMPLE = fileURLToPath(new URL("../../fixtures/example.json", import.meta.url));
const PEER = "12D3KooWPFD849Ph9fecpzZP5fBQjpjaDQJC3xs7ocgFPGmJVCnb";

describe("bash completion", () => {
  const root = dir();
  const complete = bashCompleter(root);
  fs.copyFileSync(EXAMPLE, path.join(root, "governor.json"));
  fs.copyFileSync(EXAMPLE, path.join(root, "other.json"));

  it("never hands bbgov the shell's standard input: `-s -` offers no peer and reads no key", () => {
    // The keys waiting on the terminal: here a whole snapshot, which bbgov would have read as `-s -`.
    const keys = fs.readFileSync(EXAMPLE, "utf8");
    expect(complete(["-s", "-", "check", "12D3KooWPF"], keys)).toEqual([]);
  });

  it("completes the value after `--option=`, with or without a start typed", () => {
    // With nothing after the `=`, the word being completed is the `=` itself.
    expect(complete(["inspect", "--format", "="])).toEqual(["table", "wide", "json", "ndjson", "tsv"]);
    expect(complete(["inspect", "--format", "=", "n"])).toEqual(["ndjson"]);
    expect(complete(["inspect", "--sort", "=", "l"])).toEqual(["last-event"]);
    expect(complete(["--snapshot", "=", "oth"])).toEqual(["other.json"]);
    expect(complete(["export", "--to", "="])).toEqual(["framework-json", "bbgov-json"]);
  });

  it("takes no `--global=value` for the command", () => {
    expect(complete(["--lock-timeout", "=", "5s", "check", "12D3KooWPF"])).toEqual([PEER]);
  });

  it("offers no option after `--`, and the command's arguments still", () => {
    expect(complete(["check", "--", "--"])).toEqual([]);
    expect(complete(["check", "--", "12D3KooWPF"])).toEqual([PEER]);
    expect(complete(["--", "che"])).toEqual(["check"]);
  });
});

describe("the zsh script", () => {
  const script = completionScript("zsh");

  it("takes a long option's value after an `=` too, and `-s` again for a fleet", () => {
    expect(script).toContain("'*'{-s,--snapshot=}'[");
    expect(script).toContain("'(-o --out)'{-o,--out=}'[");
    expect(script).toMatch(/'--sort=\[[^\n]*\]:key:\(peer failures last-event next-retry attempts\)'/);
    expect(script).toContain("'--json[");
  });

  it("ends the options at `--`, and asks for peers with no standard input", () => {
    expect(script).toContain('_arguments -S -C -A "-*" $globals');
    expect(script).not.toContain("_arguments $globals");
    expect(script.match(/_arguments -S \$globals/g)?.length).toBeGreaterThan(10);
    expect(script).toMatch(/bbgov \$snaps --json inspect <\/dev\/null/);
    expect(completionScript("fish")).toMatch(/bbgov \$snaps --json inspect <\/dev\/null/);
  });
});

describe("completion -o", () => {
  it("names the completion script, not a snapshot, when it cannot be written", async () => {
    const target = path.join(dir(), "no-such-folder", "bbgov.fish");
    const result = await cli(["-o", target, "completion", "fish"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `bbgov: cannot write the completion script: the folder ${path.dirname(target)} does not exist (${target})\n`,
    );
  });

  it("names it in every refusal of the write: read-only, hard-linked, not a regular file", async () => {
    const folder = dir();
    const readOnly = path.join(folder, "read-only.fish");
    fs.writeFileSync(readOnly, "");
    fs.chmodSync(readOnly, 0o444);
    const linked = path.join(folder, "linked.fish");
    fs.writeFileSync(linked, "");
    fs.linkSync(linked, path.join(folder, "other-link.fish"));
    const cases: [string, string][] = [
      [readOnly, "cannot write the completion script: it is read-only (mode 0444)"],
      [linked, "cannot write the completion script: it has 2 hard links, and replacing it would split them;"],
      ["/dev/null", "cannot write the completion script: it is not a regular file"],
    ];
    for (const [target, message] of cases) {
      const result = await cli(["-o", target, "completion", "fish", "--force"]);
      expect(result.status, target).toBe(2);
      expect(result.stderr).toContain(`bbgov: ${message}`);
      expect(result.stderr).toContain(`(${target})\n`);
    }
  });

  it("is named so where the error is made: the atomic write takes what it writes (no text replaced after)", async () => {
    const target = path.join(dir(), "no-such-folder", "bbgov.fish");
    await expect(writeTextAtomic(target, "x", undefined, "the completion script")).rejects.toThrow(
      `cannot write the completion script: the folder ${path.dirname(target)} does not exist`,
    );
    await expect(writeTextAtomic(target, "x")).rejects.toThrow(`cannot write the snapshot: the folder`);
  });
});

describe("-s=FILE and -o=FILE", () => {
  it("are refused, saying how to write them, and nothing is created", async () => {
    const folder = dir();
    const previous = process.cwd();
    process.chdir(folder);
    try {
      const init = await cli(["-s=node.json", "init"]);
      expect(init).toEqual({
        status: 2,
        stdout: "",
        stderr:
          'bbgov: -s=node.json names a file "=node.json": write -s node.json or --snapshot=node.json' +
          " (./=node.json for a file whose name begins with =) (-s)\n",
      });
      fs.copyFileSync(EXAMPLE, "governor.json");
      const out = await cli(["-o=out.json", "threshold", "3"]);
      expect(out.status).toBe(2);
      expect(out.stderr).toContain("write -o out.json or --out=out.json");
      expect(fs.readdirSync(folder)).toEqual(["governor.json"]);
      // A file whose name begins with `=` is still reachable.
      expect((await cli(["-s", "./=x.json", "init"])).status).toBe(0);
      expect(fs.existsSync("=x.json")).toBe(true);
    } finally {
      process.chdir(previous);
    }
  });
});
