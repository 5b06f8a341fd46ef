/** Shared test helpers for the snapshot codec: the example state, a plain view of a model, generators. */
import fc from "fast-check";
import { BackoffTable } from "../../src/core/backoff.js";
import { PeerGovernor } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";
import { U32_MAX, U64_MAX } from "../../src/core/u64.js";
import type { Snapshot } from "../../src/snapshot/index.js";

/** Deterministic pseudo-random bytes (mulberry32), so fixtures are reproducible. */
export function seededBytes(seed: number): (length: number) => number[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return (length) => Array.from({ length }, () => next() & 0xff);
}

/** An ed25519 peer id: identity multihash of a protobuf-wrapped 32-byte public key (`12D3KooW...`). */
export function ed25519Peer(key: number[]): PeerId {
  return PeerId.fromBytes(Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...key]));
}

/** A sha2-256 multihash peer id (`Qm...`). */
export function sha256Peer(digest: number[]): PeerId {
  return PeerId.fromBytes(Uint8Array.from([0x12, 0x20, ...digest]));
}

const SECOND = 1_000_000_000n;
const MILLI = 1_000_000n;

/** The clock of fixtures/example.json: epoch nanoseconds in late November 2025. */
export const EXAMPLE_CLOCK_NS = 1_764_000_000_123_456_789n;

/**
 * The state of fixtures/example.json, produced by the core's own operations so
 * every entry follows upstream's rules. Regenerate the file with
 * `encodeSnapshot(buildExampleSnapshot())` if this ever changes.
 */
export function buildExampleSnapshot(): Snapshot {
  const bytes = seededBytes(20251124);
  const ed = Array.from({ length: 8 }, () => ed25519Peer(bytes(32)));
  const sha = Array.from({ length: 4 }, () => sha256Peer(bytes(32)));
  const [e0, e1, e2, e3, e4, e5, e6, e7] = ed as [PeerId, PeerId, PeerId, PeerId, PeerId, PeerId, PeerId, PeerId];
  const [q0, q1, q2, q3] = sha as [PeerId, PeerId, PeerId, PeerId];
  const governor = new PeerGovernor();
  const backoff = new BackoffTable();
  const clock = EXAMPLE_CLOCK_NS;

  // A streak of `count` failures, each retried right after its cooldown (plus
  // a little jitter), ending at `lastNs`: what a real send loop leaves behind.
  const streak = (peer: PeerId, count: number, lastNs: bigint): void => {
    const gaps: bigint[] = [];
    for (let attempt = 1; attempt < count; attempt++) gaps.push(backoff.delayFor(attempt) + BigInt(attempt) * 1_234_567n);
    let at = lastNs - gaps.reduce((sum, gap) => sum + gap, 0n);
    for (let attempt = 1; attempt <= count; attempt++) {
      governor.recordFailure(peer, at);
      backoff.recordFailure(peer, at);
      at += gaps[attempt - 1] ?? 0n;
    }
  };
  const success = (peer: PeerId, atNs: bigint): void => {
    governor.recordSuccess(peer, atNs);
    backoff.recordSuccess(peer);
  };

  governor.block(e0);
  governor.block(q0);
  streak(e0, 6, clock - 3600n * SECOND - 987_654n); // blocked, down, cooldown long over
  streak(e1, 7, clock - 2n * SECOND - 41_000n); // down, cooldown (640 ms) expired
  streak(e2, 12, clock - 5n * SECOND - 7_777n); // down, cooling for 20.48 s
  streak(e3, 5, clock - 100n * MILLI - 3_210n); // just went down, cooling for 160 ms
  streak(e4, 2, clock - 30n * SECOND - 55_000n); // flaky, cooldown expired
  streak(e5, 1, clock - 1n * MILLI - 2_020n); // one failure, cooling for 10 ms
  streak(e6, 3, clock - 12n * SECOND);
  success(e6, clock - 10n * SECOND - 314_159n); // recovered before reaching the threshold
  success(e7, clock - 250n * MILLI - 1_618n); // healthy
  streak(q1, 30, clock - 10n * SECOND - 271_828n); // long down, capped at the 60 s maximum
  streak(q2, 4, clock - 120n * SECOND - 99_999n); // one short of the threshold, expired
  streak(q3, 8, clock - 90n * SECOND);
  success(q3, clock - 45n * SECOND - 424_242n); // came back up
  return { clockNs: clock, governor, backoff };
}

/** A plain, order-independent view of a snapshot, for `toEqual`. */
export function plain(snapshot: Snapshot): unknown {
  const allowlist = snapshot.governor.allowlist();
  const byPeer = <T extends { peer: string }>(list: T[]): T[] => list.sort((a, b) => (a.peer < b.peer ? -1 : 1));
  return {
    schema: snapshot.schema,
    clockNs: snapshot.clockNs,
    failureThreshold: snapshot.governor.failureThreshold(),
    blocklist: Array.from(snapshot.governor.blocklist(), (peer) => peer.text).sort(),
    allowlist: allowlist === null ? null : Array.from(allowlist, (peer) => peer.text).sort(),
    health: byPeer(
      Array.from(snapshot.governor.iterHealth(), (entry) => ({
        peer: entry.peer.text,
        consecutiveFailures: entry.consecutiveFailures,
        lastEventNs: entry.lastEventNs,
        down: entry.down,
      })),
    ),
    backoff: snapshot.backoff.config(),
    backoffTable: byPeer(
      Array.from(snapshot.backoff.iter(), (entry) => ({
        peer: entry.peer.text,
        attempts: entry.attempts,
        lastAttemptNs: entry.lastAttemptNs,
        nextRetryNs: entry.nextRetryNs,
      })),
    ),
  };
}

const TWO_53 = 1n << 53n;

/** u64 values with the edges weighted in: 0, 2^53 +- 1, 2^64 - 1. */
export const u64Arb: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, 1n, TWO_53 - 1n, TWO_53, TWO_53 + 1n, U64_MAX - 1n, U64_MAX),
  fc.bigInt({ min: 0n, max: U64_MAX }),
  fc.bigInt({ min: 1_700_000_000_000_000_000n, max: 1_800_000_000_000_000_000n }),
);

/** u32 values with the edges weighted in. */
export const u32Arb: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(0, 1, 5, U32_MAX - 1, U32_MAX), fc.integer({ min: 0, max: U32_MAX }));

/** Peer ids of the kinds upstream tests and real networks use. */
export const peerArb: fc.Arbitrary<PeerId> = fc.oneof(
  fc.bigInt({ min: 0n, max: U64_MAX }).map((n) => PeerId.fromU64(n)),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((digest) => sha256Peer(Array.from(digest))),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((key) => ed25519Peer(Array.from(key))),
);

/** A random valid state: any u64 times and u32 counters, lists of distinct peers. */
export const snapshotArb: fc.Arbitrary<Snapshot> = fc
  .record({
    clockNs: u64Arb,
    threshold: u32Arb,
    baseNs: u64Arb,
    maxDelayNs: u64Arb,
    blocklist: fc.uniqueArray(peerArb, { selector: (peer) => peer.text, maxLength: 5 }),
    allowlist: fc.option(fc.uniqueArray(peerArb, { selector: (peer) => peer.text, maxLength: 5 }), { nil: null }),
    health: fc.uniqueArray(fc.tuple(peerArb, u32Arb, u64Arb, fc.boolean()), {
      selector: ([peer]) => peer.text,
      maxLength: 8,
    }),
    table: fc.uniqueArray(fc.tuple(peerArb, u32Arb, u64Arb, u64Arb), { selector: ([peer]) => peer.text, maxLength: 8 }),
    schema: fc.option(fc.string(), { nil: undefined }),
  })
  .map((state) => {
    const governor = new PeerGovernor();
    governor.setFailureThreshold(state.threshold);
    for (const peer of state.blocklist) governor.block(peer);
    governor.setAllowlist(state.allowlist);
    for (const [peer, consecutiveFailures, lastEventNs, down] of state.health) {
      governor.restoreHealth(peer, { consecutiveFailures, lastEventNs, down });
    }
    const backoff = new BackoffTable({ baseNs: state.baseNs, maxDelayNs: state.maxDelayNs });
    for (const [peer, attempts, lastAttemptNs, nextRetryNs] of state.table) {
      backoff.restoreState(peer, { attempts, lastAttemptNs, nextRetryNs });
    }
    const snapshot: Snapshot = { clockNs: state.clockNs, governor, backoff };
    if (state.schema !== undefined) snapshot.schema = state.schema;
    return snapshot;
  });
