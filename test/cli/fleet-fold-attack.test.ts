/**
 * Attacks on the fleet's WebAssembly fold (issue 15): `inspect` across a fleet
 * must print the same bytes (stdout, stderr, exit code) three ways: folded in
 * WebAssembly, scanned in JavaScript (BBGOV_FLEET_WASM=0) and through full
 * models (BBGOV_FLEET_SCAN=0), on hostile node snapshots among other files.
 * They did, in every fleet tried. What an adversarial pass broke was cost, and
 * these tests hold the fixes: tables whose hash a file could make collide
 * (quadratic), memory that grew with the fleet, an error built per long bad
 * peer, a large file that stopped the fold for good.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FleetAggregate } from "../../src/cli/fleet/aggregate.js";
import { scanFiles } from "../../src/cli/fleet/scan-files.js";
import { WasmFold } from "../../src/cli/fleet/wasm-fold.js";
import { PeerId } from "../../src/core/peer-id.js";
import { PeerTable, ScanRefused } from "../../src/snapshot/node-scan.js";
import { readNodeSnapshot } from "../../src/snapshot/node.js";
import { createRequire } from "node:module";
import { type Entry, cli as runWith } from "./helpers.js";
import { asBytes, BASE, ed25519, GOVERNOR_END, GOVERNOR_START, madeUpNode, peerTexts, sha256, u64 } from "./made-up-nodes.js";
import { cli } from "./run.js";

const FIXTURES = path.resolve(__dirname, "../../fixtures");
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-fold-attack-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const short = PeerId.fromU64(77n).bytes;
/** A 10-byte varint of `value` whose bits past 64 upstream drops: the same number, spelled long. */
const longVarint = (value: number): number[] => [0x80 | value, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02];
/** Peers a made-up node may list. */
const POOL: readonly Uint8Array[] = [
  ed25519(1),
  ed25519(2),
  sha256(3),
  sha256(4),
  short,
  PeerId.fromU64(78n).bytes,
  // `short` with its code spelled as a 10-byte varint (bits past 64 dropped): the same peer, other bytes.
  Uint8Array.of(...longVarint(0), ...short.subarray(1)),
  // sha256(3) with its code and its length spelled long: the same peer.
  Uint8Array.of(...longVarint(0x12), ...longVarint(0x20), ...sha256(3).subarray(2)),
  // An identity digest of 64 bytes, the longest upstream takes.
  Uint8Array.of(0x00, 0x40, ...new Uint8Array(64).fill(7)),
  // Bytes that do not parse: zero-length, cut short, 65-byte digest, 1 KB.
  new Uint8Array(0),
  Uint8Array.of(0x00, 0x08, 1, 2),
  Uint8Array.of(0x00, 0x41, ...new Uint8Array(65).fill(7)),
  new Uint8Array(1024).fill(0xab),
];
const TEXTS = peerTexts(POOL);

const peer = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 8 }), weight: 30 },
  { arbitrary: fc.integer({ min: 9, max: POOL.length - 1 }), weight: 2 },
);
const u32 = fc.oneof(fc.constantFrom(0, 1, 2 ** 31, 2 ** 32 - 1), fc.nat());
const governor = fc.record({
  blocklist: fc.array(peer, { maxLength: 4 }),
  allowlist: fc.option(fc.array(peer, { maxLength: 3 })),
  health: fc.array(fc.record({ peer, failures: u32, eventNs: u64, down: fc.boolean() }), { maxLength: 6 }),
  threshold: fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: u32, weight: 8 }),
  backoff: fc.array(fc.record({ peer, attempts: u32, lastNs: u64, nextNs: u64 }), { maxLength: 6 }),
});
type Governor = typeof governor extends fc.Arbitrary<infer T> ? T : never;

/** small.bin with its governor and backoff table replaced by `node`'s. */
const nodeFile = (node: Governor): Buffer => madeUpNode(node, (index) => POOL[index] as Uint8Array);

/** A damage to a node snapshot: a u64 written at an offset of the governor part, a byte, a cut. */
const damage = fc.oneof(
  { arbitrary: fc.constant({ kind: "none" as const }), weight: 6 },
  {
    arbitrary: fc.record({
      kind: fc.constant("u64" as const),
      at: fc.nat(),
      value: fc.constantFrom(2n ** 32n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 32n - 1n, 2n ** 32n + 1n, 0n, 1n),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }), weight: 1 },
);
type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

function damaged(node: Governor, how: Damage): Buffer {
  const bytes = nodeFile(node);
  if (how.kind === "none") return bytes;
  const span = bytes.length - (BASE.length - GOVERNOR_END) - GOVERNOR_START;
  const at = GOVERNOR_START + (how.at % Math.max(1, span));
  if (how.kind === "cut") return bytes.subarray(0, at);
  if (how.kind === "byte") {
    bytes[at] = how.value;
    return bytes;
  }
  if (at + 8 <= bytes.length) bytes.writeBigUInt64LE(how.value, at);
  return bytes;
}

const file = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("node" as const), node: governor, damage }), weight: 10 },
  { arbitrary: fc.constantFrom({ kind: "example" as const }, { kind: "empty" as const }, { kind: "tiny" as const }), weight: 1 },
);
type FleetFile = typeof file extends fc.Arbitrary<infer T> ? T : never;

function write(folder: string, files: readonly FleetFile[]): void {
  fs.mkdirSync(folder);
  files.forEach((made, index) => {
    const name = path.join(folder, `node-${index}`);
    if (made.kind === "node") fs.writeFileSync(`${name}.bin`, damaged(made.node, made.damage));
    else if (made.kind === "example") fs.copyFileSync(path.join(FIXTURES, "example.json"), `${name}.json`);
    else if (made.kind === "empty") fs.writeFileSync(`${name}.bin`, "");
    else fs.writeFileSync(`${name}.bin`, Buffer.of(1, 2, 3, 0));
  });
}

const options = fc.record({
  peers: fc.subarray(TEXTS, { maxLength: 2 }),
  down: fc.boolean(),
  blocked: fc.boolean(),
  sort: fc.constantFrom(undefined, "peer", "failures", "last-event"),
  limit: fc.option(fc.integer({ min: 0, max: 3 })),
  json: fc.boolean(),
  quiet: fc.boolean(),
  jobs1: fc.boolean(),
  byNode: fc.boolean(),
});
type Options = typeof options extends fc.Arbitrary<infer T> ? T : never;

function argsOf(folder: string, o: Options): string[] {
  const args = ["-s", folder];
  if (o.json) args.push("--json");
  if (o.quiet) args.push("-q");
  if (o.jobs1) args.push("--jobs", "1");
  args.push("inspect", ...o.peers);
  if (o.down) args.push("--down");
  if (o.blocked) args.push("--blocked");
  if (o.sort !== undefined) args.push("--sort", o.sort);
  if (o.limit !== null) args.push("--limit", String(o.limit));
  if (o.byNode) args.push("--by-node");
  return args;
}

const ENV = { COLUMNS: "100" };
const WAYS = { wasm: ENV, js: { ...ENV, BBGOV_FLEET_WASM: "0" }, model: { ...ENV, BBGOV_FLEET_SCAN: "0" } };

/** The three ways' output, which must be one. */
async function threeWays(args: readonly string[]): Promise<void> {
  const wasm = await cli(args, undefined, WAYS.wasm);
  const js = await cli(args, undefined, WAYS.js);
  const model = await cli(args, undefined, WAYS.model);
  expect(wasm).toEqual(js);
  expect(js).toEqual(model);
  expect(wasm.stderr).not.toMatch(/\n\s+at /);
}

let run = 0;
describe("the fold under attack: three ways, one output", () => {
  it("random fleets of hostile node snapshots among other files, random options", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(file, { minLength: 1, maxLength: 4 }), options, async (files, o) => {
        const folder = path.join(dir, `fleet-${run++}`);
        write(folder, files);
        await threeWays(argsOf(folder, o));
      }),
      { numRuns: 40 },
    );
  });

  it("check PEER and the rows of whole peer ids (the fold's cut-down), on random hostile fleets", async () => {
    const asked = fc.record({
      peer: fc.constantFrom(...TEXTS),
      command: fc.constantFrom("check", "check --outbound", "inspect --format ndjson", "inspect --format tsv --down"),
      json: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(file, { minLength: 1, maxLength: 4 }), asked, async (files, a) => {
        const folder = path.join(dir, `fleet-${run++}`);
        write(folder, files);
        const [command, ...flags] = a.command.split(" ");
        await threeWays(["-s", folder, ...(a.json ? ["--json"] : []), command as string, a.peer, ...flags]);
      }),
      { numRuns: 30 },
    );
  });
});

/** The bundle's entry (built by `npm run build`): only it starts worker threads, each with its own fold. */
const bundled = (): Entry => createRequire(import.meta.url)(path.resolve(__dirname, "../../dist/bundle/bbgov.cjs")).execute as Entry;

describe("the fold in worker threads (the bundle)", () => {
  it("BBGOV_FLEET_THREADS=2 and 3 print what one thread prints, and what the models print", async () => {
    const entry = bundled();
    await fc.assert(
      fc.asyncProperty(fc.array(file, { minLength: 3, maxLength: 7 }), options, async (files, o) => {
        const folder = path.join(dir, `fleet-${run++}`);
        write(folder, files);
        const args = argsOf(folder, o);
        const model = await cli(args, undefined, WAYS.model);
        for (const threads of ["2", "3"]) {
          for (const wasm of ["1", "0"]) {
            const env = { ...ENV, BBGOV_FLEET_THREADS: threads, BBGOV_FLEET_WASM: wasm };
            expect(await runWith(args, { env }, entry)).toEqual(model);
          }
        }
      }),
      { numRuns: 4 },
    );
  });
});

/** A node snapshot whose blocklist is `peers` (nothing else in its governor; threshold 3). */
function blocking(peers: readonly Uint8Array[]): Buffer {
  return madeUpNode({ blocklist: peers, allowlist: null, health: [], threshold: 3, backoff: [] }, asBytes);
}

/** The module inside a fold (its exports), as the fold's own tests reach it. */
interface Inside {
  readonly module: {
    readonly memory: { readonly buffer: ArrayBuffer };
    stringAt(index: number): number;
    stringLength(index: number): number;
  };
}

/**
 * The table hashes of strings 0..count-1 of `fold`, read from its memory: each string is 16 bytes (hash, length,
 * place, peer; src/wasm/fleet-fold.ts), found by its length and place, which the module exports.
 */
function wasmHashes(fold: WasmFold, count: number): number[] {
  const { module } = fold as unknown as Inside;
  const words = new Uint32Array(module.memory.buffer);
  const [length0, place0, length1, place1] = [module.stringLength(0), module.stringAt(0), module.stringLength(1), module.stringAt(1)];
  for (let at = 1; at + 6 < words.length; at++) {
    if (words[at] === length0 && words[at + 1] === place0 && words[at + 4] === length1 && words[at + 5] === place1) {
      return Array.from({ length: count }, (_, index) => words[at - 1 + 4 * index] as number);
    }
  }
  throw new Error("the strings' records were not found");
}

describe("hash flooding: peers crafted to collide must not make the tables quadratic", () => {
  // 2000 peers that differ only where a table's hash does not look: each lookup then probes every earlier one.
  const COUNT = 2000;

  it("the fold's hash: long byte strings whose words 0 and 14 sum alike get their own hashes (a key per word)", () => {
    // 128-byte strings (they do not parse: the file is declined, but only after every lookup). Word 0 is i, word 14 is
    // -i: their sum, and so the hash, is the same for every i, whatever the random keys.
    const peers = Array.from({ length: COUNT }, (_, i) => {
      const bytes = new Uint8Array(128);
      const view = new DataView(bytes.buffer);
      view.setBigUint64(0, BigInt(i + 1), true);
      view.setBigUint64(112, 2n ** 64n - BigInt(i + 1), true);
      return bytes;
    });
    // The control: strings of random bytes get as many hashes as strings (so the records read are the right ones).
    const control = new WasmFold(undefined);
    control.load(blocking(peers.map((bytes) => Uint8Array.from(bytes, () => Math.floor(Math.random() * 256)))));
    expect(control.fold(0)).toBe(false);
    expect(new Set(wasmHashes(control, COUNT)).size).toBeGreaterThan(COUNT - 10);
    const fold = new WasmFold(undefined);
    fold.load(blocking(peers));
    expect(fold.fold(0)).toBe(false);
    const hashes = wasmHashes(fold, COUNT);
    // Random keys give 2000 strings ~2000 distinct 32-bit hashes; here they have one.
    expect(new Set(hashes).size).toBeGreaterThan(COUNT - 10);
  });

  it("the fold's hash: valid peers that differ in the top bits of two words get their own hashes (odd keys let them cancel)", () => {
    // 66-byte identity peers (a 64-byte digest: valid). Words 0..6 (bytes 0..55) and the last word (bytes 58..65) are
    // summed apart; bit 63 of a word is the top bit of its byte 7. k x 2^63 = 2^63 for every odd k: an even number of
    // such flips adds 2^64 = 0. Every even subset of those 8 bits: 128 valid peers, one hash, whatever the keys.
    const peers = Array.from({ length: 128 }, (_, mask) => {
      const bytes = Uint8Array.of(0x00, 0x40, ...Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0x7f));
      let flips = 0;
      for (let word = 0; word < 7; word++) {
        if ((mask >> word) & 1) {
          bytes[8 * word + 7] = (bytes[8 * word + 7] as number) | 0x80;
          flips++;
        }
      }
      if (flips % 2 === 1) bytes[65] = (bytes[65] as number) | 0x80;
      return bytes;
    });
    for (const bytes of peers) expect(PeerId.fromBytes(bytes).text.length).toBeGreaterThan(0);
    const fold = new WasmFold(undefined);
    fold.load(blocking(peers));
    expect(fold.fold(0)).toBe(true);
    // Told apart all the same (their bytes are compared): 128 peers, each blocked once.
    const part = fold.part();
    expect(new Set(part.texts).size).toBe(128);
    expect([...part.blocked]).toEqual(peers.map(() => 1));
    expect(new Set(wasmHashes(fold, peers.length)).size).toBeGreaterThan(peers.length - 5);
  });

  /** sha2-256 peers (34 bytes) whose digests differ only in bytes 2..5: outside the words the JavaScript hashes read. */
  const crafted = (count: number): Uint8Array[] =>
    Array.from({ length: count }, (_, i) => {
      const bytes = new Uint8Array(34);
      bytes.set([0x12, 0x20]);
      new DataView(bytes.buffer).setUint32(2, i + 1);
      return bytes;
    });

  it("the JavaScript scan's PeerTable reads a few fixed words: after 16 strings on one hash it gives the file up", () => {
    const table = new PeerTable();
    const peers = crafted(COUNT);
    let refusedAt = -1;
    for (const [index, bytes] of peers.entries()) {
      try {
        expect(table.peer(bytes, new DataView(bytes.buffer), 0, bytes.length)).toBe(index);
      } catch (error) {
        expect(error).toBeInstanceOf(ScanRefused);
        refusedAt = index;
        break;
      }
    }
    // The 18th compares 17 strings with its hash: one lookup never compares more than 17 (the usual way reads the file).
    expect(refusedAt).toBe(17);
  });

  it("the node reader's peer cache reads the same words: past 16 on one hash it keys peers by all their bytes", () => {
    // 40,000 crafted peers took the reader 6 s (each lookup compared every earlier one; 20,000 here); a Map keyed by the bytes
    // (hashed by V8 with a seed per process) takes over, and the peers read are the same.
    const peers = crafted(20_000);
    const decode = vi.spyOn(TextDecoder.prototype, "decode");
    try {
      const read = readNodeSnapshot(blocking([...peers, peers[5] as Uint8Array]));
      const blocked = [...read.snapshot.governor.blocklist()];
      expect(blocked.length).toBe(peers.length);
      expect(new Set(blocked.map((peer) => peer.text))).toEqual(new Set(peers.map((bytes) => PeerId.fromBytes(bytes).text)));
      const byBytes = decode.mock.contexts.filter((decoder) => (decoder as { encoding: string }).encoding === "windows-1252").length;
      expect(byBytes).toBeGreaterThan(peers.length - 20);
    } finally {
      decode.mockRestore();
    }
  });

  it("a fleet of crafted colliding peers gives one output three ways", async () => {
    const folder = path.join(dir, "flood");
    fs.mkdirSync(folder);
    const long = Array.from({ length: 300 }, (_, i) => {
      const bytes = new Uint8Array(128);
      const view = new DataView(bytes.buffer);
      view.setBigUint64(0, BigInt(i + 1), true);
      view.setBigUint64(112, 2n ** 64n - BigInt(i + 1), true);
      return bytes;
    });
    const valid = Array.from({ length: 300 }, (_, i) => {
      const bytes = new Uint8Array(34);
      bytes.set([0x12, 0x20]);
      new DataView(bytes.buffer).setUint32(2, i + 1);
      return bytes;
    });
    fs.writeFileSync(path.join(folder, "long.bin"), blocking(long));
    fs.writeFileSync(path.join(folder, "valid.bin"), blocking(valid));
    fs.writeFileSync(path.join(folder, "both.bin"), blocking([...valid.slice(0, 100), ...long.slice(0, 100)]));
    await threeWays(["-s", folder, "inspect", "--limit", "5"]);
  });
});

/** A valid sha2-256 peer with a digest that looks random, numbered `index`. */
function randomPeer(index: number): Uint8Array {
  const bytes = new Uint8Array(34);
  bytes.set([0x12, 0x20]);
  let x = (index + 1) * 0x9e3779b1;
  for (let i = 2; i < 34; i++) {
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + i;
    bytes[i] = (x >>> 24) & 0xff;
  }
  return bytes;
}

/** A node snapshot whose health list is `count` entries of the peers numbered 0..count-1 (1 failure, event 5). */
function healthy(count: number): Buffer {
  const health = Array.from({ length: count }, (_, i) => ({ peer: randomPeer(i), failures: 1, eventNs: 5n, down: false }));
  return madeUpNode({ blocklist: [], allowlist: null, health, threshold: 3, backoff: [] }, asBytes);
}

describe("memory: the fold's grows with the largest file, not with the fleet", () => {
  it("files of ever more entries: the whole fleet holds no more than twice what the largest file alone does", () => {
    const memory = (fold: WasmFold): number => (fold as unknown as Inside).module.memory.buffer.byteLength;
    const STEP = 200;
    const FILES = 40;
    const files = Array.from({ length: FILES }, (_, k) => healthy((k + 1) * STEP));
    // The largest file alone: its buffer, its columns, the table of its peers (every peer the fleet has).
    const alone = new WasmFold(undefined);
    alone.load(files[FILES - 1] as Buffer);
    expect(alone.fold(0)).toBe(true);
    const fleet = new WasmFold(undefined);
    files.forEach((bytes, node) => {
      fleet.load(bytes);
      expect(fleet.fold(node)).toBe(true);
    });
    // The whole fleet holds no more than the largest file does (give or take the memory's doubling).
    expect(memory(fleet)).toBeLessThanOrEqual(2 * memory(alone));
  });
});

describe("long peer bytes that do not parse", () => {
  // PeerId.fromBytes makes its error's input, the hex of every byte, before the message cuts it to 80 characters:
  // 6.5 ms for 100 KB. The node reader asks multihashProblemIn first and builds no error (0.003 ms).
  const folder = (): string => {
    const made = path.join(dir, `long-bad-${run++}`);
    fs.mkdirSync(made);
    const bad = Array.from({ length: 20 }, (_, i) => new Uint8Array(100_000).fill(i + 1));
    fs.writeFileSync(path.join(made, "bad.bin"), blocking([...bad, randomPeer(1)]));
    return made;
  };
  /** How many times the fleet's quick way asks PeerId.fromBytes about bytes that do not parse. */
  const refusedParses = (fold: WasmFold | undefined): number => {
    const paths = [path.join(folder(), "bad.bin")];
    const spy = vi.spyOn(PeerId, "fromBytes");
    try {
      const aggregate = new FleetAggregate(paths.length, false, undefined);
      let at = 0;
      const scanned = scanFiles(
        paths,
        () => at++,
        aggregate.table,
        (index, scan) => aggregate.addScan(index, scan),
        fold,
      );
      expect(scanned.map((file) => file.warnings?.length)).toEqual([20]);
      return spy.mock.results.filter((result) => result.type === "throw").length;
    } finally {
      spy.mockRestore();
    }
  };

  it("the JavaScript scan builds no error for them (its PeerTable checks the bytes first, as the node reader does)", () => {
    expect(refusedParses(undefined)).toBe(0);
  });

  it("the fold builds no error for them either (wasm-fold.ts numberPending: the same check first)", () => {
    expect(refusedParses(new WasmFold(undefined))).toBe(0);
  });
});

describe("a file the module's allocator cannot hold", () => {
  it("a sparse file of 1e9 bytes is left to JavaScript without breaking the fold for the files after it", () => {
    // fileBuffer asked for length x 1.125 + 64 bytes: above the stub allocator's largest block (2^30 - 16) from ~954 MB
    // on, so the allocation trapped, and the fold, taken for broken, left every later file of the fleet to JavaScript.
    // Now the fold reads no file of 768 MiB or more, and asks for at most ~1 GiB.
    const big = path.join(dir, "sparse.bin");
    fs.writeFileSync(big, "");
    fs.truncateSync(big, 1_000_000_000);
    const small = path.join(FIXTURES, "node", "small.bin");
    try {
      const fold = new WasmFold(undefined);
      expect(fold.read(big)).toBeUndefined();
      expect(fold.read(small)?.length).toBe(fs.statSync(small).size);
      expect(fold.fold(1)).toBe(true);
    } finally {
      fs.rmSync(big);
    }
  });
});
