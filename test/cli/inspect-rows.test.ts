/**
 * `inspect`'s rows written straight from a canonical text (CanonicalRowsJson)
 * against the rows of the model (PeerJson): the same file in bbgov's own
 * layout, which takes the direct path, and the same state laid out otherwise,
 * which the general reader builds into a model, must print the same bytes,
 * with --json, --format json and ndjson, at any instant. And the direct path
 * is taken only where it may be: never after the lists changed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { BackoffTable } from "../../src/core/backoff.js";
import { PeerGovernor } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";
import { U64_MAX } from "../../src/core/u64.js";
import { knownPeers } from "../../src/cli/commands/common.js";
import { execute } from "../../src/cli/commands/inspect.js";
import { knownPeerTexts } from "../../src/cli/commands/resolve.js";
import { commandContext } from "../../src/cli/context.js";
import type { CommandOptions } from "../../src/cli/program.js";
import { PLAIN } from "../../src/cli/render/plain.js";
import type { InspectRow } from "../../src/cli/render/inspect-formats.js";
import { CanonicalRowsJson, PeerJson, RowsJson } from "../../src/cli/render/inspect-rows.js";
import { OWN_ITEMS, OWN_JSON, jsonChunks, ndjsonChunks, renderJson } from "../../src/cli/render/json.js";
import { sanitizeJson } from "../../src/cli/render/sanitize.js";
import {
  ALLOWLISTED,
  BACKOFF_VALUES,
  BLOCKED,
  canonicalRows,
  canonicalTallies,
  readCanonical,
} from "../../src/snapshot/decode-canonical.js";
import { encodeSnapshot } from "../../src/snapshot/encode.js";
import type { Snapshot } from "../../src/snapshot/model.js";
import { peerArb, u32Arb, u64Arb } from "../snapshot/helpers.js";
import { cli } from "./helpers.js";

const folder = mkdtempSync(path.join(tmpdir(), "bbgov-rows-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** What a peer of the pool has: on either list, health, a backoff entry (any of them, or none). */
const peerState = fc.record({
  blocked: fc.boolean(),
  allowlisted: fc.boolean(),
  health: fc.option(fc.tuple(u32Arb, u64Arb, fc.boolean()), { nil: undefined }),
  backoff: fc.option(fc.tuple(u32Arb, u64Arb, u64Arb), { nil: undefined }),
});

/** Snapshots whose lists share peers (a peer blocked, allowlisted, with health and backoff, or any part of that). */
const sharedSnapshots: fc.Arbitrary<{ snapshot: Snapshot; instants: bigint[] }> = fc
  .record({
    pool: fc.uniqueArray(fc.tuple(peerArb, peerState), { selector: ([peer]) => peer.text, minLength: 0, maxLength: 12 }),
    open: fc.boolean(),
    clockNs: u64Arb,
    threshold: fc.integer({ min: 1, max: 6 }),
    baseNs: fc.bigInt({ min: 1n, max: U64_MAX }),
    maxDelayNs: fc.bigInt({ min: 1n, max: U64_MAX }),
    schema: fc.option(fc.constant("https://example.org/s.json"), { nil: undefined }),
  })
  .map(({ pool, open, clockNs, threshold, baseNs, maxDelayNs, schema }) => {
    const governor = new PeerGovernor();
    governor.setFailureThreshold(threshold);
    governor.setAllowlist(open ? null : []);
    const backoff = new BackoffTable({ baseNs, maxDelayNs });
    const instants = [clockNs];
    for (const [peer, state] of pool) {
      if (state.blocked) governor.block(peer);
      if (state.allowlisted && !open) governor.allow(peer);
      if (state.health !== undefined) {
        const [consecutiveFailures, lastEventNs, down] = state.health;
        governor.restoreHealth(peer, { consecutiveFailures, lastEventNs, down });
      }
      if (state.backoff !== undefined) {
        const [attempts, lastAttemptNs, nextRetryNs] = state.backoff;
        backoff.restoreState(peer, { attempts, lastAttemptNs, nextRetryNs });
        // The instants where a cooldown starts and ends: the decision turns there.
        instants.push(nextRetryNs);
        if (nextRetryNs > 0n) instants.push(nextRetryNs - 1n);
        if (nextRetryNs < U64_MAX) instants.push(nextRetryNs + 1n);
      }
    }
    const snapshot: Snapshot = { clockNs, governor, backoff };
    if (schema !== undefined) snapshot.schema = schema;
    return { snapshot, instants };
  });

let files = 0;

/** The state in bbgov's own layout (the direct path) and in another (compact JSON: the model's path). */
function bothLayouts(snapshot: Snapshot): { canonical: string; other: string } {
  const text = encodeSnapshot(snapshot);
  const canonical = path.join(folder, `canonical-${files}.json`);
  const other = path.join(folder, `other-${files}.json`);
  files++;
  writeFileSync(canonical, text);
  writeFileSync(other, `${JSON.stringify(JSON.parse(text))}\n`);
  return { canonical, other };
}

describe("inspect's rows from the text", () => {
  it("print what the model's rows print, in every JSON form and at every instant", async () => {
    await fc.assert(
      fc.asyncProperty(sharedSnapshots, fc.nat(), async ({ snapshot, instants }, pick) => {
        const text = encodeSnapshot(snapshot);
        const read = readCanonical(text);
        // The file takes the direct path (else this property would prove nothing).
        expect(read).toBeDefined();
        expect(canonicalRows(read as Snapshot)).toBeDefined();
        const { canonical, other } = bothLayouts(snapshot);
        const at = instants[pick % instants.length] as bigint;
        for (const args of [
          ["--json", "inspect"],
          ["inspect", "--format", "json"],
          ["inspect", "--format", "ndjson"],
          ["--json", "inspect", "--at", `${at}`],
          ["inspect", "--format", "ndjson", "--at", `${at}`],
          ["--json", "inspect", "--after", "1ms"],
          ["--json", "inspect", "--format", "wide"],
          ["-q", "inspect"],
          // Options the direct path leaves to the model: the same output, whichever way.
          ["--json", "inspect", "--sort", "failures"],
          ["--json", "inspect", "--limit", "2"],
          ["inspect", "--format", "ndjson", "--reverse"],
          ["--json", "inspect", "--cooling"],
          ["--json", "inspect", "--denied"],
          ["inspect", "--format", "tsv"],
          // One peer: its row from the model, the summary of the whole file counted in its text.
          ["--json", "inspect", somePeer(snapshot)],
          ["inspect", "--format", "json", somePeer(snapshot), "16uZAbWC1AJvL", "--after", "1ms"],
          ["--json", "check", somePeer(snapshot), "--at", `${at}`],
        ]) {
          const direct = await cli(["-s", canonical, ...args]);
          const model = await cli(["-s", other, ...args]);
          expect(direct).toEqual(model);
          expect(direct.status).toBe(args.includes("check") ? model.status : 0);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("select what the model selects: every sort, filter, order, limit and form, at any instant and width", async () => {
    const choices = fc.record({
      sort: fc.constantFrom("peer", "failures", "last-event", "attempts", "next-retry"),
      filters: fc.subarray(["--down", "--blocked", "--cooling", "--denied", "--allowlisted"], { maxLength: 2 }),
      reverse: fc.boolean(),
      limit: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      form: fc.constantFrom([], ["--format", "wide"], ["--format", "tsv"], ["--format", "ndjson"], ["--json"]),
      columns: fc.constantFrom(undefined, "80", "60"),
      pick: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(sharedSnapshots, choices, async ({ snapshot, instants }, choice) => {
        // Paths of one length (a table's heading names the file, and fits it to the width).
        const text = encodeSnapshot(snapshot);
        const name = `${files++}.json`;
        const canonical = path.join(folder, "c", name);
        const other = path.join(folder, "o", name);
        mkdirSync(path.dirname(canonical), { recursive: true });
        mkdirSync(path.dirname(other), { recursive: true });
        writeFileSync(canonical, text);
        writeFileSync(other, `${JSON.stringify(JSON.parse(text))}\n`);
        const at = instants[choice.pick % instants.length] as bigint;
        const args = [
          "inspect",
          "--sort",
          choice.sort,
          ...choice.filters,
          ...(choice.reverse ? ["--reverse"] : []),
          ...(choice.limit === undefined ? [] : ["--limit", `${choice.limit}`]),
          ...choice.form,
          "--at",
          `${at}`,
        ];
        const env = choice.columns === undefined ? {} : { COLUMNS: choice.columns };
        const direct = await cli(["-s", canonical, ...args], { env });
        expect(direct.status, direct.stderr).toBe(0);
        const model = await cli(["-s", other, ...args], { env });
        expect(direct.stdout.replaceAll(canonical, other)).toBe(model.stdout);
        expect(direct.stderr.replaceAll(canonical, other)).toBe(model.stderr);
        expect(direct.status).toBe(model.status);
      }),
      { numRuns: 150 },
    );
  });

  it("write the same text as PeerJson anywhere in a document, and as JSON.stringify of their toJSON", () => {
    fc.assert(
      fc.property(sharedSnapshots, fc.nat(), ({ snapshot, instants }, pick) => {
        const now = instants[pick % instants.length] as bigint;
        const read = readCanonical(encodeSnapshot(snapshot)) as Snapshot;
        const rows = canonicalRows(read);
        expect(rows).toBeDefined();
        const direct = new CanonicalRowsJson(rows as NonNullable<typeof rows>, snapshot.governor.allowlist() === null, now);
        const model = modelRows(snapshot, now);
        expect(direct.length).toBe(model.length);
        // Nested below the streamed depth (one piece), at the top of a document, and as NDJSON.
        for (const wrap of [(peers: unknown) => ({ peers }), (peers: unknown) => ({ a: [{ b: { peers } }] }), (peers: unknown) => peers]) {
          expect(renderJson(wrap(direct))).toBe(renderJson(wrap(model)));
        }
        expect([...ndjsonChunks(direct)].join("")).toBe([...ndjsonChunks(model)].join(""));
        // The model's rows as one list (what inspect writes for a file read otherwise) against JSON.stringify.
        const listed = new RowsJson(inspectRows(snapshot, now));
        const plainRows = JSON.parse(JSON.stringify(model, (_key, value) => (typeof value === "bigint" ? `${value}` : value)));
        expect(renderJson({ peers: listed })).toBe(`${JSON.stringify({ peers: plainRows }, null, 2)}\n`);
        expect([...ndjsonChunks(listed)].join("")).toBe(plainRows.map((row: unknown) => `${JSON.stringify(row)}\n`).join(""));
        for (const piece of listed[OWN_ITEMS]("    ", "[", ",", "]", 100)) expect(sanitizeJson(piece)).toBe(piece);
        // At any depth: each row as PeerJson writes itself there.
        for (const indent of [undefined, "", "  ", "    ", "      "]) {
          const rows = direct.length === 0 ? [] : [...direct[OWN_ITEMS](indent, "<", "|", ">", 1 << 30)];
          expect(rows.join("")).toBe(direct.length === 0 ? "" : `<${model.map((row) => row[OWN_JSON](indent)).join("|")}>`);
        }
        expect(JSON.stringify(direct)).toBe(JSON.stringify(model, (_key, value) => (typeof value === "bigint" ? `${value}` : value)));
      }),
      { numRuns: 150 },
    );
  });

  it("come in pieces of about the size asked, each needing no sanitizing, however small the size", () => {
    const peers = Array.from({ length: 300 }, (_, i) => PeerId.fromU64(BigInt(i) * 7919n + 3n));
    const governor = new PeerGovernor();
    const backoff = new BackoffTable();
    for (const [i, peer] of peers.entries()) {
      if (i % 3 === 0) governor.restoreHealth(peer, { consecutiveFailures: i, lastEventNs: BigInt(i), down: i % 2 === 0 });
      if (i % 5 === 0) backoff.restoreState(peer, { attempts: i, lastAttemptNs: BigInt(i), nextRetryNs: BigInt(2 * i) });
      if (i % 7 === 0) governor.block(peer);
    }
    const read = readCanonical(encodeSnapshot({ clockNs: 100n, governor, backoff })) as Snapshot;
    const direct = new CanonicalRowsJson(canonicalRows(read) as NonNullable<ReturnType<typeof canonicalRows>>, true, 100n);
    const whole = [...direct[OWN_ITEMS]("  ", "[", ",", "]", 1 << 30)];
    expect(whole).toHaveLength(1);
    for (const size of [0, 1, 100, 5000]) {
      const pieces = [...direct[OWN_ITEMS]("  ", "[", ",", "]", size)];
      expect(pieces.join("")).toBe(whole[0]);
      if (size === 5000) expect(pieces.length).toBeGreaterThan(3);
      for (const piece of pieces) expect(sanitizeJson(piece)).toBe(piece);
    }
    expect([...jsonChunks({ peers: direct })].length).toBeGreaterThan(2);
  });
});

describe("inspect's report with rows from the text", () => {
  it("still draws the model's table when asked to", () => {
    fc.assert(
      fc.property(sharedSnapshots, ({ snapshot }) => {
        const text = encodeSnapshot(snapshot);
        const options = { sort: "peer", format: "table" } as CommandOptions<"inspect">;
        const run = (printsJson: boolean) => {
          const ctx = commandContext(readCanonical(text) as Snapshot, "x.json", undefined, () => Promise.reject(), undefined, printsJson);
          return execute(ctx, [[]], options);
        };
        const [direct, model] = [run(true), run(false)];
        expect(direct.render({ chalk: PLAIN, width: 80 })).toBe(model.render({ chalk: PLAIN, width: 80 }));
        expect(renderJson(direct.json)).toBe(renderJson(model.json));
      }),
      { numRuns: 15 },
    );
  });
});

describe("the peers a file knows, from its text", () => {
  it("are the model's peer texts, sorted, and nothing is built to tell them", () => {
    fc.assert(
      fc.property(sharedSnapshots, ({ snapshot }) => {
        const read = readCanonical(encodeSnapshot(snapshot)) as Snapshot;
        const texts = knownPeerTexts(read);
        expect(read.governor.healthRestoreDeferred()).toBe(true);
        expect(read.backoff.restoreDeferred()).toBe(true);
        expect(texts).toEqual(
          knownPeers(snapshot)
            .map((peer) => peer.text)
            .sort(),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe("canonicalRows", () => {
  const peer = PeerId.parse("16uZAbWC1AJvL");
  const other = PeerId.parse("16uZAbWC1AJvM");
  const text = (() => {
    const governor = new PeerGovernor();
    governor.block(peer);
    governor.setAllowlist([peer]);
    governor.restoreHealth(peer, { consecutiveFailures: 2, lastEventNs: 5n, down: false });
    const backoff = new BackoffTable();
    backoff.restoreState(other, { attempts: 1, lastAttemptNs: 5n, nextRetryNs: 9n });
    return encodeSnapshot({ clockNs: 5n, governor, backoff });
  })();

  it("gives the rows of a snapshot as read", () => {
    const rows = canonicalRows(readCanonical(text) as Snapshot);
    expect(rows?.count).toBe(2);
    expect(rows?.text.slice(rows.peerStarts[1], rows.peerEnds[1])).toBe(other.text);
    expect([rows?.flags[0], rows?.flags[1]]).toEqual([BLOCKED | ALLOWLISTED, 0]);
    expect(canonicalTallies(readCanonical(text) as Snapshot, 8n)).toEqual({ tracked: 1, down: 0, backoffEntries: 1, coolingDown: 1 });
    expect(canonicalTallies(readCanonical(text) as Snapshot, 9n)).toEqual({ tracked: 1, down: 0, backoffEntries: 1, coolingDown: 0 });
    const values = new Int32Array(BACKOFF_VALUES);
    expect(rows?.healthOf(1, values)).toBe(false);
    expect(rows?.backoffOf(0, values)).toBe(false);
    expect(rows?.backoffOf(1, values)).toBe(true);
    expect([0, 2, 4].map((at) => rows?.text.slice(values[at], values[at + 1]))).toEqual(["1", "5", "9"]);
  });

  it("gives nothing once the lists are not what the text holds", () => {
    const edits: Array<(snapshot: Snapshot) => void> = [
      (s) => s.governor.block(other),
      (s) => s.governor.unblock(peer),
      (s) => s.governor.allow(other),
      (s) => s.governor.setAllowlist(null),
      (s) => s.governor.recordFailure(other, 6n),
      (s) => s.backoff.recordSuccess(other),
      (s) => s.governor.iterHealth().next(),
      (s) => s.backoff.iter().next(),
      (s) => {
        s.governor = new PeerGovernor();
      },
    ];
    for (const edit of edits) {
      const snapshot = readCanonical(text) as Snapshot;
      edit(snapshot);
      expect(canonicalRows(snapshot)).toBeUndefined();
    }
  });

  it("gives nothing for a snapshot not read from bbgov's own layout", () => {
    expect(readCanonical(text.replace("{\n", "{ \n"))).toBeUndefined();
    const built = readCanonical(text) as Snapshot;
    expect(canonicalRows({ clockNs: built.clockNs, governor: new PeerGovernor(), backoff: new BackoffTable() })).toBeUndefined();
  });
});

/** A peer the snapshot knows (the first of its health list, blocklist or allowlist), else one it does not. */
function somePeer(snapshot: Snapshot): string {
  const known = [...snapshot.governor.iterHealth()].map((entry) => entry.peer);
  const peer = known[0] ?? [...snapshot.governor.blocklist()][0] ?? [...(snapshot.governor.allowlist() ?? [])][0];
  return peer?.text ?? "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
}

/** inspect's rows from the model: every peer, by text, as PeerJson. */
function modelRows(snapshot: Snapshot, nowNs: bigint): PeerJson[] {
  return inspectRows(snapshot, nowNs).map((row) => new PeerJson(row));
}

/**
 * inspect's rows of the model: every peer, by text. Written out here, as the
 * oracle, rather than taken from inspect.ts (whose collectRows it repeats).
 */
function inspectRows(snapshot: Snapshot, nowNs: bigint): InspectRow[] {
  const { governor, backoff } = snapshot;
  const texts = new Map<string, PeerId>();
  for (const entry of governor.iterHealth()) texts.set(entry.peer.text, entry.peer);
  for (const entry of backoff.iter()) texts.set(entry.peer.text, entry.peer);
  for (const peer of governor.blocklist()) texts.set(peer.text, peer);
  for (const peer of governor.allowlist() ?? []) texts.set(peer.text, peer);
  const peers = [...texts.values()].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  return peers.map((peer) => ({
    peer,
    blocked: governor.isBlocked(peer),
    allowlisted: governor.isAllowlisted(peer),
    health: governor.peerHealth(peer),
    backoff: backoff.state(peer),
    inbound: governor.checkInbound(peer),
    outbound: governor.checkOutbound(peer, backoff, nowNs),
  }));
}
