/** `fail PEER [--times N] [--every DUR]`: the failure-streak simulator. */
import type { PeerId } from "../../core/peer-id.js";
import { saturatingAdd, saturatingMul } from "../../core/u64.js";
import type { CommandContext, Report } from "../context.js";
import { report } from "../context.js";
import { renderEvents } from "../render/cells.js";
import { advanceClock, eventJson, eventTime, type EventJson } from "./common.js";
import { eventsSummary } from "./events.js";

/** Records N send failures, the k-th at start + k x every (saturating), on the governor and the backoff table. */
export function execute(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report {
  const { snapshot } = ctx;
  const peer = args[0] as PeerId;
  const times = (options.times as number | undefined) ?? 1;
  const everyNs = (options.every as bigint | undefined) ?? 0n;
  const startNs = eventTime(snapshot, options);
  const clockBefore = snapshot.clockNs;
  const events: EventJson[] = [];
  for (let k = 0; k < times; k++) {
    const atNs = saturatingAdd(startNs, saturatingMul(BigInt(k), everyNs));
    const transition = snapshot.governor.recordFailure(peer, atNs);
    const backoff = snapshot.backoff.recordFailure(peer, atNs);
    const health = snapshot.governor.peerHealth(peer);
    if (health !== undefined) events.push(eventJson(peer, atNs, health, transition, backoff));
    advanceClock(snapshot, atNs);
  }
  const threshold = snapshot.governor.failureThreshold();
  return report({ events }, (ui) => `${renderEvents(ui, events, threshold, startNs, options.allRows === true)}\n${eventsSummary(ui, peer, events, clockBefore, snapshot.clockNs)}`);
}
