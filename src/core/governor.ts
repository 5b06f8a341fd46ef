/**
 * Port of upstream `peer_governor.rs`: the single source of truth for peer
 * policy (blocklist, optional allowlist) and health (consecutive failures,
 * down flag). Methods follow the upstream file in order and name; the
 * bbgov-only operations the CLI needs come last, marked as extensions.
 * Sans-IO: no clock, no disk, no console; `nowNs` is an argument.
 */
import { BackoffTable, retryDue, type BackoffState } from "./backoff.js";
import { checkedFunction, checkedObject, InvalidArgument } from "./errors.js";
import { checkedPeer, type PeerId } from "./peer-id.js";
import { checkedU32, checkedU64, saturatingIncrementU32 } from "./u64.js";

/** Default number of consecutive send failures before a peer is marked down. */
export const DEFAULT_FAILURE_THRESHOLD = 5;

/** Why a peer can't receive an envelope; `kind` is the runtime's stable label. */
export type BlockReason =
  | { readonly kind: "blocklisted" }
  | { readonly kind: "not_allowlisted" }
  | { readonly kind: "cooldown"; readonly retryNs: bigint };

/** Outcome of a `checkInbound` / `checkOutbound` consultation. */
export type Decision = { readonly kind: "allow" } | { readonly kind: "deny"; readonly reason: BlockReason };

/** Side-effect of recording a failure or success (`went_down` surfaces as PeerDown, `came_up` as PeerUp). */
export type LifecycleTransition = "none" | "went_down" | "came_up";

/** Per-peer health. */
export interface PeerHealth {
  /** Number of consecutive `recordFailure` calls since the last `recordSuccess` (u32, saturating). */
  readonly consecutiveFailures: number;
  /** `now` at the last success or failure; 0 if neither was recorded. */
  readonly lastEventNs: bigint;
  /** True once the streak reached the threshold; stays true until a success. */
  readonly down: boolean;
}

/** A peer together with its health, as the governor iterates them (frozen: the governor's own entry, changed only by its methods). */
export interface HealthEntry extends PeerHealth {
  readonly peer: PeerId;
}

// Shared by every consultation, so frozen: a JavaScript caller that set `decision.kind = "deny"` on one
// answer changed every later allow of every governor in the program.
const ALLOW: Decision = Object.freeze({ kind: "allow" });
const DENY_BLOCKLISTED: Decision = Object.freeze({ kind: "deny", reason: Object.freeze({ kind: "blocklisted" }) });
const DENY_NOT_ALLOWLISTED: Decision = Object.freeze({ kind: "deny", reason: Object.freeze({ kind: "not_allowlisted" }) });

/**
 * The policy's checks in upstream's order, from what they look at: the
 * blocklist first, then the allowlist (`admitted`: there is none, or the peer
 * is on it). Both consultations start here (outbound then asks the backoff
 * table); so does whatever decides from stored facts without a governor
 * (rows written straight from a snapshot file's text).
 */
export function policyDecision(blocked: boolean, admitted: boolean): Decision {
  if (blocked) return DENY_BLOCKLISTED;
  if (!admitted) return DENY_NOT_ALLOWLISTED;
  return ALLOW;
}

/**
 * Outbound's last step, once the policy allows: a cooldown until the backoff
 * entry's next retry while it is ahead of `nowNs` (`retryDue`), else allow.
 * `checkOutbound` ends here; so do rows decided from a file's stored entries.
 */
export function cooldownDecision(state: BackoffState | undefined, nowNs: bigint): Decision {
  if (state === undefined || retryDue(state, nowNs)) return ALLOW;
  return { kind: "deny", reason: { kind: "cooldown", retryNs: state.nextRetryNs } };
}

/** Per-peer policy and health state owner. */
export class PeerGovernor {
  private readonly blocked = new Map<string, PeerId>();
  private allowed: Map<string, PeerId> | null = null;
  private readonly healthEntries = new Map<string, HealthEntry>();
  /** A restore deferred by `deferHealthRestore`, run on the first look at any peer's health. */
  private pendingHealth: ((governor: PeerGovernor) => void) | null = null;
  /** While the restore is deferred: whether a peer has health, told without running it (undefined: cannot tell). */
  private pendingHealthHas: ((peer: PeerId) => boolean | undefined) | null = null;
  /** While the restore is deferred: a peer's health (null: none), told without running it (undefined: cannot tell). */
  private pendingHealthPeek: ((peer: PeerId) => PeerHealth | null | undefined) | null = null;
  private threshold = DEFAULT_FAILURE_THRESHOLD;

  /** The health map, with a deferred restore run first. */
  private get health(): Map<string, HealthEntry> {
    if (this.pendingHealth !== null) this.runPendingHealth();
    return this.healthEntries;
  }

  /** Configures the failure threshold (clamped to at least 1); returns this governor. */
  withFailureThreshold(threshold: number): this {
    this.threshold = Math.max(checkedU32(threshold, "failure threshold"), 1);
    return this;
  }

  /** Adds a peer to the blocklist. */
  block(peer: PeerId): void {
    this.blocked.set(checkedPeer(peer).text, peer);
  }

  /** Removes a peer from the blocklist. */
  unblock(peer: PeerId): void {
    this.blocked.delete(checkedPeer(peer).text);
  }

  /** Sets (or, with null, clears) the allowlist; null is the open policy. */
  setAllowlist(allowlist: Iterable<PeerId> | null): void {
    // undefined is no list: said so, rather than "undefined is not iterable" (or, meant as open, a closed policy).
    if (allowlist === undefined || (allowlist !== null && typeof allowlist[Symbol.iterator] !== "function"))
      throw new InvalidArgument(
        `invalid allowlist ${String(allowlist)}: expected PeerIds (an array or any iterable), or null for the open policy`,
      );
    this.allowed = allowlist === null ? null : new Map(Array.from(allowlist, (peer) => [checkedPeer(peer, "allowlist peer").text, peer]));
  }

  /** The peer's health, or undefined if no success or failure was ever recorded. */
  peerHealth(peer: PeerId): PeerHealth | undefined {
    checkedPeer(peer);
    const told = this.peekHealth(peer);
    if (told !== undefined) return told ?? undefined;
    return this.health.get(peer.text);
  }

  /** True when the peer is currently marked down. */
  isDown(peer: PeerId): boolean {
    return this.peerHealth(peer)?.down ?? false;
  }

  /** Inbound consultation: blocklist first, then the allowlist. */
  checkInbound(peer: PeerId): Decision {
    return policyDecision(this.blocked.has(checkedPeer(peer).text), this.allowed === null || this.allowed.has(peer.text));
  }

  /** Outbound consultation: the inbound checks, then the backoff table's cooldown. */
  checkOutbound(peer: PeerId, backoff: BackoffTable, nowNs: bigint): Decision {
    checkedPeer(peer);
    if (!(backoff instanceof BackoffTable)) throw new InvalidArgument("invalid backoff: expected the BackoffTable to consult");
    checkedU64(nowNs, "nowNs");
    const policy = policyDecision(this.blocked.has(peer.text), this.allowed === null || this.allowed.has(peer.text));
    if (policy !== ALLOW) return policy;
    return cooldownDecision(backoff.state(peer), nowNs);
  }

  /** Records a success at `nowNs`: streak reset, `down` cleared; `came_up` if it was down. */
  recordSuccess(peer: PeerId, nowNs: bigint): LifecycleTransition {
    checkedPeer(peer);
    checkedU64(nowNs, "nowNs");
    const wasDown = this.health.get(peer.text)?.down ?? false;
    this.health.set(peer.text, Object.freeze({ peer, consecutiveFailures: 0, lastEventNs: nowNs, down: false }));
    return wasDown ? "came_up" : "none";
  }

  /** Records a failure at `nowNs`; `went_down` on the call that reaches the threshold. */
  recordFailure(peer: PeerId, nowNs: bigint): LifecycleTransition {
    checkedPeer(peer);
    checkedU64(nowNs, "nowNs");
    const previous = this.health.get(peer.text);
    const previousDown = previous?.down ?? false;
    const consecutiveFailures = saturatingIncrementU32(previous?.consecutiveFailures ?? 0);
    const justWentDown = !previousDown && consecutiveFailures >= this.threshold;
    this.health.set(peer.text, Object.freeze({ peer, consecutiveFailures, lastEventNs: nowNs, down: previousDown || justWentDown }));
    return justWentDown ? "went_down" : "none";
  }

  /** Number of distinct peers with health recorded. */
  trackedPeers(): number {
    return this.health.size;
  }

  /** The blocklist. */
  blocklist(): IterableIterator<PeerId> {
    return this.blocked.values();
  }

  /** The allowlist, or null for the open policy. */
  allowlist(): IterableIterator<PeerId> | null {
    return this.allowed === null ? null : this.allowed.values();
  }

  /** Every peer's health, in insertion order. */
  iterHealth(): IterableIterator<HealthEntry> {
    return this.health.values();
  }

  /** The failure threshold (consecutive failures that mark a peer down). */
  failureThreshold(): number {
    return this.threshold;
  }

  /** Replaces a peer's health directly (snapshot restore). */
  restoreHealth(peer: PeerId, health: PeerHealth): void {
    checkedObject(health, "peer health", "{ consecutiveFailures, lastEventNs, down }");
    this.health.set(
      checkedPeer(peer).text,
      Object.freeze({
        peer,
        consecutiveFailures: checkedU32(health.consecutiveFailures, "consecutiveFailures"),
        lastEventNs: checkedU64(health.lastEventNs, "lastEventNs"),
        down: checkedBoolean(health.down, "down"),
      }),
    );
  }

  /** Overwrites the failure threshold (clamped to at least 1); nobody's `down` is recomputed. */
  setFailureThreshold(threshold: number): void {
    this.threshold = Math.max(checkedU32(threshold, "failure threshold"), 1);
  }

  // bbgov extensions: single-peer edits the operator CLI needs in O(1), which
  // upstream expresses by rebuilding the whole set through `setAllowlist`.

  /** True when the peer is on the blocklist. */
  isBlocked(peer: PeerId): boolean {
    return this.blocked.has(checkedPeer(peer).text);
  }

  /** True when an allowlist is set and the peer is on it. */
  isAllowlisted(peer: PeerId): boolean {
    const text = checkedPeer(peer).text;
    return this.allowed?.has(text) ?? false;
  }

  /** Adds a peer to the allowlist, creating it (admitting only this peer) when the policy is open. */
  allow(peer: PeerId): void {
    checkedPeer(peer);
    if (this.allowed === null) this.allowed = new Map();
    this.allowed.set(peer.text, peer);
  }

  /** Removes a peer from the allowlist; the policy stays closed even when it empties. */
  disallow(peer: PeerId): void {
    const text = checkedPeer(peer).text;
    this.allowed?.delete(text);
  }

  /** Number of peers on the blocklist. */
  blocklistSize(): number {
    return this.blocked.size;
  }

  /** Number of peers on the allowlist, or null for the open policy. */
  allowlistSize(): number | null {
    return this.allowed === null ? null : this.allowed.size;
  }

  /** Forgets a peer's health (bbgov `reset`); returns whether it had any. */
  forgetHealth(peer: PeerId): boolean {
    return this.health.delete(checkedPeer(peer).text);
  }

  /**
   * Defers a snapshot restore of the health entries: `restore` (which calls
   * `restoreHealth`) runs on the first read or change of any peer's health.
   * A reader of a big file validates it at once but builds the entries only
   * for a command that looks at them; `block` on 100k peers never does.
   * `has`, when given, answers `hasHealth` meanwhile without the restore;
   * `peek`, when given, answers `peerHealth` and `isDown` so (a command that
   * looks at one peer).
   */
  deferHealthRestore(
    restore: (governor: PeerGovernor) => void,
    has?: (peer: PeerId) => boolean | undefined,
    peek?: (peer: PeerId) => PeerHealth | null | undefined,
  ): void {
    checkedFunction(restore, "deferred health restore");
    checkedFunction(has, "deferred health restore's has", true);
    checkedFunction(peek, "deferred health restore's peek", true);
    if (this.pendingHealth !== null) this.runPendingHealth(); // one deferred at a time, in order
    this.pendingHealth = restore;
    this.pendingHealthHas = has ?? null;
    this.pendingHealthPeek = peek ?? null;
  }

  /** A peer's health told by a deferred restore's `peek` (null: none), or undefined when it cannot tell. */
  private peekHealth(peer: PeerId): PeerHealth | null | undefined {
    return this.pendingHealth !== null && this.pendingHealthPeek !== null ? this.pendingHealthPeek(peer) : undefined;
  }

  /** True when the peer has health recorded (`peerHealth` is defined), without running a deferred restore if it can tell. */
  hasHealth(peer: PeerId): boolean {
    checkedPeer(peer);
    if (this.pendingHealth !== null && this.pendingHealthHas !== null) {
      const answer = this.pendingHealthHas(peer);
      if (answer !== undefined) return answer;
    }
    return this.health.has(peer.text);
  }

  /** True while a deferred health restore has not run: the health is still exactly what the snapshot held. */
  healthRestoreDeferred(): boolean {
    return this.pendingHealth !== null;
  }

  private runPendingHealth(): void {
    const restore = this.pendingHealth as (governor: PeerGovernor) => void;
    this.pendingHealth = null;
    this.pendingHealthHas = null;
    this.pendingHealthPeek = null;
    restore(this);
  }
}

/** `value` when it is a boolean, else an InvalidArgument naming `what`: a string "false" would be a peer that is down. */
function checkedBoolean(value: boolean, what: string): boolean {
  if (typeof value !== "boolean") throw new InvalidArgument(`invalid ${what} ${String(value)}: expected true or false`);
  return value;
}
