/**
 * Review 13: a node's label is its peer id unless that names another node too. A file whose path is a node's peer id
 * (a file named after the node) had the same label as that node: two nodes of one name, and --by-node's JSON, keyed
 * by label, kept only one of them.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sandboxes } from "./helpers.js";

const sandbox = sandboxes();
const FIXTURES = path.resolve(__dirname, "../../fixtures");
const SMALL_ID = "12D3KooWGmsLTSHwPyiPKZp3dtS7b9NhTJaS6NaBqgsn7wdyEey2";

describe("no two nodes of a fleet share a label", () => {
  it("a file named after another node's peer id: both are named by their paths", async () => {
    const box = sandbox();
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), box.path("node.snap"));
    fs.copyFileSync(path.join(FIXTURES, "example.json"), box.path(SMALL_ID));
    const doc = await box.json<{ nodes: { node: string; path: string }[]; peers: { by_node: Record<string, string[]> }[] }>([
      "-s",
      "node.snap",
      "-s",
      SMALL_ID,
      "inspect",
      "--by-node",
      "12D3KooWAMiYAWLguvPxv6yUVVJ2nWwt6aVwmjs78iLxFPcPmGWF",
    ]);
    expect(doc.nodes.map((node) => [node.node, node.path])).toEqual([
      ["node.snap", "node.snap"],
      [SMALL_ID, SMALL_ID],
    ]);
    // The peer is blocked on the node snapshot only; it was listed once, under the label both shared.
    expect(doc.peers[0]?.by_node).toEqual({ "node.snap": ["known", "blocked"] });
  });

  it("a node snapshot stored under its own peer id keeps it as its label", async () => {
    const box = sandbox();
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), box.path(SMALL_ID));
    fs.copyFileSync(path.join(FIXTURES, "example.json"), box.path("lab.json"));
    const doc = await box.json<{ nodes: { node: string }[] }>(["-s", SMALL_ID, "-s", "lab.json", "inspect"]);
    expect(doc.nodes.map((node) => node.node)).toEqual([SMALL_ID, "lab.json"]);
  });
});
