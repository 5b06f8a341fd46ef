/** `succeed PEER`: a successful send, on the governor and the backoff table. */
import type { PeerId } from "../../core/peer-id.js";
import type { CommandContext, Report } from "../context.js";
import { report } from "../context.js";
import { renderEvents } from "../render/cells.js";
import { advanceClock, eventJson, eventTime } from "./common.js";
import { eventsSummary } from "./events.js";

/** `recordSuccess` on both: the streak ends, the backoff entry is removed; PeerUp if the peer was down. */
export function execute(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report {
  const { snapshot } = ctx;
  const peer = args[0] as PeerId;
  const atNs = eventTime(snapshot, options);
  const clockBefore = snapshot.clockNs;
  const transition = snapshot.governor.recordSuccess(peer, atNs);
  snapshot.backoff.recordSuccess(peer);
  advanceClock(snapshot, atNs);
  const health = snapshot.governor.peerHealth(peer) ?? { consecutiveFailures: 0, lastEventNs: atNs, down: false };
  const events = [eventJson(peer, atNs, health, transition, undefined)];
  const threshold = snapshot.governor.failureThreshold();
  return report({ events }, (ui) => `${renderEvents(ui, events, threshold, atNs)}\n${eventsSummary(ui, peer, events, clockBefore, snapshot.clockNs)}`);
}
