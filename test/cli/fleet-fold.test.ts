/**
 * The fleet fold in WebAssembly (src/wasm/fleet-fold.ts, cli/fleet/wasm-fold.ts)
 * gives the counts of the JavaScript scan and aggregate, on node snapshots
 * whose governor lists are made up here: shared and repeated peers, bytes that
 * do not parse, a long-varint spelling of a peer, a threshold of 0, u64 times
 * on both sides of 2^63, the PEER arguments' filter. A file the fold declines
 * goes the JavaScript way, so both ways must agree file by file, warnings too.
 * (That the module in the code is the one its source compiles to is checked
 * by `npm test` before the suite: `npm run wasm -- --check`.)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FleetAggregate, nodeRows } from "../../src/cli/fleet/aggregate.js";
import { scanFiles } from "../../src/cli/fleet/scan-files.js";
import { WasmFold } from "../../src/cli/fleet/wasm-fold.js";
import { PeerId } from "../../src/core/peer-id.js";
import type { Snapshot } from "../../src/snapshot/model.js";
import { GovernorScan, PeerTable, RestoredScan, scanNodeSnapshot, snapshotOfPeers } from "../../src/snapshot/node-scan.js";
import { BASE, ed25519, GOVERNOR_END, GOVERNOR_START, madeUpNode, peerTexts, sha256, u64 } from "./made-up-nodes.js";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-fleet-fold-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const short = PeerId.fromU64(77n).bytes;
/** The peers a made-up node may list: parsing ones of every length, a second spelling of `short`, bad bytes. */
const POOL: readonly Uint8Array[] = [
  ed25519(1),
  ed25519(2),
  ed25519(3),
  sha256(4),
  sha256(5),
  short,
  PeerId.fromU64(78n).bytes,
  // `short` with its code as a two-byte varint: the same peer, other bytes.
  Uint8Array.of(0x80, 0x00, ...short.subarray(1)),
  Uint8Array.of(0x00, 0x08, 1, 2),
  new Uint8Array(0),
  Uint8Array.of(0x12, 0x20, 9),
  // Longer than any peer id: the fold refuses the file, the JavaScript scan skips the entry.
  new Uint8Array(130).fill(7),
];
/** The pool's peers that parse, by text (the PEER filter picks among them). */
const texts = peerTexts(POOL);

// Mostly peers that parse and lists without a repeat, so that most files are folded; the rest are declined.
const peer = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 6 }), weight: 40 },
  { arbitrary: fc.constant(7), weight: 2 },
  { arbitrary: fc.integer({ min: 8, max: POOL.length - 1 }), weight: 1 },
);
const list = <T extends { peer: number }>(entry: fc.Arbitrary<T>): fc.Arbitrary<T[]> =>
  fc.oneof(
    { arbitrary: fc.uniqueArray(entry, { maxLength: 6, selector: (item) => POOL[item.peer]?.join() }), weight: 6 },
    { arbitrary: fc.array(entry, { maxLength: 6 }), weight: 1 },
  );
const governor = fc.record({
  blocklist: fc.array(peer, { maxLength: 4 }),
  allowlist: fc.option(fc.array(peer, { maxLength: 3 })),
  health: list(fc.record({ peer, failures: fc.oneof(fc.nat(), fc.constant(2 ** 32 - 1)), eventNs: u64, down: fc.boolean() })),
  threshold: fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 8 }),
  backoff: list(fc.record({ peer, attempts: fc.nat(), lastNs: u64, nextNs: u64 })),
});
type Governor = typeof governor extends fc.Arbitrary<infer T> ? T : never;

/** small.bin with its governor and backoff table replaced by `node`'s. */
const nodeFile = (node: Governor): Buffer => madeUpNode(node, (index) => POOL[index] as Uint8Array);

/** A fold that counts the files it took. */
class CountingFold extends WasmFold {
  taken = 0;
  override fold(node: number): boolean {
    const taken = super.fold(node);
    if (taken) this.taken++;
    return taken;
  }
}

let folded = 0;

const bigints = (_key: string, value: unknown): unknown => (typeof value === "bigint" ? `${value}n` : value);

/** The fleet's counts (and, `byNode`, each peer's state per node) and per-file warnings, through `fold` (given) or the JavaScript scan only. */
function counts(paths: readonly string[], only: ((text: string) => boolean) | undefined, fold: CountingFold | undefined, byNode = false) {
  const aggregate = new FleetAggregate(paths.length, byNode, only);
  let at = 0;
  const scanned = scanFiles(
    paths,
    () => at++,
    aggregate.table,
    (index, scan) => aggregate.addScan(index, scan),
    fold,
  );
  if (fold !== undefined) {
    aggregate.merge(fold.part());
    folded += fold.taken;
  }
  return { rows: aggregate.rows({ only: undefined, down: false, blocked: false }, "peer"), scanned };
}

describe("the WebAssembly fold", () => {
  it("gives the JavaScript scan's counts and warnings on made-up fleets, filtered or not", () => {
    let run = 0;
    let files = 0;
    folded = 0;
    fc.assert(
      fc.property(
        fc.array(governor, { minLength: 1, maxLength: 5 }),
        fc.option(fc.subarray(texts)),
        fc.boolean(),
        (nodes, kept, byNode) => {
          const folder = path.join(dir, `fleet-${run++}`);
          fs.mkdirSync(folder);
          files += nodes.length;
          const paths = nodes.map((node, index) => {
            const file = path.join(folder, `node-${index}.bin`);
            fs.writeFileSync(file, nodeFile(node));
            return file;
          });
          const only = kept === null ? undefined : (text: string) => kept.includes(text);
          const folded = counts(paths, only, new CountingFold(only, byNode ? paths.length : undefined), byNode);
          const scanned = counts(paths, only, undefined, byNode);
          expect(folded.rows).toEqual(scanned.rows);
          expect(folded.scanned).toEqual(scanned.scanned);
        },
      ),
      { numRuns: 150 },
    );
    // Many files went through the fold, and some did not. The share is random: ~0.37 (0.34-0.41 over 12 runs),
    // so the floor sits far below it (0.3 was ~3.5 standard deviations under: a rare chance failure).
    expect(folded / files).toBeGreaterThan(0.15);
    expect(folded).toBeLessThan(files);
  });

  it("cuts each node down to the wanted peers as the JavaScript scan does (check's and the rows' quick way)", () => {
    let run = 0;
    let cut = 0;
    fc.assert(
      fc.property(fc.array(governor, { minLength: 1, maxLength: 4 }), fc.subarray(texts, { minLength: 1 }), (nodes, wanted) => {
        const wants = (text: string): boolean => wanted.includes(text);
        const fold = new WasmFold(wants);
        nodes.forEach((node, index) => {
          const bytes = nodeFile(node);
          fold.load(bytes);
          const viaFold = fold.cutDown();
          if (viaFold === undefined) return;
          cut++;
          // The JavaScript way: the same file scanned, restored and cut down to the same peers.
          const table = new PeerTable();
          const scan = new GovernorScan();
          scanNodeSnapshot(bytes, table, scan);
          const restored = new RestoredScan();
          restored.restore(scan, table.size);
          const ids = new Map<number, PeerId>();
          for (let peer = 0; peer < table.size; peer++) if (wants(table.text(peer))) ids.set(peer, PeerId.parse(table.text(peer)));
          const rows = (snapshot: Snapshot) => ({
            clockNs: snapshot.clockNs,
            threshold: snapshot.governor.failureThreshold(),
            rows: nodeRows({ label: "n", path: `n${run}-${index}` }, snapshot, { only: undefined, down: false, blocked: false }),
          });
          expect(rows(snapshotOfPeers(viaFold.scan, viaFold.restored, viaFold.ids))).toEqual(rows(snapshotOfPeers(scan, restored, ids)));
        });
        run++;
      }),
      { numRuns: 150 },
    );
    // Random: 123-151 of 150 runs over 10 runs of the file; the floor sits far below (100 was ~3.5 deviations under).
    expect(cut).toBeGreaterThan(60);
  });

  it("takes no file the JavaScript scan refuses or warns about: a made-up file cut at every offset, every byte overwritten", () => {
    const node: Governor = {
      blocklist: [0, 5],
      allowlist: [1, 3],
      health: [
        { peer: 2, failures: 3, eventNs: 2n ** 63n, down: true },
        { peer: 4, failures: 1, eventNs: 5n, down: false },
        { peer: 6, failures: 0, eventNs: 7n, down: false },
      ],
      threshold: 2,
      backoff: [
        { peer: 0, attempts: 2, lastNs: 9n, nextNs: 2n ** 64n - 1n },
        { peer: 6, attempts: 1, lastNs: 4n, nextNs: 1n },
      ],
    };
    let taken = 0;
    // One fold until it takes a file: a file it declines or refuses leaves its counts as they were.
    let fresh = new WasmFold(undefined);
    /** The fold takes `bytes` only where the JavaScript scan reads them without a warning, to the same counts. */
    const agree = (bytes: Uint8Array, what: string): void => {
      fresh.load(bytes);
      if (!fresh.fold(0)) return;
      taken++;
      // Made only for the files the fold takes (a fleet's tables are 100 KB, and most of these files are declined).
      const folded = new FleetAggregate(1, false, undefined);
      folded.merge(fresh.part());
      fresh = new WasmFold(undefined);
      const scanned = new FleetAggregate(1, false, undefined);
      const scan = new GovernorScan();
      let warnings: unknown = "refused";
      try {
        scanNodeSnapshot(bytes, scanned.table, scan);
        warnings = scan.warnings;
        scanned.addScan(0, scan);
      } catch {}
      if (warnings !== "refused" && (warnings as unknown[]).length === 0) {
        const all = { only: undefined, down: false, blocked: false };
        if (JSON.stringify(folded.rows(all, "peer"), bigints) === JSON.stringify(scanned.rows(all, "peer"), bigints)) return;
      }
      expect.fail(`${what}: the fold took a file the JavaScript scan gives ${JSON.stringify(warnings)}`);
    };
    // With an allowlist and without (its Option tag 0, then 2 must not read as None).
    for (const made of [node, { ...node, allowlist: null }]) {
      const whole = nodeFile(made);
      const end = whole.length - (BASE.length - GOVERNOR_END);
      for (let cut = GOVERNOR_START; cut < end + 8; cut++) agree(whole.subarray(0, cut), `cut at ${cut}`);
      for (let at = GOVERNOR_START; at < end; at++) {
        for (const byte of [2, 0xff]) {
          if (whole[at] === byte) continue;
          const bytes = Buffer.from(whole);
          bytes[at] = byte;
          agree(bytes, `byte ${at} made ${byte}`);
        }
      }
    }
    // Many of the overwritten files are still good ones (a count, a time, a failure count changed).
    expect(taken).toBeGreaterThan(100);
  });

  it("counts the fixtures it takes and declines the ones restore would change, as the JavaScript way reads them", () => {
    const names = ["small", "hand-edited", "allowlist-some", "allowlist-empty", "trailing-bytes", "heavy-300k", "peers-10k"] as const;
    const paths = names.map((name) => path.join(__dirname, "../../fixtures/node", `${name}.bin`));
    // Each file twice: the second time every peer is known.
    const both = [...paths, ...paths];
    const folded = counts(both, undefined, new CountingFold(undefined));
    expect(folded.rows).toEqual(counts(both, undefined, undefined).rows);
    expect(folded.rows.length).toBeGreaterThan(10_000);
    const fold = new WasmFold(undefined);
    const taken = paths.map((file, index) => {
      fold.read(file);
      return fold.fold(index);
    });
    // hand-edited.bin has entries restore skips: declined; the others are counted.
    expect(taken).toEqual([true, false, true, true, true, true, true]);
  });

  it("a module that traps (no memory left) is used no more: its counts stay, the other files go the JavaScript way", () => {
    const names = ["small", "allowlist-some", "trailing-bytes", "small", "allowlist-empty"];
    const paths = names.map((name) => path.join(__dirname, "../../fixtures/node", `${name}.bin`));
    const fold = new CountingFold(undefined);
    // The third file's backoff table traps, as a table that cannot grow would.
    const inner = fold as unknown as { module: Record<string, unknown> & { scanBackoff(at: bigint): bigint } };
    const module = inner.module;
    let calls = 0;
    inner.module = {
      ...module,
      memory: module.memory,
      scanBackoff: (at: bigint) => {
        if (++calls === 3) throw new Error("unreachable");
        return module.scanBackoff(at);
      },
    };
    const taken = folded;
    const trapped = counts(paths, undefined, fold);
    expect(folded - taken).toBe(2);
    expect(trapped.scanned.map((file) => file.warnings)).toEqual(paths.map(() => []));
    expect(trapped.rows).toEqual(counts(paths, undefined, undefined).rows);
  });

  it("reads no folder and no missing file; an empty file reads, and is declined", () => {
    const fold = new WasmFold(undefined);
    expect(fold.read(dir)).toBeUndefined();
    expect(fold.read(path.join(dir, "missing.bin"))).toBeUndefined();
    const empty = path.join(dir, "empty.bin");
    fs.writeFileSync(empty, "");
    expect(fold.read(empty)?.length).toBe(0);
    expect(fold.fold(0)).toBe(false);
  });
});
