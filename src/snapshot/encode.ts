/**
 * Model -> canonical snapshot text (CONTRACT section 1). The text is
 * `JSON.stringify(document, null, 2) + "\n"` of the canonical document: keys in
 * contract order, lists sorted by peer text, u64 values as decimal strings.
 * Measured against a hand-written one-pass writer on 100k-1M peers,
 * V8's JSON.stringify was as fast or faster, and it is byte-exact by construction.
 */
import { canonicalLists } from "./canonical.js";
import { SPEC_VERSION, type Snapshot } from "./model.js";

/** One `peer_governor.health` entry as written. */
export interface HealthDocument {
  peer: string;
  consecutive_failures: number;
  last_event_ns: string;
  down: boolean;
}

/** One `backoff_table` entry as written. */
export interface BackoffEntryDocument {
  peer: string;
  attempts: number;
  last_attempt_ns: string;
  next_retry_ns: string;
}

/** The canonical JSON document of a snapshot, as plain data (key order is significant). */
export interface SnapshotDocument {
  $schema?: string;
  spec_version: number;
  clock_ns: string;
  peer_governor: {
    failure_threshold: number;
    blocklist: string[];
    allowlist: string[] | null;
    health: HealthDocument[];
  };
  backoff: { base_ns: string; max_delay_ns: string };
  backoff_table: BackoffEntryDocument[];
}

/** The canonical document of a snapshot: what `encodeSnapshot` writes, before it becomes text. */
export function snapshotDocument(snapshot: Snapshot): SnapshotDocument {
  const lists = canonicalLists(snapshot);
  const config = snapshot.backoff.config();
  const document: SnapshotDocument = {
    spec_version: SPEC_VERSION,
    clock_ns: snapshot.clockNs.toString(),
    peer_governor: {
      failure_threshold: snapshot.governor.failureThreshold(),
      blocklist: lists.blocklist.map((peer) => peer.text),
      allowlist: lists.allowlist === null ? null : lists.allowlist.map((peer) => peer.text),
      health: lists.health.map((entry) => ({
        peer: entry.peer.text,
        consecutive_failures: entry.consecutiveFailures,
        last_event_ns: entry.lastEventNs.toString(),
        down: entry.down,
      })),
    },
    backoff: { base_ns: config.baseNs.toString(), max_delay_ns: config.maxDelayNs.toString() },
    backoff_table: lists.backoffTable.map((entry) => ({
      peer: entry.peer.text,
      attempts: entry.attempts,
      last_attempt_ns: entry.lastAttemptNs.toString(),
      next_retry_ns: entry.nextRetryNs.toString(),
    })),
  };
  // `$schema` leads when present; spreading keeps the remaining keys in order.
  return snapshot.schema === undefined ? document : { $schema: snapshot.schema, ...document };
}

/** The canonical text of a snapshot: fixed key order, sorted lists, u64 as strings, 2-space indent, trailing newline. */
export function encodeSnapshot(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshotDocument(snapshot), null, 2)}\n`;
}
