/** The summary under an event table: where the peer stands now, and the clock's move. */
import type { PeerId } from "../../core/peer-id.js";
import type { Ui } from "../context.js";
import { formatInstant } from "../render/format.js";
import type { EventJson } from "./common.js";

/** One or two lines: the peer's state after the last event, and the clock if it moved. */
export function eventsSummary(ui: Ui, peer: PeerId, events: readonly EventJson[], clockBefore: bigint, clockAfter: bigint): string {
  const last = events[events.length - 1];
  const lines: string[] = [];
  if (last !== undefined) {
    const downAt = events.find((event) => event.transition === "went_down");
    const state = last.down ? ui.chalk.bold.red("DOWN") : ui.chalk.green("up");
    const when = downAt === undefined ? "" : ` (went down at event ${events.indexOf(downAt) + 1})`;
    lines.push(`${peer.text} is ${state} with ${last.consecutive_failures} consecutive failure(s)${when}`);
  }
  if (clockAfter !== clockBefore) lines.push(ui.chalk.dim(`clock moved to ${formatInstant(clockAfter)}`));
  return lines.join("\n");
}
