/**
 * Fourth review of the completion of a PEER from the `-s` snapshots on the
 * line: bash hands the words over as typed (COMP_WORDS), quotes and
 * backslashes in them, so `-s 'my nodes'` asked bbgov of a file named
 * `'my nodes'`, quotes and all, and offered nothing. A quoted glob, kept for
 * bbgov to expand, likewise.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bashCompleter } from "./bash-completion.js";
import { tempDirs } from "./helpers.js";

const dir = tempDirs("bbgov-review5-completion-");
const EXAMPLE = fileURLToPath(new URL("../../fixtures/example.json", import.meta.url));

describe("bash completes a PEER of a quoted -s", () => {
  const root = dir();
  const complete = bashCompleter(root);
  fs.mkdirSync(path.join(root, "my nodes"));
  for (const name of ["a.json", "b.json"]) fs.copyFileSync(EXAMPLE, path.join(root, "my nodes", name));
  const peers = (JSON.parse(fs.readFileSync(EXAMPLE, "utf8")) as { peer_governor: { blocklist: string[] } }).peer_governor.blocklist;

  it.each([["'my nodes'"], ['"my nodes"'], ["my\\ nodes"], ["'my nodes/*.json'"], ["'my nodes'/a.json"]])("-s %s", (typed) => {
    // The words as bash gives them to a completion function: as typed, quotes and backslashes kept.
    const offered = complete(["-s", JSON.stringify(typed).replaceAll("$", "\\$"), "block", "''"]);
    expect(offered).toHaveLength(12);
    expect(offered).toEqual(expect.arrayContaining(peers));
  });
});
