/** The summary under an event table: where the peer stands now, and the clock's move. */
import type { PeerId } from "../../core/peer-id.js";
import type { Ui } from "../context.js";
import { fitLine } from "../render/fit.js";
import { formatInstant } from "../render/format.js";
import { shortPeerNames } from "../render/peer.js";
import type { EventJson } from "./common.js";

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
