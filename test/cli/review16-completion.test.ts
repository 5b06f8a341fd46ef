/**
 * Review 16, completion: a PEER asked of a snapshot that is a FIFO (`-s pipe`, or $BBGOV_SNAPSHOT naming one) ran
 * `bbgov --json inspect` on it, whose read waits for a writer: the prompt hung until Ctrl-C, in bash, zsh and fish.
 * The scripts now offer no peer for a FIFO, a device or a socket. bash runs here; zsh and fish are checked as text
 * (CI machines may lack them; both were driven by hand).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { completionScript } from "../../src/cli/completion.js";
import { bashCompleter } from "./bash-completion.js";
import { tempDirs } from "./helpers.js";

const dir = tempDirs("bbgov-review16-completion-");
const EXAMPLE = fileURLToPath(new URL("../../fixtures/example.json", import.meta.url));

describe("completing a PEER of a FIFO", () => {
  const root = dir();
  const complete = bashCompleter(root);
  fs.copyFileSync(EXAMPLE, path.join(root, "odd 'name\".json"));
  expect(spawnSync("mkfifo", [path.join(root, "pipe")]).status).toBe(0);

  it("bash: `-s pipe` offers no peer, at once, and a regular file beside it still does", () => {
    expect(complete(["-s", "pipe", "block", "Qm"])).toEqual([]);
    // The word as typed, `"odd 'name\".json"`, put in COMP_WORDS as bash hands it over (quotes kept).
    const typed = `"odd 'name\\".json"`;
    expect(complete(["-s", `'${typed.replaceAll("'", "'\\''")}'`, "block", "QmU7"])).toEqual([
      "QmU7ux9VHuPkwxfWUCPsPvZCMesPbiyABVpjxEnZ2yD8S3",
    ]);
  });

  it("zsh and fish check the snapshots named, or the default, before asking bbgov", () => {
    expect(completionScript("zsh")).toContain(
      "for value in ${snaps:-${BBGOV_SNAPSHOT:-governor.json}}; do [[ -p $value || -c $value || -S $value ]] && return 1; done",
    );
    expect(completionScript("fish")).toContain("if test -p $file -o -c $file -o -S $file");
  });
});
