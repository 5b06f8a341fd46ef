/** `succeed PEER`: a successful send. */
import { recordSendSuccess } from "../../core/events.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs, CommandOptions } from "../program.js";
import { eventJson } from "../render/events.js";
import { advanceClock, eventTime } from "./common.js";
import { eventsReport } from "./events.js";

/** The streak ends and the backoff entry is removed; PeerUp if the peer was down. */
export function execute(ctx: CommandContext, [peer]: CommandArgs<"succeed">, options: CommandOptions<"succeed">): Report {
  const { snapshot } = ctx;
  const atNs = eventTime(snapshot, options);
  const clockBeforeNs = snapshot.clockNs;
  const event = eventJson(peer, atNs, recordSendSuccess(snapshot, peer, atNs));
  advanceClock(snapshot, atNs);
  return eventsReport(snapshot, peer, [event], atNs, clockBeforeNs);
}
