/** `advise PEER DUR`: a peer's back-off notice, as the engine handles a BackoffNotice. */
import { recordBackoffNotice } from "../../core/events.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs, CommandOptions } from "../program.js";
import { eventJson } from "../render/events.js";
import { formatDuration } from "../render/format.js";
import { advanceClock, eventTime } from "./common.js";
import { eventsReport } from "./events.js";

/** The advisory on the table and a failure on the governor, with the same now; warns when the advice is capped. */
export function execute(ctx: CommandContext, [peer, minBackoffNs]: CommandArgs<"advise">, options: CommandOptions<"advise">): Report {
  const { snapshot } = ctx;
  const atNs = eventTime(snapshot, options);
  const clockBeforeNs = snapshot.clockNs;
  const outcome = recordBackoffNotice(snapshot, peer, atNs, minBackoffNs);
  advanceClock(snapshot, atNs);
  // Worded only when it is said: two durations formatted for every advise line were a part of an apply script's cost.
  const warnings = outcome.capped
    ? [`the advised ${formatDuration(minBackoffNs)} is capped at the max delay ${formatDuration(snapshot.backoff.config().maxDelayNs)}`]
    : [];
  return eventsReport(snapshot, peer, [eventJson(peer, atNs, outcome)], atNs, clockBeforeNs, warnings);
}
