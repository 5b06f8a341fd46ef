/**
 * Third review: bash completes a PEER from the peers of the `-s` snapshot.
 * Given a fleet (a folder), it offered the nodes' labels, each once per row,
 * since a fleet's TSV rows start with the node: the peer column is found by
 * its name now, and each peer is offered once.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bashCompleter } from "./bash-completion.js";
import { tempDirs } from "./helpers.js";

const dir = tempDirs("bbgov-review4-completion-");
const EXAMPLE = fileURLToPath(new URL("../../fixtures/example.json", import.meta.url));

describe("bash completes a PEER of a fleet", () => {
  it("offers each known peer once, not the nodes' labels", () => {
    const root = dir();
    const complete = bashCompleter(root);
    fs.mkdirSync(path.join(root, "nodes"));
    for (const name of ["a.json", "b.json"]) fs.copyFileSync(EXAMPLE, path.join(root, "nodes", name));
    const peers = (JSON.parse(fs.readFileSync(EXAMPLE, "utf8")) as { peer_governor: { blocklist: string[] } }).peer_governor.blocklist;
    const offered = complete(["-s", "nodes", "check", "''"]);
    expect(offered).toHaveLength(12);
    expect(new Set(offered).size).toBe(12);
    expect(offered).toEqual(expect.arrayContaining(peers));
  });
});
