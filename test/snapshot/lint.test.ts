import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { decodeSnapshot, emptySnapshot, lintSnapshot } from "../../src/snapshot/index.js";

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");
const peer = (n: bigint): PeerId => PeerId.fromU64(n);

describe("lintSnapshot", () => {
  it("finds nothing in the example and the minimal snapshot", () => {
    expect(lintSnapshot(decodeSnapshot(fixture("example.json")).snapshot)).toEqual([]);
    expect(lintSnapshot(decodeSnapshot(fixture("minimal.json")).snapshot)).toEqual([]);
  });

  it("flags an empty allowlist", () => {
    const snapshot = emptySnapshot();
    snapshot.governor.setAllowlist([]);
    expect(lintSnapshot(snapshot)).toEqual([{ path: "peer_governor.allowlist", message: expect.stringContaining("no peer is admitted") }]);
  });

  it("flags a peer both blocklisted and allowlisted, at its canonical index", () => {
    const snapshot = emptySnapshot();
    snapshot.governor.setAllowlist([peer(9n), peer(2n), peer(1n)]);
    snapshot.governor.block(peer(2n));
    // Canonical order: 16uZAbWC1AJvL (1), 16uZAbWC1AJvM (2), 16uZAbWC1AJvT (9).
    expect(lintSnapshot(snapshot)).toEqual([
      { path: "peer_governor.allowlist[1]", message: expect.stringContaining("both blocklisted and allowlisted") },
    ]);
  });

  it("flags a down peer without failures", () => {
    const snapshot = emptySnapshot({ clockNs: 100n });
    snapshot.governor.restoreHealth(peer(2n), { consecutiveFailures: 0, lastEventNs: 5n, down: true });
    snapshot.governor.restoreHealth(peer(1n), { consecutiveFailures: 3, lastEventNs: 5n, down: false });
    expect(lintSnapshot(snapshot)).toEqual([
      { path: "peer_governor.health[1].down", message: expect.stringContaining("down with 0 consecutive failures") },
    ]);
  });

  it("flags backoff entries upstream never writes", () => {
    const snapshot = emptySnapshot({ clockNs: 1_000_000_000_000n, backoff: { baseNs: 10n, maxDelayNs: 100n } });
    snapshot.backoff.restoreState(peer(4n), { attempts: 1, lastAttemptNs: 50n, nextRetryNs: 151n }); // delay 101 > max
    snapshot.backoff.restoreState(peer(3n), { attempts: 2, lastAttemptNs: 50n, nextRetryNs: 49n }); // retry before attempt
    snapshot.backoff.restoreState(peer(2n), { attempts: 0, lastAttemptNs: 50n, nextRetryNs: 60n }); // no attempt
    snapshot.backoff.restoreState(peer(1n), { attempts: 7, lastAttemptNs: 50n, nextRetryNs: 150n }); // fine: exactly max
    expect(lintSnapshot(snapshot)).toEqual([
      { path: "backoff_table[1].attempts", message: expect.stringContaining("0 attempts") },
      { path: "backoff_table[2].next_retry_ns", message: expect.stringContaining("is before last_attempt_ns 50") },
      { path: "backoff_table[3].next_retry_ns", message: expect.stringContaining("retry delay 101 ns exceeds max_delay_ns 100") },
    ]);
  });

  it("flags a clock behind the recorded events once, naming the latest", () => {
    const snapshot = emptySnapshot({ clockNs: 100n });
    snapshot.governor.restoreHealth(peer(1n), { consecutiveFailures: 1, lastEventNs: 150n, down: false });
    snapshot.governor.restoreHealth(peer(2n), { consecutiveFailures: 1, lastEventNs: 100n, down: false });
    snapshot.backoff.restoreState(peer(1n), { attempts: 1, lastAttemptNs: 150n, nextRetryNs: 160n });
    snapshot.backoff.restoreState(peer(3n), { attempts: 1, lastAttemptNs: 200n, nextRetryNs: 210n });
    const warnings = lintSnapshot(snapshot);
    expect(warnings).toEqual([{ path: "clock_ns", message: expect.stringContaining("behind 3 recorded events") }]);
    expect(warnings[0]?.message).toContain("latest 200 at backoff_table[1].last_attempt_ns");
  });

  it("accepts what the core's own operations produce", () => {
    const snapshot = emptySnapshot({ clockNs: 0n });
    for (let at = 1n; at <= 40n; at++) {
      snapshot.governor.recordFailure(peer(at % 3n), at * 1_000_000_000n);
      snapshot.backoff.recordFailure(peer(at % 3n), at * 1_000_000_000n);
    }
    snapshot.backoff.recordRemoteAdvisory(peer(5n), 41_000_000_000n, 1n << 62n);
    snapshot.governor.recordFailure(peer(5n), 41_000_000_000n);
    snapshot.clockNs = 41_000_000_000n;
    expect(lintSnapshot(snapshot)).toEqual([]);
  });
});
