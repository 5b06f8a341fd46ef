/** `fail PEER [--times N] [--every DUR]`: the failure-streak simulator. */
import { recordSendFailure } from "../../core/events.js";
import type { PeerId } from "../../core/peer-id.js";
import { saturatingAdd, saturatingMul } from "../../core/u64.js";
import type { CommandContext, Report } from "../context.js";
import { eventJson, type EventJson } from "../render/events.js";
import { advanceClock, eventTime } from "./common.js";
import { eventsReport } from "./events.js";

/** Records N failed sends, the k-th at start + k x every (saturating). */
export function execute(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report {
  const { snapshot } = ctx;
  const peer = args[0] as PeerId;
  const times = (options.times as number | undefined) ?? 1;
  const everyNs = (options.every as bigint | undefined) ?? 0n;
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
