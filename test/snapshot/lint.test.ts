import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { canonicalLists } from "../../src/snapshot/canonical.js";
import { openSnapshot } from "../../src/snapshot/kinds.js";
import {
  SnapshotError,
  decodeSnapshot,
  emptySnapshot,
  lintSnapshot,
  type Snapshot,
  type SnapshotWarning,
} from "../../src/snapshot/index.js";

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

/**
 * lint as it was before it placed only its findings: every list sorted, then walked in canonical order. Kept here
 * as the oracle (a copy on purpose) for the property test below.
 */
function sortedLint(snapshot: Snapshot): SnapshotWarning[] {
  const warnings: SnapshotWarning[] = [];
  const lists = canonicalLists(snapshot);
  const { maxDelayNs } = snapshot.backoff.config();
  const clockNs = snapshot.clockNs;
  let eventsAfterClock = 0;
  let latest: { atNs: bigint; path: string } | undefined;
  const noteEvent = (atNs: bigint, path: string): void => {
    if (atNs <= clockNs) return;
    eventsAfterClock += 1;
    if (latest === undefined || atNs > latest.atNs) latest = { atNs, path };
  };
  if (lists.allowlist !== null) {
    if (lists.allowlist.length === 0)
      warnings.push({ path: "peer_governor.allowlist", message: "the allowlist is empty: no peer is admitted (null is the open policy)" });
    lists.allowlist.forEach((peer, index) => {
      if (snapshot.governor.isBlocked(peer))
        warnings.push({
          path: `peer_governor.allowlist[${index}]`,
          message: `${peer.text} is both blocklisted and allowlisted: the blocklist wins`,
        });
    });
  }
  lists.health.forEach((entry, index) => {
    const path = `peer_governor.health[${index}]`;
    if (entry.down && entry.consecutiveFailures === 0)
      warnings.push({
        path: `${path}.down`,
        message: `${entry.peer.text} is down with 0 consecutive failures (upstream clears down on every success)`,
      });
    noteEvent(entry.lastEventNs, `${path}.last_event_ns`);
  });
  lists.backoffTable.forEach((entry, index) => {
    const path = `backoff_table[${index}]`;
    if (entry.attempts === 0)
      warnings.push({
        path: `${path}.attempts`,
        message: `${entry.peer.text} has a backoff entry with 0 attempts (upstream creates entries at 1)`,
      });
    if (entry.nextRetryNs < entry.lastAttemptNs)
      warnings.push({
        path: `${path}.next_retry_ns`,
        message: `${entry.peer.text}: next_retry_ns ${entry.nextRetryNs} is before last_attempt_ns ${entry.lastAttemptNs}`,
      });
    else if (entry.nextRetryNs - entry.lastAttemptNs > maxDelayNs)
      warnings.push({
        path: `${path}.next_retry_ns`,
        message:
          `${entry.peer.text}: retry delay ${entry.nextRetryNs - entry.lastAttemptNs} ns exceeds ` +
          `max_delay_ns ${maxDelayNs} (an entry from an older schedule?)`,
      });
    noteEvent(entry.lastAttemptNs, `${path}.last_attempt_ns`);
  });
  if (latest !== undefined) {
    const { atNs, path } = latest;
    const count = eventsAfterClock === 1 ? "1 recorded event" : `${eventsAfterClock} recorded events`;
    warnings.push({
      path: "clock_ns",
      message: `clock_ns ${clockNs} is behind ${count} (latest ${atNs} at ${path}); the clock should be at least the last event`,
    });
  }
  return warnings;
}

describe("lintSnapshot against every list sorted first", () => {
  // Few distinct instants and small numbers, so that ties, zeros and each finding come up often; up to 60 entries a
  // list, so that both ways of placing findings (counting, and sorting the list once) are taken.
  const instant = fc.bigInt({ min: 0n, max: 12n });
  const peers = fc.uniqueArray(fc.bigInt({ min: 1n, max: 400n }), { maxLength: 60, size: "max" });
  const state = fc.record({
    clockNs: instant,
    maxDelayNs: fc.bigInt({ min: 0n, max: 6n }),
    allowlist: fc.option(peers, { nil: null }),
    blocklist: peers,
    health: fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 400n }), fc.nat(2), instant, fc.boolean()), { maxLength: 60, size: "max" }),
    table: fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 400n }), fc.nat(2), instant, instant), { maxLength: 60, size: "max" }),
  });

  it("gives the same findings, in the same order, at the same paths", () => {
    fc.assert(
      fc.property(state, (s) => {
        const snapshot = emptySnapshot({ clockNs: s.clockNs, backoff: { baseNs: 1n, maxDelayNs: s.maxDelayNs } });
        snapshot.governor.setAllowlist(s.allowlist === null ? null : s.allowlist.map((n) => PeerId.fromU64(n)));
        for (const n of s.blocklist) snapshot.governor.block(PeerId.fromU64(n));
        for (const [n, consecutiveFailures, lastEventNs, down] of s.health)
          snapshot.governor.restoreHealth(PeerId.fromU64(n), { consecutiveFailures, lastEventNs, down });
        for (const [n, attempts, lastAttemptNs, nextRetryNs] of s.table)
          snapshot.backoff.restoreState(PeerId.fromU64(n), { attempts, lastAttemptNs, nextRetryNs });
        expect(lintSnapshot(snapshot)).toEqual(sortedLint(snapshot));
      }),
      { numRuns: 150 },
    );
  });

  it("gives the same findings on every node snapshot fixture and the example", () => {
    const node = new URL("../../fixtures/node/", import.meta.url);
    for (const name of readdirSync(node).filter((file) => file.endsWith(".bin"))) {
      let opened: ReturnType<typeof openSnapshot> | undefined;
      try {
        const bytes = readFileSync(new URL(name, node));
        opened = openSnapshot({ bytes, text: () => bytes.toString("utf8") }, { forWrite: false });
      } catch (error) {
        if (!(error instanceof SnapshotError)) throw error;
        continue; // a fixture the reader refuses has no model to lint
      }
      expect(lintSnapshot(opened.snapshot), name).toEqual(sortedLint(opened.snapshot));
    }
    const example = decodeSnapshot(fixture("example.json")).snapshot;
    expect(lintSnapshot(example)).toEqual(sortedLint(example));
  });
});
