/**
 * The in-memory form of a version-1 snapshot: the live core objects plus the
 * snapshot's own clock. The codec turns text into this and back.
 */
import { BackoffTable, type BackoffConfig } from "../core/backoff.js";
import { BbgovError, checkedOptions } from "../core/errors.js";
import { checkedPair } from "../core/events.js";
import { PeerGovernor } from "../core/governor.js";
import { checkedU64 } from "../core/u64.js";

/** The only snapshot format version this codec reads and writes. */
export const SPEC_VERSION = 1;

/** A governor snapshot: policy, health, backoff table and the snapshot clock. */
export interface Snapshot {
  /** The "now" of commands given no time; u64 nanoseconds. */
  clockNs: bigint;
  governor: PeerGovernor;
  backoff: BackoffTable;
  /** The optional top-level `"$schema"` string, kept as it was read. */
  schema?: string | undefined;
}

/** A non-fatal finding while loading (a clamp applied, say), with its JSON path. */
export interface SnapshotWarning {
  readonly path: string;
  readonly message: string;
  /** An entry restore skips because its peer bytes do not parse (kept in the file as it is). */
  readonly skippedEntry?: boolean;
}

/** A snapshot text that is not a valid version-1 snapshot; `where` is the JSON path. */
export class SnapshotError extends BbgovError {
  /** JSON path of the offending value, e.g. `peer_governor.health[3].peer` (`$` for the whole document). */
  readonly path: string;

  constructor(message: string, path: string) {
    super(message, path);
    this.path = path;
  }
}

/** The stack overflow a recursive reader meets on a document nested thousands deep: the input's fault, not a bug. */
export function tooDeep(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** `snapshot` when it is a Snapshot (an object holding a PeerGovernor and a BackoffTable), else an InvalidArgument; its clock is checked where it is written. */
export function checkedSnapshot(snapshot: Snapshot, reader: string): Snapshot {
  checkedPair(snapshot, reader, "snapshot", "a Snapshot ({ clockNs, governor, backoff }, as decodeSnapshot or emptySnapshot makes one)");
  return snapshot;
}

/** An empty snapshot with the given settings (defaults: threshold 5, backoff 10 ms / 60 s, clock 0). */
export function emptySnapshot(options: { clockNs?: bigint; failureThreshold?: number; backoff?: Partial<BackoffConfig> } = {}): Snapshot {
  checkedOptions(options, "emptySnapshot");
  const governor = new PeerGovernor();
  if (options.failureThreshold !== undefined) governor.setFailureThreshold(options.failureThreshold);
  return { clockNs: checkedU64(options.clockNs ?? 0n, "clockNs"), governor, backoff: new BackoffTable(options.backoff ?? {}) };
}

/** The latest `last_event_ns` / `last_attempt_ns` of a model, or undefined when it holds no event. */
export function latestEventNs(snapshot: Pick<Snapshot, "governor" | "backoff">): bigint | undefined {
  let latest: bigint | undefined;
  for (const entry of snapshot.governor.iterHealth()) if (latest === undefined || entry.lastEventNs > latest) latest = entry.lastEventNs;
  for (const entry of snapshot.backoff.iter()) if (latest === undefined || entry.lastAttemptNs > latest) latest = entry.lastAttemptNs;
  return latest;
}

/** Counts of a whole snapshot's entries, as a summary shows them (see canonicalTallies, nodeTallies). */
export interface Tallies {
  /** Health entries. */
  readonly tracked: number;
  /** Health entries marked down. */
  readonly down: number;
  readonly backoffEntries: number;
  /** Backoff entries whose next retry is after the instant asked about. */
  readonly coolingDown: number;
}

/**
 * What a reader keeps about how a snapshot stood in its file (for paths that
 * answer from the file without building the model's lists), kept on the
 * snapshot itself as a hidden, non-enumerable property rather than in a
 * WeakMap: a WeakMap's values outlive their key until a full collection, and
 * a fleet read file after file (1,200 node snapshots, 300 JSON files) held
 * ~20 MB more of files already done.
 */
export class AsReadSlot<T> {
  private readonly key: symbol;

  /** `name`: the hidden property's description. */
  constructor(name: string) {
    this.key = Symbol(name);
  }

  /** Keeps `value` on `snapshot` (replacing one kept before). */
  keep(snapshot: Snapshot, value: T): void {
    Object.defineProperty(snapshot, this.key, { value, configurable: true, enumerable: false, writable: false });
  }

  /** Drops what was kept on `snapshot`. */
  forget(snapshot: Snapshot): void {
    delete (snapshot as unknown as Record<symbol, T>)[this.key];
  }

  /** What was kept on `snapshot`, if anything. */
  of(snapshot: Snapshot): T | undefined {
    return (snapshot as unknown as Record<symbol, T | undefined>)[this.key];
  }
}
