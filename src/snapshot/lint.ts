/**
 * Full checks for `bbgov validate`: states that decode fine but that upstream
 * never produces or that an operator should know about. Paths index the
 * canonical (sorted) lists, i.e. the file as bbgov writes it.
 */
import { canonicalLists } from "./canonical.js";
import type { Snapshot, SnapshotWarning } from "./model.js";

/** Findings beyond the format, each with the JSON path of the entry concerned. */
export function lintSnapshot(snapshot: Snapshot): SnapshotWarning[] {
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
    if (lists.allowlist.length === 0) {
      warnings.push({
        path: "peer_governor.allowlist",
        message: "the allowlist is empty: no peer is admitted (null is the open policy)",
      });
    }
    lists.allowlist.forEach((peer, index) => {
      if (snapshot.governor.isBlocked(peer)) {
        warnings.push({
          path: `peer_governor.allowlist[${index}]`,
          message: `${peer.text} is both blocklisted and allowlisted: the blocklist wins`,
        });
      }
    });
  }

  lists.health.forEach((entry, index) => {
    const path = `peer_governor.health[${index}]`;
    if (entry.down && entry.consecutiveFailures === 0) {
      warnings.push({
        path: `${path}.down`,
        message: `${entry.peer.text} is down with 0 consecutive failures (upstream clears down on every success)`,
      });
    }
    noteEvent(entry.lastEventNs, `${path}.last_event_ns`);
  });

  lists.backoffTable.forEach((entry, index) => {
    const path = `backoff_table[${index}]`;
    if (entry.attempts === 0) {
      warnings.push({
        path: `${path}.attempts`,
        message: `${entry.peer.text} has a backoff entry with 0 attempts (upstream creates entries at 1)`,
      });
    }
    if (entry.nextRetryNs < entry.lastAttemptNs) {
      warnings.push({
        path: `${path}.next_retry_ns`,
        message: `${entry.peer.text}: next_retry_ns ${entry.nextRetryNs} is before last_attempt_ns ${entry.lastAttemptNs}`,
      });
    } else if (entry.nextRetryNs - entry.lastAttemptNs > maxDelayNs) {
      warnings.push({
        path: `${path}.next_retry_ns`,
        message:
          `${entry.peer.text}: retry delay ${entry.nextRetryNs - entry.lastAttemptNs} ns exceeds ` +
          `max_delay_ns ${maxDelayNs} (an entry from an older schedule?)`,
      });
    }
    noteEvent(entry.lastAttemptNs, `${path}.last_attempt_ns`);
  });

  if (latest !== undefined) {
    const count = eventsAfterClock === 1 ? "1 recorded event" : `${eventsAfterClock} recorded events`;
    warnings.push({
      path: "clock_ns",
      message:
        `clock_ns ${clockNs} is behind ${count} (latest ${latest.atNs} at ${latest.path}); ` +
        "the clock should be at least the last event",
    });
  }
  return warnings;
}
