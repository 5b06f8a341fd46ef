/** The event commands' output (`fail`, `succeed`, `advise`): the contract's event document and the summary under the table. */
import { fitLine } from "./fit.js";
import { shortPeerNames } from "./peer.js";
import type { EventOutcome } from "../../core/events.js";
import type { LifecycleTransition } from "../../core/governor.js";
import type { PeerId } from "../../core/peer-id.js";
import type { Ui } from "../context.js";
import { formatInstant } from "./format.js";

/** One recorded event of `fail`, `succeed` or `advise`, in the contract's shape. */
export interface EventJson {
  peer: string;
  at_ns: bigint;
  consecutive_failures: number;
  down: boolean;
  transition: LifecycleTransition;
  backoff: { attempts: number; next_retry_ns: bigint } | null;
}

/** Builds an event document from what the core says the event did. */
export function eventJson(peer: PeerId, atNs: bigint, outcome: EventOutcome): EventJson {
  const { health, transition, backoff } = outcome;
  return {
    peer: peer.text,
    at_ns: atNs,
    consecutive_failures: health.consecutiveFailures,
    down: health.down,
    transition,
    backoff: backoff === undefined ? null : { attempts: backoff.attempts, next_retry_ns: backoff.nextRetryNs },
  };
}

/** One or two lines: the peer's state after the last event, and the clock if it moved. */
export function eventsSummary(ui: Ui, peer: PeerId, events: readonly EventJson[], clockBefore: bigint, clockAfter: bigint): string {
  const last = events[events.length - 1];
  const lines: string[] = [];
  if (last !== undefined) {
    const downAt = events.find((event) => event.transition === "went_down");
    const state = last.down ? ui.chalk.bold.red("DOWN") : ui.chalk.green("up");
    const when = downAt === undefined ? "" : ` (went down at event ${events.indexOf(downAt) + 1})`;
    const line = (name: string): string => `${name} is ${state} with ${last.consecutive_failures} consecutive failure(s)${when}`;
    // Head and tail of a real id are unique in practice; the full id is one `--no-trunc` away.
    lines.push(fitLine(ui, line(peer.text), line(shortPeerNames([peer.text], [peer.text]).get(peer.text) ?? peer.text)));
  }
  if (clockAfter !== clockBefore) lines.push(ui.chalk.dim(`clock moved to ${formatInstant(clockAfter)}`));
  return lines.join("\n");
}
