/**
 * Attacks on inspect's rows written straight from a canonical text
 * (canonicalRows + CanonicalRowsJson): files at the edge of what the canonical
 * reader takes, every instant and output option, standard input, a file
 * rewritten between two runs, and a file of many chunks. Each run on the file
 * in bbgov's own layout (the direct path, which each test checks was taken) must
 * print exactly what the same state laid out as compact JSON (the model's path)
 * prints. None of these found a difference; they are kept as regression tests.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { BackoffTable } from "../../src/core/backoff.js";
import { PeerGovernor } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";
import { U32_MAX, U64_MAX } from "../../src/core/u64.js";
import { CanonicalRowsJson } from "../../src/cli/render/inspect-rows.js";
import { canonicalRows, readCanonical } from "../../src/snapshot/decode-canonical.js";
import { encodeSnapshot } from "../../src/snapshot/encode.js";
import type { Snapshot } from "../../src/snapshot/model.js";
import { ed25519Peer, seededBytes, sha256Peer } from "../snapshot/helpers.js";
import { cli, type Result, type RunOptions, tempDirs } from "./helpers.js";

const folder = tempDirs("bbgov-rows-attack-")();
// The two layouts of a state: the same name in two folders of one length, so that a table names both alike.
const [TEXT_DIR, MODEL_DIR] = ["a", "b"].map((name) => path.join(folder, name)) as [string, string];
mkdirSync(TEXT_DIR);
mkdirSync(MODEL_DIR);

/** The multihash `varint(code) ++ varint(digest length) ++ digest` as a peer id. */
function multihashPeer(code: bigint, digest: readonly number[]): PeerId {
  const varint = (value: bigint): number[] => {
    const out: number[] = [];
    let rest = value;
    for (; rest >= 0x80n; rest >>= 7n) out.push(Number(rest & 0x7fn) | 0x80);
    out.push(Number(rest));
    return out;
  };
  return PeerId.fromBytes(Uint8Array.from([...varint(code), ...varint(BigInt(digest.length)), ...digest]));
}

const bytes = seededBytes(4);
/** 64-byte digests alike but for their last byte: texts of ~100 characters sharing all but the last few. */
const alike = bytes(63);
/** Peers of every kind and length the reader takes, in no order. */
const EDGE_PEERS: readonly PeerId[] = [
  PeerId.parse("11"), // identity, empty digest: the shortest text
  PeerId.parse("5R"), // code 1, empty digest ...
  PeerId.parse("5R1"), // ... and code 0x3a, empty digest: a text that starts with the one before
  PeerId.parse("9q"),
  PeerId.parse("9q1"),
  PeerId.fromU64(0n),
  PeerId.fromU64(1n),
  PeerId.fromU64(U64_MAX),
  multihashPeer(U64_MAX, Array(64).fill(0xff)), // a 10-byte code varint and the longest digest: the longest text
  multihashPeer(0x7fn, [0]),
  multihashPeer(0x80n, bytes(20)),
  multihashPeer(0x72n, bytes(32)), // the libp2p-key codec as a multihash code
  sha256Peer(Array(32).fill(0)),
  sha256Peer(Array(32).fill(0xff)),
  ed25519Peer(Array(32).fill(0)),
  ed25519Peer(Array(32).fill(0xff)),
  ed25519Peer(bytes(32)),
  ...[0, 1, 2, 0x7f, 0x80, 0xfe, 0xff].map((last) => multihashPeer(0x12n, [...alike, last])),
];

/** The peers in text order (the order of every list in the file). */
const SORTED = [...EDGE_PEERS].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));

interface State {
  readonly name: string;
  readonly snapshot: Snapshot;
}

/** A health entry and a backoff entry of u32 and u64 edge values, chosen by `i`. */
function entries(governor: PeerGovernor, backoff: BackoffTable, peer: PeerId, i: number): void {
  const u64s = [0n, 1n, 2n ** 53n + 1n, U64_MAX - 1n, U64_MAX, 1_764_000_000_000_000_000n];
  const u32s = [0, 1, 4, 5, U32_MAX - 1, U32_MAX];
  governor.restoreHealth(peer, {
    consecutiveFailures: u32s[i % u32s.length] as number,
    lastEventNs: u64s[(i * 5) % u64s.length] as bigint,
    down: i % 3 !== 1,
  });
  backoff.restoreState(peer, {
    attempts: u32s[(i + 3) % u32s.length] as number,
    lastAttemptNs: u64s[(i + 1) % u64s.length] as bigint,
    nextRetryNs: u64s[(i * 7 + 2) % u64s.length] as bigint,
  });
}

/** Hand-made states at the edges: a peer on every list, lists interleaved, each allowlist policy, u64 and u32 edges. */
function edgeStates(): State[] {
  const states: State[] = [];
  const make = (name: string, clockNs: bigint, fill: (governor: PeerGovernor, backoff: BackoffTable) => void, schema?: string) => {
    const governor = new PeerGovernor();
    const backoff = new BackoffTable({ baseNs: 1n, maxDelayNs: U64_MAX });
    fill(governor, backoff);
    const snapshot: Snapshot = { clockNs, governor, backoff };
    if (schema !== undefined) snapshot.schema = schema;
    states.push({ name, snapshot });
  };
  make("every peer on every list", U64_MAX, (governor, backoff) => {
    governor.setFailureThreshold(U32_MAX);
    governor.setAllowlist(EDGE_PEERS);
    for (const [i, peer] of EDGE_PEERS.entries()) {
      governor.block(peer);
      entries(governor, backoff, peer, i);
    }
  });
  // Each list's peers sort between two of another's: blocklist 0, 4, 8...; allowlist 1, 5, 9...; health 2, 6...; backoff 3, 7...
  make("lists interleaved, allowlist closed", 1_764_000_000_000_000_000n, (governor, backoff) => {
    governor.setAllowlist(SORTED.filter((_, i) => i % 4 === 1));
    for (const [i, peer] of SORTED.entries()) {
      if (i % 4 === 0) governor.block(peer);
      if (i % 4 === 2) governor.restoreHealth(peer, { consecutiveFailures: i, lastEventNs: BigInt(i), down: i % 8 === 2 });
      if (i % 4 === 3)
        backoff.restoreState(peer, { attempts: i, lastAttemptNs: BigInt(i), nextRetryNs: 1_764_000_000_000_000_000n + BigInt(i) });
    }
  });
  make(
    "open policy, every other peer blocked, a prefix pair split across lists",
    2n ** 53n,
    (governor, backoff) => {
      for (const [i, peer] of SORTED.entries()) {
        if (i % 2 === 0) governor.block(peer);
        if (i % 3 !== 0) entries(governor, backoff, peer, i);
      }
      // "5R" only blocked, "5R1" only cooling: one text is the other's prefix.
      governor.block(PeerId.parse("5R"));
      backoff.restoreState(PeerId.parse("5R1"), { attempts: 1, lastAttemptNs: 0n, nextRetryNs: 2n ** 53n + 1n });
    },
    "https://example.org/s\u00e9.json#\u2028\u202e\u{1f600}'<>&",
  );
  make("allowlist [] (nobody admitted), threshold 1", 0n, (governor, backoff) => {
    governor.setAllowlist([]);
    for (const [i, peer] of SORTED.entries()) if (i % 2 === 1) entries(governor, backoff, peer, i);
  });
  make("allowlist of peers known nowhere else", 5n, (governor, backoff) => {
    governor.setAllowlist(SORTED.filter((_, i) => i % 3 === 0));
    for (const [i, peer] of SORTED.entries())
      if (i % 3 !== 0) backoff.restoreState(peer, { attempts: 1, lastAttemptNs: 5n, nextRetryNs: 6n });
  });
  make("no peer at all", 7n, () => {}, "");
  return states;
}

let files = 0;

/** The state in bbgov's own layout (the direct path) and as compact JSON (the model's path): both files' names. */
function bothLayouts(snapshot: Snapshot): { canonical: string; other: string; text: string } {
  const text = encodeSnapshot(snapshot);
  // The file must take the direct path, else the comparison proves nothing.
  expect(canonicalRows(readCanonical(text) as Snapshot)).toBeDefined();
  const canonical = path.join(TEXT_DIR, `${files}.json`);
  const other = path.join(MODEL_DIR, `${files}.json`);
  files++;
  writeFileSync(canonical, text);
  writeFileSync(other, `${JSON.stringify(JSON.parse(text))}\n`);
  return { canonical, other, text };
}

let direct: MockInstance;
beforeEach(() => {
  direct = vi.spyOn(CanonicalRowsJson.prototype, "counts");
});
afterEach(() => {
  direct.mockRestore();
});

/** Runs bbgov on the file, counting whether the rows were written straight from its text. */
async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<Result & { direct: boolean }> {
  const before = direct.mock.calls.length;
  const result = await cli(["-s", file, ...args], options);
  return { ...result, direct: direct.mock.calls.length > before };
}

/** Both layouts print the same bytes, exit code and messages; the canonical file took the direct path iff `taken`. */
async function expectSame(canonical: string, other: string, args: readonly string[], taken = true): Promise<Result> {
  const fromText = await run(canonical, args);
  const fromModel = await run(other, args);
  const named = (text: string): string => text.replaceAll(MODEL_DIR, TEXT_DIR);
  const model = { ...fromModel, stdout: named(fromModel.stdout), stderr: named(fromModel.stderr) };
  expect({ args, ...fromText, direct: undefined }).toEqual({ args, ...model, direct: undefined });
  expect([args, fromText.direct, fromModel.direct]).toEqual([args, taken, false]);
  return fromText;
}

/** Where the decisions turn: each next retry, one before and one after, and both ends of time. */
function instants(snapshot: Snapshot): bigint[] {
  const found = new Set<bigint>([0n, U64_MAX, snapshot.clockNs]);
  for (const entry of snapshot.backoff.iter()) {
    found.add(entry.nextRetryNs);
    if (entry.nextRetryNs > 0n) found.add(entry.nextRetryNs - 1n);
    if (entry.nextRetryNs < U64_MAX) found.add(entry.nextRetryNs + 1n);
  }
  return [...found];
}

/** Every way to print the document (or its TSV) that takes the direct path. */
const DIRECT_FORMS: readonly (readonly string[])[] = [
  ["--json", "inspect"],
  ["inspect", "--format", "json"],
  ["inspect", "--format", "ndjson"],
  ["--json", "inspect", "--format", "table"],
  ["--json", "inspect", "--format", "wide"],
  ["--json", "inspect", "--format", "ndjson"],
  ["-q", "--json", "inspect"],
  ["-q", "inspect", "--format", "ndjson"],
  ["--json", "inspect", "--sort", "peer"],
  ["--json", "--no-color", "--dry-run", "inspect"],
  ["--json", "inspect", "--after", "0"],
  ["--json", "inspect", "--after", "213503d"], // saturates at 2^64-1 from most clocks
  ["inspect", "--format", "json", "--at", "2025-11-24T16:01:00.123456789+01:00"],
  ["--json", "inspect", "--format", "tsv"],
  ["inspect", "--format", "tsv", "--after", "1s"],
];

/**
 * Options that select rows (sorted, limited, filtered, or a table): the rows shown are built from the text too, only
 * those (inspect's selectAsRead, which counts the summary as the direct path does): the same text either way.
 */
const SELECTED_FORMS: readonly (readonly string[])[] = [
  ["--json", "inspect", "--sort", "next-retry"],
  ["--json", "inspect", "--sort", "failures", "--reverse"],
  ["inspect", "--format", "ndjson", "--limit", "3"],
  ["--json", "inspect", "--reverse"],
  ["--json", "inspect", "--cooling"],
  ["--json", "inspect", "--denied", "--blocked"],
  ["inspect", "--format", "ndjson", "--allowlisted"],
  ["--json", "inspect", "--down"],
  ["inspect", "--format", "tsv", "--limit", "2"],
  ["inspect", "--format", "wide", "--no-trunc"],
  ["inspect"],
];

describe("inspect's rows from the text, at the edges of the canonical layout", () => {
  for (const { name, snapshot } of edgeStates()) {
    it(`print what the model prints: ${name}`, async () => {
      const { canonical, other } = bothLayouts(snapshot);
      for (const args of DIRECT_FORMS) await expectSame(canonical, other, args);
      for (const args of SELECTED_FORMS) await expectSame(canonical, other, args);
      for (const at of instants(snapshot)) {
        await expectSame(canonical, other, ["--json", "inspect", "--at", `${at}`]);
        await expectSame(canonical, other, ["inspect", "--format", "ndjson", "--at", `${at}`]);
      }
    });
  }

  it("read the longest and shortest peers, prefix pairs and shared prefixes as they are", async () => {
    const { snapshot } = edgeStates()[0] as State;
    const { canonical } = bothLayouts(snapshot);
    const result = await run(canonical, ["inspect", "--format", "ndjson"]);
    expect(result.direct).toBe(true);
    const peers = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => (JSON.parse(line) as { peer: string }).peer);
    expect(peers).toEqual(SORTED.map((peer) => peer.text));
    expect(peers.slice(0, 1)).toEqual(["11"]);
    expect(peers).toContain("5R1");
    expect(Math.max(...peers.map((peer) => peer.length))).toBeGreaterThan(100);
  });
});

/** A peer of any multihash kind: any code (to a 10-byte varint), any digest of 0 to 64 bytes. */
const anyPeer: fc.Arbitrary<PeerId> = fc
  .tuple(
    fc.oneof(fc.constantFrom(0n, 0x12n, 0x7fn, 0x80n, U64_MAX), fc.bigInt({ min: 0n, max: U64_MAX })),
    fc.oneof(fc.constantFrom(0, 1, 8, 32, 36, 64), fc.nat({ max: 64 })),
    fc.uint8Array({ minLength: 64, maxLength: 64 }),
  )
  .map(([code, length, digest]) => multihashPeer(code, Array.from(digest.subarray(0, length))));

const u64Edge = fc.oneof(fc.constantFrom(0n, 1n, U64_MAX - 1n, U64_MAX), fc.bigInt({ min: 0n, max: U64_MAX }));

describe("inspect's rows from the text, on made-up states of any peers", () => {
  it("print what the model prints, at the instants where a decision turns", async () => {
    const states = fc
      .record({
        pool: fc.uniqueArray(
          fc.tuple(anyPeer, fc.boolean(), fc.boolean(), fc.option(u64Edge, { nil: undefined }), fc.option(u64Edge, { nil: undefined })),
          { selector: ([peer]) => peer.text, maxLength: 10 },
        ),
        open: fc.boolean(),
        clockNs: u64Edge,
        pick: fc.nat(),
      })
      .map(({ pool, open, clockNs, pick }) => {
        const governor = new PeerGovernor();
        governor.setAllowlist(open ? null : []);
        const backoff = new BackoffTable();
        for (const [peer, blocked, allowed, lastEventNs, nextRetryNs] of pool) {
          if (blocked) governor.block(peer);
          if (allowed && !open) governor.allow(peer);
          if (lastEventNs !== undefined) governor.restoreHealth(peer, { consecutiveFailures: U32_MAX, lastEventNs, down: blocked });
          if (nextRetryNs !== undefined) backoff.restoreState(peer, { attempts: U32_MAX, lastAttemptNs: clockNs, nextRetryNs });
        }
        const snapshot: Snapshot = { clockNs, governor, backoff };
        const all = instants(snapshot);
        return { snapshot, at: all[pick % all.length] as bigint };
      });
    await fc.assert(
      fc.asyncProperty(states, async ({ snapshot, at }) => {
        const { canonical, other } = bothLayouts(snapshot);
        await expectSame(canonical, other, ["--json", "inspect", "--at", `${at}`]);
        await expectSame(canonical, other, ["inspect", "--format", "ndjson", "--at", `${at}`]);
        await expectSame(canonical, other, ["--json", "inspect", "--format", "wide"]);
      }),
      { numRuns: 25 },
    );
  });
});

describe("inspect's rows from the text, wherever the text comes from", () => {
  it("from standard input, as from the file", async () => {
    const { snapshot } = edgeStates()[1] as State;
    const { canonical, other, text } = bothLayouts(snapshot);
    const compact = `${JSON.stringify(JSON.parse(text))}\n`;
    for (const args of [
      ["--json", "inspect"],
      ["inspect", "--format", "ndjson", "--at", "0"],
    ]) {
      const fromText = await run("-", args, { input: text });
      const fromModel = await run("-", args, { input: compact });
      expect(fromText.direct).toBe(true);
      expect(fromModel.direct).toBe(false);
      expect({ ...fromText, direct: undefined }).toEqual({ ...fromModel, direct: undefined });
      // The file gives the same document as standard input does.
      expect((await run(canonical, args)).stdout).toBe(fromText.stdout);
      expect((await run(other, args)).stdout).toBe(fromModel.stdout);
    }
  });

  it("from the file as it is now, when it was rewritten since the last run (same size, other values)", async () => {
    const [first, second] = edgeStates() as [State, State];
    const { canonical, text } = bothLayouts(first.snapshot);
    const before = await run(canonical, ["--json", "inspect"]);
    // The same length (a digit for a digit), written at once: only the content tells the two apart.
    const rewritten = text
      .replaceAll('"consecutive_failures": 4,', '"consecutive_failures": 5,')
      .replaceAll('"attempts": 1,', '"attempts": 9,');
    expect(rewritten).not.toBe(text);
    expect(rewritten.length).toBe(text.length);
    writeFileSync(canonical, rewritten);
    const after = await run(canonical, ["--json", "inspect"]);
    expect(after.direct).toBe(true);
    expect(after.stdout).not.toBe(before.stdout);
    const other = path.join(MODEL_DIR, path.basename(canonical));
    writeFileSync(other, `${JSON.stringify(JSON.parse(rewritten))}\n`);
    await expectSame(canonical, other, ["--json", "inspect"]);
    // And back to another state entirely.
    const { text: secondText } = bothLayouts(second.snapshot);
    writeFileSync(canonical, secondText);
    writeFileSync(other, `${JSON.stringify(JSON.parse(secondText))}\n`);
    await expectSame(canonical, other, ["inspect", "--format", "ndjson"]);
  });

  it("over many pieces of output: 2,000 peers, every row the model's", async () => {
    const governor = new PeerGovernor();
    const backoff = new BackoffTable();
    governor.setAllowlist([]);
    const peers = Array.from({ length: 2000 }, (_, i) =>
      i % 2 === 0 ? ed25519Peer(bytes(32)) : multihashPeer(0x12n, [...alike.slice(0, 62), i >> 8, i & 0xff]),
    );
    for (const [i, peer] of peers.entries()) {
      if (i % 7 === 0) governor.block(peer);
      if (i % 3 !== 0) governor.allow(peer);
      if (i % 5 !== 0) governor.restoreHealth(peer, { consecutiveFailures: i, lastEventNs: BigInt(i) * 1_000n, down: i % 4 === 0 });
      if (i % 2 === 0) backoff.restoreState(peer, { attempts: i % 9, lastAttemptNs: BigInt(i), nextRetryNs: BigInt(i) * 2_000n });
    }
    const { canonical, other } = bothLayouts({ clockNs: 1_000_000n, governor, backoff });
    const result = await expectSame(canonical, other, ["--json", "inspect", "--at", "1999000"]);
    // Many 64k pieces, each handed on as it was made.
    expect(result.stdout.length).toBeGreaterThan(8 * 65_536);
    await expectSame(canonical, other, ["inspect", "--format", "ndjson"]);
  });
});
