/**
 * Health and backoff lists are checked when a file is read but made only when
 * a command looks at them (node snapshots and bbgov's canonical JSON): the
 * clock, "is this peer there?" and an edit that touches neither list give the
 * same answers as the fully built model, and the lazy path is proven to run.
 */
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BackoffTable } from "../../src/core/backoff.js";
import { PeerGovernor } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";
import { Reader, Writer, read, write, type Value } from "../../src/snapshot/bincode.js";
import { canonicalSource } from "../../src/snapshot/decode-canonical.js";
import { encodeSnapshot, encodeSnapshotBytes } from "../../src/snapshot/encode.js";
import { decodeSnapshot } from "../../src/snapshot/index.js";
import { emptySnapshot, latestEventNs, type Snapshot } from "../../src/snapshot/model.js";
import { NODE_SNAPSHOT } from "../../src/snapshot/node-schema.js";
import { SharedPeers, nodeKnownTexts, nodeTallies, readNodeSnapshot } from "../../src/snapshot/node.js";
import { seededBytes, snapshotArb, u64Arb } from "./helpers.js";
import { FIXTURE_NAMES, REFUSED, loadFixture, modelTallies, smallWithLists, type FixtureName } from "./node-fixtures.js";

const ACCEPTED = FIXTURE_NAMES.filter((name) => !REFUSED.includes(name));
const STRANGER = PeerId.parse("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");

/** Every peer the model holds anywhere (which builds the lists). */
function allPeers(snapshot: Snapshot): PeerId[] {
  return [
    ...Array.from(snapshot.governor.iterHealth(), (entry) => entry.peer),
    ...Array.from(snapshot.backoff.iter(), (entry) => entry.peer),
    ...snapshot.governor.blocklist(),
  ];
}

/** At most `count` items of `items`, spread from first to last. */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.round((i * (items.length - 1)) / (count - 1))] as T);
}

const builtModels = new Map<string, Snapshot>();
/**
 * A fixture's model with every list built, made once per fixture for the tests that only ask it questions (the
 * 10k-peer file takes a tenth of a second each time); no test changes it.
 */
function builtModel(name: FixtureName): Snapshot {
  let built = builtModels.get(name);
  if (built === undefined) {
    built = readNodeSnapshot(loadFixture(name).bytes).snapshot;
    allPeers(built);
    builtModels.set(name, built);
  }
  return built;
}

function deferred(snapshot: Snapshot): [boolean, boolean] {
  return [snapshot.governor.healthRestoreDeferred(), snapshot.backoff.restoreDeferred()];
}

/** small.bin with its health list replaced by `health` (tuples as the generic codec reads them). */
function smallWithHealth(health: (peer: PeerId) => Value[]): Uint8Array {
  const value = read(NODE_SNAPSHOT, new Reader(loadFixture("small").bytes)) as {
    transient: { framework: { peer_governor: { health: Value[] }; backoff_table: Value[] } };
  };
  const peer = PeerId.fromU64(7n);
  value.transient.framework.peer_governor.health = health(peer);
  value.transient.framework.backoff_table = [];
  const writer = new Writer();
  write(NODE_SNAPSHOT, value as unknown as Value, writer);
  return writer.result().slice();
}

describe("node snapshots: lists made on demand", () => {
  it.each(ACCEPTED)("%s: the clock read from the bytes is the latest event of the built model", (name) => {
    const { snapshot } = readNodeSnapshot(loadFixture(name).bytes);
    expect(deferred(snapshot)).toEqual([true, true]);
    const clock = snapshot.clockNs;
    expect(clock).toBe(latestEventNs(snapshot) ?? 0n);
  });

  it.each(ACCEPTED)("%s: whether a peer is there is answered from the bytes, as the built model answers", (name) => {
    const bytes = loadFixture(name).bytes;
    const built = builtModel(name);
    const peers = [...spread(allPeers(built), 12), STRANGER];
    for (const peer of peers) {
      const { snapshot } = readNodeSnapshot(bytes);
      expect([snapshot.governor.hasHealth(peer), snapshot.backoff.hasEntry(peer)]).toEqual([
        built.governor.peerHealth(peer) !== undefined,
        built.backoff.state(peer) !== undefined,
      ]);
      expect(deferred(snapshot)).toEqual([true, true]);
    }
  });

  it.each(ACCEPTED)("%s: one peer's health and backoff entry are read from the bytes, as the built model has them", (name) => {
    const bytes = loadFixture(name).bytes;
    const built = builtModel(name);
    for (const peer of [...spread(allPeers(built), 12), STRANGER]) {
      const { snapshot } = readNodeSnapshot(bytes);
      const short = deferred(snapshot);
      expect(snapshot.governor.peerHealth(peer)).toEqual(built.governor.peerHealth(peer));
      expect(snapshot.backoff.state(peer)).toEqual(built.backoff.state(peer));
      expect(snapshot.governor.checkOutbound(peer, snapshot.backoff, 1n)).toEqual(built.governor.checkOutbound(peer, built.backoff, 1n));
      // Nothing built to answer (unless a list's peers are not all in their own form: then it is built).
      expect(deferred(snapshot)).toEqual(short);
    }
  });

  it("a repeated peer: its health read from the bytes is its last entry's, as restore keeps", () => {
    // The last entry is the latest, so the clock is told from the bytes and nothing is built at the read.
    const bytes = smallWithHealth((peer) => [
      [peer.bytes, 1, 100n, true],
      [PeerId.fromU64(8n).bytes, 2, 500n, false],
      [peer.bytes, 3, 900n, false],
    ]);
    const { snapshot } = readNodeSnapshot(bytes);
    expect(snapshot.governor.healthRestoreDeferred()).toBe(true);
    expect(snapshot.governor.peerHealth(PeerId.fromU64(7n))).toEqual({
      peer: PeerId.fromU64(7n),
      consecutiveFailures: 3,
      lastEventNs: 900n,
      down: false,
    });
    expect(snapshot.governor.isDown(PeerId.fromU64(7n))).toBe(false);
    expect(snapshot.governor.healthRestoreDeferred()).toBe(true);
  });

  it("past a few questions the list is built, and the answers stay the same", () => {
    const bytes = loadFixture("small").bytes;
    const built = readNodeSnapshot(bytes).snapshot;
    const peers = [...allPeers(built), STRANGER];
    const { snapshot } = readNodeSnapshot(bytes);
    for (let round = 0; round < 3; round++) {
      for (const peer of peers) expect(snapshot.governor.hasHealth(peer)).toBe(built.governor.peerHealth(peer) !== undefined);
    }
    expect(peers.length * 3).toBeGreaterThan(16);
    expect(snapshot.governor.healthRestoreDeferred()).toBe(false);
  });

  it("a repeated peer whose earlier entry is the latest: the clock is the restored model's, not the file's maximum", () => {
    const bytes = smallWithHealth((peer) => [
      [peer.bytes, 1, 900n, false],
      [PeerId.fromU64(8n).bytes, 2, 500n, false],
      [peer.bytes, 3, 100n, false],
    ]);
    const { snapshot } = readNodeSnapshot(bytes);
    expect(snapshot.clockNs).toBe(500n);
    expect(snapshot.governor.peerHealth(PeerId.fromU64(7n))?.consecutiveFailures).toBe(3);
  });

  it("a repeated peer whose last entry is the latest: the clock is told from the bytes alone", () => {
    const bytes = smallWithHealth((peer) => [
      [peer.bytes, 1, 100n, false],
      [peer.bytes, 3, 900n, true],
    ]);
    const { snapshot } = readNodeSnapshot(bytes);
    expect(snapshot.clockNs).toBe(900n);
    expect(deferred(snapshot)).toEqual([true, true]);
  });

  it("another model written over a node file is written whole, even while its own lists are still unmade", () => {
    const base = readNodeSnapshot(loadFixture("small").bytes);
    const other = readNodeSnapshot(loadFixture("peers-10k").bytes).snapshot;
    expect(deferred(other)).toEqual([true, true]);
    const written = readNodeSnapshot(base.encode(other)).snapshot;
    expect(written.governor.trackedPeers()).toBe(other.governor.trackedPeers());
    expect(written.backoff.len()).toBe(other.backoff.len());
  });

  it("block on 10k peers leaves both big lists unmade and copies their bytes", () => {
    const bytes = loadFixture("peers-10k").bytes;
    const read = readNodeSnapshot(bytes);
    read.snapshot.governor.block(STRANGER);
    const encoded = read.encode(read.snapshot);
    expect(deferred(read.snapshot)).toEqual([true, true]);
    const again = readNodeSnapshot(encoded);
    expect(again.snapshot.governor.isBlocked(STRANGER)).toBe(true);
    expect(again.snapshot.governor.trackedPeers()).toBe(readNodeSnapshot(bytes).snapshot.governor.trackedPeers());
    // Everything after the blocklist is the old file's, byte for byte; the blocklist grew by one Vec<u8>.
    const reader = new Reader(bytes, read.node.governorRange[0]);
    const count = reader.length(8, "peers");
    for (let i = 0; i < count; i++) reader.skipBytes();
    const grown = 8 + STRANGER.bytes.length;
    expect(encoded.length).toBe(bytes.length + grown);
    expect(Buffer.from(encoded.subarray(reader.offset + grown)).equals(Buffer.from(bytes.subarray(reader.offset)))).toBe(true);
  });
});

describe("node snapshots: a summary's counts from the bytes", () => {
  it.each(ACCEPTED)("%s: the counts are the built model's, and nothing is built", (name) => {
    const bytes = loadFixture(name).bytes;
    const built = builtModel(name);
    for (const now of [0n, built.clockNs, built.clockNs + 1n, 1n << 63n]) {
      const { snapshot } = readNodeSnapshot(bytes);
      const tallies = nodeTallies(snapshot, now);
      expect(deferred(snapshot)).toEqual([true, true]);
      // Undefined only where restore would not keep every entry as it stands (then the model answers).
      if (tallies !== undefined) expect(tallies).toEqual(modelTallies(built, now));
    }
  });

  it("counts the 10k fixture from its bytes", () => {
    const { snapshot } = readNodeSnapshot(loadFixture("peers-10k").bytes);
    const tallies = nodeTallies(snapshot, snapshot.clockNs);
    expect(tallies?.tracked).toBeGreaterThan(1000);
    expect(tallies).toEqual(modelTallies(builtModel("peers-10k"), snapshot.clockNs));
  });

  it("any lists: the counts are the built model's, or left to it when a peer is listed twice", () => {
    const pool = Array.from({ length: 12 }, (_, i) => PeerId.fromU64(BigInt(i + 1)));
    const peer = fc.nat(11).map((i) => (pool[i] as PeerId).bytes);
    // Times near 2^32 and 2^63 too, so that the two-word comparison meets equal high words.
    const time = fc.oneof(u64Arb, fc.bigInt({ min: (1n << 32n) - 3n, max: (1n << 32n) + 3n }), fc.bigInt({ min: 0n, max: 6n }));
    const lists = fc.record({
      health: fc.array(fc.tuple(peer, fc.nat(9), time, fc.boolean()), { maxLength: 14 }),
      table: fc.array(fc.record({ peer, attempts: fc.nat(9), last_attempt_ns: time, next_retry_ns: time }), { maxLength: 14 }),
      now: time,
    });
    let counted = 0;
    fc.assert(
      fc.property(lists, ({ health, table, now }) => {
        const bytes = smallWithLists(
          health.map((entry) => [...entry] as Value[]),
          table.map((entry) => entry as unknown as Value),
        );
        const { snapshot } = readNodeSnapshot(bytes);
        // (The read itself builds the lists when a repeated peer hides the clock: then the model answers.)
        const before = deferred(snapshot);
        const tallies = nodeTallies(snapshot, now);
        expect(deferred(snapshot)).toEqual(before);
        const built = readNodeSnapshot(bytes).snapshot;
        const repeated = (keys: string[]): boolean => new Set(keys).size !== keys.length;
        const twice =
          repeated(health.map(([bytes]) => Buffer.from(bytes).toString("hex"))) ||
          repeated(table.map((entry) => Buffer.from(entry.peer).toString("hex")));
        if (twice) expect(tallies).toBeUndefined();
        else {
          counted++;
          expect(tallies).toEqual(modelTallies(built, now));
        }
      }),
      { numRuns: 300 },
    );
    expect(counted).toBeGreaterThan(10);
  });

  it("counts a long list of distinct peers (a run of other peers in the table is no collision)", () => {
    // 30k ed25519-like peers: with every probe counted as a collision, a table this full gave up and the model answered.
    const random = seededBytes(30);
    const health = Array.from({ length: 30_000 }, (_, i) => [Uint8Array.from([0, 36, 8, 1, 18, 32, ...random(32)]), 1, BigInt(i), false]);
    const bytes = smallWithLists(health as Value[], []);
    const { snapshot } = readNodeSnapshot(bytes, { clockNs: 0n });
    expect(nodeTallies(snapshot, 0n)).toEqual({ tracked: 30_000, down: 0, backoffEntries: 0, coolingDown: 0 });
  });

  it("entries restore would not keep as they stand (bytes that do not parse, two spellings of one peer): the model answers", () => {
    const peer = PeerId.fromU64(7n).bytes; // identity multihash: code 0, then the length
    // The same peer with its code as a 10-byte varint whose bits past 64 are dropped: upstream reads the same peer.
    const spelled = Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, ...peer.subarray(1)]);
    expect(PeerId.fromBytes(spelled).text).toBe(PeerId.fromU64(7n).text);
    const cases = [
      [
        [Uint8Array.from([1, 2, 3]), 0, 5n, true],
        [peer, 1, 6n, false],
      ],
      [
        [peer, 1, 5n, true],
        [spelled, 2, 6n, false],
      ],
    ];
    for (const health of cases) {
      const bytes = smallWithLists(health as Value[], []);
      // A clock given: otherwise the read builds the lists for it when a peer is not in its own form.
      const { snapshot } = readNodeSnapshot(bytes, { clockNs: 9n });
      expect(deferred(snapshot)).toEqual([true, true]);
      expect(nodeTallies(snapshot, 0n)).toBeUndefined();
      expect(modelTallies(readNodeSnapshot(bytes).snapshot, 0n)?.tracked).toBe(1);
    }
  });

  it("once a list is built, the model answers", () => {
    const { snapshot } = readNodeSnapshot(loadFixture("small").bytes);
    expect(nodeTallies(snapshot, 0n)).toBeDefined();
    snapshot.governor.trackedPeers();
    Array.from(snapshot.governor.iterHealth());
    expect(snapshot.governor.healthRestoreDeferred()).toBe(false);
    expect(nodeTallies(snapshot, 0n)).toBeUndefined();
  });
});

/** Every peer text the built model knows, sorted: what a prefix is resolved against. */
function modelTexts(snapshot: Snapshot): string[] {
  const texts = new Set([
    ...Array.from(snapshot.governor.iterHealth(), (entry) => entry.peer.text),
    ...Array.from(snapshot.backoff.iter(), (entry) => entry.peer.text),
    ...Array.from(snapshot.governor.blocklist(), (peer) => peer.text),
    ...Array.from(snapshot.governor.allowlist() ?? [], (peer) => peer.text),
  ]);
  return [...texts].sort();
}

describe("node snapshots: the peers a file knows, from the bytes", () => {
  it.each(ACCEPTED)("%s: the built model's peer texts, sorted, with nothing built", (name) => {
    const bytes = loadFixture(name).bytes;
    const { snapshot } = readNodeSnapshot(bytes);
    const before = deferred(snapshot);
    const texts = nodeKnownTexts(snapshot);
    expect(deferred(snapshot)).toEqual(before);
    const expected = modelTexts(builtModel(name));
    if (before[0] && before[1]) expect(texts).toEqual(expected);
    else expect(texts).toBeUndefined();
    // The lists built afterwards are the same.
    expect(modelTexts(snapshot)).toEqual(expected);
  });

  it("bytes that do not parse name no peer; two spellings of one peer name it once", () => {
    const peer = PeerId.fromU64(7n).bytes;
    const spelled = Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, ...peer.subarray(1)]);
    const bytes = smallWithLists(
      [
        [Uint8Array.from([1, 2, 3]), 0, 5n, true],
        [peer, 1, 5n, true],
      ],
      [{ peer: spelled, attempts: 1, last_attempt_ns: 6n, next_retry_ns: 7n }],
    );
    const { snapshot } = readNodeSnapshot(bytes, { clockNs: 9n });
    const texts = nodeKnownTexts(snapshot);
    expect(texts).toEqual(modelTexts(readNodeSnapshot(bytes, { clockNs: 9n }).snapshot));
    expect(texts?.filter((text) => text === PeerId.fromU64(7n).text)).toHaveLength(1);
  });

  it("a peer only on the allowlist, or only in the backoff table, is known", () => {
    const value = read(NODE_SNAPSHOT, new Reader(loadFixture("small").bytes)) as {
      transient: { framework: { peer_governor: { health: Value[]; allowlist: Value }; backoff_table: Value[] } };
    };
    const governor = value.transient.framework.peer_governor;
    governor.health = [[PeerId.fromU64(7n).bytes, 1, 5n, false]];
    governor.allowlist = [PeerId.fromU64(11n).bytes];
    value.transient.framework.backoff_table = [{ peer: PeerId.fromU64(9n).bytes, attempts: 1, last_attempt_ns: 6n, next_retry_ns: 7n }];
    const writer = new Writer();
    write(NODE_SNAPSHOT, value as unknown as Value, writer);
    const bytes = writer.result().slice();
    const texts = nodeKnownTexts(readNodeSnapshot(bytes).snapshot);
    expect(texts).toEqual(modelTexts(readNodeSnapshot(bytes).snapshot));
    for (const n of [7n, 9n, 11n]) expect(texts).toContain(PeerId.fromU64(n).text);
  });

  it("once a list is built, the model answers", () => {
    const { snapshot } = readNodeSnapshot(loadFixture("small").bytes);
    Array.from(snapshot.backoff.iter());
    expect(nodeKnownTexts(snapshot)).toBeUndefined();
  });
});

describe("node snapshots: peers shared across reads (a fleet)", () => {
  // The small fixtures: the 10k and 300k ones add time, not cases (the fleet tests share 10k-peer files).
  it.each(ACCEPTED.filter((name) => !name.startsWith("peers-") && !name.startsWith("heavy-")))(
    "%s: the same model and warnings, its peers made once for every read",
    (name) => {
      const bytes = loadFixture(name).bytes;
      const alone = readNodeSnapshot(bytes);
      const shared = new SharedPeers();
      const first = readNodeSnapshot(bytes, { shared });
      const second = readNodeSnapshot(bytes, { shared });
      for (const read of [first, second]) {
        expect(read.warnings).toEqual(alone.warnings);
        expect(read.encode(read.snapshot)).toEqual(alone.encode(alone.snapshot));
        expect(Array.from(read.snapshot.governor.iterHealth())).toEqual(Array.from(alone.snapshot.governor.iterHealth()));
        expect(Array.from(read.snapshot.backoff.iter())).toEqual(Array.from(alone.snapshot.backoff.iter()));
        expect(Array.from(read.snapshot.governor.blocklist())).toEqual(Array.from(alone.snapshot.governor.blocklist()));
      }
      // The second read's peers are the first read's objects.
      const firstPeers = Array.from(first.snapshot.governor.iterHealth(), (entry) => entry.peer);
      const secondPeers = Array.from(second.snapshot.governor.iterHealth(), (entry) => entry.peer);
      secondPeers.forEach((peer, index) => {
        expect(peer).toBe(firstPeers[index]);
      });
    },
  );

  it("a peer made from bytes another file had is that file's peer; bytes that do not parse are warned about in each file", () => {
    const peer = PeerId.fromU64(7n).bytes;
    const bad = Uint8Array.from([1, 2, 3]);
    const a = smallWithLists(
      [
        [peer, 1, 5n, false],
        [bad, 1, 5n, false],
      ],
      [],
    );
    const b = smallWithLists([[bad, 2, 6n, true]], [{ peer, attempts: 1, last_attempt_ns: 6n, next_retry_ns: 7n }]);
    const shared = new SharedPeers();
    const readA = readNodeSnapshot(a, { shared });
    const readB = readNodeSnapshot(b, { shared });
    expect(readA.warnings).toEqual(readNodeSnapshot(a).warnings);
    expect(readB.warnings).toEqual(readNodeSnapshot(b).warnings);
    expect(readB.warnings.length).toBeGreaterThan(0);
    const [healthA] = Array.from(readA.snapshot.governor.iterHealth());
    const [entryB] = Array.from(readB.snapshot.backoff.iter());
    expect(entryB?.peer).toBe(healthA?.peer);
  });

  it("peers made to share one hash are made afresh past a few, never confused", () => {
    // 38-byte identity multihashes equal in every byte the hash reads (the tail and the middle), different before.
    const crafted = Array.from({ length: 60 }, (_, i) => {
      const bytes = new Uint8Array(38);
      bytes.set([0, 36]);
      bytes[2] = i;
      return bytes;
    });
    const bytes = smallWithLists(
      crafted.map((peer, i) => [peer, 1, BigInt(i), false]),
      crafted.map((peer, i) => ({ peer, attempts: 1, last_attempt_ns: BigInt(i), next_retry_ns: BigInt(i + 1) })),
    );
    const alone = readNodeSnapshot(bytes).snapshot;
    const shared = new SharedPeers();
    for (let read = 0; read < 2; read++) {
      const { snapshot } = readNodeSnapshot(bytes, { shared });
      expect(Array.from(snapshot.governor.iterHealth())).toEqual(Array.from(alone.governor.iterHealth()));
      expect(Array.from(snapshot.backoff.iter())).toEqual(Array.from(alone.backoff.iter()));
    }
    expect(shared.size).toBeLessThan(crafted.length);
  });

  it("keeps at most the peers it was made for", () => {
    const shared = new SharedPeers(3);
    const { snapshot } = readNodeSnapshot(loadFixture("small").bytes, { shared });
    expect(snapshot.governor.trackedPeers() + snapshot.backoff.len()).toBeGreaterThan(3); // the lists built: more peers made
    expect(shared.size).toBe(3);
    expect(readNodeSnapshot(loadFixture("small").bytes, { shared }).warnings).toEqual(
      readNodeSnapshot(loadFixture("small").bytes).warnings,
    );
  });
});

describe("bbgov JSON: lists made on demand", () => {
  const example = readFileSync(new URL("../../fixtures/example.json", import.meta.url), "utf8");
  const canonical = encodeSnapshot(decodeSnapshot(example).snapshot);

  it("the canonical reader defers both lists; any look builds them as the general reader does", () => {
    const lazy = decodeSnapshot(canonical).snapshot;
    expect(deferred(lazy)).toEqual([true, true]);
    const general = decodeSnapshot(canonical, { forceLossless: true }).snapshot;
    expect(Array.from(lazy.governor.iterHealth())).toEqual(Array.from(general.governor.iterHealth()));
    expect(Array.from(lazy.backoff.iter())).toEqual(Array.from(general.backoff.iter()));
    expect(deferred(lazy)).toEqual([false, false]);
  });

  it("whether a peer is there is answered by a search of the checked list, as the built model answers", () => {
    const built = decodeSnapshot(canonical).snapshot;
    for (const peer of [...allPeers(built), STRANGER]) {
      const { snapshot } = decodeSnapshot(canonical);
      expect([snapshot.governor.hasHealth(peer), snapshot.backoff.hasEntry(peer)]).toEqual([
        built.governor.peerHealth(peer) !== undefined,
        built.backoff.state(peer) !== undefined,
      ]);
      expect(deferred(snapshot)).toEqual([true, true]);
    }
  });

  it("one peer's health and backoff entry are read from the checked text, as the built model has them, nothing built", () => {
    fc.assert(
      fc.property(snapshotArb, u64Arb, (state, nowNs) => {
        const text = encodeSnapshot(state);
        const general = decodeSnapshot(text, { forceLossless: true }).snapshot;
        const peers = [...allPeers(general), STRANGER];
        const { snapshot } = decodeSnapshot(text);
        for (const peer of peers) {
          // Thousands of peers: a plain comparison first (stricter than toEqual), `expect` (which fails with its
          // diff) only when it fails.
          const answers = (model: Snapshot) => [
            model.governor.peerHealth(peer),
            model.governor.isDown(peer),
            model.backoff.state(peer),
            model.backoff.shouldRetry(peer, nowNs),
            model.governor.checkOutbound(peer, model.backoff, nowNs),
          ];
          if (isDeepStrictEqual(answers(snapshot), answers(general))) continue;
          expect(snapshot.governor.peerHealth(peer)).toEqual(general.governor.peerHealth(peer));
          expect(snapshot.governor.isDown(peer)).toBe(general.governor.isDown(peer));
          expect(snapshot.backoff.state(peer)).toEqual(general.backoff.state(peer));
          expect(snapshot.backoff.shouldRetry(peer, nowNs)).toBe(general.backoff.shouldRetry(peer, nowNs));
          expect(snapshot.governor.checkOutbound(peer, snapshot.backoff, nowNs)).toEqual(
            general.governor.checkOutbound(peer, general.backoff, nowNs),
          );
        }
        // Unless the text was not canonical (the general path read it), nothing was built to answer.
        if (canonicalSource(snapshot) !== undefined) expect(deferred(snapshot)).toEqual([true, true]);
      }),
      { numRuns: 100 },
    );
  });

  it("a model whose governor was replaced is encoded from that governor, never from the old text", () => {
    const { snapshot } = decodeSnapshot(canonical);
    const other = decodeSnapshot(example, { forceLossless: true }).snapshot;
    other.governor.recordFailure(STRANGER, 1n);
    snapshot.governor = other.governor;
    const text = new TextDecoder().decode(encodeSnapshotBytes(snapshot));
    expect(text).toContain(STRANGER.text);
  });
});

describe("lists made on demand: another model written over a node file (adversarial run)", () => {
  it("an empty model written over a file whose lists are still unmade empties both lists (they are not the file's)", () => {
    const base = readNodeSnapshot(loadFixture("small").bytes);
    expect(deferred(base.snapshot)).toEqual([true, true]);
    const written = readNodeSnapshot(base.encode(emptySnapshot())).snapshot;
    expect([written.governor.trackedPeers(), written.backoff.len()]).toEqual([0, 0]);
  });

  it("the model read, with its governor and table swapped for empty ones, writes empty lists", () => {
    const base = readNodeSnapshot(loadFixture("small").bytes);
    const swapped: Snapshot = { ...base.snapshot, governor: new PeerGovernor(), backoff: new BackoffTable() };
    const written = readNodeSnapshot(base.encode(swapped)).snapshot;
    expect([written.governor.trackedPeers(), written.backoff.len()]).toEqual([0, 0]);
    // The model read is untouched and still writes the file as it was.
    expect(Buffer.from(base.encode(base.snapshot)).equals(Buffer.from(loadFixture("small").bytes))).toBe(true);
  });

  it("writing another model gives the same bytes whether the file's lists were made or not (all entries skipped too)", () => {
    const files = [loadFixture("small").bytes, smallWithHealth(() => [[Uint8Array.of(0x12, 0x20, 1), 1, 5n, false]])];
    for (const bytes of files) {
      for (const other of [
        emptySnapshot(),
        emptySnapshot({ failureThreshold: 5 }),
        readNodeSnapshot(loadFixture("allowlist-some").bytes).snapshot,
      ]) {
        const lazy = readNodeSnapshot(bytes);
        const built = readNodeSnapshot(bytes);
        allPeers(built.snapshot);
        expect(deferred(built.snapshot)).toEqual([false, false]);
        expect(Buffer.from(lazy.encode(other)).equals(Buffer.from(built.encode(other)))).toBe(true);
      }
    }
  });
});
