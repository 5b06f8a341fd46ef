/** Runs the bash completion script as bash does, in a folder with a `bbgov` on its PATH (the built binary). */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { completionScript } from "../../src/cli/completion.js";

const BIN = fileURLToPath(new URL("../../bin/bbgov.js", import.meta.url));

/**
 * Writes the bash script and a `bbgov` shim into `root`; the function returned gives what bash offers for a
 * command line whose words are given as bash hands them to a completion function (as typed, quotes kept),
 * the last one being typed; `input` is what bash's standard input holds (the terminal's keys, in a shell).
 */
export function bashCompleter(root: string): (words: readonly string[], input?: string) => string[] {
  const script = path.join(root, "bbgov.bash");
  fs.writeFileSync(script, completionScript("bash"));
  fs.mkdirSync(path.join(root, "bin"), { recursive: true });
  fs.writeFileSync(path.join(root, "bin", "bbgov"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, {
    mode: 0o755,
  });
  return (words, input) => {
    const program = [
      `source ${JSON.stringify(script)}`,
      `COMP_WORDS=(bbgov ${words.join(" ")})`,
      `COMP_CWORD=${words.length}`,
      "_bbgov",
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ];
    const result = spawnSync("bash", ["-c", program.join("\n")], {
      cwd: root,
      encoding: "utf8",
      // A completion that hangs (a snapshot read that waits forever) fails the test instead of the whole run.
      timeout: 30_000,
      ...(input === undefined ? {} : { input }),
      env: { ...process.env, PATH: `${path.join(root, "bin")}:${process.env.PATH ?? ""}` },
    });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout.split("\n").filter((line) => line !== "");
  };
}
