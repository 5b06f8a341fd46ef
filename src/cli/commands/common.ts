/**
 * Helpers shared by the commands: event times against the snapshot clock,
 * JSON shapes of the contract, and the pieces several commands repeat (peers
 * or a flag such as `--all`, backoff settings and their clamp warnings, every
 * peer a snapshot knows).
 */
import { type BackoffConfig, clampConfig } from "../../core/backoff.js";
import type { PeerId } from "../../core/peer-id.js";
import { saturatingAdd } from "../../core/u64.js";
import type { Snapshot } from "../../snapshot/model.js";
import type { TimeSpec } from "../context.js";
import { UsageError } from "../errors.js";
import { formatDuration } from "../render/format.js";

/** The instant of an event: `--at`, clock + `--after` (saturating), or the clock. */
export function eventTime(
  snapshot: Snapshot,
  options: { readonly at?: TimeSpec | undefined; readonly after?: TimeSpec | undefined },
): bigint {
  const spec = options.at ?? options.after;
  if (spec === undefined) return snapshot.clockNs;
  return spec.kind === "at" ? spec.ns : saturatingAdd(snapshot.clockNs, spec.ns);
}

/** After an event: clock_ns = max(clock, event time). The clock never moves back by itself. */
export function advanceClock(snapshot: Snapshot, eventNs: bigint): void {
  if (eventNs > snapshot.clockNs) snapshot.clockNs = eventNs;
}

/** The contract's decision document D (written with inspect's rows). */
export { decisionJson } from "../render/inspect-rows.js";

/** Refuses peers together with `flag` (`--all`, `--open`), and neither: a list edit names its peers or says everyone. */
export function peersOrFlag(peers: readonly unknown[], flagGiven: boolean, flag: "--all" | "--open", command: string): void {
  if (flagGiven && peers.length > 0) throw new UsageError(`give peers or ${flag}, not both`, command);
  if (!flagGiven && peers.length === 0) throw new UsageError(`name at least one PEER, or ${flag}`, command);
}

/** A failure threshold given on the command line: the warning when upstream clamps it (0 becomes 1). */
export function thresholdWarnings(threshold: number | undefined): string[] {
  return threshold === 0 ? ["a failure threshold of 0 becomes 1 (the upstream clamp)"] : [];
}

/** Backoff settings given on the command line: the part of the config they set, and a warning per value upstream clamps. */
export function backoffSettings(
  baseNs: bigint | undefined,
  maxDelayNs: bigint | undefined,
): { schedule: Partial<BackoffConfig>; warnings: string[] } {
  const warnings: string[] = [];
  if (baseNs === 0n) warnings.push("a backoff base of 0 becomes 1 ns (the upstream clamp)");
  if (maxDelayNs === 0n) warnings.push("a backoff max of 0 becomes 1 ns (the upstream clamp)");
  return { schedule: { ...(baseNs === undefined ? {} : { baseNs }), ...(maxDelayNs === undefined ? {} : { maxDelayNs }) }, warnings };
}

/** A warning when a schedule's base is above its max: every delay is then the max (upstream allows it). */
export function baseAboveMax(config: BackoffConfig): string[] {
  return config.baseNs > config.maxDelayNs
    ? [`the backoff base ${formatDuration(config.baseNs)} is above the max ${formatDuration(config.maxDelayNs)}: every delay is the max`]
    : [];
}

/**
 * `--host-backoff`'s warnings, said once for the run (a fleet's files share it): each value upstream clamps, and a
 * base above the max (either side left out is the host's default).
 */
export function hostBackoffWarnings(schedule: Partial<BackoffConfig>): string[] {
  const { warnings } = backoffSettings(schedule.baseNs, schedule.maxDelayNs);
  return [...warnings, ...baseAboveMax(clampConfig(schedule))].map((warning) => `--host-backoff: ${warning}`);
}

/**
 * Every peer the snapshot knows, once each, in the order first met (health,
 * backoff, blocklist, allowlist): `tracked` only those with a health or
 * backoff entry, `all` also those on either list.
 */
export function knownPeers(snapshot: Snapshot, scope: "all" | "tracked" = "all"): PeerId[] {
  const { governor, backoff } = snapshot;
  const peers = new Map<string, PeerId>();
  for (const entry of governor.iterHealth()) peers.set(entry.peer.text, entry.peer);
  for (const entry of backoff.iter()) peers.set(entry.peer.text, entry.peer);
  if (scope === "all") {
    for (const peer of governor.blocklist()) peers.set(peer.text, peer);
    for (const peer of governor.allowlist() ?? []) peers.set(peer.text, peer);
  }
  return [...peers.values()];
}

/** Orders peers by their text (code units, as the snapshot's lists are sorted). */
export function byPeerText(a: PeerId, b: PeerId): number {
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}
