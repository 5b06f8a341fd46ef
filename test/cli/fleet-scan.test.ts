/**
 * Issue 15's speed: `inspect` across a fleet scans node snapshots without a
 * model (src/snapshot/node-scan.ts). Every output must be the one the model
 * path gives: each view runs both ways (BBGOV_FLEET_SCAN=0 is the model path)
 * on fleets of every node fixture, damaged ones included, and is compared
 * byte for byte, standard error and exit code too.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FleetAggregate } from "../../src/cli/fleet/aggregate.js";
import { scanThreads } from "../../src/cli/fleet/run.js";
import { FileScanner } from "../../src/cli/fleet/scan-files.js";
import { type CliIo, execute } from "../../src/cli/main.js";
import { putNumber, putU64, ScannedRows } from "../../src/cli/fleet/scan-rows.js";
import { PeerGovernor } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";
import { readNodeSnapshot } from "../../src/snapshot/node.js";
import { GovernorScan, PeerTable, scanNodeSnapshot } from "../../src/snapshot/node-scan.js";
import { FIXTURE_NAMES, NODE_FIXTURES, REFUSED } from "../snapshot/node-fixtures.js";
import { cli } from "./run.js";

const FIXTURES = path.resolve(__dirname, "../../fixtures");
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-fleet-scan-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every node fixture (refused ones included), bbgov JSON, and node snapshots cut short or with a bad tag. */
function everyKindFleet(options: { big?: boolean } = {}): string {
  const fleet = path.join(dir, options.big === false ? "small-nodes" : "nodes");
  fs.mkdirSync(fleet);
  // The 10k-peer and 300 kB fixtures give the scan its scale; a test of decisions runs faster without them.
  const names = options.big === false ? FIXTURE_NAMES.filter((name) => name !== "peers-10k" && name !== "heavy-300k") : FIXTURE_NAMES;
  for (const name of names) fs.copyFileSync(path.join(NODE_FIXTURES, `${name}.bin`), path.join(fleet, `${name}.bin`));
  fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(fleet, "example.json"));
  const small = fs.readFileSync(path.join(NODE_FIXTURES, "small.bin"));
  const governorStart = readNodeSnapshot(small).node.governorRange[0];
  // Cut inside the health list; and the allowlist's Option tag made 2.
  fs.writeFileSync(path.join(fleet, "cut.bin"), small.subarray(0, governorStart + 300));
  const badTag = Buffer.from(small);
  const blocklistCount = Number(badTag.readBigUInt64LE(governorStart));
  let at = governorStart + 8;
  for (let i = 0; i < blocklistCount; i++) at += 8 + Number(badTag.readBigUInt64LE(at));
  badTag[at] = 2;
  fs.writeFileSync(path.join(fleet, "bad-tag.bin"), badTag);
  // Binary, but too short to be any snapshot.
  fs.writeFileSync(path.join(fleet, "tiny.bin"), Buffer.from([1, 2, 3, 0]));
  return fleet;
}

/** The same run through the scan and through the model: stdout, stderr and status equal. */
async function bothWays(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = { COLUMNS: "100" };
  const scanned = await cli(args, undefined, env);
  const modelled = await cli(args, undefined, { ...env, BBGOV_FLEET_SCAN: "0" });
  expect(scanned.stdout).toBe(modelled.stdout);
  expect(scanned.stderr).toBe(modelled.stderr);
  expect(scanned.status).toBe(modelled.status);
  return scanned;
}

describe("inspect across a fleet: the scan gives the model's output", () => {
  it("table, --by-node, --json, sorts and filters, on every node fixture with bad files among them", async () => {
    const big = everyKindFleet();
    const fleet = everyKindFleet({ big: false });
    const views = [
      ["inspect"],
      ["inspect", "--by-node"],
      ["inspect", "--sort", "failures", "--limit", "5"],
      ["inspect", "--sort", "last-event", "--down"],
      ["inspect", "--blocked", "--by-node"],
      ["--json", "inspect"],
      ["--json", "inspect", "--by-node"],
      ["--quiet", "inspect"],
    ];
    // Every view on the fleet without the two big fixtures; the table on all of them (the scan at scale; the
    // threads test of test/e2e/fleet.test.ts has the matrix of a fleet with big files).
    const runs = [...views.map((view) => ["-s", fleet, ...view]), ["-s", big, "inspect"]];
    const results = [];
    for (const run of runs) {
      const view = run;
      const result = await bothWays(run);
      results.push(result);
      // The refused and damaged files are named; the others are counted.
      expect(result.status).toBe(2);
      if (!view.includes("--quiet")) expect(result.stdout).not.toBe("");
      for (const bad of [...REFUSED, "cut", "bad-tag", "tiny"]) expect(result.stderr).toContain(`${bad}.bin`);
    }
    // hand-edited.bin's skipped entries and threshold 0 are warned about, as the model path does (the first run:
    // a plain inspect of the fleet).
    const plain = results[0] as Awaited<ReturnType<typeof bothWays>>;
    expect(plain.stderr).toContain("peer bytes do not parse (no bytes): skipped as upstream's restore skips them");
    expect(plain.stderr).toContain("failure_threshold 0 loads as 1");
  });

  it("a fleet of only good node snapshots, with repeated peers across nodes: exit 0, the same bytes", async () => {
    const fleet = path.join(dir, "good");
    fs.mkdirSync(fleet);
    for (const name of ["small", "allowlist-some", "allowlist-empty", "trailing-bytes", "hand-edited", "heavy-300k", "empty"]) {
      fs.copyFileSync(path.join(NODE_FIXTURES, `${name}.bin`), path.join(fleet, `${name}.bin`));
      fs.copyFileSync(path.join(NODE_FIXTURES, `${name}.bin`), path.join(fleet, `${name}-copy.bin`));
    }
    for (const view of [["inspect"], ["inspect", "--by-node"], ["--json", "inspect", "--by-node"]]) {
      const result = await bothWays(["-s", fleet, ...view]);
      expect(result.status).toBe(0);
    }
  });

  it("a file that is missing, a link to a folder: read the usual way, named the same", async () => {
    const fleet = everyKindFleet({ big: false });
    fs.mkdirSync(path.join(dir, "folder"));
    fs.symlinkSync(path.join(dir, "folder"), path.join(fleet, "link.bin"));
    const missing = path.join(dir, "missing.bin");
    for (const view of [["inspect"], ["--json", "inspect", "--by-node"]]) {
      const result = await bothWays(["-s", fleet, "-s", missing, ...view]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("missing.bin");
      expect(result.stderr).toContain("link.bin");
    }
  });

  it("whole peer ids are scanned for, in every view and row format; prefixes keep the model path; all agree", async () => {
    const fleet = everyKindFleet({ big: false });
    const small = readNodeSnapshot(fs.readFileSync(path.join(NODE_FIXTURES, "small.bin"))).snapshot;
    const [down] = [...small.governor.iterHealth()].filter((entry) => entry.down).map((entry) => entry.peer.text);
    const [blocked] = [...small.governor.blocklist()].map((peer) => peer.text);
    expect(down).toBeDefined();
    const unknown = "12D3KooWEVkTai2Aabvt8QUuN3fgUsbksh3Ru13KXYxKV7go7ktq";
    for (const view of [["inspect"], ["inspect", "--by-node"], ["--json", "inspect"]]) {
      const result = await bothWays(["-s", fleet, ...view, down as string, blocked as string, unknown]);
      if (view.includes("--json")) {
        const peers = (JSON.parse(result.stdout) as { peers: { peer: string }[] }).peers.map((row) => row.peer);
        expect(peers.sort()).toEqual([down, blocked].sort());
      }
    }
    // The rows of some peers: each node cut down to those peers (a repeated backoff entry: the last one counts).
    const repeated = repeatedInBackoff("hand-edited") as string;
    const some = readNodeSnapshot(fs.readFileSync(path.join(NODE_FIXTURES, "allowlist-some.bin"))).snapshot;
    const allowed = [...(some.governor.allowlist() ?? [])][0]?.text as string;
    for (const format of ["ndjson", "tsv", "json"]) {
      for (const filter of [[], ["--down"], ["--blocked"]]) {
        const peers = [down as string, blocked as string, unknown, repeated, allowed];
        const result = await bothWays(["-s", fleet, "inspect", ...peers, "--format", format, ...filter]);
        expect(result.status).toBe(2);
        if (filter.length === 0) for (const peer of [down, blocked, repeated, allowed]) expect(result.stdout).toContain(peer);
      }
    }
    await bothWays(["-s", fleet, "inspect", "--format", "ndjson"]);
    await bothWays(["-s", fleet, "inspect", "12D3KooW"]);
    await bothWays(["-s", fleet, "inspect", "Qm", "--format", "tsv"]);
  });

  it("the rows of whole peer ids come from the scan: no node file's model is read", async () => {
    const fleet = path.join(dir, "good");
    fs.mkdirSync(fleet);
    for (const name of ["small", "allowlist-some", "hand-edited"])
      fs.copyFileSync(path.join(NODE_FIXTURES, `${name}.bin`), path.join(fleet, `${name}.bin`));
    const peer = [...readNodeSnapshot(fs.readFileSync(path.join(NODE_FIXTURES, "small.bin"))).snapshot.governor.blocklist()][0]?.text;
    // Reading a node file through its model defers its health list; the scan makes no such model.
    const deferred = vi.spyOn(PeerGovernor.prototype, "deferHealthRestore");
    try {
      const scanned = await cli(["-s", fleet, "inspect", peer as string, "--format", "ndjson"]);
      expect(scanned.status).toBe(0);
      expect(deferred).not.toHaveBeenCalled();
      const modelled = await cli(["-s", fleet, "inspect", peer as string, "--format", "ndjson"], undefined, { BBGOV_FLEET_SCAN: "0" });
      expect(deferred).toHaveBeenCalledTimes(3);
      expect(scanned).toEqual(modelled);
    } finally {
      deferred.mockRestore();
    }
  });
});

describe("every peer's rows across a fleet: written from each node's scan as it is read", () => {
  /** everyKindFleet's small fleet with a framework-json, node files again under other names (one odd), and a file that is missing. */
  async function rowsFleet(): Promise<{ fleet: string; missing: string }> {
    const fleet = everyKindFleet({ big: false });
    const exported = await cli(["-s", path.join(NODE_FIXTURES, "allowlist-some.bin"), "export"]);
    expect(exported.status).toBe(0);
    fs.writeFileSync(path.join(fleet, "fw.json"), exported.stdout);
    // The same peers on more nodes; a path with a tab and a bidi override (TSV and JSON escape them).
    fs.copyFileSync(path.join(NODE_FIXTURES, "small.bin"), path.join(fleet, "small-again.bin"));
    fs.copyFileSync(path.join(NODE_FIXTURES, "allowlist-empty.bin"), path.join(fleet, "odd\u202e\tname.bin"));
    fs.copyFileSync(path.join(NODE_FIXTURES, "hand-edited.bin"), path.join(fleet, "hand-edited-again.bin"));
    // A peer whose next retry is the node's clock exactly: no longer cooling down, and outbound allowed.
    const edge = path.join(fleet, "edge.bin");
    fs.copyFileSync(path.join(NODE_FIXTURES, "small.bin"), edge);
    const failed = await cli([
      "--json",
      "-s",
      edge,
      "fail",
      "12D3KooWEVkTai2Aabvt8QUuN3fgUsbksh3Ru13KXYxKV7go7ktq",
      "--at",
      "1800000000000000000",
    ]);
    const nextRetry = (JSON.parse(failed.stdout) as { events: { backoff: { next_retry_ns: string } }[] }).events[0]?.backoff.next_retry_ns;
    const succeeded = await cli([
      "-s",
      edge,
      "succeed",
      "12D3KooWEVkTai2Aabvt8QUuN3fgUsbksh3Ru13KXYxKV7go7ktp",
      "--at",
      nextRetry as string,
    ]);
    expect(succeeded.status).toBe(0);
    return { fleet, missing: path.join(dir, "missing.bin") };
  }

  it("ndjson, tsv and json, every peer, filters and whole ids: the model's bytes, standard error and exit code", async () => {
    const { fleet, missing } = await rowsFleet();
    const small = readNodeSnapshot(fs.readFileSync(path.join(NODE_FIXTURES, "small.bin"))).snapshot;
    const down = [...small.governor.iterHealth()].find((entry) => entry.down)?.peer.text as string;
    const blocked = [...small.governor.blocklist()][0]?.text as string;
    const cooling = [...small.backoff.iter()].find((entry) => entry.nextRetryNs > small.clockNs)?.peer.text as string;
    const repeated = repeatedInBackoff("hand-edited") as string;
    const unknown = "12D3KooWEVkTai2Aabvt8QUuN3fgUsbksh3Ru13KXYxKV7go7ktq";
    for (const format of ["ndjson", "tsv", "json"]) {
      for (const extra of [[], ["--down"], ["--blocked"], [down, blocked, cooling, repeated, unknown], [cooling, "--down"]]) {
        const result = await bothWays(["-s", fleet, "-s", missing, "inspect", "--format", format, ...extra]);
        expect(result.status).toBe(2);
        // Whole ids go through the WebAssembly fold's cut-down; without it, the JavaScript scan gives the same.
        if (extra.length > 2) {
          const javascript = await cli(["-s", fleet, "-s", missing, "inspect", "--format", format, ...extra], undefined, {
            COLUMNS: "100",
            BBGOV_FLEET_WASM: "0",
          });
          expect(javascript).toEqual(result);
        }
        for (const bad of [...REFUSED, "cut", "bad-tag", "tiny", "missing"]) expect(result.stderr).toContain(`${bad}.bin`);
        if (extra.length === 0) {
          // Every kind is there: the JSON, the framework-json, the node files and their copies.
          for (const name of ["example.json", "fw.json", "/small.bin", "small-again.bin", "hand-edited-again.bin"])
            expect(result.stdout).toContain(name);
          for (const peer of [down, blocked, cooling, repeated]) expect(result.stdout).toContain(peer);
        }
      }
    }
    const edge = (
      await bothWays(["-s", path.join(fleet, "edge.bin"), "-s", path.join(fleet, "small.bin"), "inspect", "--format", "ndjson"])
    ).stdout;
    expect(edge).toContain(
      '"peer":"12D3KooWEVkTai2Aabvt8QUuN3fgUsbksh3Ru13KXYxKV7go7ktq","blocked":false,"allowlisted":false,"consecutive_failures":1',
    );
    expect(edge).toMatch(/7ktq","blocked":false,.*"cooling_down":false,"inbound":\{"decision":"allow",.*"outbound":\{"decision":"allow"/);
    // The odd path is escaped, never raw.
    const tsv = await bothWays(["-s", fleet, "inspect", "--format", "tsv"]);
    expect(tsv.stdout).toContain("\todd\\u202e\\x09name.bin\t");
    expect(tsv.stdout.split("\n").every((line) => line === "" || line.split("\t").length === 13)).toBe(true);
  });

  it("whole ids through the WebAssembly fold's cut-down: renumbered in the rows' table, decided at the file's clock", async () => {
    const fleet = path.join(dir, "cut");
    fs.mkdirSync(fleet);
    // The fold numbers small.bin's peers first; the rows' table holds only the peers asked for.
    fs.copyFileSync(path.join(NODE_FIXTURES, "small.bin"), path.join(fleet, "a-small.bin"));
    fs.copyFileSync(path.join(NODE_FIXTURES, "allowlist-some.bin"), path.join(fleet, "b-some.bin"));
    const small = readNodeSnapshot(fs.readFileSync(path.join(NODE_FIXTURES, "small.bin"))).snapshot;
    const some = readNodeSnapshot(fs.readFileSync(path.join(NODE_FIXTURES, "allowlist-some.bin"))).snapshot;
    // Its next retry is before the file's clock, after its own last attempt: cooling down only at a clock of its own.
    // A long id: a short one (16uZ…) may be a prefix too, and is looked up in each model.
    const cooled = [...small.backoff.iter()].find((entry) => entry.nextRetryNs <= small.clockNs && entry.peer.text.length > 40)?.peer
      .text as string;
    const allowed = [...(some.governor.allowlist() ?? [])].map((peer) => peer.text);
    expect(cooled).toBeDefined();
    for (const peers of [[cooled], allowed, [cooled, ...allowed]]) {
      for (const format of ["ndjson", "tsv", "json"]) {
        // No model is made (a fault in the quick way would send the file the usual way, with the same output).
        const deferred = vi.spyOn(PeerGovernor.prototype, "deferHealthRestore");
        try {
          const scanned = await cli(["-s", fleet, "inspect", ...peers, "--format", format], undefined, { COLUMNS: "100" });
          expect(deferred).not.toHaveBeenCalled();
          expect(scanned.status).toBe(0);
        } finally {
          deferred.mockRestore();
        }
        const result = await bothWays(["-s", fleet, "inspect", ...peers, "--format", format]);
        expect(result.status).toBe(0);
        for (const peer of peers) expect(result.stdout).toContain(peer);
      }
    }
  });

  it("a fleet of node snapshots only: no node's model is made, and the rows are the model's (10k and 300 kB fixtures too)", async () => {
    const fleet = path.join(dir, "good");
    fs.mkdirSync(fleet);
    for (const name of ["small", "allowlist-some", "allowlist-empty", "hand-edited", "trailing-bytes", "peers-10k", "heavy-300k"])
      fs.copyFileSync(path.join(NODE_FIXTURES, `${name}.bin`), path.join(fleet, `${name}.bin`));
    fs.copyFileSync(path.join(NODE_FIXTURES, "small.bin"), path.join(fleet, "small-again.bin"));
    const deferred = vi.spyOn(PeerGovernor.prototype, "deferHealthRestore");
    try {
      for (const format of ["ndjson", "tsv", "json"]) {
        const scanned = await cli(["-s", fleet, "inspect", "--format", format]);
        expect(scanned.status).toBe(0);
        expect(deferred).not.toHaveBeenCalled();
        expect(scanned.stdout.split("\n").length).toBeGreaterThan(10_000);
        // Against the models once (the three forms of the same rows are compared on mixed fleets above): the big
        // files through their models are the dearest part of the suite.
        if (format !== "ndjson") continue;
        const modelled = await cli(["-s", fleet, "inspect", "--format", format], undefined, { BBGOV_FLEET_SCAN: "0" });
        expect(deferred).toHaveBeenCalledTimes(8);
        deferred.mockClear();
        expect(scanned.stdout).toBe(modelled.stdout);
        expect(scanned.stderr).toBe(modelled.stderr);
      }
    } finally {
      deferred.mockRestore();
    }
  });

  it("reads at most --jobs files ahead of the rows written: a slow file first holds the quick ones back", async () => {
    const fleet = path.join(dir, "ahead");
    fs.mkdirSync(fleet);
    // Read the usual way (its model), while the node snapshots after it are scanned at once.
    fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(fleet, "a.json"));
    for (let i = 0; i < 6; i++) fs.copyFileSync(path.join(NODE_FIXTURES, "small.bin"), path.join(fleet, `n${i}.bin`));
    const scans = vi.spyOn(FileScanner.prototype, "scanFile");
    try {
      for (const format of ["ndjson", "tsv"]) {
        scans.mockClear();
        const scannedAtWrite: number[] = [];
        const chunks: Buffer[] = [];
        const drains: (() => void)[] = [];
        // A reader that takes each piece later: every write says "wait for drain".
        const stdout = {
          isTTY: false,
          write: (chunk: string | Uint8Array): boolean => {
            scannedAtWrite.push(scans.mock.calls.length);
            chunks.push(Buffer.from(chunk));
            setImmediate(() => {
              for (const drain of drains.splice(0)) drain();
            });
            return false;
          },
          once: (_event: string, listener: () => void) => drains.push(listener),
          removeListener: (_event: string, listener: () => void) => {
            const at = drains.indexOf(listener);
            if (at !== -1) drains.splice(at, 1);
          },
        };
        const io = { stdout, stderr: { write: () => true }, stdin: (async function* () {})(), env: {} } as unknown as CliIo;
        expect(await execute(["-s", fleet, "--jobs", "2", "inspect", "--format", format], io)).toBe(0);
        // a.json's rows come first, when at most two files were taken (a.json and one node snapshot).
        expect(scannedAtWrite[0]).toBeLessThanOrEqual(2);
        expect(scans.mock.calls.length).toBe(7);
        const modelled = await cli(["-s", fleet, "inspect", "--format", format], undefined, { BBGOV_FLEET_SCAN: "0" });
        expect(Buffer.concat(chunks).toString("utf8")).toBe(modelled.stdout);
      }
    } finally {
      scans.mockRestore();
    }
  });

  it("the shared peer table dropped after every file gives the same text as one kept for the fleet", () => {
    const all = { only: undefined, down: false, blocked: false };
    for (const format of ["ndjson", "tsv"] as const) {
      const kept = new ScannedRows(format, all);
      const dropped = new ScannedRows(format, all, 1);
      const scan = new GovernorScan();
      const tables = { kept: kept.table(), dropped: dropped.table() };
      const texts = ["small", "hand-edited", "allowlist-some", "small", "heavy-300k", "allowlist-empty"].map((name, index) => {
        const bytes = fs.readFileSync(path.join(NODE_FIXTURES, `${name}.bin`));
        const node = { label: `node ${index}`, path: `${name}.bin` };
        const made: string[] = [];
        for (const rows of [kept, dropped]) {
          const table = rows.table();
          scanNodeSnapshot(bytes, table, scan);
          made.push(Buffer.concat(rows.text(rows.nodeRows(node, scan), 1000)).toString("utf8"));
        }
        expect(made[0]).toBe(made[1]);
        return made[0] as string;
      });
      expect(texts.join("").split("\n").length).toBeGreaterThan(100);
      // One table for the whole fleet, unless it holds more peers than it may: then a new one for each file.
      expect(kept.table()).toBe(tables.kept);
      expect(dropped.table()).not.toBe(tables.dropped);
      // Many files, a new table each: what is kept per peer starts again with each (it once doubled with each table).
      const bytes = fs.readFileSync(path.join(NODE_FIXTURES, "small.bin"));
      for (let i = 0; i < 64; i++) {
        scanNodeSnapshot(bytes, dropped.table(), scan);
        expect(Buffer.concat(dropped.text(dropped.nodeRows({ label: "node 0", path: "small.bin" }, scan), 1000)).toString("utf8")).toBe(
          texts[0],
        );
      }
    }
  });

  it("a JSON document's rows give other serializers the same values as their own text", () => {
    const all = { only: undefined, down: false, blocked: false };
    const json = new ScannedRows("json", all);
    const ndjson = new ScannedRows("ndjson", all);
    const scan = new GovernorScan();
    const columns = [];
    const lines: unknown[] = [];
    for (const name of ["small", "allowlist-some"]) {
      const bytes = fs.readFileSync(path.join(NODE_FIXTURES, `${name}.bin`));
      const node = { label: name, path: `${name}.bin` };
      scanNodeSnapshot(bytes, json.table(), scan);
      columns.push(json.nodeRows(node, scan));
      scanNodeSnapshot(bytes, ndjson.table(), scan);
      const text = Buffer.concat(ndjson.text(ndjson.nodeRows(node, scan), 1 << 16)).toString("utf8");
      for (const line of text.split("\n")) if (line !== "") lines.push(JSON.parse(line));
    }
    const items = json.items(columns);
    expect(items.length).toBe(lines.length);
    expect(items.toJSON()).toEqual(lines);
    expect(JSON.parse(JSON.stringify({ rows: items })).rows).toEqual(lines);
  });

  it("putU64 writes the exact digits of a u64 given as two u32 halves, over the whole range", () => {
    const values = [0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 1764008624989416974n, 999999n * 2n ** 32n, 2n ** 64n - 1n];
    for (let high = 0n; high < 2n ** 32n; high += 65537n * 977n) values.push(high * 2n ** 32n + ((high * 7919n) % 2n ** 32n));
    for (let i = 0n; i < 2000n; i++) values.push((i * 0x9e3779b97f4a7c15n) % 2n ** 64n, 2n ** 21n * 2n ** 32n + i - 1000n);
    const into = new Uint8Array(30).fill(35);
    // Thousands of values: each check is a plain test first, `expect` (which fails with its message) only when it fails.
    for (const value of values) {
      const end = putU64(into, 3, Number(value >> 32n), Number(value & 0xffffffffn));
      const digits = Buffer.from(into.subarray(3, end)).toString("latin1");
      if (digits !== value.toString()) expect(digits).toBe(value.toString());
      if (into[end] !== 35) expect(into[end]).toBe(35);
      into.fill(35);
    }
    // And a u32 (failures, attempts) alone.
    for (const value of [
      0,
      9,
      10,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 31 + 999999,
      4294000000,
      4294967295,
      ...values.slice(0, 300).map((v) => Number(v & 0xffffffffn)),
    ]) {
      const end = putNumber(into, 1, value);
      expect(Buffer.from(into.subarray(1, end)).toString("latin1")).toBe(String(value));
      into.fill(35);
    }
  });
});

/** A peer that stands more than once in a fixture's backoff table. */
function repeatedInBackoff(name: string): string | undefined {
  const table = new PeerTable();
  const scan = new GovernorScan();
  scanNodeSnapshot(fs.readFileSync(path.join(NODE_FIXTURES, `${name}.bin`)), table, scan);
  const seen = new Set<number>();
  for (let i = 0; i < scan.backoffCount; i++) {
    const peer = scan.backoffPeer[i] as number;
    if (seen.has(peer)) return table.text(peer);
    seen.add(peer);
  }
  return undefined;
}

describe("check across a fleet: the scan gives the model's decisions", () => {
  it("a down, a blocked, an allowlisted, a cooling and an unknown peer; --inbound, --outbound, --at, --after, --json", async () => {
    const fleet = everyKindFleet({ big: false });
    const read = (name: string) => readNodeSnapshot(fs.readFileSync(path.join(NODE_FIXTURES, `${name}.bin`))).snapshot;
    const small = read("small");
    const some = read("allowlist-some");
    const peers = [
      [...small.governor.iterHealth()].find((entry) => entry.down)?.peer.text,
      [...small.governor.blocklist()][0]?.text,
      [...(some.governor.allowlist() ?? [])][0]?.text,
      [...small.backoff.iter()].find((entry) => entry.nextRetryNs > small.clockNs)?.peer.text,
      // Repeated in hand-edited.bin's backoff table (with other values): the last entry decides.
      repeatedInBackoff("hand-edited"),
      "12D3KooWEVkTai2Aabvt8QUuN3fgUsbksh3Ru13KXYxKV7go7ktq",
    ];
    const views = [[], ["--inbound"], ["--outbound"], ["--at", "1764013180000000000"], ["--after", "5s"]];
    for (const [i, peer] of peers.entries()) {
      expect(peer).toBeDefined();
      // Every view for the first peer; for the others the plain check and one view each, in turn.
      for (const view of i === 0 ? views : [[], views[1 + ((i - 1) % (views.length - 1))] as string[]]) {
        const result = await bothWays(["-s", fleet, "check", peer as string, ...view]);
        expect(result.status).toBe(2);
        await bothWays(["--json", "-s", fleet, "check", peer as string, ...view]);
      }
    }
    // Only good files: exit 0 or 1 as the decisions say, the same both ways.
    const good = path.join(dir, "good");
    fs.mkdirSync(good);
    for (const name of ["small", "allowlist-some", "allowlist-empty", "hand-edited"])
      fs.copyFileSync(path.join(NODE_FIXTURES, `${name}.bin`), path.join(good, `${name}.bin`));
    const denied = await bothWays(["-s", good, "check", peers[0] as string]);
    expect(denied.status).toBe(1);
    // A prefix is resolved across the fleet's models first, then checked the quick way.
    await bothWays(["-s", good, "check", (peers[0] as string).slice(0, 20)]);
  });
});

describe("a PEER prefix resolved across a fleet: the scan finds the peers the models know", () => {
  it("check, --dry-run block and block with a prefix, an ambiguous one and one nobody knows: the same output and files", async () => {
    const small = readNodeSnapshot(fs.readFileSync(path.join(NODE_FIXTURES, "small.bin"))).snapshot;
    const down = [...small.governor.iterHealth()].find((entry) => entry.down)?.peer.text as string;
    const fleets = ["one", "two"].map((name) => {
      const fleet = path.join(dir, name);
      fs.mkdirSync(fleet);
      for (const file of ["small", "allowlist-some", "hand-edited", "trailing-bytes"])
        fs.copyFileSync(path.join(NODE_FIXTURES, `${file}.bin`), path.join(fleet, `${file}.bin`));
      fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(fleet, "example.json"));
      return fleet;
    }) as [string, string];
    for (const peer of [down.slice(0, 16), "12D3KooW", "QmZZZZ"]) {
      await bothWays(["-s", fleets[0], "check", peer]);
      await bothWays(["-s", fleets[0], "--dry-run", "block", peer]);
    }
    const env = { COLUMNS: "100" };
    const scanned = await cli(["-s", fleets[0], "block", down.slice(0, 16)], undefined, env);
    const modelled = await cli(["-s", fleets[1], "block", down.slice(0, 16)], undefined, { ...env, BBGOV_FLEET_SCAN: "0" });
    expect(scanned.status).toBe(0);
    expect(scanned.stdout.replaceAll(fleets[0], "FLEET")).toBe(modelled.stdout.replaceAll(fleets[1], "FLEET"));
    expect(scanned.stderr.replaceAll(fleets[0], "FLEET")).toBe(modelled.stderr.replaceAll(fleets[1], "FLEET"));
    for (const file of fs.readdirSync(fleets[0]))
      expect(fs.readFileSync(path.join(fleets[0], file)).equals(fs.readFileSync(path.join(fleets[1], file))), file).toBe(true);
  });
});

describe("the scan against the node reader, fixture by fixture", () => {
  it("accepts exactly the files the reader accepts, with the same warnings and per-peer counts", () => {
    for (const name of FIXTURE_NAMES) {
      const bytes = fs.readFileSync(path.join(NODE_FIXTURES, `${name}.bin`));
      const scanned = new FleetAggregate(1, true, undefined);
      const scan = new GovernorScan();
      let read: ReturnType<typeof readNodeSnapshot> | undefined;
      try {
        read = readNodeSnapshot(bytes);
      } catch {
        read = undefined;
      }
      if (read === undefined) {
        expect(() => scanNodeSnapshot(bytes, scanned.table, scan), name).toThrow();
        continue;
      }
      scanNodeSnapshot(bytes, scanned.table, scan);
      expect(scan.warnings, name).toEqual(read.warnings);
      scanned.addScan(0, scan);
      const modelled = new FleetAggregate(1, true, undefined);
      modelled.add(0, read.snapshot);
      expect(scanned.rows({ only: undefined, down: false, blocked: false }, "peer"), name).toEqual(
        modelled.rows({ only: undefined, down: false, blocked: false }, "peer"),
      );
    }
  });

  it("refuses every prefix of a node snapshot the reader refuses", () => {
    const bytes = fs.readFileSync(path.join(NODE_FIXTURES, "hand-edited.bin"));
    const table = new PeerTable();
    const scan = new GovernorScan();
    const start = readNodeSnapshot(bytes).node.governorRange[0];
    for (let length = start - 4; length < bytes.length; length += 3) {
      const cut = bytes.subarray(0, length);
      let readerAccepts = true;
      try {
        readNodeSnapshot(cut);
      } catch {
        readerAccepts = false;
      }
      let scanAccepts = true;
      try {
        scanNodeSnapshot(cut, table, scan);
      } catch {
        scanAccepts = false;
      }
      expect(scanAccepts, `cut at ${length}`).toBe(readerAccepts);
    }
  });
});

describe("PeerTable", () => {
  it("numbers each peer once, spellings of one peer alike, and refuses bytes that do not parse", () => {
    const table = new PeerTable();
    const canonical = Uint8Array.of(0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8);
    // A 10-byte code varint keeps the low 64 bits: code 0 again, as upstream reads it.
    const spelled = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0x08, 1, 2, 3, 4, 5, 6, 7, 8);
    const other = Uint8Array.of(0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 9);
    const bad = Uint8Array.of(0x00, 0x08, 1, 2);
    const number = (bytes: Uint8Array): number => table.peer(bytes, new DataView(bytes.buffer), 0, bytes.length);
    const first = number(canonical);
    expect(number(spelled)).toBe(first);
    expect(number(canonical)).toBe(first);
    expect(number(other)).not.toBe(first);
    expect(number(bad)).toBe(-1);
    expect(number(bad)).toBe(-1);
    expect(table.size).toBe(2);
    expect(table.text(first)).toBe(PeerId.fromBytes(canonical).text);

    // Bytes 24..31 of a 40-byte id are outside the hash and compared as one double: +0 and -0, NaN and NaN.
    const withWord = (word: readonly number[]): Uint8Array => {
      const bytes = new Uint8Array(40);
      bytes[1] = 38;
      for (let i = 2; i < 24; i++) bytes[i] = i;
      bytes.set(word, 24);
      for (let i = 32; i < 40; i++) bytes[i] = i;
      return bytes;
    };
    const plusZero = number(withWord([0, 0, 0, 0, 0, 0, 0, 0]));
    const minusZero = number(withWord([0, 0, 0, 0, 0, 0, 0, 0x80]));
    const nan = number(withWord([1, 0, 0, 0, 0, 0, 0xf8, 0x7f]));
    const otherNan = number(withWord([2, 0, 0, 0, 0, 0, 0xf8, 0x7f]));
    expect(new Set([plusZero, minusZero, nan, otherNan]).size).toBe(4);
    expect(number(withWord([0, 0, 0, 0, 0, 0, 0, 0x80]))).toBe(minusZero);
    expect(number(withWord([1, 0, 0, 0, 0, 0, 0xf8, 0x7f]))).toBe(nan);
    expect(number(withWord([0, 0, 0, 0, 0, 0, 0, 0]))).toBe(plusZero);
    // Many peers: the table grows and still finds each one.
    const ids = Array.from({ length: 5000 }, (_, i) => PeerId.fromU64(BigInt(i) * 7919n));
    const numbers = ids.map((id) => number(id.bytes));
    expect(new Set(numbers).size).toBe(ids.length);
    expect(ids.map((id) => number(id.bytes))).toEqual(numbers);
    expect(ids.map((id, i) => table.text(numbers[i] as number) === id.text).every(Boolean)).toBe(true);
  });
});

describe("an aggregate made by several threads", () => {
  it("merging the parts of a split fleet gives the counts of one aggregate over all of it", () => {
    const names = ["small", "hand-edited", "allowlist-some", "allowlist-empty", "trailing-bytes", "small", "heavy-300k"] as const;
    const some = (text: string): boolean => text.startsWith("12D3KooW");
    for (const [byNode, only] of [
      [false, undefined],
      [true, undefined],
      [true, some],
    ] as const) {
      const whole = new FleetAggregate(names.length, byNode, only);
      // A worker keeps every peer; the aggregate it is merged into keeps its own.
      const halves = [new FleetAggregate(names.length, byNode, only), new FleetAggregate(names.length, byNode, undefined)];
      const scan = new GovernorScan();
      names.forEach((name, index) => {
        const bytes = fs.readFileSync(path.join(NODE_FIXTURES, `${name}.bin`));
        scanNodeSnapshot(bytes, whole.table, scan);
        whole.addScan(index, scan);
        const half = halves[index % 2] as FleetAggregate;
        // One half reads its files through the model, as a file the scan refuses would be.
        if (index % 2 === 0) {
          scanNodeSnapshot(bytes, half.table, scan);
          half.addScan(index, scan);
        } else half.add(index, readNodeSnapshot(bytes).snapshot);
      });
      const [merged, other] = halves as [FleetAggregate, FleetAggregate];
      merged.merge(other.part());
      const all = { only: undefined, down: false, blocked: false };
      expect(merged.rows(all, "peer")).toEqual(whole.rows(all, "peer"));
      expect(merged.rows(all, "peer").length).toBeGreaterThan(only === undefined ? 20 : 5);
      if (only !== undefined) expect(merged.rows(all, "peer").every((row) => only(row.peer))).toBe(true);
    }
  });
});

describe("how many threads scan a fleet", () => {
  it("one per free core, at most --jobs, one per 8 files; BBGOV_FLEET_THREADS decides when given", () => {
    // (files, jobs, BBGOV_FLEET_THREADS, cores, load average)
    expect(scanThreads(200, 2, undefined, 2, 0.2)).toBe(2);
    expect(scanThreads(200, 8, undefined, 4, 0)).toBe(4);
    expect(scanThreads(200, 1, undefined, 4, 0)).toBe(1);
    expect(scanThreads(200, 4, undefined, 4, 1.6)).toBe(2);
    expect(scanThreads(200, 2, undefined, 2, 7)).toBe(1);
    expect(scanThreads(12, 4, undefined, 4, 0)).toBe(1);
    expect(scanThreads(16, 4, undefined, 4, 0)).toBe(2);
    expect(scanThreads(0, 4, undefined, 4, 0)).toBe(1);
    expect(scanThreads(200, 2, "3", 2, 7)).toBe(3);
    expect(scanThreads(200, 2, "0", 2, 0)).toBe(2);
    expect(scanThreads(200, 2, "x", 2, 0)).toBe(2);
    // Found by an adversarial run: a huge number started that many threads (a hang); one with no file to scan is waste.
    expect(scanThreads(3, 2, "1e9", 2, 0)).toBe(3);
    expect(scanThreads(5000, 2, "99999", 2, 0)).toBe(1024);
  });
});
