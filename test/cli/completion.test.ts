/**
 * Shell completion: the scripts are generated from the command table, so they
 * name every command and option in it; bash checks the syntax of its script
 * and runs it. (zsh and fish are not installed here, so their syntax is not
 * checked by a shell.)
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { completionScript, SHELLS } from "../../src/cli/completion.js";
import { execute, type CliIo } from "../../src/cli/main.js";
import { COMMANDS, GLOBAL_OPTIONS, SORT_KEYS, type CommandSpec, type OptionSpec } from "../../src/cli/program.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-completion-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Every flag name of an option: `-s`, `--snapshot`. */
function flagNames(option: OptionSpec): string[] {
  return option.flags.split(/[ ,|]+/).filter((part) => part.startsWith("-"));
}

async function cli(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { isTTY: false, write: (chunk: string | Uint8Array) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk: string | Uint8Array) => ((stderr += String(chunk)), true) },
    stdin: (async function* () {})(),
    env: {},
  } as unknown as CliIo;
  const status = await execute(args, io);
  return { status, stdout, stderr };
}

describe.each(SHELLS)("the %s script", (shell) => {
  const script = completionScript(shell);

  it("names every command, every command option and every global option of the table", () => {
    for (const spec of COMMANDS) {
      expect(script).toContain(spec.name);
      for (const option of spec.options) {
        for (const name of flagNames(option)) {
          // fish spells `--sort` as `-l sort` and `-s` as `-s s`.
          const spelled = shell === "fish" ? (name.startsWith("--") ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`) : name;
          expect(script, `${spec.name} ${name}`).toContain(spelled);
        }
      }
    }
    for (const option of GLOBAL_OPTIONS) {
      for (const name of flagNames(option)) {
        const spelled = shell === "fish" ? (name.startsWith("--") ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`) : name;
        expect(script, name).toContain(spelled);
      }
    }
    expect(script).toContain(SORT_KEYS.join(" "));
    expect(script).toContain("bash zsh fish");
  });

  it("follows the table: a command added there is completed", () => {
    const extra: CommandSpec = {
      name: "frobnicate",
      summary: "a command that does not exist",
      args: [],
      options: [{ flags: "--intensity <level>", description: "how much", choices: ["low", "high"] }],
      examples: [],
      mutates: false,
      inApply: false,
    };
    const generated = completionScript(shell, [...COMMANDS, extra], GLOBAL_OPTIONS);
    expect(script).not.toContain("frobnicate");
    expect(generated).toContain("frobnicate");
    expect(generated).toContain(shell === "fish" ? "-l intensity" : "--intensity");
    expect(generated).toContain("low high");
  });

  it(`is what \`bbgov completion ${shell}\` prints`, async () => {
    const result = await cli(["completion", shell]);
    expect(result).toEqual({ status: 0, stdout: script, stderr: "" });
    // --json does not wrap it: the script is the product.
    expect((await cli(["--json", "completion", shell])).stdout).toBe(script);
  });
});

describe("the completion command", () => {
  it("accepts only bash, zsh and fish, which it also offers", async () => {
    const result = await cli(["completion", "tcsh"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "bbgov: command-argument value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish. (see bbgov completion --help)\n",
    );
    const spec = COMMANDS.find((command) => command.name === "completion");
    expect(spec?.args[0]?.choices).toEqual([...SHELLS]);
  });

  it("needs no snapshot", async () => {
    const result = await cli(["-s", path.join(root, "does-not-exist.json"), "completion", "bash"]);
    expect(result.status).toBe(0);
  });
});

describe("bash runs its script", () => {
  const file = path.join(root, "bbgov.bash");
  fs.writeFileSync(file, completionScript("bash"));

  /** Completions bash offers for the words of a command line (the last one is being typed). */
  function complete(...words: string[]): string[] {
    return completeWith(process.env.PATH ?? "", ...words);
  }

  /** The same, with `PATH` set (to find a `bbgov` that answers the peer question). */
  function completeWith(pathVariable: string, ...words: string[]): string[] {
    return completeIn({}, pathVariable, ...words);
  }

  /** The same, with more of the environment set. */
  function completeIn(env: Record<string, string>, pathVariable: string, ...words: string[]): string[] {
    const program = [
      `source ${JSON.stringify(file)}`,
      `COMP_WORDS=(bbgov ${words.map((word) => `'${word}'`).join(" ")})`,
      `COMP_CWORD=${words.length}`,
      "_bbgov",
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join("\n");
    const result = spawnSync("bash", ["-c", program], { cwd: root, encoding: "utf8", env: { ...process.env, ...env, PATH: pathVariable } });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout.split("\n").filter((line) => line !== "");
  }

  it("bash -n accepts the script", () => {
    const result = spawnSync("bash", ["-n", file], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("completes commands, options, --sort keys, files and shells", () => {
    fs.writeFileSync(path.join(root, "changes.txt"), "");
    expect(complete("ins")).toEqual(["inspect"]);
    expect(complete("")).toEqual(COMMANDS.map((spec) => spec.name));
    expect(complete("--js")).toEqual(["--json"]);
    expect(complete("inspect", "--so")).toEqual(["--sort"]);
    expect(complete("inspect", "--sort", "")).toEqual([...SORT_KEYS]);
    expect(complete("-s", "x.json", "inspect", "--sort", "n")).toEqual(["next-retry"]);
    expect(complete("--snapshot", "bbgov.b")).toEqual(["bbgov.bash"]);
    expect(complete("apply", "chan")).toEqual(["changes.txt"]);
    expect(complete("completion", "")).toEqual(["bash", "zsh", "fish"]);
    expect(complete("import", "--from", "")).toEqual(["auto", "node-snapshot", "framework-json"]);
    expect(complete("block", "--d")).toEqual(["--dry-run"]);
    // Durations are not guessed; peers come from the snapshot (none here: no bbgov on this PATH's snapshot).
    expect(complete("fail", "--every", "")).toEqual([]);
  });

  it("offers the known peers of the -s snapshot for a PEER (asking the built bbgov)", () => {
    const shims = fs.mkdtempSync(path.join(root, "bin-"));
    const bin = fileURLToPath(new URL("../../bin/bbgov.js", import.meta.url));
    fs.writeFileSync(path.join(shims, "bbgov"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"\n`, {
      mode: 0o755,
    });
    fs.copyFileSync(fileURLToPath(new URL("../../fixtures/example.json", import.meta.url)), path.join(root, "example.json"));
    const pathVariable = `${shims}:${process.env.PATH ?? ""}`;
    expect(completeWith(pathVariable, "-s", "example.json", "block", "12D3KooWJ")).toEqual([
      "12D3KooWJATkUcKJHbbtK22skXSBCUAtjkCg9z6NVDz3wX4a7Ci4",
      "12D3KooWJjwFKy17A4DiZTrU3FfbmQNYwhBaKbfG5hB8qqh5ptHD",
    ]);
    expect(completeWith(pathVariable, "-s", "example.json", "fail", "QmZ")).toEqual(["QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4"]);
    // -s after the command, every -s of the line (a fleet of two files), and ~/ as the shell would expand it.
    expect(completeWith(pathVariable, "check", "-s", "example.json", "--outbound", "QmZ")).toEqual([
      "QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4",
    ]);
    const other = path.join(root, "other.json");
    const stranger = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
    fs.writeFileSync(
      other,
      fs.readFileSync(path.join(root, "example.json"), "utf8").replace('"blocklist": [', `"blocklist": [\n      "${stranger}",`),
    );
    expect(completeWith(pathVariable, "-s", "example.json", "block", "-s", "other.json", "12D3KooWD")).toEqual([stranger]);
    expect(completeWith(pathVariable, "-s", "example.json", "block", "12D3KooWD")).toEqual([]);
    const home = { HOME: root };
    expect(completeIn(home, pathVariable, "-s", "~/other.json", "block", "12D3KooWD")).toEqual([stranger]);
    // `--snapshot=FILE`, which bash hands over as three words.
    expect(completeWith(pathVariable, "block", "--snapshot", "=", "other.json", "12D3KooWD")).toEqual([stranger]);
  });
});
