/**
 * Second adversarial pass over the fleet rows from each node's scan, inspect's selection from bbgov's own JSON
 * layout, and writes across fleets whose nodes share peers: the new paths must give what the old ones give (the
 * model path under BBGOV_FLEET_SCAN=0, compact JSON, each file alone), on files made to be awkward: repeated peers,
 * skipped entries, a peer spelled with a long code varint, allowlists None / Some([]) / Some, threshold 0, u64 edges.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { asBytes, type MadeUpGovernor, madeUpNode } from "./made-up-nodes.js";
import { cli } from "./run.js";
import { tempDir } from "./terminal-helpers.js";

const root = tempDir("bbgov-review3-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const U64_EDGES = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n + 1n, 2n ** 63n - 1n, 2n ** 63n + 1n, 2n ** 64n - 1n];
const T = 1_764_000_000_000_000_000n;
const id = (n: number): Uint8Array => PeerId.fromU64(BigInt(n)).bytes;
/** The identity code as a 10-byte varint (low 64 bits 0): the same peer as `id(n)`, spelled otherwise. */
const longId = (n: number): Uint8Array =>
  Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, ...id(n).subarray(1)]);
/** Peer bytes upstream's restore skips. */
const BAD = [new Uint8Array(0), Uint8Array.of(0x12), Uint8Array.of(0x12, 0x20, 1, 2, 3)];

/** Node `seed` of an awkward fleet: peers 1..8 in both spellings, repeated, skipped entries, u64 edges. */
function awkwardNode(seed: number): MadeUpGovernor<Uint8Array> {
  const peer = (i: number): Uint8Array => {
    const n = 1 + ((seed * 5 + i * 3) % 8);
    if ((seed + i) % 7 === 0) return BAD[(seed + i) % BAD.length] as Uint8Array;
    return (seed + i) % 3 === 0 ? longId(n) : id(n);
  };
  const edge = (i: number): bigint => U64_EDGES[(seed * 3 + i) % U64_EDGES.length] as bigint;
  return {
    blocklist: [peer(0), peer(1), peer(0)],
    allowlist: seed % 3 === 0 ? null : seed % 3 === 1 ? [] : [peer(2), peer(3)],
    health: Array.from({ length: 7 }, (_, i) => ({
      peer: peer(i + 4),
      failures: [0, 1, 5, 2 ** 32 - 1][i % 4] as number,
      eventNs: i % 2 === 0 ? edge(i) : T + BigInt(i),
      down: (seed + i) % 2 === 0,
    })),
    threshold: [0, 1, 5][seed % 3] as number,
    backoff: Array.from({ length: 6 }, (_, i) => ({
      peer: peer(i + 2),
      attempts: [0, 1, 3, 2 ** 32 - 1][i % 4] as number,
      lastNs: edge(i + 1),
      nextNs: i % 2 === 0 ? edge(i + 2) : T + BigInt(i) * 1_000_000n,
    })),
  };
}

/** A folder of `count` awkward nodes. */
function awkwardFleet(name: string, count: number): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (let seed = 0; seed < count; seed++) fs.writeFileSync(path.join(dir, `n${seed}.bin`), madeUpNode(awkwardNode(seed), asBytes));
  return dir;
}

/** Each file of `dir`, by name, as bytes. */
function filesOf(dir: string): Map<string, Buffer> {
  return new Map(
    fs
      .readdirSync(dir)
      .filter((name) => !name.endsWith(".lock"))
      .sort()
      .map((name) => [name, fs.readFileSync(path.join(dir, name))]),
  );
}

describe("a fleet's inspect rows from each node's scan: the model's bytes on awkward nodes", () => {
  it("ndjson, tsv, json with --down/--blocked, whole ids in both spellings' text, prefixes, --jobs 1 and 8, -q, --json", async () => {
    const fleet = awkwardFleet("rows", 9);
    const whole = PeerId.fromBytes(id(3)).text;
    // Every peer here starts 16uZAbWC1AJv: the prefix is ambiguous in each node, named the same both ways.
    const prefix = whole.slice(0, 6);
    const views = [
      ["inspect", "--format", "ndjson"],
      ["inspect", "--format", "tsv", "--down"],
      ["inspect", "--format", "json", "--blocked"],
      ["inspect", "--format", "ndjson", "--down", "--blocked"],
      ["inspect", "--format", "ndjson", whole, PeerId.fromBytes(id(5)).text],
      ["inspect", "--format", "tsv", prefix],
      ["--jobs", "1", "inspect", "--format", "tsv"],
      ["--jobs", "8", "inspect", "--format", "json"],
      ["-q", "inspect", "--format", "ndjson"],
      ["--json", "inspect", "--format", "ndjson"],
    ];
    for (const view of views) {
      const args = ["-s", fleet, ...view];
      const scanned = await cli(args, undefined, { COLUMNS: "100" });
      const modelled = await cli(args, undefined, { COLUMNS: "100", BBGOV_FLEET_SCAN: "0" });
      expect({ view, ...scanned }).toEqual({ view, ...modelled });
      expect({ view, stderr: scanned.stderr, status: scanned.status }).toEqual({
        view,
        stderr: scanned.stderr,
        status: view.includes(prefix) ? 2 : 0,
      });
    }
    // Every node holds peer 3 somewhere; the long spelling is printed in its canonical text, never twice a node.
    const rows = (await cli(["-s", fleet, "inspect", "--format", "ndjson", whole])).stdout.split("\n").filter(Boolean);
    const nodes = rows.map((line) => (JSON.parse(line) as { node: string }).node);
    expect(new Set(nodes).size).toBe(nodes.length);
  });
});

describe("a fleet's writes across nodes that share peers equal each file written alone", () => {
  it("block, unblock, fail, reset (and --dry-run) on awkward nodes: the same bytes per file; --dry-run writes nothing", async () => {
    const source = awkwardFleet("writes-source", 6);
    const texts = [1, 3, 6].map((n) => PeerId.fromBytes(id(n)).text);
    // One of each kind of change: a list (block), both entries of a peer (fail), every entry (reset --all).
    const commands = [
      ["block", texts[0] as string, texts[1] as string],
      ["fail", texts[2] as string, "--times", "2"],
      ["reset", "--all"],
    ];
    let step = 0;
    for (const command of commands) {
      const fleet = path.join(root, `fleet-${step}`);
      const alone = path.join(root, `alone-${step}`);
      const dry = path.join(root, `dry-${step++}`);
      for (const copy of [fleet, alone, dry]) fs.cpSync(source, copy, { recursive: true });
      const written = await cli(["-s", fleet, ...command]);
      expect({ command, status: written.status, stderr: written.stderr }).toEqual({ command, status: 0, stderr: written.stderr });
      expect((await cli(["--dry-run", "-s", dry, ...command])).status).toBe(0);
      for (const name of fs.readdirSync(alone)) expect((await cli(["-s", path.join(alone, name), ...command])).status).toBe(0);
      expect(filesOf(fleet)).toEqual(filesOf(alone));
      expect(filesOf(dry)).toEqual(filesOf(source));
    }
  });
});

describe("inspect on bbgov's own JSON layout (rows as read) gives what the same state in compact JSON gives", () => {
  it("sorts, filters, --limit, --reverse, --at/--after at u64 edges, every format, widths 40..200", async () => {
    const dir = path.join(root, "layout");
    fs.mkdirSync(dir);
    const cases: string[] = [];
    for (const seed of [1, 2, 3]) {
      const node = path.join(dir, `node${seed}.bin`);
      fs.writeFileSync(node, madeUpNode(awkwardNode(seed), asBytes));
      const own = path.join(dir, `own${seed}.json`);
      expect((await cli(["import", node, "-o", own])).status).toBe(0);
      cases.push(own);
    }
    const variants: string[][] = [
      [],
      ["--sort", "failures", "--limit", "2"],
      ["--sort", "next-retry", "--reverse"],
      ["--sort", "last-event", "--down"],
      ["--sort", "attempts", "--cooling"],
      ["--denied", "--allowlisted"],
      ["--blocked", "--reverse", "--limit", "1"],
      ["--at", "0"],
      ["--at", "18446744073709551615", "--cooling"],
      ["--at", "4294967296", "--denied", "--sort", "next-retry"],
      ["--after", "1s", "--sort", "failures"],
    ];
    const formats = ["table", "wide", "tsv", "json", "ndjson"];
    let n = 0;
    for (const own of cases) {
      const compact = own.replace(/own(\d)\.json$/, "compact$1.json");
      fs.writeFileSync(compact, JSON.stringify(JSON.parse(fs.readFileSync(own, "utf8"))));
      for (const variant of variants) {
        const format = formats[n % formats.length] as string;
        const columns = String([40, 60, 80, 120, 200][n++ % 5]);
        const args = ["inspect", ...variant, "--format", format];
        const asRead = await cli(["-s", own, ...args], undefined, { COLUMNS: columns });
        const modelled = await cli(["-s", compact, ...args], undefined, { COLUMNS: columns });
        const named = (text: string): string => text.replaceAll(path.basename(compact), path.basename(own)).replaceAll(compact, own);
        expect({ args, columns, status: asRead.status, stdout: asRead.stdout, stderr: asRead.stderr }).toEqual({
          args,
          columns,
          status: modelled.status,
          stdout: named(modelled.stdout),
          stderr: named(modelled.stderr),
        });
      }
    }
  });
});
