/** The other renderings of `inspect`: the wide table (absolute times, list flags) and NDJSON for pipelines. */
import type { BackoffState } from "../../core/backoff.js";
import type { Decision, PeerHealth } from "../../core/governor.js";
import type { PeerId } from "../../core/peer-id.js";
import type { Ui } from "../context.js";
import { decisionCell, failuresCell, retryCell } from "./cells.js";
import { formatWhen } from "./format.js";
import { renderTable } from "./table.js";

/** One peer of `inspect`, as the table renderers need it. */
export interface InspectRow {
  readonly peer: PeerId;
  readonly blocked: boolean;
  readonly allowlisted: boolean;
  readonly health: PeerHealth | undefined;
  readonly backoff: BackoffState | undefined;
  readonly inbound: Decision;
  readonly outbound: Decision;
}

/**
 * `inspect --format wide`: the columns of the table plus whether the peer is
 * blocklisted / allowlisted and every time as absolute nanoseconds, for
 * copying into `--at` or comparing with runtime logs.
 */
export function renderWideTable(ui: Ui, rows: readonly InspectRow[], clockNs: bigint, threshold: number, openPolicy: boolean): string {
  const { chalk } = ui;
  const dash = chalk.dim("-");
  return renderTable(
    ui,
    [
      "PEER",
      "BLOCKED",
      "ALLOWLISTED",
      "FAILURES",
      "DOWN",
      "LAST EVENT",
      "LAST EVENT NS",
      "ATTEMPTS",
      "LAST ATTEMPT NS",
      "NEXT RETRY",
      "NEXT RETRY NS",
      "INBOUND",
      "OUTBOUND",
    ],
    rows.map((row) => [
      row.blocked ? chalk.red(row.peer.text) : row.peer.text,
      row.blocked ? chalk.red("yes") : "no",
      openPolicy ? chalk.dim("open") : row.allowlisted ? "yes" : chalk.red("no"),
      row.health === undefined ? dash : failuresCell(ui, row.health.consecutiveFailures, threshold, row.health.down),
      row.health?.down === true ? chalk.bold.red("DOWN") : "",
      row.health === undefined ? dash : formatWhen(row.health.lastEventNs, clockNs),
      row.health === undefined ? dash : String(row.health.lastEventNs),
      row.backoff === undefined ? dash : String(row.backoff.attempts),
      row.backoff === undefined ? dash : String(row.backoff.lastAttemptNs),
      retryCell(ui, row.backoff?.nextRetryNs, clockNs),
      row.backoff === undefined ? dash : String(row.backoff.nextRetryNs),
      decisionCell(ui, row.inbound),
      decisionCell(ui, row.outbound),
    ]),
    ["left", "left", "left", "right", "left", "left", "right", "right", "right", "left", "right", "left", "left"],
  );
}
