/** `fail PEER [--times N] [--every DUR]`: the failure-streak simulator. */
import { recordSendFailure } from "../../core/events.js";
import { saturatingAdd, saturatingMul } from "../../core/u64.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs, CommandOptions } from "../program.js";
import { eventJson, type EventJson } from "../render/events.js";
import { advanceClock, eventTime } from "./common.js";
import { eventsReport } from "./events.js";

/** Records N failed sends, the k-th at start + k x every (saturating). */
export function execute(ctx: CommandContext, [peer]: CommandArgs<"fail">, options: CommandOptions<"fail">): Report {
  const { snapshot } = ctx;
  const { times, every: everyNs = 0n } = options;
  const startNs = eventTime(snapshot, options);
  const clockBeforeNs = snapshot.clockNs;
  const events: EventJson[] = [];
  for (let k = 0; k < times; k++) {
    const atNs = saturatingAdd(startNs, saturatingMul(BigInt(k), everyNs));
    events.push(eventJson(peer, atNs, recordSendFailure(snapshot, peer, atNs)));
    advanceClock(snapshot, atNs);
  }
  return eventsReport(snapshot, peer, events, startNs, clockBeforeNs, [], options.allRows === true);
}
