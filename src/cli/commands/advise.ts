/** `advise PEER DUR`: a peer's back-off notice, as the engine handles a BackoffNotice. */
import type { PeerId } from "../../core/peer-id.js";
import type { CommandContext, Report } from "../context.js";
import { report } from "../context.js";
import { renderEvents } from "../render/cells.js";
import { formatDuration } from "../render/format.js";
import { advanceClock, eventJson, eventTime } from "./common.js";
import { eventsSummary } from "./events.js";

/** `recordRemoteAdvisory(now, DUR)` on the table and `recordFailure` on the governor, with the same now. */
export function execute(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report {
  const { snapshot } = ctx;
  const peer = args[0] as PeerId;
  const minBackoffNs = args[1] as bigint;
  const atNs = eventTime(snapshot, options);
  const clockBefore = snapshot.clockNs;
  const backoff = snapshot.backoff.recordRemoteAdvisory(peer, atNs, minBackoffNs);
  const transition = snapshot.governor.recordFailure(peer, atNs);
  advanceClock(snapshot, atNs);
  const health = snapshot.governor.peerHealth(peer) ?? { consecutiveFailures: 0, lastEventNs: atNs, down: false };
  const events = [eventJson(peer, atNs, health, transition, backoff)];
  const maxDelayNs = snapshot.backoff.config().maxDelayNs;
  const warnings =
    minBackoffNs > maxDelayNs ? [`the advised ${formatDuration(minBackoffNs)} is capped at the max delay ${formatDuration(maxDelayNs)}`] : [];
  const threshold = snapshot.governor.failureThreshold();
  return report(
    { events },
    (ui) => `${renderEvents(ui, events, threshold, atNs)}\n${eventsSummary(ui, peer, events, clockBefore, snapshot.clockNs)}`,
    { warnings },
  );
}
