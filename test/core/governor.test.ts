import { describe, expect, it } from "vitest";
import { BackoffTable } from "../../src/core/backoff.js";
import { InvalidArgument } from "../../src/core/errors.js";
import { DEFAULT_FAILURE_THRESHOLD, PeerGovernor, type Decision, type PeerHealth } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";

const U64_MAX = 2n ** 64n - 1n;
const U32_MAX = 4294967295;

const A = PeerId.fromU64(1n);
const B = PeerId.fromU64(2n);
const C = PeerId.fromU64(7n);

const ALLOW: Decision = { kind: "allow" };
const BLOCKLISTED: Decision = { kind: "deny", reason: { kind: "blocklisted" } };
const NOT_ALLOWLISTED: Decision = { kind: "deny", reason: { kind: "not_allowlisted" } };
const cooldown = (retryNs: bigint): Decision => ({ kind: "deny", reason: { kind: "cooldown", retryNs } });

/** The three upstream fields of a peer's health (the port's entries also carry the peer). */
function health(governor: PeerGovernor, peer: PeerId): PeerHealth | undefined {
  const entry = governor.peerHealth(peer);
  return entry === undefined
    ? undefined
    : { consecutiveFailures: entry.consecutiveFailures, lastEventNs: entry.lastEventNs, down: entry.down };
}

function texts(peers: Iterable<PeerId> | null): string[] | null {
  return peers === null ? null : Array.from(peers, (peer) => peer.text).sort();
}

describe("construction and the failure threshold", () => {
  it("defaults: threshold 5, open policy, nothing tracked", () => {
    const governor = new PeerGovernor();
    expect(DEFAULT_FAILURE_THRESHOLD).toBe(5);
    expect(governor.failureThreshold()).toBe(5);
    expect(governor.allowlist()).toBeNull();
    expect(governor.allowlistSize()).toBeNull();
    expect(texts(governor.blocklist())).toEqual([]);
    expect(governor.trackedPeers()).toBe(0);
    expect(governor.checkInbound(A)).toEqual(ALLOW);
  });

  it("withFailureThreshold sets it, clamps 0 to 1 and returns the governor", () => {
    const governor = new PeerGovernor();
    expect(governor.withFailureThreshold(3)).toBe(governor);
    expect(governor.failureThreshold()).toBe(3);
    expect(new PeerGovernor().withFailureThreshold(0).failureThreshold()).toBe(1);
    expect(new PeerGovernor().withFailureThreshold(U32_MAX).failureThreshold()).toBe(U32_MAX);
  });

  it("setFailureThreshold sets it and clamps 0 to 1", () => {
    const governor = new PeerGovernor();
    governor.setFailureThreshold(9);
    expect(governor.failureThreshold()).toBe(9);
    governor.setFailureThreshold(0);
    expect(governor.failureThreshold()).toBe(1);
    governor.setFailureThreshold(1);
    expect(governor.failureThreshold()).toBe(1);
  });

  it("refuses a threshold upstream's u32 cannot hold: NaN, a fraction, negative, too large", () => {
    for (const bad of [Number.NaN, 2.5, -1, U32_MAX + 1, Number.POSITIVE_INFINITY]) {
      const governor = new PeerGovernor().withFailureThreshold(4);
      expect(() => governor.setFailureThreshold(bad), String(bad)).toThrow(InvalidArgument);
      expect(() => new PeerGovernor().withFailureThreshold(bad), String(bad)).toThrow(/invalid failure threshold/);
      expect(governor.failureThreshold()).toBe(4);
    }
  });

  it("threshold 1 (from 0) marks a peer down on its first failure", () => {
    const governor = new PeerGovernor().withFailureThreshold(0);
    expect(governor.recordFailure(A, 1n)).toBe("went_down");
    expect(governor.isDown(A)).toBe(true);
  });
});

describe("blocklist and allowlist", () => {
  it("block / unblock", () => {
    const governor = new PeerGovernor();
    governor.block(A);
    governor.block(A);
    expect(texts(governor.blocklist())).toEqual([A.text]);
    expect(governor.isBlocked(A)).toBe(true);
    expect(governor.blocklistSize()).toBe(1);
    expect(governor.checkInbound(A)).toEqual(BLOCKLISTED);
    expect(governor.checkInbound(B)).toEqual(ALLOW);
    governor.unblock(A);
    governor.unblock(B); // not blocked: no effect
    expect(governor.isBlocked(A)).toBe(false);
    expect(governor.blocklistSize()).toBe(0);
    expect(governor.checkInbound(A)).toEqual(ALLOW);
  });

  it("block matches by value, not by object", () => {
    const governor = new PeerGovernor();
    governor.block(PeerId.fromU64(1n));
    expect(governor.checkInbound(PeerId.parse(A.text))).toEqual(BLOCKLISTED);
  });

  it("setAllowlist(set) admits only its members; null reopens; [] denies everyone", () => {
    const governor = new PeerGovernor();
    governor.setAllowlist([A, B]);
    expect(texts(governor.allowlist())).toEqual([A.text, B.text].sort());
    expect(governor.allowlistSize()).toBe(2);
    expect(governor.checkInbound(A)).toEqual(ALLOW);
    expect(governor.checkInbound(C)).toEqual(NOT_ALLOWLISTED);
    expect(governor.isAllowlisted(A)).toBe(true);
    expect(governor.isAllowlisted(C)).toBe(false);

    governor.setAllowlist(null);
    expect(governor.allowlist()).toBeNull();
    expect(governor.checkInbound(C)).toEqual(ALLOW);
    expect(governor.isAllowlisted(C)).toBe(false);

    governor.setAllowlist([]);
    expect(texts(governor.allowlist())).toEqual([]);
    expect(governor.allowlistSize()).toBe(0);
    for (const peer of [A, B, C]) expect(governor.checkInbound(peer)).toEqual(NOT_ALLOWLISTED);
  });

  it("setAllowlist replaces the previous set and keeps its own copy", () => {
    const governor = new PeerGovernor();
    const members = new Set([A]);
    governor.setAllowlist(members);
    members.add(B);
    expect(governor.checkInbound(B)).toEqual(NOT_ALLOWLISTED);
    governor.setAllowlist([B]);
    expect(governor.checkInbound(A)).toEqual(NOT_ALLOWLISTED);
    expect(governor.checkInbound(B)).toEqual(ALLOW);
  });

  it("allow creates the allowlist when the policy is open (admitting only that peer)", () => {
    const governor = new PeerGovernor();
    governor.allow(A);
    expect(texts(governor.allowlist())).toEqual([A.text]);
    expect(governor.checkInbound(A)).toEqual(ALLOW);
    expect(governor.checkInbound(B)).toEqual(NOT_ALLOWLISTED);
    governor.allow(B);
    governor.allow(B);
    expect(governor.allowlistSize()).toBe(2);
  });

  it("disallow removes a peer and keeps the policy closed when the list empties", () => {
    const governor = new PeerGovernor();
    governor.disallow(A); // open policy: nothing to remove, stays open
    expect(governor.allowlist()).toBeNull();
    governor.setAllowlist([A]);
    governor.disallow(A);
    expect(governor.allowlistSize()).toBe(0);
    expect(governor.allowlist()).not.toBeNull();
    expect(governor.checkInbound(A)).toEqual(NOT_ALLOWLISTED);
  });
});

describe("checkInbound", () => {
  it("blocklisted wins over not_allowlisted", () => {
    const governor = new PeerGovernor();
    governor.setAllowlist([B]);
    governor.block(A);
    expect(governor.checkInbound(A)).toEqual(BLOCKLISTED);
    governor.block(B); // blocked and allowlisted: still blocked
    expect(governor.checkInbound(B)).toEqual(BLOCKLISTED);
  });

  it("the down flag never affects a decision", () => {
    const governor = new PeerGovernor().withFailureThreshold(1);
    const backoff = new BackoffTable();
    governor.recordFailure(A, 0n);
    expect(governor.isDown(A)).toBe(true);
    expect(governor.checkInbound(A)).toEqual(ALLOW);
    expect(governor.checkOutbound(A, backoff, 0n)).toEqual(ALLOW);
  });
});

describe("checkOutbound", () => {
  it("blocklist first, then allowlist, then the backoff cooldown", () => {
    const governor = new PeerGovernor();
    const backoff = new BackoffTable();
    backoff.recordFailure(A, 0n); // next retry at 10 ms
    governor.setAllowlist([]);
    governor.block(A);
    expect(governor.checkOutbound(A, backoff, 0n)).toEqual(BLOCKLISTED);
    governor.unblock(A);
    expect(governor.checkOutbound(A, backoff, 0n)).toEqual(NOT_ALLOWLISTED);
    governor.allow(A);
    expect(governor.checkOutbound(A, backoff, 0n)).toEqual(cooldown(10_000_000n));
  });

  it("denies with the entry's nextRetryNs before it, allows from exactly nextRetryNs", () => {
    const governor = new PeerGovernor();
    const backoff = new BackoffTable();
    backoff.recordFailure(A, 1_000n);
    const next = 1_000n + 10_000_000n;
    expect(backoff.state(A)?.nextRetryNs).toBe(next);
    expect(governor.checkOutbound(A, backoff, 1_000n)).toEqual(cooldown(next));
    expect(governor.checkOutbound(A, backoff, next - 1n)).toEqual(cooldown(next));
    expect(governor.checkOutbound(A, backoff, next)).toEqual(ALLOW);
    expect(governor.checkOutbound(A, backoff, next + 1n)).toEqual(ALLOW);
    expect(governor.checkOutbound(B, backoff, 0n)).toEqual(ALLOW);
  });

  it("a time before the last attempt is still a cooldown (no underflow)", () => {
    const governor = new PeerGovernor();
    const backoff = new BackoffTable();
    backoff.recordFailure(A, U64_MAX - 5n);
    expect(backoff.state(A)?.nextRetryNs).toBe(U64_MAX);
    expect(governor.checkOutbound(A, backoff, 0n)).toEqual(cooldown(U64_MAX));
    expect(governor.checkOutbound(A, backoff, U64_MAX - 1n)).toEqual(cooldown(U64_MAX));
    expect(governor.checkOutbound(A, backoff, U64_MAX)).toEqual(ALLOW);
  });

  it("uses a restored entry's nextRetryNs as is", () => {
    const governor = new PeerGovernor();
    const backoff = new BackoffTable();
    backoff.restoreState(A, { attempts: 3, lastAttemptNs: 50n, nextRetryNs: 2n ** 53n + 1n });
    expect(governor.checkOutbound(A, backoff, 2n ** 53n)).toEqual(cooldown(2n ** 53n + 1n));
    expect(governor.checkOutbound(A, backoff, 2n ** 53n + 1n)).toEqual(ALLOW);
  });
});

describe("recordFailure", () => {
  it("counts up, marks down exactly once on the crossing call, and keeps down afterwards", () => {
    const governor = new PeerGovernor().withFailureThreshold(3);
    expect(governor.recordFailure(A, 10n)).toBe("none");
    expect(health(governor, A)).toEqual({ consecutiveFailures: 1, lastEventNs: 10n, down: false });
    expect(governor.recordFailure(A, 20n)).toBe("none");
    expect(governor.isDown(A)).toBe(false);
    expect(governor.recordFailure(A, 30n)).toBe("went_down");
    expect(health(governor, A)).toEqual({ consecutiveFailures: 3, lastEventNs: 30n, down: true });
    expect(governor.recordFailure(A, 40n)).toBe("none");
    expect(governor.recordFailure(A, 5n)).toBe("none");
    expect(health(governor, A)).toEqual({ consecutiveFailures: 5, lastEventNs: 5n, down: true });
  });

  it("default threshold: the fifth failure goes down", () => {
    const governor = new PeerGovernor();
    const transitions = [1, 2, 3, 4, 5, 6].map((i) => governor.recordFailure(A, BigInt(i)));
    expect(transitions).toEqual(["none", "none", "none", "none", "went_down", "none"]);
  });

  it("sets lastEventNs to now, exact above 2^53 and at 2^64-1", () => {
    const governor = new PeerGovernor();
    governor.recordFailure(A, 2n ** 53n + 1n);
    expect(governor.peerHealth(A)?.lastEventNs).toBe(9007199254740993n);
    governor.recordFailure(A, U64_MAX);
    expect(governor.peerHealth(A)?.lastEventNs).toBe(U64_MAX);
  });

  it("consecutive failures saturate at 2^32-1", () => {
    const governor = new PeerGovernor();
    governor.restoreHealth(A, { consecutiveFailures: U32_MAX - 1, lastEventNs: 0n, down: true });
    expect(governor.recordFailure(A, 1n)).toBe("none");
    expect(governor.peerHealth(A)?.consecutiveFailures).toBe(U32_MAX);
    expect(governor.recordFailure(A, 2n)).toBe("none");
    expect(health(governor, A)).toEqual({ consecutiveFailures: U32_MAX, lastEventNs: 2n, down: true });
  });

  it("a saturated streak that is not down goes down when it reaches a threshold of 2^32-1", () => {
    const governor = new PeerGovernor().withFailureThreshold(U32_MAX);
    governor.restoreHealth(A, { consecutiveFailures: U32_MAX - 1, lastEventNs: 0n, down: false });
    expect(governor.recordFailure(A, 1n)).toBe("went_down");
    governor.restoreHealth(B, { consecutiveFailures: U32_MAX, lastEventNs: 0n, down: false });
    expect(governor.recordFailure(B, 1n)).toBe("went_down");
    expect(governor.peerHealth(B)?.consecutiveFailures).toBe(U32_MAX);
  });

  it("tracks peers independently", () => {
    const governor = new PeerGovernor().withFailureThreshold(2);
    governor.recordFailure(A, 1n);
    governor.recordFailure(B, 2n);
    expect(governor.recordFailure(A, 3n)).toBe("went_down");
    expect(governor.isDown(B)).toBe(false);
    expect(governor.trackedPeers()).toBe(2);
  });
});

describe("recordSuccess", () => {
  it("returns none for a new or healthy peer and resets the streak", () => {
    const governor = new PeerGovernor();
    expect(governor.recordSuccess(A, 7n)).toBe("none");
    expect(health(governor, A)).toEqual({ consecutiveFailures: 0, lastEventNs: 7n, down: false });
    governor.recordFailure(A, 8n);
    governor.recordFailure(A, 9n);
    expect(governor.recordSuccess(A, 10n)).toBe("none");
    expect(health(governor, A)).toEqual({ consecutiveFailures: 0, lastEventNs: 10n, down: false });
  });

  it("returns came_up only when the peer was down", () => {
    const governor = new PeerGovernor().withFailureThreshold(1);
    governor.recordFailure(A, 1n);
    expect(governor.recordSuccess(A, 2n)).toBe("came_up");
    expect(health(governor, A)).toEqual({ consecutiveFailures: 0, lastEventNs: 2n, down: false });
    expect(governor.recordSuccess(A, 3n)).toBe("none");
  });

  it("a restored down flag counts as down", () => {
    const governor = new PeerGovernor();
    governor.restoreHealth(A, { consecutiveFailures: 0, lastEventNs: 0n, down: true });
    expect(governor.recordSuccess(A, 1n)).toBe("came_up");
  });
});

describe("the down flag across threshold changes", () => {
  it("raising the threshold does not clear down", () => {
    const governor = new PeerGovernor().withFailureThreshold(2);
    governor.recordFailure(A, 1n);
    governor.recordFailure(A, 2n);
    expect(governor.isDown(A)).toBe(true);
    governor.setFailureThreshold(100);
    expect(governor.isDown(A)).toBe(true);
    expect(governor.recordFailure(A, 3n)).toBe("none");
    expect(governor.isDown(A)).toBe(true);
    expect(governor.recordSuccess(A, 4n)).toBe("came_up");
  });

  it("lowering the threshold does not set down until the next failure, which goes down", () => {
    const governor = new PeerGovernor().withFailureThreshold(10);
    for (let i = 1n; i <= 4n; i++) governor.recordFailure(A, i);
    governor.setFailureThreshold(2);
    expect(governor.isDown(A)).toBe(false);
    expect(health(governor, A)).toEqual({ consecutiveFailures: 4, lastEventNs: 4n, down: false });
    expect(governor.recordFailure(A, 5n)).toBe("went_down");
    expect(health(governor, A)).toEqual({ consecutiveFailures: 5, lastEventNs: 5n, down: true });
  });

  it("lowering the threshold to exactly the next count also goes down on that failure", () => {
    const governor = new PeerGovernor().withFailureThreshold(10);
    governor.recordFailure(A, 1n);
    governor.setFailureThreshold(2);
    expect(governor.recordFailure(A, 2n)).toBe("went_down");
  });
});

describe("reads, restore and the bbgov extensions", () => {
  it("peerHealth is undefined and isDown false for unknown peers", () => {
    const governor = new PeerGovernor();
    expect(governor.peerHealth(A)).toBeUndefined();
    expect(governor.isDown(A)).toBe(false);
  });

  it("trackedPeers and iterHealth cover every peer with recorded health", () => {
    const governor = new PeerGovernor();
    governor.recordFailure(A, 1n);
    governor.recordSuccess(B, 2n);
    governor.recordFailure(A, 3n);
    expect(governor.trackedPeers()).toBe(2);
    const entries = Array.from(governor.iterHealth(), (entry) => [
      entry.peer.text,
      entry.consecutiveFailures,
      entry.lastEventNs,
      entry.down,
    ]);
    expect(entries).toEqual([
      [A.text, 2, 3n, false],
      [B.text, 0, 2n, false],
    ]);
  });

  it("restoreHealth replaces a peer's health verbatim, without recomputing down", () => {
    const governor = new PeerGovernor();
    governor.recordFailure(A, 1n);
    governor.restoreHealth(A, { consecutiveFailures: 99, lastEventNs: U64_MAX, down: false });
    expect(health(governor, A)).toEqual({ consecutiveFailures: 99, lastEventNs: U64_MAX, down: false });
    governor.restoreHealth(B, { consecutiveFailures: 0, lastEventNs: 0n, down: true });
    expect(governor.isDown(B)).toBe(true);
    expect(governor.trackedPeers()).toBe(2);
    // The stored entry is the governor's own.
    const input = { consecutiveFailures: 1, lastEventNs: 1n, down: false };
    governor.restoreHealth(C, input);
    input.consecutiveFailures = 50;
    expect(governor.peerHealth(C)?.consecutiveFailures).toBe(1);
  });

  it("forgetHealth drops a peer's health and says whether it had any", () => {
    const governor = new PeerGovernor().withFailureThreshold(1);
    governor.recordFailure(A, 1n);
    expect(governor.forgetHealth(A)).toBe(true);
    expect(governor.forgetHealth(A)).toBe(false);
    expect(governor.peerHealth(A)).toBeUndefined();
    expect(governor.trackedPeers()).toBe(0);
    // A forgotten down peer starts over: its first success is not a came_up.
    expect(governor.recordSuccess(A, 2n)).toBe("none");
  });

  it("health is independent of policy", () => {
    const governor = new PeerGovernor();
    governor.block(A);
    governor.setAllowlist([]);
    expect(governor.recordFailure(A, 1n)).toBe("none");
    expect(governor.trackedPeers()).toBe(1);
    governor.unblock(A);
    expect(governor.peerHealth(A)?.consecutiveFailures).toBe(1);
  });
});

describe("a deferred restore (bbgov extension, for readers of big files)", () => {
  const health = (consecutiveFailures: number, down = false): PeerHealth => ({ consecutiveFailures, lastEventNs: 7n, down });

  it("runs on the first look at any peer's health, once, and a change applies on top of it", () => {
    const governor = new PeerGovernor();
    let runs = 0;
    governor.deferHealthRestore((restored) => {
      runs++;
      restored.restoreHealth(A, health(2));
    });
    governor.block(B);
    expect([runs, governor.healthRestoreDeferred()]).toEqual([0, true]);
    governor.recordFailure(A, 9n);
    expect([runs, governor.healthRestoreDeferred()]).toEqual([1, false]);
    expect(governor.peerHealth(A)).toMatchObject({ consecutiveFailures: 3, lastEventNs: 9n, down: false });
    expect(governor.trackedPeers()).toBe(1);
    expect(runs).toBe(1);
  });

  it("answers hasHealth from its `has` while it can, and restores when `has` cannot tell", () => {
    const governor = new PeerGovernor();
    governor.deferHealthRestore(
      (restored) => restored.restoreHealth(A, health(1)),
      (peer) => (peer.equals(C) ? undefined : peer.equals(A)),
    );
    expect([governor.hasHealth(A), governor.hasHealth(B)]).toEqual([true, false]);
    expect(governor.healthRestoreDeferred()).toBe(true);
    expect(governor.hasHealth(C)).toBe(false);
    expect(governor.healthRestoreDeferred()).toBe(false);
    expect(governor.hasHealth(A)).toBe(true);
  });

  it("a second deferral runs the first one first, so both restores land, in order", () => {
    const governor = new PeerGovernor();
    governor.deferHealthRestore((restored) => restored.restoreHealth(A, health(1)));
    governor.deferHealthRestore((restored) => {
      restored.restoreHealth(A, health(4, true));
      restored.restoreHealth(B, health(2));
    });
    expect(Array.from(governor.iterHealth(), (entry) => [entry.peer.text, entry.consecutiveFailures])).toEqual([
      [A.text, 4],
      [B.text, 2],
    ]);
  });
});
