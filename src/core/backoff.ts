/**
 * Port of upstream `framework/backoff_table.rs`: per-peer exponential backoff
 * with cooldowns. Methods follow the upstream file in order and name; the
 * bbgov-only operations the CLI needs come last, marked as extensions.
 * Sans-IO: `nowNs` is always an argument; every addition and multiplication
 * on times saturates at 2^64-1 as upstream's does.
 */
import { checkedFunction, checkedObject } from "./errors.js";
import { checkedPeer, type PeerId } from "./peer-id.js";
import { atLeastOne, checkedU32, checkedU64, saturatingAdd, saturatingIncrementU32, saturatingMul } from "./u64.js";

/** Default base delay: 10 ms. */
export const DEFAULT_BACKOFF_BASE_NS = 10_000_000n;
/** Default cap on any delay: 60 s. */
export const DEFAULT_BACKOFF_MAX_DELAY_NS = 60_000_000_000n;

/** The schedule: delay(n) = min(baseNs * 2^min(n-1, 63), maxDelayNs). */
export interface BackoffConfig {
  readonly baseNs: bigint;
  readonly maxDelayNs: bigint;
}

/** One peer's backoff entry. */
export interface BackoffState {
  /** Failures (and advisories) since the last success, saturating at 2^32-1. */
  readonly attempts: number;
  /** `now` of the last failure or advisory. */
  readonly lastAttemptNs: bigint;
  /** Sends are refused before this instant. */
  readonly nextRetryNs: bigint;
}

/** A peer together with its backoff entry, as the table iterates them. */
export interface BackoffEntry extends BackoffState {
  readonly peer: PeerId;
}

/** `shouldRetry` of an entry already at hand (undefined: none): there is none, or `nowNs` has reached its next retry. */
export function retryDue(state: BackoffState | undefined, nowNs: bigint): boolean {
  return state === undefined || nowNs >= state.nextRetryNs;
}

/** Per-peer exponential backoff table. */
export class BackoffTable {
  private readonly entries = new Map<string, BackoffEntry>();
  /** A restore deferred by `deferRestore`, run on the first look at any entry. */
  private pending: ((table: BackoffTable) => void) | null = null;
  /** While the restore is deferred: whether a peer has an entry, told without running it (undefined: cannot tell). */
  private pendingHas: ((peer: PeerId) => boolean | undefined) | null = null;
  /** While the restore is deferred: a peer's entry (null: none), told without running it (undefined: cannot tell). */
  private pendingPeek: ((peer: PeerId) => BackoffState | null | undefined) | null = null;
  private schedule: BackoffConfig;

  /** A table with the given schedule (upstream's `new` and `with_schedule`: defaults 10 ms / 60 s, each at least 1). */
  constructor(config: Partial<BackoffConfig> = {}) {
    this.schedule = clampConfig(config);
  }

  /** A failed attempt at `nowNs`: attempts + 1, next retry after the exponential delay; returns the entry (upstream: nothing). */
  recordFailure(peer: PeerId, nowNs: bigint): BackoffState {
    checkedPeer(peer);
    checkedU64(nowNs, "nowNs");
    const attempts = this.nextAttempts(peer);
    return this.put(peer, attempts, nowNs, saturatingAdd(nowNs, this.delayFor(attempts)));
  }

  /** A peer's own back-off notice: attempts + 1, next retry after min(minBackoffNs, max delay). Returns the new entry. */
  recordRemoteAdvisory(peer: PeerId, nowNs: bigint, minBackoffNs: bigint): BackoffState {
    checkedPeer(peer);
    checkedU64(nowNs, "nowNs");
    checkedU64(minBackoffNs, "minBackoffNs");
    const attempts = this.nextAttempts(peer);
    const capped = minBackoffNs < this.schedule.maxDelayNs ? minBackoffNs : this.schedule.maxDelayNs;
    return this.put(peer, attempts, nowNs, saturatingAdd(nowNs, capped));
  }

  /** A success: the peer's entry is removed. */
  recordSuccess(peer: PeerId): void {
    this.states.delete(checkedPeer(peer).text);
  }

  /** True when the peer has no entry or `nowNs` has reached its next retry. */
  shouldRetry(peer: PeerId, nowNs: bigint): boolean {
    return retryDue(this.state(peer), checkedU64(nowNs, "nowNs"));
  }

  /** The peer's entry, if it has one. */
  state(peer: PeerId): BackoffState | undefined {
    checkedPeer(peer);
    if (this.pending !== null && this.pendingPeek !== null) {
      const told = this.pendingPeek(peer);
      if (told !== undefined) return told ?? undefined;
    }
    return this.states.get(peer.text);
  }

  /** Number of peers with an entry. */
  len(): number {
    return this.states.size;
  }

  /** True when no peer is backing off. */
  isEmpty(): boolean {
    return this.states.size === 0;
  }

  /** Every entry, in insertion order, for snapshot capture. */
  iter(): IterableIterator<BackoffEntry> {
    return this.states.values();
  }

  /** Puts an entry back as it was captured (snapshot restore), without the failure-counting path. */
  restoreState(peer: PeerId, state: BackoffState): void {
    checkedObject(state, "backoff state", "{ attempts, lastAttemptNs, nextRetryNs }");
    this.put(
      checkedPeer(peer),
      checkedU32(state.attempts, "attempts"),
      checkedU64(state.lastAttemptNs, "lastAttemptNs"),
      checkedU64(state.nextRetryNs, "nextRetryNs"),
    );
  }

  /** delay(n) = min(base saturating* 2^min(n-1, 63), max); the delay after the n-th attempt (public here for `backoff --plan`). */
  delayFor(attempts: number): bigint {
    checkedU32(attempts, "attempts");
    const shift = BigInt(Math.min(Math.max(attempts - 1, 0), 63));
    const delay = saturatingMul(this.schedule.baseNs, 1n << shift);
    return delay < this.schedule.maxDelayNs ? delay : this.schedule.maxDelayNs;
  }

  // bbgov extensions: the operator CLI reads and edits the schedule of a
  // loaded table and forgets one peer, which upstream does by building a new table.

  /** The current schedule. */
  config(): BackoffConfig {
    return this.schedule;
  }

  /** Replaces the given schedule values (each clamped to at least 1); the others and all entries are kept. */
  setConfig(config: Partial<BackoffConfig>): void {
    checkedObject(config, "backoff config", "{ baseNs?, maxDelayNs? }");
    this.schedule = clampConfig({
      baseNs: config.baseNs ?? this.schedule.baseNs,
      maxDelayNs: config.maxDelayNs ?? this.schedule.maxDelayNs,
    });
  }

  /** Forgets a peer's entry (bbgov `reset`); returns whether it had one. */
  forget(peer: PeerId): boolean {
    return this.states.delete(checkedPeer(peer).text);
  }

  /**
   * Defers a snapshot restore of the entries: `restore` (which calls
   * `restoreState`) runs on the first read or change of any entry, so a
   * command that never looks at the table does not build it. `has`, when
   * given, answers `hasEntry` meanwhile without the restore; `peek`, when
   * given, answers `state` and `shouldRetry` so (a command that looks at one peer).
   */
  deferRestore(
    restore: (table: BackoffTable) => void,
    has?: (peer: PeerId) => boolean | undefined,
    peek?: (peer: PeerId) => BackoffState | null | undefined,
  ): void {
    checkedFunction(restore, "deferred restore");
    checkedFunction(has, "deferred restore's has", true);
    checkedFunction(peek, "deferred restore's peek", true);
    if (this.pending !== null) this.runPending(); // one deferred at a time, in order
    this.pending = restore;
    this.pendingHas = has ?? null;
    this.pendingPeek = peek ?? null;
  }

  /** True when the peer has an entry (`state` is defined), without running a deferred restore if it can tell. */
  hasEntry(peer: PeerId): boolean {
    checkedPeer(peer);
    if (this.pending !== null && this.pendingHas !== null) {
      const answer = this.pendingHas(peer);
      if (answer !== undefined) return answer;
    }
    return this.states.has(peer.text);
  }

  /** True while a deferred restore has not run: the entries are still exactly what the snapshot held. */
  restoreDeferred(): boolean {
    return this.pending !== null;
  }

  /** The entries, with a deferred restore run first. */
  private get states(): Map<string, BackoffEntry> {
    if (this.pending !== null) this.runPending();
    return this.entries;
  }

  private runPending(): void {
    const restore = this.pending as (table: BackoffTable) => void;
    this.pending = null;
    this.pendingHas = null;
    this.pendingPeek = null;
    restore(this);
  }

  private nextAttempts(peer: PeerId): number {
    const previous = this.states.get(peer.text);
    return previous === undefined ? 1 : saturatingIncrementU32(previous.attempts);
  }

  private put(peer: PeerId, attempts: number, lastAttemptNs: bigint, nextRetryNs: bigint): BackoffState {
    // Frozen: `state` and `iter` hand out this very entry, and `nextRetryNs = -1n` on it went unchecked into the file.
    const entry: BackoffEntry = Object.freeze({ peer, attempts, lastAttemptNs, nextRetryNs });
    this.states.set(peer.text, entry);
    return entry;
  }
}

/** A schedule as upstream uses it: a value left out is the default, a 0 becomes 1 ns. */
export function clampConfig(config: Partial<BackoffConfig>): BackoffConfig {
  checkedObject(config, "backoff config", "{ baseNs?, maxDelayNs? }");
  // Frozen: `config()` hands out this very object, and `config().baseNs = 0n` skipped the checks of setConfig.
  return Object.freeze({
    baseNs: atLeastOne(checkedU64(config.baseNs ?? DEFAULT_BACKOFF_BASE_NS, "baseNs")),
    maxDelayNs: atLeastOne(checkedU64(config.maxDelayNs ?? DEFAULT_BACKOFF_MAX_DELAY_NS, "maxDelayNs")),
  });
}
