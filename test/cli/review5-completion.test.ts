/**
 * Fourth review of the completion of a PEER from the `-s` snapshots on the
 * line: bash hands the words over as typed (COMP_WORDS), quotes and
 * backslashes in them, so `-s 'my nodes'` asked bbgov of a file named
 * `'my nodes'`, quotes and all, and offered nothing. A quoted glob, kept for
 * bbgov to expand, likewise.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { completionScript } from "../../src/cli/completion.js";
import { tempDirs } from "./helpers.js";

const dir = tempDirs("bbgov-review5-completion-");
const EXAMPLE = fileURLToPath(new URL("../../fixtures/example.json", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/bbgov.js", import.meta.url));

describe("bash completes a PEER of a quoted -s", () => {
  const root = dir();
  const script = path.join(root, "bbgov.bash");
  fs.writeFileSync(script, completionScript("bash"));
  fs.mkdirSync(path.join(root, "bin"));
  fs.writeFileSync(path.join(root, "bin", "bbgov"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, {
    mode: 0o755,
  });
  fs.mkdirSync(path.join(root, "my nodes"));
  for (const name of ["a.json", "b.json"]) fs.copyFileSync(EXAMPLE, path.join(root, "my nodes", name));
  const peers = (JSON.parse(fs.readFileSync(EXAMPLE, "utf8")) as { peer_governor: { blocklist: string[] } }).peer_governor.blocklist;

  it.each([["'my nodes'"], ['"my nodes"'], ["my\\ nodes"], ["'my nodes/*.json'"], ["'my nodes'/a.json"]])("-s %s", (typed) => {
    const program = [
      `source ${JSON.stringify(script)}`,
      // The words as bash gives them to a completion function: as typed, quotes and backslashes kept.
      `COMP_WORDS=(bbgov -s ${JSON.stringify(typed).replaceAll("$", "\\$")} block '')`,
      "COMP_CWORD=4",
      "_bbgov",
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ];
    const result = spawnSync("bash", ["-c", program.join("\n")], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, PATH: `${path.join(root, "bin")}:${process.env.PATH ?? ""}` },
    });
    expect(result.status, result.stderr).toBe(0);
    const offered = result.stdout.split("\n").filter((line) => line !== "");
    expect(offered).toHaveLength(12);
    expect(offered).toEqual(expect.arrayContaining(peers));
  });
});
