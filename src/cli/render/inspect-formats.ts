/** The other renderings of `inspect`: the wide table (absolute times, list flags) and NDJSON for pipelines. */
import type { BackoffState } from "../../core/backoff.js";
import type { Decision, PeerHealth } from "../../core/governor.js";
import type { PeerId } from "../../core/peer-id.js";
import type { Ui } from "../context.js";
import { decisionCells, failuresCells, retryCell } from "./cells.js";
import { formatWhen } from "./format.js";
import { renderColumns } from "./table.js";

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
  const failures = failuresCells(ui, threshold);
  const decision = decisionCells(ui);
  const column = (cell: (row: InspectRow) => string): string[] => rows.map(cell);
  return renderColumns(
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
    // Column by column, each row's cell of it: no array per row.
    [
      column((row) => (row.blocked ? chalk.red(row.peer.text) : row.peer.text)),
      column((row) => (row.blocked ? chalk.red("yes") : "no")),
      column((row) => (openPolicy ? chalk.dim("open") : row.allowlisted ? "yes" : chalk.red("no"))),
      column((row) => (row.health === undefined ? dash : failures(row.health.consecutiveFailures, row.health.down))),
      column((row) => (row.health?.down === true ? chalk.bold.red("DOWN") : "")),
      column((row) => (row.health === undefined ? dash : formatWhen(row.health.lastEventNs, clockNs))),
      column((row) => (row.health === undefined ? dash : String(row.health.lastEventNs))),
      column((row) => (row.backoff === undefined ? dash : String(row.backoff.attempts))),
      column((row) => (row.backoff === undefined ? dash : String(row.backoff.lastAttemptNs))),
      column((row) => retryCell(ui, row.backoff?.nextRetryNs, clockNs)),
      column((row) => (row.backoff === undefined ? dash : String(row.backoff.nextRetryNs))),
      column((row) => decision(row.inbound)),
      column((row) => decision(row.outbound)),
    ],
    ["left", "left", "left", "right", "left", "left", "right", "right", "right", "left", "right", "left", "left"],
  );
}
