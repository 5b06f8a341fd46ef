/** Differences between two snapshots by meaning: order and spelling of the files do not matter. */
import type { BackoffEntry } from "../core/backoff.js";
import type { HealthEntry } from "../core/governor.js";
import { checkedOptions } from "../core/errors.js";
import { checkedSnapshot, type Snapshot } from "./model.js";

/** One difference, at the canonical JSON path of what differs. */
export interface SnapshotChange {
  readonly path: string;
  readonly kind: "added" | "removed" | "changed";
  /** The value in the snapshot (`changed`, `removed`). */
  readonly before?: unknown;
  /** The value in the other snapshot (`changed`, `added`). */
  readonly after?: unknown;
}

/** What to compare besides the governor and the table: a file that holds no clock or schedule (a node snapshot) has only a stand-in for it. */
export interface DiffOptions {
  /** Compare `clock_ns` (default true): false when one side holds no clock of its own. */
  readonly clock?: boolean;
  /** Compare the backoff schedule (default true): false when one side holds none (it is the host's setting). */
  readonly backoffSchedule?: boolean;
}

/** Every difference from `a` to `b`: settings, clock, lists, then per-peer health and backoff entries. */
export function diffSnapshots(a: Snapshot, b: Snapshot, options: DiffOptions = {}): SnapshotChange[] {
  checkedSnapshot(a, "diffSnapshots");
  checkedSnapshot(b, "diffSnapshots");
  checkedOptions(options, "diffSnapshots");
  const changes: SnapshotChange[] = [];
  const changed = (path: string, before: unknown, after: unknown): void => {
    if (before !== after) changes.push({ path, kind: "changed", before, after });
  };
  if (options.clock !== false) changed("clock_ns", a.clockNs, b.clockNs);
  changed("peer_governor.failure_threshold", a.governor.failureThreshold(), b.governor.failureThreshold());
  diffSets(changes, "peer_governor.blocklist", texts(a.governor.blocklist()), texts(b.governor.blocklist()));
  const allowA = a.governor.allowlist();
  const allowB = b.governor.allowlist();
  if (allowA === null || allowB === null) {
    if (allowA !== allowB) {
      changes.push({
        path: "peer_governor.allowlist",
        kind: "changed",
        before: allowA === null ? null : [...texts(allowA)].sort(),
        after: allowB === null ? null : [...texts(allowB)].sort(),
      });
    }
  } else {
    diffSets(changes, "peer_governor.allowlist", texts(allowA), texts(allowB));
  }
  diffEntries(changes, "peer_governor.health", byPeer(a.governor.iterHealth()), byPeer(b.governor.iterHealth()), healthJson);
  const configA = a.backoff.config();
  const configB = b.backoff.config();
  if (options.backoffSchedule !== false) {
    changed("backoff.base_ns", configA.baseNs, configB.baseNs);
    changed("backoff.max_delay_ns", configA.maxDelayNs, configB.maxDelayNs);
  }
  diffEntries(changes, "backoff_table", byPeer(a.backoff.iter()), byPeer(b.backoff.iter()), backoffJson);
  return changes;
}

function texts(peers: Iterable<{ text: string }>): Set<string> {
  const set = new Set<string>();
  for (const peer of peers) set.add(peer.text);
  return set;
}

function diffSets(changes: SnapshotChange[], path: string, a: Set<string>, b: Set<string>): void {
  for (const peer of [...a].sort()) if (!b.has(peer)) changes.push({ path, kind: "removed", before: peer });
  for (const peer of [...b].sort()) if (!a.has(peer)) changes.push({ path, kind: "added", after: peer });
}

function byPeer<T extends { peer: { text: string } }>(entries: Iterable<T>): Map<string, T> {
  const map = new Map<string, T>();
  for (const entry of entries) map.set(entry.peer.text, entry);
  return map;
}

function diffEntries<T>(
  changes: SnapshotChange[],
  path: string,
  a: Map<string, T>,
  b: Map<string, T>,
  toJson: (entry: T) => Record<string, unknown>,
): void {
  const peers = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const peer of peers) {
    const before = a.get(peer);
    const after = b.get(peer);
    const at = `${path}[${peer}]`;
    if (before === undefined && after !== undefined) changes.push({ path: at, kind: "added", after: toJson(after) });
    else if (after === undefined && before !== undefined) changes.push({ path: at, kind: "removed", before: toJson(before) });
    else if (before !== undefined && after !== undefined) {
      const jsonBefore = toJson(before);
      const jsonAfter = toJson(after);
      for (const key of Object.keys(jsonBefore)) {
        if (jsonBefore[key] !== jsonAfter[key])
          changes.push({ path: `${at}.${key}`, kind: "changed", before: jsonBefore[key], after: jsonAfter[key] });
      }
    }
  }
}

function healthJson(entry: HealthEntry): Record<string, unknown> {
  return { consecutive_failures: entry.consecutiveFailures, last_event_ns: entry.lastEventNs, down: entry.down };
}

function backoffJson(entry: BackoffEntry): Record<string, unknown> {
  return { attempts: entry.attempts, last_attempt_ns: entry.lastAttemptNs, next_retry_ns: entry.nextRetryNs };
}
