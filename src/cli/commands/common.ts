/** Helpers shared by the commands: event times against the snapshot clock, and JSON shapes of the contract. */
import type { Decision } from "../../core/governor.js";
import type { PeerId } from "../../core/peer-id.js";
import { saturatingAdd } from "../../core/u64.js";
import type { Snapshot } from "../../snapshot/model.js";
import type { TimeSpec } from "../context.js";

/** The instant of an event: `--at`, clock + `--after` (saturating), or the clock. */
export function eventTime(snapshot: Snapshot, options: Readonly<Record<string, unknown>>): bigint {
  const spec = (options.at ?? options.after) as TimeSpec | undefined;
  if (spec === undefined) return snapshot.clockNs;
  return spec.kind === "at" ? spec.ns : saturatingAdd(snapshot.clockNs, spec.ns);
}

/** After an event: clock_ns = max(clock, event time). The clock never moves back by itself. */
export function advanceClock(snapshot: Snapshot, eventNs: bigint): void {
  if (eventNs > snapshot.clockNs) snapshot.clockNs = eventNs;
}

/** The contract's decision document D: `{decision, reason, retry_ns}`. */
export function decisionJson(decision: Decision): { decision: "allow" | "deny"; reason: string | null; retry_ns: bigint | null } {
  if (decision.kind === "allow") return { decision: "allow", reason: null, retry_ns: null };
  const reason = decision.reason;
  return { decision: "deny", reason: reason.kind, retry_ns: reason.kind === "cooldown" ? reason.retryNs : null };
}

/** Peers given as a variadic argument (commander leaves it undefined when none). */
export function peerList(value: unknown): PeerId[] {
  return (value as PeerId[] | undefined) ?? [];
}
