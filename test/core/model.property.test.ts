/**
 * Model-based test: random command sequences run against PeerGovernor +
 * BackoffTable and against a small reference model written here from the
 * upstream source (plain objects keyed by peer text, BigInt arithmetic with
 * explicit clamps; nothing imported from src/core/u64.ts). After every command
 * the outcome and the whole observable state must agree.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BackoffTable } from "../../src/core/backoff.js";
import { PeerGovernor, type Decision, type LifecycleTransition } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";

// ---------------------------------------------------------------- the model

const TOP_U64 = 18446744073709551615n;
const TOP_U32 = 4294967295n;

const minOf = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const maxOf = (a: bigint, b: bigint): bigint => (a > b ? a : b);

interface ModelHealth {
  failures: bigint;
  lastNs: bigint;
  down: boolean;
}

interface ModelEntry {
  attempts: bigint;
  lastNs: bigint;
  nextNs: bigint;
}

interface Model {
  blocked: Record<string, true>;
  allowed: Record<string, true> | null;
  health: Record<string, ModelHealth>;
  threshold: bigint;
  baseNs: bigint;
  maxDelayNs: bigint;
  backoff: Record<string, ModelEntry>;
}

interface Start {
  threshold: number | undefined;
  baseNs: bigint | undefined;
  maxDelayNs: bigint | undefined;
}

function freshModel(start: Start): Model {
  return {
    blocked: {},
    allowed: null,
    health: {},
    threshold: start.threshold === undefined ? 5n : maxOf(BigInt(start.threshold), 1n),
    baseNs: start.baseNs === undefined ? 10_000_000n : maxOf(start.baseNs, 1n),
    maxDelayNs: start.maxDelayNs === undefined ? 60_000_000_000n : maxOf(start.maxDelayNs, 1n),
    backoff: {},
  };
}

function freshSystem(start: Start): System {
  const governor = new PeerGovernor();
  if (start.threshold !== undefined) governor.withFailureThreshold(start.threshold);
  const backoff = new BackoffTable({
    ...(start.baseNs === undefined ? {} : { baseNs: start.baseNs }),
    ...(start.maxDelayNs === undefined ? {} : { maxDelayNs: start.maxDelayNs }),
  });
  return { governor, backoff };
}

function modelDelay(model: Model, attempts: bigint): bigint {
  const shift = minOf(maxOf(attempts - 1n, 0n), 63n);
  return minOf(minOf(model.baseNs * 2n ** shift, TOP_U64), model.maxDelayNs);
}

function modelPolicy(model: Model, peer: string): Decision | undefined {
  if (model.blocked[peer]) return { kind: "deny", reason: { kind: "blocklisted" } };
  if (model.allowed !== null && !model.allowed[peer]) return { kind: "deny", reason: { kind: "not_allowlisted" } };
  return undefined;
}

function modelFailure(model: Model, peer: string, nowNs: bigint): LifecycleTransition {
  const previous = model.health[peer] ?? { failures: 0n, lastNs: 0n, down: false };
  const failures = minOf(previous.failures + 1n, TOP_U32);
  const crossing = !previous.down && failures >= model.threshold;
  model.health[peer] = { failures, lastNs: nowNs, down: previous.down || crossing };
  return crossing ? "went_down" : "none";
}

function modelSuccess(model: Model, peer: string, nowNs: bigint): LifecycleTransition {
  const wasDown = model.health[peer]?.down === true;
  model.health[peer] = { failures: 0n, lastNs: nowNs, down: false };
  return wasDown ? "came_up" : "none";
}

function modelBump(model: Model, peer: string): bigint {
  const previous = model.backoff[peer];
  return previous === undefined ? 1n : minOf(previous.attempts + 1n, TOP_U32);
}

function modelBackoffFailure(model: Model, peer: string, nowNs: bigint): void {
  const attempts = modelBump(model, peer);
  model.backoff[peer] = { attempts, lastNs: nowNs, nextNs: minOf(nowNs + modelDelay(model, attempts), TOP_U64) };
}

function modelAdvisory(model: Model, peer: string, nowNs: bigint, minBackoffNs: bigint): void {
  const attempts = modelBump(model, peer);
  const delay = minOf(minBackoffNs, model.maxDelayNs);
  model.backoff[peer] = { attempts, lastNs: nowNs, nextNs: minOf(nowNs + delay, TOP_U64) };
}

// ---------------------------------------------------------------- commands

const POOL = [
  PeerId.fromU64(1n),
  PeerId.fromU64(2n),
  PeerId.fromU64(TOP_U64),
  PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"),
];

const peerIndex = fc.integer({ min: 0, max: POOL.length - 1 });

const edgeTimes = [
  0n,
  1n,
  9_999_999n,
  10_000_000n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  1_700_000_000_000_000_000n,
  TOP_U64 - 60_000_000_000n,
  TOP_U64 - 5n,
  TOP_U64 - 1n,
  TOP_U64,
];
const time = fc.oneof(fc.constantFrom(...edgeTimes), fc.bigInt({ min: 0n, max: 1_000n }), fc.bigInt({ min: 0n, max: TOP_U64 }));
const u32Edge = fc.oneof(
  { arbitrary: fc.constantFrom(0, 1, 2, 3, 5, 63, 64, 65, 4294967293, 4294967294, 4294967295), weight: 3 },
  fc.integer({ min: 0, max: 4294967295 }),
);
const scheduleValue = fc.oneof(
  { arbitrary: fc.constantFrom(0n, 1n, 3n, 10_000_000n, 60_000_000_000n, 2n ** 62n, 2n ** 63n, TOP_U64), weight: 3 },
  fc.bigInt({ min: 0n, max: TOP_U64 }),
);

const start: fc.Arbitrary<Start> = fc.record({
  threshold: fc.option(u32Edge, { nil: undefined }),
  baseNs: fc.option(scheduleValue, { nil: undefined }),
  maxDelayNs: fc.option(scheduleValue, { nil: undefined }),
});

type Command =
  | { op: "block" | "unblock" | "allow" | "disallow" | "forgetHealth" | "forgetBackoff" | "backoffSuccess"; peer: number }
  | { op: "setAllowlist"; peers: number[] | null }
  | { op: "setFailureThreshold"; threshold: number }
  | { op: "setConfig"; baseNs: bigint | undefined; maxDelayNs: bigint | undefined }
  | { op: "recordFailure" | "recordSuccess" | "backoffFailure" | "sendFailed" | "sendSucceeded"; peer: number; nowNs: bigint }
  | { op: "recordRemoteAdvisory" | "backoffNotice"; peer: number; nowNs: bigint; minBackoffNs: bigint }
  | { op: "checkInbound"; peer: number }
  | { op: "checkOutbound"; peer: number; nowNs: bigint }
  | { op: "checkOutboundNearRetry"; peer: number; delta: bigint }
  | { op: "restoreHealth"; peer: number; failures: number; lastEventNs: bigint; down: boolean }
  | { op: "restoreBackoff"; peer: number; attempts: number; lastAttemptNs: bigint; nextRetryNs: bigint };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    arbitrary: fc.record({ op: fc.constantFrom("block", "unblock", "allow", "disallow" as const), peer: peerIndex }),
    weight: 4,
  },
  fc.record({ op: fc.constantFrom("forgetHealth", "forgetBackoff", "backoffSuccess" as const), peer: peerIndex }),
  fc.record({ op: fc.constant("setAllowlist" as const), peers: fc.option(fc.subarray([0, 1, 2, 3]), { nil: null }) }),
  fc.record({ op: fc.constant("setFailureThreshold" as const), threshold: u32Edge }),
  {
    arbitrary: fc.record({
      op: fc.constant("setConfig" as const),
      baseNs: fc.option(scheduleValue, { nil: undefined }),
      maxDelayNs: fc.option(scheduleValue, { nil: undefined }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constantFrom("recordFailure", "recordSuccess", "backoffFailure", "sendFailed", "sendSucceeded" as const),
      peer: peerIndex,
      nowNs: time,
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      op: fc.constantFrom("recordRemoteAdvisory", "backoffNotice" as const),
      peer: peerIndex,
      nowNs: time,
      minBackoffNs: fc.oneof(time, scheduleValue),
    }),
    weight: 2,
  },
  fc.record({ op: fc.constant("checkInbound" as const), peer: peerIndex }),
  { arbitrary: fc.record({ op: fc.constant("checkOutbound" as const), peer: peerIndex, nowNs: time }), weight: 2 },
  {
    arbitrary: fc.record({ op: fc.constant("checkOutboundNearRetry" as const), peer: peerIndex, delta: fc.constantFrom(-1n, 0n, 1n) }),
    weight: 2,
  },
  fc.record({ op: fc.constant("restoreHealth" as const), peer: peerIndex, failures: u32Edge, lastEventNs: time, down: fc.boolean() }),
  fc.record({
    op: fc.constant("restoreBackoff" as const),
    peer: peerIndex,
    attempts: u32Edge,
    lastAttemptNs: time,
    nextRetryNs: time,
  }),
);

// ---------------------------------------------------------------- running

interface System {
  governor: PeerGovernor;
  backoff: BackoffTable;
}

function peerAt(index: number): PeerId {
  const peer = POOL[index];
  if (peer === undefined) throw new Error(`no peer ${index}`);
  return peer;
}

/** Runs one command on both sides; returns [real outcome, model outcome]. */
function step(system: System, model: Model, cmd: Command): [unknown, unknown] {
  const { governor, backoff } = system;
  switch (cmd.op) {
    case "block":
      governor.block(peerAt(cmd.peer));
      model.blocked[peerAt(cmd.peer).text] = true;
      return [undefined, undefined];
    case "unblock":
      governor.unblock(peerAt(cmd.peer));
      delete model.blocked[peerAt(cmd.peer).text];
      return [undefined, undefined];
    case "allow":
      governor.allow(peerAt(cmd.peer));
      model.allowed = { ...(model.allowed ?? {}), [peerAt(cmd.peer).text]: true };
      return [undefined, undefined];
    case "disallow":
      governor.disallow(peerAt(cmd.peer));
      if (model.allowed !== null) delete model.allowed[peerAt(cmd.peer).text];
      return [undefined, undefined];
    case "forgetHealth": {
      const text = peerAt(cmd.peer).text;
      const had = model.health[text] !== undefined;
      delete model.health[text];
      return [governor.forgetHealth(peerAt(cmd.peer)), had];
    }
    case "forgetBackoff": {
      const text = peerAt(cmd.peer).text;
      const had = model.backoff[text] !== undefined;
      delete model.backoff[text];
      return [backoff.forget(peerAt(cmd.peer)), had];
    }
    case "backoffSuccess":
      backoff.recordSuccess(peerAt(cmd.peer));
      delete model.backoff[peerAt(cmd.peer).text];
      return [undefined, undefined];
    case "setAllowlist":
      governor.setAllowlist(cmd.peers === null ? null : cmd.peers.map(peerAt));
      model.allowed = cmd.peers === null ? null : Object.fromEntries(cmd.peers.map((i) => [peerAt(i).text, true as const]));
      return [undefined, undefined];
    case "setFailureThreshold":
      governor.setFailureThreshold(cmd.threshold);
      model.threshold = maxOf(BigInt(cmd.threshold), 1n);
      return [undefined, undefined];
    case "setConfig":
      backoff.setConfig({
        ...(cmd.baseNs === undefined ? {} : { baseNs: cmd.baseNs }),
        ...(cmd.maxDelayNs === undefined ? {} : { maxDelayNs: cmd.maxDelayNs }),
      });
      if (cmd.baseNs !== undefined) model.baseNs = maxOf(cmd.baseNs, 1n);
      if (cmd.maxDelayNs !== undefined) model.maxDelayNs = maxOf(cmd.maxDelayNs, 1n);
      return [undefined, undefined];
    case "recordFailure":
      return [governor.recordFailure(peerAt(cmd.peer), cmd.nowNs), modelFailure(model, peerAt(cmd.peer).text, cmd.nowNs)];
    case "recordSuccess":
      return [governor.recordSuccess(peerAt(cmd.peer), cmd.nowNs), modelSuccess(model, peerAt(cmd.peer).text, cmd.nowNs)];
    case "backoffFailure":
      backoff.recordFailure(peerAt(cmd.peer), cmd.nowNs);
      modelBackoffFailure(model, peerAt(cmd.peer).text, cmd.nowNs);
      return [undefined, undefined];
    case "sendFailed": {
      // A failed wire send: a failure for both the governor and the table.
      const real = governor.recordFailure(peerAt(cmd.peer), cmd.nowNs);
      backoff.recordFailure(peerAt(cmd.peer), cmd.nowNs);
      const expected = modelFailure(model, peerAt(cmd.peer).text, cmd.nowNs);
      modelBackoffFailure(model, peerAt(cmd.peer).text, cmd.nowNs);
      return [real, expected];
    }
    case "sendSucceeded": {
      const real = governor.recordSuccess(peerAt(cmd.peer), cmd.nowNs);
      backoff.recordSuccess(peerAt(cmd.peer));
      const expected = modelSuccess(model, peerAt(cmd.peer).text, cmd.nowNs);
      delete model.backoff[peerAt(cmd.peer).text];
      return [real, expected];
    }
    case "recordRemoteAdvisory":
      backoff.recordRemoteAdvisory(peerAt(cmd.peer), cmd.nowNs, cmd.minBackoffNs);
      modelAdvisory(model, peerAt(cmd.peer).text, cmd.nowNs, cmd.minBackoffNs);
      return [undefined, undefined];
    case "backoffNotice": {
      // The engine's handling of a BackoffNotice: advisory on the table, failure on the governor.
      backoff.recordRemoteAdvisory(peerAt(cmd.peer), cmd.nowNs, cmd.minBackoffNs);
      const real = governor.recordFailure(peerAt(cmd.peer), cmd.nowNs);
      modelAdvisory(model, peerAt(cmd.peer).text, cmd.nowNs, cmd.minBackoffNs);
      return [real, modelFailure(model, peerAt(cmd.peer).text, cmd.nowNs)];
    }
    case "checkInbound":
      return [governor.checkInbound(peerAt(cmd.peer)), modelPolicy(model, peerAt(cmd.peer).text) ?? { kind: "allow" }];
    case "checkOutbound":
    case "checkOutboundNearRetry": {
      const text = peerAt(cmd.peer).text;
      const entry = model.backoff[text];
      const nowNs = cmd.op === "checkOutbound" ? cmd.nowNs : minOf(maxOf((entry?.nextNs ?? 1_000n) + cmd.delta, 0n), TOP_U64);
      const expected: Decision =
        modelPolicy(model, text) ??
        (entry !== undefined && nowNs < entry.nextNs
          ? { kind: "deny", reason: { kind: "cooldown", retryNs: entry.nextNs } }
          : { kind: "allow" });
      return [governor.checkOutbound(peerAt(cmd.peer), backoff, nowNs), expected];
    }
    case "restoreHealth":
      governor.restoreHealth(peerAt(cmd.peer), { consecutiveFailures: cmd.failures, lastEventNs: cmd.lastEventNs, down: cmd.down });
      model.health[peerAt(cmd.peer).text] = { failures: BigInt(cmd.failures), lastNs: cmd.lastEventNs, down: cmd.down };
      return [undefined, undefined];
    case "restoreBackoff":
      backoff.restoreState(peerAt(cmd.peer), { attempts: cmd.attempts, lastAttemptNs: cmd.lastAttemptNs, nextRetryNs: cmd.nextRetryNs });
      model.backoff[peerAt(cmd.peer).text] = { attempts: BigInt(cmd.attempts), lastNs: cmd.lastAttemptNs, nextNs: cmd.nextRetryNs };
      return [undefined, undefined];
  }
}

function sortedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).sort();
}

/** Everything observable, read through the public API only. */
function observeReal({ governor, backoff }: System): unknown {
  const allowlist = governor.allowlist();
  return {
    blocked: Array.from(governor.blocklist(), (p) => p.text).sort(),
    blocklistSize: governor.blocklistSize(),
    allowed: allowlist === null ? null : Array.from(allowlist, (p) => p.text).sort(),
    allowlistSize: governor.allowlistSize(),
    threshold: governor.failureThreshold(),
    trackedPeers: governor.trackedPeers(),
    health: Object.fromEntries(Array.from(governor.iterHealth(), (h) => [h.peer.text, [h.consecutiveFailures, h.lastEventNs, h.down]])),
    config: backoff.config(),
    backoffSize: backoff.len(),
    backoff: Object.fromEntries(Array.from(backoff.iter(), (e) => [e.peer.text, [e.attempts, e.lastAttemptNs, e.nextRetryNs]])),
    perPeer: POOL.map((peer) => {
      const h = governor.peerHealth(peer);
      const s = backoff.state(peer);
      return {
        health: h === undefined ? null : [h.consecutiveFailures, h.lastEventNs, h.down],
        isDown: governor.isDown(peer),
        isBlocked: governor.isBlocked(peer),
        isAllowlisted: governor.isAllowlisted(peer),
        inbound: governor.checkInbound(peer),
        backoff: s === undefined ? null : [s.attempts, s.lastAttemptNs, s.nextRetryNs],
      };
    }),
  };
}

function observeModel(model: Model): unknown {
  const healthOf = (h: ModelHealth): [number, bigint, boolean] => [Number(h.failures), h.lastNs, h.down];
  const entryOf = (e: ModelEntry): [number, bigint, bigint] => [Number(e.attempts), e.lastNs, e.nextNs];
  return {
    blocked: sortedKeys(model.blocked),
    blocklistSize: sortedKeys(model.blocked).length,
    allowed: model.allowed === null ? null : sortedKeys(model.allowed),
    allowlistSize: model.allowed === null ? null : sortedKeys(model.allowed).length,
    threshold: Number(model.threshold),
    trackedPeers: sortedKeys(model.health).length,
    health: Object.fromEntries(Object.entries(model.health).map(([peer, h]) => [peer, healthOf(h)])),
    config: { baseNs: model.baseNs, maxDelayNs: model.maxDelayNs },
    backoffSize: sortedKeys(model.backoff).length,
    backoff: Object.fromEntries(Object.entries(model.backoff).map(([peer, e]) => [peer, entryOf(e)])),
    perPeer: POOL.map((peer) => {
      const h = model.health[peer.text];
      const e = model.backoff[peer.text];
      return {
        health: h === undefined ? null : healthOf(h),
        isDown: h?.down === true,
        isBlocked: model.blocked[peer.text] === true,
        isAllowlisted: model.allowed !== null && model.allowed[peer.text] === true,
        inbound: modelPolicy(model, peer.text) ?? { kind: "allow" },
        backoff: e === undefined ? null : entryOf(e),
      };
    }),
  };
}

/**
 * `expect(actual).toEqual(expected)`, with a native comparison first: the properties below compare thousands of
 * states, and most of the file's time went to expect's generic equality on states that were equal. Where the strict
 * comparison holds, toEqual holds too (it is stricter: prototypes, undefined keys); only where it does not does
 * toEqual decide, and fail with its diff.
 */
function expectEqual(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

/** `expect(actual).toBe(expected)`, the plain comparison first (see expectEqual). */
function expectSame(actual: unknown, expected: unknown): void {
  if (!Object.is(actual, expected)) expect(actual).toBe(expected);
}

// Each property takes well under a second; the margin is for loaded CI machines.
const PROPERTY_TIMEOUT_MS = 30_000;

describe("PeerGovernor + BackoffTable against a reference model", () => {
  it(
    "agree on every outcome and the whole state after every command",
    () => {
      fc.assert(
        fc.property(start, fc.array(command, { minLength: 1, maxLength: 60 }), (initial, commands) => {
          const system = freshSystem(initial);
          const model = freshModel(initial);
          expectEqual(observeReal(system), observeModel(model));
          for (const cmd of commands) {
            const [real, expected] = step(system, model, cmd);
            expectEqual(real, expected);
            expectEqual(observeReal(system), observeModel(model));
          }
        }),
        { numRuns: 200 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "a failure after any restored entry schedules now + the model's delay, under any schedule",
    () => {
      fc.assert(
        fc.property(scheduleValue, scheduleValue, u32Edge, time, (baseNs, maxDelayNs, attempts, nowNs) => {
          const backoff = new BackoffTable({ baseNs, maxDelayNs });
          const model = freshModel({ threshold: undefined, baseNs, maxDelayNs });
          const peer = POOL[1] as PeerId;
          backoff.restoreState(peer, { attempts, lastAttemptNs: 0n, nextRetryNs: 0n });
          model.backoff[peer.text] = { attempts: BigInt(attempts), lastNs: 0n, nextNs: 0n };
          backoff.recordFailure(peer, nowNs);
          modelBackoffFailure(model, peer.text, nowNs);
          const expected = model.backoff[peer.text] as ModelEntry;
          const actual = backoff.state(peer);
          expectSame(actual?.attempts, Number(expected.attempts));
          expectSame(actual?.nextRetryNs, expected.nextNs);
        }),
        { numRuns: 300 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "a failure streak goes down exactly once, whatever the threshold changes in between",
    () => {
      const event = fc.oneof(
        fc.constant({ op: "fail" as const }),
        fc.constant({ op: "succeed" as const }),
        fc.record({ op: fc.constant("threshold" as const), value: u32Edge }),
      );
      fc.assert(
        fc.property(fc.array(event, { maxLength: 40 }), (events) => {
          const governor = new PeerGovernor();
          const peer = POOL[0] as PeerId;
          let downs = 0;
          let ups = 0;
          for (const e of events) {
            const wasDown = governor.isDown(peer);
            if (e.op === "threshold") governor.setFailureThreshold(e.value);
            else if (e.op === "succeed") ups += governor.recordSuccess(peer, 0n) === "came_up" ? 1 : 0;
            else downs += governor.recordFailure(peer, 0n) === "went_down" ? 1 : 0;
            // A threshold change never flips the flag by itself.
            if (e.op === "threshold") expectSame(governor.isDown(peer), wasDown);
          }
          // Transitions alternate: went_down, came_up, went_down, ...
          expectSame(downs - ups, governor.isDown(peer) ? 1 : 0);
        }),
        { numRuns: 200 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "peer ids: bytes and base58btc text round-trip for any valid multihash",
    () => {
      const varint = (value: bigint): number[] => {
        const out: number[] = [];
        let rest = value;
        while (rest >= 0x80n) {
          out.push(Number(rest % 128n) + 0x80);
          rest /= 128n;
        }
        out.push(Number(rest));
        return out;
      };
      const multihash = fc
        .record({
          code: fc.oneof(fc.constantFrom(0n, 0x12n, 0x13n, 0xb220n, 2n ** 63n, TOP_U64), fc.bigInt({ min: 0n, max: TOP_U64 })),
          digest: fc.uint8Array({ maxLength: 64 }),
        })
        .map(({ code, digest }) => Uint8Array.from([...varint(code), ...varint(BigInt(digest.length)), ...digest]));
      fc.assert(
        fc.property(multihash, (bytes) => {
          const peer = PeerId.fromBytes(bytes);
          expectEqual(Array.from(peer.bytes), Array.from(bytes));
          expectSame(PeerId.parse(peer.text).equals(peer), true);
          expectSame(PeerId.parse(peer.text).text, peer.text);
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
