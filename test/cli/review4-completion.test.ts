/**
 * Third review: bash completes a PEER from the peers of the `-s` snapshot.
 * Given a fleet (a folder), it offered the nodes' labels, each once per row,
 * since a fleet's TSV rows start with the node: the peer column is found by
 * its name now, and each peer is offered once.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { completionScript } from "../../src/cli/completion.js";
import { tempDirs } from "./helpers.js";

const dir = tempDirs("bbgov-review4-completion-");
const EXAMPLE = fileURLToPath(new URL("../../fixtures/example.json", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/bbgov.js", import.meta.url));

describe("bash completes a PEER of a fleet", () => {
  it("offers each known peer once, not the nodes' labels", () => {
    const root = dir();
    const script = path.join(root, "bbgov.bash");
    fs.writeFileSync(script, completionScript("bash"));
    fs.mkdirSync(path.join(root, "bin"));
    fs.writeFileSync(path.join(root, "bin", "bbgov"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, {
      mode: 0o755,
    });
    fs.mkdirSync(path.join(root, "nodes"));
    for (const name of ["a.json", "b.json"]) fs.copyFileSync(EXAMPLE, path.join(root, "nodes", name));
    const program = [
      `source ${JSON.stringify(script)}`,
      "COMP_WORDS=(bbgov -s nodes check '')",
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
    const peers = (JSON.parse(fs.readFileSync(EXAMPLE, "utf8")) as { peer_governor: { blocklist: string[] } }).peer_governor.blocklist;
    const offered = result.stdout.split("\n").filter((line) => line !== "");
    expect(offered).toHaveLength(12);
    expect(new Set(offered).size).toBe(12);
    expect(offered).toEqual(expect.arrayContaining(peers));
  });
});
