import { describe, expect, it } from "vitest";
import { BackoffTable } from "../../src/core/backoff.js";
import { recordBackoffNotice, recordSendFailure, recordSendSuccess, type PeerState } from "../../src/core/events.js";
import { PeerGovernor } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";

const U64_MAX = 2n ** 64n - 1n;
const MS = 1_000_000n;
const S = 1_000_000_000n;
const A = PeerId.fromU64(1n);
const B = PeerId.fromU64(2n);

function peerState(threshold = 3): PeerState {
  return { governor: new PeerGovernor().withFailureThreshold(threshold), backoff: new BackoffTable() };
}

describe("recordSendFailure: a failure for the governor and the backoff table", () => {
  it("counts the streak on both and goes down exactly at the threshold", () => {
    const state = peerState(3);
    const outcomes = [1n, 2n, 3n, 4n].map((k) => recordSendFailure(state, A, k * S));
    expect(outcomes.map((o) => o.transition)).toEqual(["none", "none", "went_down", "none"]);
    expect(outcomes.map((o) => o.health.consecutiveFailures)).toEqual([1, 2, 3, 4]);
    expect(outcomes.map((o) => o.health.down)).toEqual([false, false, true, true]);
    expect(outcomes.map((o) => o.backoff?.attempts)).toEqual([1, 2, 3, 4]);
    expect(outcomes[3]?.backoff).toEqual({ peer: A, attempts: 4, lastAttemptNs: 4n * S, nextRetryNs: 4n * S + 80n * MS });
    expect(state.governor.peerHealth(A)).toEqual({ peer: A, consecutiveFailures: 4, lastEventNs: 4n * S, down: true });
    expect(state.backoff.state(A)).toEqual(outcomes[3]?.backoff);
    expect(state.governor.peerHealth(B)).toBeUndefined();
    expect(state.backoff.state(B)).toBeUndefined();
  });

  it("saturates the retry time at 2^64-1", () => {
    const outcome = recordSendFailure(peerState(), A, U64_MAX);
    expect(outcome.backoff?.nextRetryNs).toBe(U64_MAX);
    expect(outcome.health.lastEventNs).toBe(U64_MAX);
  });
});

describe("recordSendSuccess: a success for both", () => {
  it("ends the streak, removes the backoff entry, and comes up only if the peer was down", () => {
    const state = peerState(2);
    recordSendFailure(state, A, 1n);
    recordSendFailure(state, A, 2n);
    const up = recordSendSuccess(state, A, 5n);
    expect(up).toEqual({
      transition: "came_up",
      health: { peer: A, consecutiveFailures: 0, lastEventNs: 5n, down: false },
      backoff: undefined,
    });
    expect(state.backoff.state(A)).toBeUndefined();
    expect(state.backoff.shouldRetry(A, 5n)).toBe(true);
    expect(recordSendSuccess(state, A, 6n).transition).toBe("none");
    expect(recordSendSuccess(state, B, 7n)).toEqual({
      transition: "none",
      health: { peer: B, consecutiveFailures: 0, lastEventNs: 7n, down: false },
      backoff: undefined,
    });
  });
});

describe("recordBackoffNotice: the advisory on the table, a failure on the governor", () => {
  it("sets the retry to now + the advised delay and counts a failure", () => {
    const state = peerState(2);
    const first = recordBackoffNotice(state, A, 10n * S, 2n * S);
    expect(first).toEqual({
      transition: "none",
      health: { peer: A, consecutiveFailures: 1, lastEventNs: 10n * S, down: false },
      backoff: { peer: A, attempts: 1, lastAttemptNs: 10n * S, nextRetryNs: 12n * S },
      capped: false,
    });
    const second = recordBackoffNotice(state, A, 11n * S, 1n);
    expect(second.transition).toBe("went_down");
    expect(second.backoff?.attempts).toBe(2);
    // A later local failure resumes the exponential schedule at the next step.
    expect(recordSendFailure(state, A, 12n * S).backoff?.nextRetryNs).toBe(12n * S + 40n * MS);
  });

  it("caps the advice at the max delay and says so", () => {
    const state = peerState();
    state.backoff.setConfig({ maxDelayNs: 5n * S });
    const capped = recordBackoffNotice(state, A, 0n, 6n * S);
    expect(capped.capped).toBe(true);
    expect(capped.backoff?.nextRetryNs).toBe(5n * S);
    expect(recordBackoffNotice(state, B, 0n, 5n * S).capped).toBe(false);
  });
});
