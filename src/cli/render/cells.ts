/** Coloured table cells and lines shared by the commands' renderers. */
import type { Decision, LifecycleTransition } from "../../core/governor.js";
import type { EventJson } from "../commands/common.js";
import type { Ui } from "../context.js";
import { formatDuration, formatInstant, formatRelative, formatTimeOfDay, formatWhen, looksLikeEpoch } from "./format.js";
import { renderFittedTable } from "./fit.js";
import type { Align } from "./table.js";

/** A decision as a short coloured word: allow green, deny red, cooldown yellow. */
export function decisionCell(ui: Ui, decision: Decision): string {
  if (decision.kind === "allow") return ui.chalk.green("allow");
  switch (decision.reason.kind) {
    case "blocklisted":
      return ui.chalk.red("blocklisted");
    case "not_allowlisted":
      return ui.chalk.red("not allowlisted");
    case "cooldown":
      return ui.chalk.yellow("cooldown");
  }
}

/** A decision explained in words, with the rule that decided and, for a cooldown, when to retry. */
export function decisionSentence(ui: Ui, decision: Decision, atNs: bigint, compact = false): string {
  if (decision.kind === "allow") return `${ui.chalk.green("allow")}`;
  switch (decision.reason.kind) {
    case "blocklisted":
      return `${ui.chalk.red("deny")}  blocklisted: the peer is on the blocklist`;
    case "not_allowlisted":
      return `${ui.chalk.red("deny")}  not_allowlisted: an allowlist is set and the peer is not on it`;
    case "cooldown": {
      const retry = decision.reason.retryNs;
      const until = compact ? (looksLikeEpoch(retry) ? formatTimeOfDay(retry) : String(retry)) : formatInstant(retry);
      return `${ui.chalk.yellow("deny")}  cooldown: backing off until ${until}, ${ui.chalk.yellow(`in ${formatDuration(retry - atNs)}`)}`;
    }
  }
}

/** A lifecycle transition as the engine surfaces it: PeerDown (bold red), PeerUp (green), or a dash. */
export function transitionCell(ui: Ui, transition: LifecycleTransition): string {
  if (transition === "went_down") return ui.chalk.bold.red("PeerDown");
  if (transition === "came_up") return ui.chalk.green("PeerUp");
  return ui.chalk.dim("-");
}

/** Consecutive failures against the threshold, red when down, yellow when failing. */
export function failuresCell(ui: Ui, failures: number, threshold: number, down: boolean): string {
  const text = `${failures}/${threshold}`;
  if (down) return ui.chalk.bold.red(text);
  return failures > 0 ? ui.chalk.yellow(text) : text;
}

/** The next retry relative to the clock: yellow while in the future, dim "ready" once reached. */
export function retryCell(ui: Ui, nextRetryNs: bigint | undefined, clockNs: bigint): string {
  if (nextRetryNs === undefined) return ui.chalk.dim("-");
  if (nextRetryNs <= clockNs) return ui.chalk.dim(`ready (${formatRelative(nextRetryNs, clockNs)})`);
  return ui.chalk.yellow(formatWhen(nextRetryNs, clockNs));
}

/** The rows of `fail`, `succeed` and `advise`: one per event, relative to the snapshot clock before the command. */
export function renderEvents(ui: Ui, events: readonly EventJson[], threshold: number, baseNs: bigint): string {
  const rows = events.map((event, index) => [
    String(index + 1),
    looksLikeEpoch(event.at_ns) ? formatTimeOfDay(event.at_ns) : String(event.at_ns),
    event.at_ns === baseNs ? "+0" : `+${formatDuration(event.at_ns - baseNs)}`,
    failuresCell(ui, event.consecutive_failures, threshold, event.down),
    transitionCell(ui, event.transition),
    event.backoff === null ? ui.chalk.dim("-") : String(event.backoff.attempts),
    event.backoff === null ? ui.chalk.dim("cleared") : looksLikeEpoch(event.backoff.next_retry_ns) ? formatTimeOfDay(event.backoff.next_retry_ns) : String(event.backoff.next_retry_ns),
    event.backoff === null ? ui.chalk.dim("-") : ui.chalk.yellow(`in ${formatDuration(event.backoff.next_retry_ns - event.at_ns)}`),
  ]);
  const column = (index: number): string[] => rows.map((row) => row[index] as string);
  const titles = ["#", "AT", "SINCE START", "FAILURES", "TRANSITION", "ATTEMPTS", "NEXT RETRY", "RETRY IN"] as const;
  const aligns: readonly Align[] = ["right", "left", "right", "right", "left", "right", "left", "right"];
  return renderFittedTable(
    ui,
    titles.map((title, index) => ({ title, align: aligns[index] ?? "left", forms: [column(index)] })),
    // The clock times of day go first (SINCE START and RETRY IN say the same relatively), then the attempt count.
    [{ column: "NEXT RETRY", drop: true }, { column: "AT", drop: true }, { column: "ATTEMPTS", drop: true }],
  );
}
