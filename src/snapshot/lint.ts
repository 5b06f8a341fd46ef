/**
 * Full checks for `bbgov validate`: states that decode fine but that upstream
 * never produces or that an operator should know about. Paths index the
 * canonical (sorted) lists, i.e. the file as bbgov writes it.
 *
 * The lists are checked in the order the maps hold them, and only the
 * entries found are placed in the canonical order: a node snapshot's lists
 * come in hash order, and sorting 100k peers' texts twice was a fifth of
 * validating such a file, for findings that are mostly none.
 */
import type { PeerId } from "../core/peer-id.js";
import { byPeerText, entryPeerText, peerText } from "./canonical.js";
import { checkedSnapshot, type Snapshot, type SnapshotWarning } from "./model.js";

/** Findings beyond the format, each with the JSON path of the entry concerned. */
export function lintSnapshot(snapshot: Snapshot): SnapshotWarning[] {
  checkedSnapshot(snapshot, "lintSnapshot");
  const warnings: SnapshotWarning[] = [];
  const { maxDelayNs } = snapshot.backoff.config();
  const clockNs = snapshot.clockNs;

  const allowlist = snapshot.governor.allowlist();
  if (allowlist !== null) {
    const peers = Array.from(allowlist);
    if (peers.length === 0) {
      warnings.push({
        path: "peer_governor.allowlist",
        message: "the allowlist is empty: no peer is admitted (null is the open policy)",
      });
    }
    const found = new ListFindings<PeerId>(peers, peerText);
    for (const peer of peers) {
      if (snapshot.governor.isBlocked(peer)) found.add(peer, "", `${peer.text} is both blocklisted and allowlisted: the blocklist wins`);
    }
    found.placeInto(warnings, "peer_governor.allowlist");
  }

  // The latest event after the clock: the first in canonical order among equal instants (health before backoff).
  let eventsAfterClock = 0;
  let latest: { atNs: bigint; text: string; list: number } | undefined;
  const noteEvent = (atNs: bigint, entry: { readonly peer: PeerId }, list: number): void => {
    if (atNs <= clockNs) return;
    eventsAfterClock += 1;
    if (latest === undefined || atNs > latest.atNs || (atNs === latest.atNs && list === latest.list && entry.peer.text < latest.text)) {
      latest = { atNs, text: entry.peer.text, list };
    }
  };

  const health = Array.from(snapshot.governor.iterHealth());
  const healthFound = new ListFindings(health, entryPeerText);
  for (const entry of health) {
    if (entry.down && entry.consecutiveFailures === 0) {
      healthFound.add(entry, ".down", `${entry.peer.text} is down with 0 consecutive failures (upstream clears down on every success)`);
    }
    noteEvent(entry.lastEventNs, entry, 0);
  }
  healthFound.placeInto(warnings, "peer_governor.health");

  const table = Array.from(snapshot.backoff.iter());
  const tableFound = new ListFindings(table, entryPeerText);
  for (const entry of table) {
    if (entry.attempts === 0) {
      tableFound.add(entry, ".attempts", `${entry.peer.text} has a backoff entry with 0 attempts (upstream creates entries at 1)`);
    }
    if (entry.nextRetryNs < entry.lastAttemptNs) {
      tableFound.add(
        entry,
        ".next_retry_ns",
        `${entry.peer.text}: next_retry_ns ${entry.nextRetryNs} is before last_attempt_ns ${entry.lastAttemptNs}`,
      );
    } else if (entry.nextRetryNs - entry.lastAttemptNs > maxDelayNs) {
      tableFound.add(
        entry,
        ".next_retry_ns",
        `${entry.peer.text}: retry delay ${entry.nextRetryNs - entry.lastAttemptNs} ns exceeds ` +
          `max_delay_ns ${maxDelayNs} (an entry from an older schedule?)`,
      );
    }
    noteEvent(entry.lastAttemptNs, entry, 1);
  }
  tableFound.placeInto(warnings, "backoff_table");

  if (latest !== undefined) {
    const { atNs, text, list } = latest;
    const path =
      list === 0
        ? `peer_governor.health[${healthFound.rank(text)}].last_event_ns`
        : `backoff_table[${tableFound.rank(text)}].last_attempt_ns`;
    const count = eventsAfterClock === 1 ? "1 recorded event" : `${eventsAfterClock} recorded events`;
    warnings.push({
      path: "clock_ns",
      message: `clock_ns ${clockNs} is behind ${count} (latest ${atNs} at ${path}); the clock should be at least the last event`,
    });
  }
  return warnings;
}

/** Up to this many findings in one list are placed by counting; more sort the list once. */
const COUNTED = 16;

/** The findings of one list (items in the map's order), placed at their items' canonical indices when asked. */
class ListFindings<T> {
  private readonly found: { item: T; suffix: string; message: string }[] = [];

  constructor(
    private readonly items: readonly T[],
    private readonly keyOf: (item: T) => string,
  ) {}

  add(item: T, suffix: string, message: string): void {
    this.found.push({ item, suffix, message });
  }

  /** Where the item with text `key` stands in the list sorted by text: how many items' texts are less (texts are distinct). */
  rank(key: string): number {
    let index = 0;
    for (const other of this.items) if (this.keyOf(other) < key) index++;
    return index;
  }

  /** Appends the findings to `warnings` at `list[index]` paths, by canonical index (an item's own in the order found). */
  placeInto(warnings: SnapshotWarning[], list: string): void {
    if (this.found.length === 0) return;
    let indexOf = (item: T): number => this.rank(this.keyOf(item));
    if (new Set(this.found.map(({ item }) => item)).size > COUNTED) {
      const sorted = new Map(byPeerText(this.items, this.keyOf).map((item, index) => [item, index]));
      indexOf = (item) => sorted.get(item) as number;
    }
    const placed = this.found.map((finding, order) => ({ ...finding, index: indexOf(finding.item), order }));
    placed.sort((a, b) => a.index - b.index || a.order - b.order);
    for (const { index, suffix, message } of placed) warnings.push({ path: `${list}[${index}]${suffix}`, message });
  }
}
