/**
 * Third review, the library as a consumer uses it: upstream's u64 times and
 * u32 counters cannot be negative or too big in Rust, so the port refuses
 * such a value with an InvalidArgument (as it does a threshold) instead of
 * storing it; stored, it was written by encodeSnapshot into a snapshot that
 * decodeSnapshot then refuses. Nothing changes when a call is refused.
 */
import { describe, expect, it } from "vitest";
import {
  BackoffTable,
  decodeSnapshot,
  emptySnapshot,
  encodeSnapshot,
  InvalidArgument,
  PeerGovernor,
  PeerId,
  recordBackoffNotice,
  recordSendFailure,
  recordSendSuccess,
} from "../../src/index.js";

const peer = PeerId.fromU64(1n);
const U64_MAX = 2n ** 64n - 1n;
const BAD_TIMES: readonly unknown[] = [-1n, U64_MAX + 1n, 5, "5", undefined];

describe("times outside u64 are refused, and nothing changes", () => {
  it.each(BAD_TIMES)("%s as the time of an event", (bad) => {
    const state = emptySnapshot();
    const before = encodeSnapshot(state);
    const now = bad as bigint;
    expect(() => recordSendFailure(state, peer, now)).toThrow(InvalidArgument);
    expect(() => recordSendSuccess(state, peer, now)).toThrow(InvalidArgument);
    expect(() => recordBackoffNotice(state, peer, now, 1n)).toThrow(InvalidArgument);
    expect(() => recordBackoffNotice(state, peer, 1n, now)).toThrow(InvalidArgument);
    expect(() => state.governor.restoreHealth(peer, { consecutiveFailures: 1, lastEventNs: now, down: false })).toThrow(InvalidArgument);
    expect(() => state.backoff.restoreState(peer, { attempts: 1, lastAttemptNs: now, nextRetryNs: 1n })).toThrow(InvalidArgument);
    expect(() => state.backoff.restoreState(peer, { attempts: 1, lastAttemptNs: 1n, nextRetryNs: now })).toThrow(InvalidArgument);
    expect(encodeSnapshot(state)).toBe(before);
  });

  it("counters outside u32 are refused on restore", () => {
    const state = emptySnapshot();
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) {
      expect(() => state.governor.restoreHealth(peer, { consecutiveFailures: bad, lastEventNs: 1n, down: false })).toThrow(InvalidArgument);
      expect(() => state.backoff.restoreState(peer, { attempts: bad, lastAttemptNs: 1n, nextRetryNs: 1n })).toThrow(InvalidArgument);
    }
    expect(state.governor.trackedPeers()).toBe(0);
    expect(state.backoff.len()).toBe(0);
  });

  it("a schedule outside u64 is refused; 0 clamps to 1 as upstream's max(1)", () => {
    expect(() => new BackoffTable({ baseNs: U64_MAX + 1n })).toThrow(InvalidArgument);
    expect(() => new BackoffTable({ maxDelayNs: 60 as unknown as bigint })).toThrow(InvalidArgument);
    const table = new BackoffTable();
    expect(() => table.setConfig({ maxDelayNs: U64_MAX + 1n })).toThrow(InvalidArgument);
    expect(table.config()).toEqual({ baseNs: 10_000_000n, maxDelayNs: 60_000_000_000n });
    expect(new BackoffTable({ baseNs: 0n }).config().baseNs).toBe(1n);
  });

  it("the edges are accepted, and what the library stores the decoder reads back", () => {
    const state = emptySnapshot();
    recordSendFailure(state, peer, U64_MAX);
    recordBackoffNotice(state, PeerId.fromU64(2n), 0n, U64_MAX);
    const governor = new PeerGovernor();
    governor.restoreHealth(peer, { consecutiveFailures: 2 ** 32 - 1, lastEventNs: U64_MAX, down: true });
    expect(governor.peerHealth(peer)?.consecutiveFailures).toBe(2 ** 32 - 1);
    const text = encodeSnapshot(state);
    expect(encodeSnapshot(decodeSnapshot(text).snapshot)).toBe(text);
  });
});
