/** The report the event commands (`fail`, `succeed`, `advise`) share: a row per event, then where the peer stands. */
import type { PeerId } from "../../core/peer-id.js";
import type { Snapshot } from "../../snapshot/model.js";
import type { Report } from "../context.js";
import { report } from "../context.js";
import { renderEvents } from "../render/cells.js";
import { eventsSummary, type EventJson } from "../render/events.js";

/** The events as `{events}` for --json and as a table plus summary for people; `startNs` is where "since start" counts from. */
export function eventsReport(
  snapshot: Snapshot,
  peer: PeerId,
  events: readonly EventJson[],
  startNs: bigint,
  clockBeforeNs: bigint,
  warnings: readonly string[] = [],
  allRows = true,
): Report {
  const threshold = snapshot.governor.failureThreshold();
  // The clock is read when the report is drawn: right after the command (in `apply`, right after its line).
  return report(
    { events },
    (ui) => `${renderEvents(ui, events, threshold, startNs, allRows)}\n${eventsSummary(ui, peer, events, clockBeforeNs, snapshot.clockNs)}`,
    { warnings },
  );
}
