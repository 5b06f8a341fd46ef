/** Issue 15: one command across a fleet of snapshots, in process through `execute`. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { acquireLock } from "../../src/cli/io/lock.js";
import { commonFolder, expandGlob, globSegment, labelFiles, nodePeerIdOf } from "../../src/cli/fleet/sources.js";
import { cli } from "./run.js";
import { cli as terminal } from "./terminal-helpers.js";

const FIXTURES = path.resolve(__dirname, "../../fixtures");
/** A peer no fixture knows. */
const NEW_PEER = "16uZAbWC1AJvL";
/** Blocked in fixtures/example.json, unknown to the node fixtures. */
const EXAMPLE_BLOCKED = "12D3KooWS3iYbD7YEuQ1SGhRiUSiVBdgzuWSxXgY551TNtMFdaik";
/** The node ids of fixtures/node/small.bin and hand-edited.bin. */
const SMALL_ID = "12D3KooWGmsLTSHwPyiPKZp3dtS7b9NhTJaS6NaBqgsn7wdyEey2";
/** Down in fixtures/node/small.bin, unknown to the example. */
const SMALL_DOWN = "12D3KooWEVkTai2Aabvt8QUuN3fgUsbksh3Ru13KXYxKV7go7ktp";
const HAND_ID = "12D3KooWL8gxDvGuMnRYpxjNyDaWUTZryxuTp8x4zN9YGD6KWrqJ";

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-fleet-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fleet of every kind: bbgov JSON, two node snapshots (one in a subfolder), and a framework-json made by `bbgov export`. */
async function mixedFleet(): Promise<{ fleet: string; files: string[] }> {
  const fleet = path.join(dir, "nodes");
  fs.mkdirSync(path.join(fleet, "east"), { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(fleet, "a.json"));
  fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), path.join(fleet, "small.bin"));
  fs.copyFileSync(path.join(FIXTURES, "node/hand-edited.bin"), path.join(fleet, "east", "node.snap"));
  const exported = await cli(["-s", path.join(FIXTURES, "node/allowlist-some.bin"), "export"]);
  expect(exported.status).toBe(0);
  fs.writeFileSync(path.join(fleet, "fw.json"), exported.stdout);
  const files = ["a.json", "east/node.snap", "fw.json", "small.bin"].map((name) => path.join(fleet, name));
  return { fleet, files };
}

const bytesOf = (files: readonly string[]): Buffer[] => files.map((file) => fs.readFileSync(file));

describe("which files a fleet is", () => {
  it("a folder gives its *.json, *.snap and *.bin files; a glob is expanded by bbgov; -s may be repeated", async () => {
    const { fleet } = await mixedFleet();
    fs.writeFileSync(path.join(fleet, "notes.txt"), "not a snapshot\n");
    fs.writeFileSync(path.join(fleet, ".hidden.json"), "{}\n");
    const folder = await cli(["--json", "-s", fleet, "inspect"]);
    expect(folder.status).toBe(0);
    expect((JSON.parse(folder.stdout) as { nodes: { path: string }[] }).nodes.map((node) => node.path)).toEqual([
      "a.json",
      "fw.json",
      "small.bin",
    ]);
    const glob = await cli([
      "--json",
      "-s",
      `${fleet}/**/*.{snap,bin}`,
      "-s",
      `${fleet}/*/node.snap`,
      "-s",
      path.join(fleet, "a.json"),
      "inspect",
    ]);
    // No braces in our globs: the first pattern matches nothing and says so.
    expect(glob.status).toBe(2);
    expect(glob.stderr).toBe(`bbgov: no file matches the pattern (-s ${fleet}/**/*.{snap,bin})\n`);
    const repeated = await cli([
      "--json",
      "-s",
      `${fleet}/**/*.snap`,
      "-s",
      `${fleet}/*.bin`,
      "-s",
      path.join(fleet, "a.json"),
      "-s",
      path.join(fleet, "a.json"),
      "inspect",
    ]);
    expect(repeated.status).toBe(0);
    const nodes = (JSON.parse(repeated.stdout) as { nodes: { node: string; path: string; kind: string }[] }).nodes;
    // A file named twice is one node; node snapshots are labelled by their own peer id, the rest by their path.
    expect(nodes).toEqual([
      { node: HAND_ID, path: "east/node.snap", kind: "node-snapshot" },
      { node: SMALL_ID, path: "small.bin", kind: "node-snapshot" },
      { node: "a.json", path: "a.json", kind: "bbgov-json" },
    ]);
  });

  it("glob segments: *, ?, classes, negation, and no match of a leading dot; ** walks folders; lock files are never nodes", async () => {
    expect(globSegment("*.snap").test("node.snap")).toBe(true);
    expect(globSegment("*.snap").test(".node.snap")).toBe(false);
    expect(globSegment(".*").test(".node")).toBe(true);
    expect(globSegment("node-?.bin").test("node-7.bin")).toBe(true);
    expect(globSegment("node-?.bin").test("node-17.bin")).toBe(false);
    expect(globSegment("node-[0-3].bin").test("node-2.bin")).toBe(true);
    expect(globSegment("node-[!0-3].bin").test("node-2.bin")).toBe(false);
    expect(globSegment("node-[^0-3].bin").test("node-7.bin")).toBe(true);
    expect(globSegment("a+b(c).json").test("a+b(c).json")).toBe(true);
    for (const name of ["x/1/node.snap", "x/2/node.snap", "x/2/node.snap.lock", "x/2/deep/node.snap", "x/.git/node.snap"]) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), "");
    }
    expect(await expandGlob(`${dir}/x/*/node.snap`)).toEqual([`${dir}/x/1/node.snap`, `${dir}/x/2/node.snap`]);
    expect(await expandGlob(`${dir}/x/**/node.snap`)).toEqual([
      `${dir}/x/1/node.snap`,
      `${dir}/x/2/deep/node.snap`,
      `${dir}/x/2/node.snap`,
    ]);
    expect(await expandGlob(`${dir}/x/**`)).toEqual([`${dir}/x/1/node.snap`, `${dir}/x/2/deep/node.snap`, `${dir}/x/2/node.snap`]);
  });

  it("a pattern ending in / takes the snapshots of the folders it matches; one that matches only folders says so (review 7)", async () => {
    for (const name of ["eu-1/node.snap", "eu-2/a.json", "eu-2/notes.txt", "us-1/node.snap"]) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.copyFileSync(path.join(FIXTURES, name.endsWith(".json") ? "example.json" : "node/small.bin"), path.join(dir, name));
    }
    fs.mkdirSync(path.join(dir, "eu-3")); // no snapshot in it: passed over, as the folders a pattern matches may be anything
    // Was "no file matches the pattern": a folder is taken by -s, but a pattern matching folders was not.
    const folders = await cli(["--json", "-s", `${dir}/eu-*/`, "inspect"]);
    expect(folders.status).toBe(0);
    expect((JSON.parse(folders.stdout) as { nodes: { path: string }[] }).nodes.map((node) => node.path)).toEqual([
      "eu-1/node.snap",
      "eu-2/a.json",
    ]);
    const bare = await cli(["-s", `${dir}/eu-*`, "inspect"]);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toBe(
      `bbgov: no file matches the pattern (it matches 3 folder(s): end it with / for the snapshots in them) (-s ${dir}/eu-*)\n`,
    );
    const none = await cli(["-s", `${dir}/eu-3*/`, "inspect"]);
    expect(none.stderr).toBe(
      `bbgov: no snapshot in the folders the pattern matches (files ending .json, .snap, .bin) (-s ${dir}/eu-3*/)\n`,
    );
    // Review 13: a pattern that matches bbgov's own files alone says so; it was "no file matches" where ls shows some.
    fs.writeFileSync(path.join(dir, "eu-1/node.snap.lock"), "");
    fs.writeFileSync(path.join(dir, "eu-1/.node.snap.bbgov-42-x1.tmp"), "");
    for (const pattern of [`${dir}/eu-1/*.lock`, `${dir}/eu-1/.*`]) {
      const own = await cli(["-s", pattern, "inspect"]);
      expect(own.stderr).toBe(
        `bbgov: no file matches the pattern (it matches only bbgov's own lock or temporary files, which are never nodes) (-s ${pattern})\n`,
      );
    }
  });

  it("labels: a node's own peer id, else the path from the common folder; two nodes with one id are named by their paths", () => {
    for (const name of ["a/small.bin", "b/small.bin", "c/hand.bin"]) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.copyFileSync(path.join(FIXTURES, `node/${name.endsWith("hand.bin") ? "hand-edited" : "small"}.bin`), path.join(dir, name));
    }
    fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(dir, "c/example.json"));
    expect(nodePeerIdOf(path.join(dir, "c/hand.bin"))).toBe(HAND_ID);
    expect(nodePeerIdOf(path.join(dir, "c/example.json"))).toBeUndefined();
    expect(commonFolder([path.join(dir, "a/x"), path.join(dir, "b/c/y")])).toBe(dir);
    const labels = labelFiles(["a/small.bin", "b/small.bin", "c/hand.bin", "c/example.json"].map((name) => path.join(dir, name)));
    expect(labels.map((file) => file.label)).toEqual(["a/small.bin", "b/small.bin", HAND_ID, "c/example.json"]);
  });
});

describe("read-only views", () => {
  it("inspect: one row per peer with how many nodes block it, have it down or cooling down, its worst streak and latest event", async () => {
    const { fleet } = await mixedFleet();
    expect((await cli(["-q", "-s", fleet, "-s", `${fleet}/east/node.snap`, "block", NEW_PEER])).status).toBe(0);
    const result = await cli(["--json", "-s", fleet, "-s", `${fleet}/east/node.snap`, "inspect", NEW_PEER, EXAMPLE_BLOCKED]);
    expect(result.status).toBe(0);
    const doc = JSON.parse(result.stdout) as { summary: Record<string, number>; peers: Record<string, unknown>[] };
    expect(doc.summary).toMatchObject({ nodes: 4, unreadable: 0, peers: 2, blocked_somewhere: 2 });
    expect(doc.peers).toEqual([
      { peer: EXAMPLE_BLOCKED, nodes: 1, blocked: 1, down: 1, cooling_down: 0, worst_streak: 6, latest_event_ns: "1763996400122469135" },
      { peer: NEW_PEER, nodes: 4, blocked: 4, down: 0, cooling_down: 0, worst_streak: 0, latest_event_ns: null },
    ]);
    const table = await cli(["-s", fleet, "inspect", "--down", "--sort", "failures", "--limit", "2"]);
    expect(table.status).toBe(0);
    const lines = stripVTControlCharacters(table.stdout).split("\n");
    expect(lines[0]).toBe("fleet  3 node(s) read");
    expect(lines[1]).toMatch(/^peers {2}\d+ known; on some node: \d+ blocked, \d+ down, \d+ cooling down$/);
    expect(lines[4]).toMatch(/PEER +│ NODES │ BLOCKED │ DOWN │ COOLING │ WORST STREAK │ LATEST EVENT/);
    // The worst streak first: QmZnC2FJ... is down after 30 failures in example.json.
    expect(lines[6]).toMatch(
      /QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4 +│ +1\/3 │ +0 │ +1 │ +1 │ +30 │ 2025-11-24 15:59:50.123 UTC │/,
    );
    expect(table.stdout).toContain("more row(s) not shown (--limit)");
  });

  it("--format ndjson, tsv and json: one row per node and peer, each carrying its node, u64 values as strings", async () => {
    const { fleet } = await mixedFleet();
    const glob = `${fleet}/**/*.*`;
    const ndjson = await cli(["-s", glob, "inspect", "--format", "ndjson"]);
    expect(ndjson.status).toBe(0);
    const rows = ndjson.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const perNode = new Map<string, number>();
    for (const row of rows) perNode.set(row.node as string, (perNode.get(row.node as string) ?? 0) + 1);
    // As many rows per node as the single-file inspect of that file has peers.
    for (const [label, file] of [
      ["a.json", "a.json"],
      [SMALL_ID, "small.bin"],
      [HAND_ID, "east/node.snap"],
    ] as const) {
      const single = JSON.parse((await cli(["--json", "-s", path.join(fleet, file), "inspect"])).stdout) as { peers: unknown[] };
      expect(perNode.get(label), label).toBe(single.peers.length);
    }
    const down = rows.find((row) => row.node === "a.json" && row.peer === EXAMPLE_BLOCKED);
    expect(down).toMatchObject({
      path: "a.json",
      blocked: true,
      down: true,
      consecutive_failures: 6,
      last_event_ns: "1763996400122469135",
    });
    expect(down?.inbound).toEqual({ decision: "deny", reason: "blocklisted", retry_ns: null });
    const tsv = await cli(["-s", glob, "inspect", "--format", "tsv", "--blocked"]);
    const tsvLines = tsv.stdout.trimEnd().split("\n");
    expect(tsvLines[0]).toBe(
      "node\tpath\tpeer\tblocked\tallowlisted\tconsecutive_failures\tdown\tlast_event_ns\tattempts\tnext_retry_ns\tcooling_down\tinbound\toutbound",
    );
    expect(tsvLines.slice(1).every((line) => line.split("\t").length === 13 && line.split("\t")[3] === "true")).toBe(true);
    expect(tsvLines).toContain(
      `a.json\ta.json\t${EXAMPLE_BLOCKED}\ttrue\tfalse\t6\ttrue\t1763996400122469135\t6\t1763996400442469135\tfalse\tdeny:blocklisted\tdeny:blocklisted`,
    );
    const json = JSON.parse((await cli(["-s", glob, "inspect", "--format", "json", EXAMPLE_BLOCKED])).stdout) as {
      nodes: unknown[];
      rows: { node: string }[];
    };
    expect(json.nodes).toHaveLength(4);
    expect(json.rows.map((row) => row.node)).toEqual(["a.json"]);
  });

  it("--by-node: a peers x nodes matrix that fits 80 columns, in blocks of nodes, with a legend", async () => {
    const fleet = path.join(dir, "many");
    fs.mkdirSync(fleet);
    for (let i = 1; i <= 40; i++)
      fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(fleet, `node-${String(i).padStart(2, "0")}.json`));
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), path.join(fleet, "small.bin"));
    const result = await cli(["-s", fleet, "inspect", "--by-node", EXAMPLE_BLOCKED, SMALL_DOWN]);
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    expect(Math.max(...lines.map((line) => [...line].length))).toBeLessThanOrEqual(80);
    const heads = lines.filter((line) => line.startsWith("PEER"));
    expect(heads.length).toBeGreaterThan(1); // 41 nodes do not fit one block of 80 columns
    expect(heads[0]).toMatch(/^PEER {12}1 {2}2 {2}3/);
    // The example's blocked peer is B on every example node and unknown to the node snapshot (node 41).
    const blockedRows = lines.filter((line) => line.startsWith("12D3KooW…Fdaik"));
    const cells = (rows: string[]): string =>
      rows
        .map((line) => line.slice(14))
        .join("")
        .replace(/[^B.Dc]/g, "");
    expect(cells(blockedRows)).toBe("B".repeat(40));
    // small.bin's down peer is D on node 41 only.
    expect(cells(lines.filter((line) => line.startsWith("12D3KooW…o7ktp")))).toBe("D");
    expect(result.stdout).toContain(`41  ${SMALL_ID}`);
    expect(result.stdout).toContain(" 1  node-01.json");
    expect(result.stdout).toContain("B blocked, D down, c cooling down, . known");
    const wide = await cli(["-s", fleet, "inspect", "--by-node", EXAMPLE_BLOCKED], undefined, { COLUMNS: "200" });
    expect(wide.stdout.split("\n").filter((line) => line.startsWith("PEER"))).toHaveLength(1);
    // Narrower than the legend's line (72 columns), which now wraps as the rest fits (review 7).
    const narrow = await cli(["-s", fleet, "inspect", "--by-node", EXAMPLE_BLOCKED], undefined, { COLUMNS: "60" });
    // (The summary's two lines above it are not fitted, as one snapshot's are not.)
    const below = narrow.stdout.split("\n").slice(3);
    expect(Math.max(...below.map((line) => [...line].length))).toBeLessThanOrEqual(60);
    expect(narrow.stdout).toContain("B blocked, D down, c cooling down, . known, blank: not known\nto the node\n");
  });

  it("the per-peer table keeps the latest event at 80 columns, and fits 60 by dropping the nodes' count, then it", async () => {
    const { fleet } = await mixedFleet();
    const head = async (columns: number): Promise<{ head: string; widest: number }> => {
      const result = await cli(["-s", fleet, "inspect"], undefined, { COLUMNS: String(columns) });
      const lines = stripVTControlCharacters(result.stdout).split("\n");
      return { head: lines.find((line) => line.startsWith("│ PEER")) ?? "", widest: Math.max(...lines.map((line) => [...line].length)) };
    };
    const at80 = await head(80);
    // Before this, "LATEST EVENT" went at 80 columns for want of one: "WORST STREAK" is now "STREAK" first.
    expect(at80.head).toMatch(/^│ PEER +│ NODES │ BLOCKED │ DOWN │ COOLING │ STREAK │ LATEST EVENT +│$/);
    expect(at80.widest).toBeLessThanOrEqual(80);
    const at70 = await head(70);
    expect(at70.head).toMatch(/^│ PEER +│ BLOCKED │ DOWN │ COOLING │ STREAK │ LATEST EVENT │$/);
    const at60 = await head(60);
    expect(at60.head).toMatch(/^│ PEER +│ BLOCKED │ DOWN │ COOLING │ STREAK │$/);
    expect(at60.widest).toBeLessThanOrEqual(60);
    expect((await head(200)).head).toContain("│ WORST STREAK │ LATEST EVENT ");
    // Half of an 80-column terminal: the streak goes, then two short titles (it stayed 54 wide there).
    const at50 = await head(50);
    expect(at50.head).toMatch(/^│ PEER +│ BLOCKED │ DOWN │ COOLING │$/);
    expect(at50.widest).toBeLessThanOrEqual(50);
    const at40 = await head(40);
    expect(at40.head).toMatch(/^│ PEER +│ BLOCK │ DOWN │ COOL │$/);
    expect(at40.widest).toBeLessThanOrEqual(40);
  });

  it("at 80 columns the latest event keeps its time of day (review 13: the date alone was the same on every row)", async () => {
    const { fleet } = await mixedFleet();
    const at = async (columns: number): Promise<string[]> => {
      const result = await cli(["-s", fleet, "inspect"], undefined, { COLUMNS: String(columns) });
      return stripVTControlCharacters(result.stdout).split("\n");
    };
    const at80 = await at(80);
    expect(Math.max(...at80.map((line) => [...line].length))).toBeLessThanOrEqual(80);
    expect(at80.find((line) => line.startsWith("│ PEER"))).toMatch(/│ NODES │ BLOCKED │ DOWN │ COOLING │ STREAK │ LATEST EVENT +│$/);
    expect(at80.filter((line) => / │ \d\d-\d\d \d\d:\d\d:\d\d │$/.test(line)).length).toBeGreaterThan(3);
    // Narrower, the date alone as before, every column kept.
    const at78 = await at(78);
    expect(at78.find((line) => line.startsWith("│ PEER"))).toMatch(/│ NODES │ BLOCKED │ DOWN │ COOLING │ STREAK │ LATEST EVENT │$/);
    expect(at78.filter((line) => / │ \d{4}-\d\d-\d\d +│$/.test(line)).length).toBeGreaterThan(3);
  });

  it("check's table fits 60 columns: both decisions lose their 'deny: ' together, and at 40 all but the verdict", async () => {
    const fleet = path.join(dir, "check");
    fs.mkdirSync(fleet);
    for (const name of ["example.json", "node/small.bin", "node/allowlist-some.bin"])
      fs.copyFileSync(path.join(FIXTURES, name), path.join(fleet, path.basename(name)));
    const shown = async (columns: number): Promise<string[]> =>
      stripVTControlCharacters((await cli(["-s", fleet, "check", SMALL_DOWN], undefined, { COLUMNS: String(columns) })).stdout).split("\n");
    const wide = await shown(80);
    expect(wide.some((line) => /│ deny: not_allowlisted │ deny: not_allowlisted +│$/.test(line))).toBe(true);
    expect(wide.some((line) => /│ deny: cooldown, retry in \d+ ms +│$/.test(line))).toBe(true);
    const narrow = await shown(60);
    expect(narrow.some((line) => /│ not_allowlisted +│ not_allowlisted +│$/.test(line))).toBe(true);
    expect(narrow.some((line) => /│ allow +│ cooldown \d+ ms +│$/.test(line))).toBe(true);
    expect(Math.max(...narrow.map((line) => [...line].length))).toBeLessThanOrEqual(60);
    // Half of an 80-column terminal: the verdicts alone (it stayed 54 wide); the line under the table names the deniers.
    const half = await shown(40);
    const table = half.filter((line) => /^[┌│├└]/.test(line));
    expect(Math.max(...table.map((line) => [...line].length))).toBeLessThanOrEqual(40);
    expect(table.filter((line) => /│ deny +│ deny +│$/.test(line))).toHaveLength(1);
    expect(table.filter((line) => /│ allow +│ deny +│$/.test(line))).toHaveLength(1);
    expect(half.some((line) => line.startsWith("denied on 2 of 3 node(s)"))).toBe(true);
  });

  it("validate, a dry-run change and check wrap their long lines between words at 60 columns, as one file's do", async () => {
    const fleet = path.join(dir, "narrow");
    fs.mkdirSync(fleet);
    for (const name of ["example.json", "node/small.bin", "node/allowlist-some.bin"])
      fs.copyFileSync(path.join(FIXTURES, name), path.join(fleet, path.basename(name)));
    const env = { COLUMNS: "60" };
    for (const args of [["validate"], ["--dry-run", "block", SMALL_DOWN], ["check", SMALL_DOWN]]) {
      const result = await cli(["-s", fleet, ...args], undefined, env);
      const lines = stripVTControlCharacters(result.stdout).split("\n");
      // Tables are drawn as narrow as they go and left to the terminal; every other line fits, no word cut.
      const text = lines.filter((line) => !/^\s*[┌│├└]/.test(line));
      expect(Math.max(...text.map((line) => [...line].length)), `${args.join(" ")}\n${result.stdout}`).toBeLessThanOrEqual(60);
      // A whole peer id is one word: on a line of its own when it must be, never cut.
      if (args[0] !== "validate") expect(text.some((line) => line.includes(SMALL_DOWN))).toBe(true);
    }
  });

  it("a file that cannot be read is named; the view goes on with the rest and exits 2", async () => {
    const { fleet } = await mixedFleet();
    fs.writeFileSync(path.join(fleet, "broken.json"), '{"spec_version": 1, "clock_ns": "x"}\n');
    const result = await cli(["-s", fleet, "inspect", EXAMPLE_BLOCKED]);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain("fleet  3 node(s) read, 1 unreadable\n");
    expect(result.stdout).toContain(EXAMPLE_BLOCKED);
    const stderr = result.stderr.split("\n");
    expect(stderr[0]).toMatch(new RegExp(`^bbgov: .* \\(${fleet}/broken.json: clock_ns\\)$`));
    expect(stderr[1]).toBe("bbgov: 1 of 4 file(s) could not be read; the others are shown (fleet)");
    const json = JSON.parse((await cli(["--json", "-s", fleet, "inspect"])).stdout) as { nodes: { path: string; error?: string }[] };
    expect(json.nodes.find((node) => node.path === "broken.json")?.error).toContain("broken.json: clock_ns");
  });

  it("check PEER: the decision on every node; exit 1 when one denies, naming it", async () => {
    const { fleet } = await mixedFleet();
    const denied = await cli(["-s", fleet, "-s", `${fleet}/east/node.snap`, "check", EXAMPLE_BLOCKED]);
    expect(denied.status).toBe(1);
    const text = stripVTControlCharacters(denied.stdout);
    expect(text).toMatch(/│ a\.json +│ deny: blocklisted +│ deny: blocklisted +│/);
    expect(text).toMatch(new RegExp(`│ ${SMALL_ID} │ allow +│ allow +│`));
    expect(text).toContain(`denied on 3 of 4 node(s): a.json, fw.json, ${HAND_ID}`);
    const json = JSON.parse((await cli(["--json", "-s", fleet, "check", EXAMPLE_BLOCKED, "--inbound"])).stdout) as {
      denied: string[];
      nodes: Record<string, unknown>[];
    };
    expect(json.denied).toEqual(["a.json", "fw.json"]);
    expect(json.nodes[2]).toMatchObject({
      node: SMALL_ID,
      path: "small.bin",
      kind: "node-snapshot",
      peer: EXAMPLE_BLOCKED,
      inbound: { decision: "allow" },
    });
    const allowed = await cli(["-s", `${fleet}/small.bin`, "-s", `${fleet}/a.json`, "check", "16uZAbWC1AYtq"]);
    expect(allowed.status).toBe(0);
    expect(allowed.stdout).toContain("allowed on all 2 node(s) read");
  });

  it("validate: every file checked and reported; exit 2 when one is invalid", async () => {
    const { fleet } = await mixedFleet();
    const good = await cli(["-s", fleet, "-s", `${fleet}/east/node.snap`, "validate"]);
    expect(good.status).toBe(0);
    expect(good.stdout).toContain("valid: a.json (");
    expect(good.stdout).toContain(`valid: ${HAND_ID} (`);
    expect(good.stdout).toContain("all 4 file(s) valid");
    fs.copyFileSync(path.join(FIXTURES, "node/spec-version-2.bin"), path.join(fleet, "v2.bin"));
    const bad = await cli(["--json", "-s", fleet, "validate"]);
    expect(bad.status).toBe(2);
    const doc = JSON.parse(bad.stdout) as { valid: boolean; files: { path: string; valid: boolean; error?: string }[] };
    expect(doc.valid).toBe(false);
    expect(doc.files.map((file) => [file.path, file.valid])).toEqual([
      ["a.json", true],
      ["fw.json", true],
      ["small.bin", true],
      ["v2.bin", false],
    ]);
    expect(bad.stderr).toContain("v2.bin: transient.framework.spec_version)");
  });

  it("validate names each file by its label, an invalid one too, and a name holding ' (' stays whole (review 7)", async () => {
    fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(dir, "my (copy).json"));
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), path.join(dir, "small.bin"));
    fs.writeFileSync(path.join(dir, "notes.json"), "not json\n");
    const result = await cli(["-s", dir, "validate"]);
    expect(result.status).toBe(2);
    const firstLines = result.stdout.split("\n").filter((line) => /^(in)?valid: /.test(line));
    expect(firstLines).toEqual([
      // Was "valid: my (copy).json (copy).json (11 tracked, …": the label went in up to the first " (".
      "valid: my (copy).json (11 tracked, 2 blocked, 8 backoff entries)",
      // Was the path as given (here absolute), where every other line names the file by its label.
      "invalid: notes.json: 1 error(s)",
      `valid: ${SMALL_ID} (10 tracked, 2 blocked, 8 backoff entries)`,
    ]);
    // Standard error names the file as every fleet error line does (as given), not as "notes.json" alone.
    expect(result.stderr).toContain(`(${path.join(dir, "notes.json")}: $)`);
  });

  it("inspect --cooling and --reverse work across a fleet; the filters and times it cannot honour are refused (review 7)", async () => {
    fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(dir, "a.json"));
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), path.join(dir, "small.bin"));
    type Doc = { summary: { peers: number; cooling_down_somewhere: number }; peers: { peer: string; cooling_down: number }[] };
    const doc = async (...args: string[]): Promise<Doc> => JSON.parse((await cli(["--json", "-s", dir, "inspect", ...args])).stdout) as Doc;
    const all = await doc();
    // --cooling printed all 22 peers, as if not given.
    const cooling = await doc("--cooling");
    expect(cooling.peers.length).toBe(all.summary.cooling_down_somewhere);
    expect(cooling.peers.length).toBeLessThan(all.summary.peers);
    expect(cooling.peers.every((peer) => peer.cooling_down > 0)).toBe(true);
    const model = JSON.parse(
      (await cli(["--json", "-s", dir, "inspect", "--cooling"], undefined, { BBGOV_FLEET_SCAN: "0" })).stdout,
    ) as Doc;
    expect(model.peers).toEqual(cooling.peers);
    expect((await doc("--reverse")).peers.map((peer) => peer.peer)).toEqual(all.peers.map((peer) => peer.peer).reverse());
    // Each of these printed every peer, as if no filter and no time had been given: now a usage error, nothing printed.
    for (const args of [
      ["--denied"],
      ["--allowlisted"],
      ["--unknown", NEW_PEER],
      ["--at", "0"],
      ["--after", "1h"],
      ["--format", "ndjson", "--limit", "1"],
      ["--format", "tsv", "--sort", "failures"],
      ["--format", "json", "--cooling"],
      ["--format", "ndjson", "--reverse"],
    ]) {
      const refused = await cli(["-s", dir, "inspect", ...args]);
      expect(refused.status, args.join(" ")).toBe(2);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toMatch(new RegExp(`^bbgov: ${args.find((arg) => arg !== "--format" && arg.startsWith("--"))} .*\\n$`));
    }
  });

  it("inspect --watch across a fleet is a usage error (it printed once and exited 0; found by an adversarial run)", async () => {
    const { fleet } = await mixedFleet();
    const result = await cli(["-s", fleet, "inspect", "--watch"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("bbgov: --watch follows one snapshot; give one -s FILE, not a fleet (--watch)\n");
  });

  it("other commands across a fleet are usage errors", async () => {
    const { fleet } = await mixedFleet();
    const cases: [string[], string][] = [
      [
        ["diff", `${fleet}/a.json`],
        "bbgov: diff works on one snapshot; across a fleet bbgov runs inspect, check, validate and the changing commands (diff)",
      ],
      [
        ["export"],
        "bbgov: export works on one snapshot; across a fleet bbgov runs inspect, check, validate and the changing commands (export)",
      ],
      [["init"], "bbgov: init writes one new snapshot; give one -s FILE, not a fleet (init)"],
      [["import", `${fleet}/small.bin`], "bbgov: import writes one new snapshot; give one -s FILE, not a fleet (import)"],
      [["-o", `${dir}/out.json`, "block", NEW_PEER], "bbgov: --out writes one file; a fleet is changed in place (--out)"],
      [["inspect", "--format", "wide"], "bbgov: --format wide is for one snapshot; across a fleet: table, json, ndjson, tsv (--format)"],
      [
        ["inspect", "--sort", "attempts"],
        "bbgov: --sort attempts is for one snapshot; across a fleet: peer, failures, last-event (--sort)",
      ],
    ];
    const before = bytesOf([`${fleet}/a.json`, `${fleet}/small.bin`]);
    for (const [args, message] of cases) {
      const result = await cli(["-s", fleet, ...args]);
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr).toBe(`${message}\n`);
    }
    expect(bytesOf([`${fleet}/a.json`, `${fleet}/small.bin`])).toEqual(before);
    expect((await cli(["-s", fleet, "-s", "-", "inspect"])).stderr).toBe("bbgov: standard input cannot be part of a fleet (-s -)\n");
    expect((await cli(["-s", `${fleet}/a.json`, "inspect", "--by-node"])).stderr).toBe(
      "bbgov: --by-node is for a fleet (several -s, a folder or a glob) (inspect)\n",
    );
  });
});

describe("a file whose name is not valid UTF-8", () => {
  it("is named as such, not as missing: the read-only view goes on (exit 2), a change writes nothing", async () => {
    const fleet = path.join(dir, "names");
    fs.mkdirSync(fleet);
    fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(fleet, "ok.json"));
    // The bytes "bad", 0xff, ".json": Linux takes any bytes but "/" and NUL in a name.
    fs.writeFileSync(
      Buffer.concat([Buffer.from(`${fleet}/bad`), Buffer.from([0xff]), Buffer.from(".json")]),
      fs.readFileSync(path.join(FIXTURES, "minimal.json")),
    );
    const before = fs.readFileSync(path.join(fleet, "ok.json"));
    const read = await cli(["--json", "-s", fleet, "inspect"]);
    expect(read.status).toBe(2);
    expect(read.stderr).toContain("its name is not valid UTF-8 (bbgov opens files by their UTF-8 names); rename it");
    expect(read.stderr).not.toContain("bbgov init");
    expect((JSON.parse(read.stdout) as { nodes: unknown[] }).nodes).toHaveLength(2);
    const change = await cli(["-s", fleet, "block", NEW_PEER]);
    expect(change.status).toBe(2);
    expect(change.stderr).toContain("nothing written");
    expect(fs.readFileSync(path.join(fleet, "ok.json"))).toEqual(before);
  });
});

describe("a fleet's peers, made once for all its files", () => {
  it("validate and a change make each node snapshot's peers for the first file only", async () => {
    // Three copies of one node snapshot, read the usual way (no scan, which shares its own table of peers).
    const fleet = path.join(dir, "copies");
    fs.mkdirSync(fleet);
    for (const name of ["a.bin", "b.bin", "c.bin"]) fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), path.join(fleet, name));
    const made = vi.spyOn(PeerId, "fromBytesIn");
    try {
      for (const args of [["validate"], ["--dry-run", "block", NEW_PEER], ["--dry-run", "fail", SMALL_DOWN]]) {
        made.mockClear();
        expect((await cli(["-s", path.join(fleet, "a.bin"), ...args])).status).toBe(0);
        const one = made.mock.calls.length;
        expect(one).toBeGreaterThan(1);
        made.mockClear();
        expect((await cli(["-s", fleet, ...args], undefined, { BBGOV_FLEET_SCAN: "0" })).status).toBe(0);
        expect(made.mock.calls.length, args.join(" ")).toBe(one);
      }
    } finally {
      made.mockRestore();
    }
  });
});

describe("changing a fleet", () => {
  it("every file checked before the first write: one that fails and nothing is written anywhere", async () => {
    const { fleet, files } = await mixedFleet();
    const before = bytesOf(files);
    // A node snapshot has no clock: clock --advance fails on three of the four, and a.json is not written either.
    const result = await cli(["-s", fleet, "-s", `${fleet}/east/node.snap`, "clock", "--advance", "1s"]);
    expect(result.status).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`^bbgov: a framework snapshot holds no clock.*\\(${fleet}/fw.json: --advance\\)$`));
    expect(lines[2]).toMatch(new RegExp(`^bbgov: a node snapshot holds no clock.*\\(${fleet}/east/node.snap: --advance\\)$`));
    expect(lines[3]).toBe("bbgov: nothing written: 3 of 4 file(s) failed their check (fw.json, small.bin, east/node.snap) (fleet)");
    expect(bytesOf(files)).toEqual(before);
    fs.writeFileSync(path.join(fleet, "broken.bin"), Buffer.from([1, 2, 3, 0]));
    const broken = await cli(["-s", fleet, "block", NEW_PEER]);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain("failed their check (broken.bin)");
    expect(bytesOf(files)).toEqual(before);
  });

  it("writes every file; --dry-run shows the per-node plan; the same command again changes no byte", async () => {
    const { fleet, files } = await mixedFleet();
    const before = bytesOf(files);
    const args = ["-s", fleet, "-s", `${fleet}/east/node.snap`];
    const dry = await cli([...args, "--dry-run", "block", NEW_PEER]);
    expect(dry.status).toBe(0);
    const text = stripVTControlCharacters(dry.stdout);
    expect(text).toContain(`── ${HAND_ID}\n  ✓ ${NEW_PEER} blocked`);
    expect(text).toMatch(/│ a\.json +│ a\.json +│ would change │/);
    expect(text).toContain("dry run: nothing written; 4 of 4 file(s) would change");
    expect(bytesOf(files)).toEqual(before);
    const done = await cli([...args, "--json", "block", NEW_PEER]);
    expect(done.status).toBe(0);
    const doc = JSON.parse(done.stdout) as { written: string[]; not_written: string[]; nodes: { result: string; report: unknown }[] };
    // Files in the order given: the folder's, then the one named after it.
    expect(doc.written).toEqual(["a.json", "fw.json", "small.bin", "east/node.snap"]);
    expect(doc.not_written).toEqual([]);
    for (const file of files) expect((await cli(["-s", file, "check", NEW_PEER])).status).toBe(1);
    const after = bytesOf(files);
    const again = await cli([...args, "block", NEW_PEER]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("0 of 4 file(s) written, 4 unchanged");
    expect(bytesOf(files)).toEqual(after);
  });

  it("a read-only file is refused in the check, before any write: nothing written anywhere", async () => {
    const { fleet, files } = await mixedFleet();
    const readOnly = path.join(fleet, "fw.json");
    fs.chmodSync(readOnly, 0o444);
    const before = bytesOf(files);
    try {
      const result = await cli(["-s", fleet, "-s", `${fleet}/east/node.snap`, "block", NEW_PEER]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("cannot write the snapshot: it is read-only (mode 0444)");
      expect(result.stderr.trimEnd().split("\n").at(-1)).toBe(
        "bbgov: nothing written: 1 of 4 file(s) failed their check (fw.json) (fleet)",
      );
      expect(bytesOf(files)).toEqual(before);
      // Nothing to change on it: the read-only file is no obstacle.
      expect((await cli(["-s", readOnly, "-s", `${fleet}/a.json`, "unblock", NEW_PEER])).status).toBe(0);
    } finally {
      fs.chmodSync(readOnly, 0o644);
    }
  });

  it("a write that fails midway (a held lock): the report names every file written and not; a re-run completes the rest", async () => {
    const { fleet, files } = await mixedFleet();
    const locked = path.join(fleet, "small.bin");
    const lock = await acquireLock(locked, "test", 1000);
    const before = bytesOf(files);
    let result: Awaited<ReturnType<typeof cli>>;
    try {
      result = await cli([
        "-s",
        fleet,
        "-s",
        `${fleet}/east/node.snap`,
        "--lock-timeout",
        "50ms",
        "fail",
        NEW_PEER,
        "--at",
        "1764000000000000000",
      ]);
    } finally {
      await lock.release();
    }
    expect(result.status).toBe(2);
    const text = stripVTControlCharacters(result.stdout);
    expect(text).toMatch(/│ a\.json +│ a\.json +│ written +│/);
    expect(text).toMatch(/│ fw\.json +│ fw\.json +│ written +│/);
    expect(text).toMatch(
      new RegExp(`│ ${SMALL_ID} │ small\\.bin +│ NOT WRITTEN: the snapshot is locked by pid ${process.pid} .*gave up after 50 ms`),
    );
    expect(text).toContain("3 of 4 file(s) written, 0 unchanged, 1 NOT written");
    expect(result.stderr.trimEnd().split("\n").at(-1)).toBe(
      `bbgov: 1 of 4 file(s) not written: small.bin; written: a.json, fw.json, east/node.snap; run fail again naming only the files not written (-s ${locked}): on the files written it would record its events twice (fleet)`,
    );
    const after = bytesOf(files);
    const lockedAt = files.indexOf(locked);
    files.forEach((_, index) => {
      if (index === lockedAt) expect(after[index]).toEqual(before[index]);
      else expect(after[index]).not.toEqual(before[index]);
    });
    // `fail` is not idempotent, so the re-run here is one that is: block. First block everywhere, then nothing is left to do.
    const completed = await cli(["--json", "-s", fleet, "-s", `${fleet}/east/node.snap`, "block", NEW_PEER]);
    expect(completed.status).toBe(0);
    const rerun = bytesOf(files);
    const nothingLeft = await cli(["--json", "-s", fleet, "-s", `${fleet}/east/node.snap`, "block", NEW_PEER]);
    expect(nothingLeft.status).toBe(0);
    expect((JSON.parse(nothingLeft.stdout) as { unchanged: string[] }).unchanged).toHaveLength(4);
    expect(bytesOf(files)).toEqual(rerun);
  });

  it("a held lock: the re-run of the same command writes only what was left", async () => {
    const { fleet, files } = await mixedFleet();
    const locked = path.join(fleet, "a.json");
    const lock = await acquireLock(locked, "test", 1000);
    let first: Awaited<ReturnType<typeof cli>>;
    try {
      first = await cli(["--json", "-s", fleet, "--lock-timeout", "50ms", "block", NEW_PEER]);
    } finally {
      await lock.release();
    }
    expect(first.status).toBe(2);
    const doc = JSON.parse(first.stdout) as { written: string[]; not_written: string[] };
    expect(doc).toMatchObject({ written: ["fw.json", "small.bin"], not_written: ["a.json"] });
    const between = bytesOf(files);
    const second = await cli(["--json", "-s", fleet, "block", NEW_PEER]);
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ written: ["a.json"], unchanged: ["fw.json", "small.bin"], not_written: [] });
    const after = bytesOf(files);
    expect(after[0]).not.toEqual(between[0]);
    expect(after.slice(1)).toEqual(between.slice(1));
  });

  it("the report of a write that failed midway fits 80 columns: the reason and long paths give way (review 7)", async () => {
    const deep = path.join(dir, "region-europe-west-1", "zone-b", "rack-17");
    fs.mkdirSync(deep, { recursive: true });
    const files = [path.join(deep, "governor-of-this-node.json"), path.join(dir, "small.bin")];
    fs.copyFileSync(path.join(FIXTURES, "example.json"), files[0] as string);
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), files[1] as string);
    const lock = await acquireLock(files[1] as string, "test", 1000);
    let result: Awaited<ReturnType<typeof cli>>;
    try {
      result = await cli(["-s", dir, "-s", `${dir}/*/*/*/*.json`, "--lock-timeout", "20ms", "block", NEW_PEER], undefined, {
        COLUMNS: "80",
      });
    } finally {
      await lock.release();
    }
    expect(result.status).toBe(2);
    const lines = stripVTControlCharacters(result.stdout).split("\n");
    // The table was 175 columns wide: whole path, and the lock's whole story in its RESULT cell.
    expect(Math.max(...lines.map((line) => [...line].length))).toBeLessThanOrEqual(80);
    expect(lines).toContain("│ …his-node.json │ …/governor-of-this-node.json │ written     │");
    expect(lines).toContain("│ 12D3KooW…yEey2 │ small.bin                    │ NOT WRITTEN │");
    // The reason is not lost: standard error has it, whole.
    expect(result.stderr).toContain(`bbgov: the snapshot is locked by pid ${process.pid}`);
  });

  it("a change's results and plan fit 40 columns on a terminal: the node's name goes, the file stays (review 14)", async () => {
    const fleet = path.join(dir, "nodes");
    for (const [name, fixture] of [
      ["eu-1/node.snap", "node/small.bin"],
      ["eu-2/node.snap", "node/trailing-bytes.bin"],
      ["lab/governor.json", "example.json"],
    ] as const) {
      fs.mkdirSync(path.dirname(path.join(fleet, name)), { recursive: true });
      fs.copyFileSync(path.join(FIXTURES, fixture), path.join(fleet, name));
    }
    const locked = path.join(fleet, "eu-2/node.snap");
    const lock = await acquireLock(locked, "test", 1000);
    const runs: Awaited<ReturnType<typeof terminal>>[] = [];
    try {
      for (const args of [
        ["--dry-run", "block", NEW_PEER],
        ["--lock-timeout", "20ms", "block", NEW_PEER],
      ])
        runs.push(await terminal(["-s", `${fleet}/*/*`, ...args], { tty: true, columns: 40 }));
    } finally {
      await lock.release();
    }
    const [plan, results] = runs.map((run) => stripVTControlCharacters(run?.stdout ?? "").split("\n"));
    // The tables were 53 wide: NODE, FILE and "would change" or "NOT WRITTEN"; the file is what the lines under them name.
    for (const lines of [plan, results]) expect(Math.max(...(lines ?? []).map((line) => [...line].length))).toBeLessThanOrEqual(40);
    expect(plan).toContain("│ eu-1/node.snap    │ would change │");
    expect(plan).toContain("│ lab/governor.json │ would change │");
    // Each node's plan is headed by its name, shortened beside its file (a whole id was 55 wide).
    expect(plan).toContain("── 12D3KooW…yEey2 (eu-1/node.snap)");
    expect(results).toContain("│ eu-2/node.snap    │ NOT WRITTEN │");
    expect(results).toContain("│ eu-1/node.snap    │ written     │");
    expect(runs[1]?.status).toBe(2);
  });

  it("a change's table cuts long paths at 40 columns, each still told apart (review 14)", async () => {
    const files = ["eu-west-1/rack-17/governor.json", "us-east-2/rack-17/governor.json"].map((name) => path.join(dir, name));
    for (const file of files) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.copyFileSync(path.join(FIXTURES, "example.json"), file);
    }
    const result = await terminal(["-s", `${dir}/*/*/*`, "--dry-run", "block", NEW_PEER], { tty: true, columns: 40 });
    const lines = stripVTControlCharacters(result.stdout).split("\n");
    expect(Math.max(...lines.filter((line) => /^[┌│├└]/.test(line)).map((line) => [...line].length))).toBeLessThanOrEqual(40);
    // Cut at a folder's start both read "…ck-17/governor.json": each keeps its start and its end instead.
    expect(lines).toContain("│ eu-west-1/…rnor.json │ would change │");
    expect(lines).toContain("│ us-east-2/…rnor.json │ would change │");
  });

  it("apply from standard input runs the same script on every file", async () => {
    const { fleet, files } = await mixedFleet();
    const result = await cli(["-s", `${fleet}/a.json`, "-s", `${fleet}/small.bin`, "apply", "-"], `block ${NEW_PEER}\nthreshold 3\n`);
    expect(result.status).toBe(0);
    for (const file of [files[0] as string, files[3] as string]) {
      const doc = JSON.parse((await cli(["--json", "-s", file, "inspect", NEW_PEER])).stdout) as {
        peer_governor: { failure_threshold: number; blocklist: string[] };
      };
      expect(doc.peer_governor.failure_threshold).toBe(3);
      expect(doc.peer_governor.blocklist).toContain(NEW_PEER);
    }
  });
});

describe("a fleet that reaches a file twice, or names peers loosely (found by an adversarial run)", () => {
  const failuresOf = async (file: string, peer: string): Promise<number> => {
    const doc = JSON.parse((await cli(["--json", "-s", file, "inspect", peer])).stdout) as {
      peers: { health: { consecutive_failures: number } | null }[];
    };
    return doc.peers[0]?.health?.consecutive_failures ?? 0;
  };

  it("one file reached through links is one node: an event is recorded once", async () => {
    fs.mkdirSync(path.join(dir, "f"));
    fs.mkdirSync(path.join(dir, "g"));
    const file = path.join(dir, "f", "a.snap");
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), file);
    fs.symlinkSync("a.snap", path.join(dir, "f", "link.snap"));
    fs.symlinkSync(path.join(dir, "f", "a.snap"), path.join(dir, "g", "x.snap"));
    const result = await cli([
      "--json",
      "-s",
      file,
      "-s",
      path.join(dir, "f", "link.snap"),
      "-s",
      path.join(dir, "g", "x.snap"),
      "fail",
      NEW_PEER,
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(await failuresOf(file, NEW_PEER)).toBe(1);
    expect((await cli(["--json", "-s", path.join(dir, "f"), "inspect"])).stdout).toContain('"nodes": 1');
  });

  it("** never follows a link to a folder: no loop, no file twice", async () => {
    fs.mkdirSync(path.join(dir, "loop", "a"), { recursive: true });
    const file = path.join(dir, "loop", "a", "x.json");
    fs.copyFileSync(path.join(FIXTURES, "example.json"), file);
    fs.symlinkSync("..", path.join(dir, "loop", "a", "up"));
    fs.symlinkSync("../a", path.join(dir, "loop", "a", "self"));
    expect(await expandGlob(path.join(dir, "loop", "**", "*.json"))).toEqual([file]);
  });

  it("a prefix is resolved once across the fleet: ambiguous there is refused, nothing written", async () => {
    fs.mkdirSync(path.join(dir, "pf"));
    const a = path.join(dir, "pf", "a.json");
    const b = path.join(dir, "pf", "b.json");
    for (const file of [a, b]) expect((await cli(["-q", "-s", file, "init", "--clock", "1000"])).status).toBe(0);
    const first = "12D3KooWJATkUcKJHbbtK22skXSBCUAtjkCg9z6NVDz3wX4a7Ci4";
    const second = "12D3KooWJjwFKy17A4DiZTrU3FfbmQNYwhBaKbfG5hB8qqh5ptHD";
    expect((await cli(["-q", "-s", a, "block", first])).status).toBe(0);
    expect((await cli(["-q", "-s", b, "block", second])).status).toBe(0);
    const before = [fs.readFileSync(a), fs.readFileSync(b)];
    const result = await cli(["-s", path.join(dir, "pf"), "unblock", "12D3KooWJ"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/12D3KooWJ/);
    expect([fs.readFileSync(a), fs.readFileSync(b)]).toEqual(before);
    // A prefix that names one peer across the fleet acts on that peer on every node.
    const one = await cli(["--json", "-s", path.join(dir, "pf"), "check", "12D3KooWJA"]);
    const doc = JSON.parse(one.stdout) as { peer: string; nodes: { peer: string }[] };
    expect(doc.peer).toBe(first);
    expect(doc.nodes.map((node) => node.peer)).toEqual([first, first]);
  });

  it("an apply script's prefix is resolved across the fleet too: the same peer on every node, or refused (review 7)", async () => {
    fs.mkdirSync(path.join(dir, "pf"));
    const a = path.join(dir, "pf", "a.json");
    const b = path.join(dir, "pf", "b.json");
    const first = "12D3KooWJATkUcKJHbbtK22skXSBCUAtjkCg9z6NVDz3wX4a7Ci4";
    const second = "12D3KooWJjwFKy17A4DiZTrU3FfbmQNYwhBaKbfG5hB8qqh5ptHD";
    const knowing = (peer: string): string =>
      JSON.stringify({
        spec_version: 1,
        clock_ns: "1000",
        peer_governor: { health: [{ peer, consecutive_failures: 1, last_event_ns: "1000", down: false }] },
      });
    fs.writeFileSync(a, knowing(first));
    fs.writeFileSync(b, knowing(second));
    const before = [fs.readFileSync(a), fs.readFileSync(b)];
    // Each node knew one peer starting 12D3KooWJ: the script blocked `first` on a and `second` on b.
    const ambiguous = await cli(["-s", path.join(dir, "pf"), "apply", "-"], "block 12D3KooWJ\n");
    expect(ambiguous.status).toBe(2);
    expect(ambiguous.stderr).toContain('bbgov: peer "12D3KooWJ" is ambiguous: it matches 2 peers');
    expect([fs.readFileSync(a), fs.readFileSync(b)]).toEqual(before);
    // One peer across the fleet: that peer on every node.
    const one = await cli(["--json", "-s", path.join(dir, "pf"), "apply", "-"], "block 12D3KooWJA\n");
    expect(one.status).toBe(0);
    const doc = JSON.parse(one.stdout) as { nodes: { report: { lines: { changes: { peer: string }[] }[] } }[] };
    expect(doc.nodes.map((node) => node.report.lines[0]?.changes[0]?.peer)).toEqual([first, first]);
  });

  it("file names with escapes reach the terminal escaped in every fleet view", async () => {
    fs.mkdirSync(path.join(dir, "esc"));
    fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(dir, "esc", "evil\u001b[31mRED\u202e.json"));
    fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(dir, "esc", "plain.json"));
    for (const args of [["validate"], ["check", NEW_PEER], ["--dry-run", "block", NEW_PEER], ["inspect", "--by-node"]]) {
      const result = await cli(["-s", path.join(dir, "esc"), ...args]);
      expect(result.stdout, args.join(" ")).not.toMatch(/[\u001b\u202e]/);
    }
  });

  it("check --json names the denying nodes as its nodes are named, a label with an escape too (review 7)", async () => {
    fs.mkdirSync(path.join(dir, "esc"));
    const evil = "evil\u001b.json";
    fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(dir, "esc", evil));
    fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(dir, "esc", "plain.json"));
    const result = await cli(["--json", "-s", path.join(dir, "esc"), "check", EXAMPLE_BLOCKED]);
    expect(result.status).toBe(1);
    const doc = JSON.parse(result.stdout) as { nodes: { node: string }[]; denied: string[] };
    // "denied" held the terminal's escaped form, "evil\\x1b.json", which matches no node's label.
    expect(doc.denied).toEqual([evil, "plain.json"]);
    expect(doc.nodes.map((node) => node.node)).toEqual(doc.denied);
  });

  it("check of a whole id no node has seen (a typo) says so; --json says per node", async () => {
    const { fleet } = await mixedFleet();
    const typo = `${SMALL_DOWN.slice(0, -1)}q`;
    for (const env of [{}, { BBGOV_FLEET_SCAN: "0" }] as Record<string, string>[]) {
      const result = await cli(["-s", fleet, "check", typo], undefined, env);
      // fw.json's allowlist denies every peer it does not list: exit 1.
      expect(result.status, result.stderr).toBe(1);
      expect(result.stdout.trimEnd().split("\n").at(-1)).toBe(`note: ${typo}: not seen on any node read`);
      const known = await cli(["-s", fleet, "check", SMALL_DOWN], undefined, env);
      expect(known.stdout).not.toContain("not seen");
    }
    const doc = JSON.parse((await cli(["--json", "-s", fleet, "check", SMALL_DOWN])).stdout) as {
      nodes: { path: string; seen: boolean }[];
    };
    expect(doc.nodes.map((node) => [node.path, node.seen])).toEqual([
      ["a.json", false],
      ["fw.json", false],
      ["small.bin", true],
    ]);
  });
});
