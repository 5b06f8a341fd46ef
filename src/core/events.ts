/**
 * Upstream's engine rules for one peer event (`poll.rs` and the wire
 * syscalls): what a failed send, a successful send and a peer's back-off
 * notice do to the governor and the backoff table together. Each rule is one
 * function that takes `now` and returns what happened as a value; nothing
 * here prints or reads a clock.
 */
import { BackoffTable, type BackoffState } from "./backoff.js";
import { givenValue, InvalidArgument } from "./errors.js";
import { PeerGovernor, type LifecycleTransition, type PeerHealth } from "./governor.js";
import type { PeerId } from "./peer-id.js";

/** The runtime's per-peer state that the events change (upstream's `framework.peer_state`). */
export interface PeerState {
  readonly governor: PeerGovernor;
  readonly backoff: BackoffTable;
}

/** What one event did to a peer. */
export interface EventOutcome {
  /** The governor's transition: `went_down` surfaces as PeerDown, `came_up` as PeerUp. */
  readonly transition: LifecycleTransition;
  /** The peer's health after the event. */
  readonly health: PeerHealth;
  /** The peer's backoff entry after the event; undefined after a success, which removes it. */
  readonly backoff: BackoffState | undefined;
}

/** What a back-off notice did, and whether the advised delay was capped at the table's max delay. */
export interface BackoffNoticeOutcome extends EventOutcome {
  readonly capped: boolean;
}

/** A wire send to `peer` failed at `nowNs`: a failure for the governor's health and for the backoff table. */
export function recordSendFailure(state: PeerState, peer: PeerId, nowNs: bigint): EventOutcome {
  checkedState(state, "recordSendFailure");
  const transition = state.governor.recordFailure(peer, nowNs);
  const backoff = state.backoff.recordFailure(peer, nowNs);
  return { transition, health: healthAfterEvent(state.governor, peer), backoff };
}

/** A wire send to `peer` succeeded at `nowNs`: the streak ends and the backoff entry is removed. */
export function recordSendSuccess(state: PeerState, peer: PeerId, nowNs: bigint): EventOutcome {
  checkedState(state, "recordSendSuccess");
  const transition = state.governor.recordSuccess(peer, nowNs);
  state.backoff.recordSuccess(peer);
  return { transition, health: healthAfterEvent(state.governor, peer), backoff: undefined };
}

/**
 * `peer` advised a back-off of `minBackoffNs` at `nowNs` (a BackoffNotice):
 * the table takes the advisory (capped at its max delay), and the governor
 * counts a failure, so the threshold stays the single way a peer goes down.
 */
export function recordBackoffNotice(state: PeerState, peer: PeerId, nowNs: bigint, minBackoffNs: bigint): BackoffNoticeOutcome {
  checkedState(state, "recordBackoffNotice");
  const backoff = state.backoff.recordRemoteAdvisory(peer, nowNs, minBackoffNs);
  const transition = state.governor.recordFailure(peer, nowNs);
  const capped = minBackoffNs > state.backoff.config().maxDelayNs;
  return { transition, health: healthAfterEvent(state.governor, peer), backoff, capped };
}

/** `state` when it holds a PeerGovernor and a BackoffTable (checked before either changes: see checkedPair). */
function checkedState(state: PeerState, rule: string): void {
  checkedPair(state, rule, "state", "{ governor, backoff } (a PeerGovernor and a BackoffTable)");
}

/**
 * `value` when it is an object holding a PeerGovernor (`governor`) and a BackoffTable (`backoff`), as a PeerState
 * or a Snapshot does, else an InvalidArgument: `who` takes `takes`, and calls it `holder`. A JavaScript caller's
 * undefined or plain object failed deep inside ("Cannot read properties of undefined"); a table missing after the
 * governor counted a failure left the pair half-applied.
 */
export function checkedPair(value: unknown, who: string, holder: string, takes: string): void {
  if (typeof value !== "object" || value === null) throw new InvalidArgument(`${who} takes ${takes}; it was given ${givenValue(value)}`);
  const { governor, backoff } = value as { governor?: unknown; backoff?: unknown };
  if (!(governor instanceof PeerGovernor))
    throw new InvalidArgument(`${who}: ${holder}.governor is ${givenValue(governor)}, expected a PeerGovernor`);
  if (!(backoff instanceof BackoffTable))
    throw new InvalidArgument(`${who}: ${holder}.backoff is ${givenValue(backoff)}, expected a BackoffTable`);
}

/** The health a success or failure just recorded; the governor always keeps it. */
function healthAfterEvent(governor: PeerGovernor, peer: PeerId): PeerHealth {
  const health = governor.peerHealth(peer);
  if (health === undefined) throw new Error(`invariant: no health for ${peer.text} right after an event`);
  return health;
}
