/** Coloured table cells and lines shared by the commands' renderers. */
import type { Decision, LifecycleTransition } from "../../core/governor.js";
import type { Ui } from "../context.js";
import type { EventJson } from "./events.js";
import { formatDuration, formatInstant, formatRelative, formatTimeOfDay, formatWhen, looksLikeEpoch } from "./format.js";
import { fitLine, renderFittedTable } from "./fit.js";
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

/** decisionCell for the rows of a table: each of its few cells made once, not once a row. */
export function decisionCells(ui: Ui): (decision: Decision) => string {
  const made = new Map<string, string>();
  return (decision) => {
    const key = decision.kind === "allow" ? "allow" : decision.reason.kind;
    let cell = made.get(key);
    if (cell === undefined) {
      cell = decisionCell(ui, decision);
      made.set(key, cell);
    }
    return cell;
  };
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

/** failuresCell for the rows of a table at one threshold: each count's cell made once, not once a row. */
export function failuresCells(ui: Ui, threshold: number): (failures: number, down: boolean) => string {
  const up: string[] = [];
  const down: string[] = [];
  return (failures, isDown) => ((isDown ? down : up)[failures] ??= failuresCell(ui, failures, threshold, isDown));
}

/** The next retry relative to the clock: yellow while in the future, dim "ready" once reached. */
export function retryCell(ui: Ui, nextRetryNs: bigint | undefined, clockNs: bigint): string {
  if (nextRetryNs === undefined) return ui.chalk.dim("-");
  if (nextRetryNs <= clockNs) return ui.chalk.dim(`ready (${formatRelative(nextRetryNs, clockNs)})`);
  return ui.chalk.yellow(formatWhen(nextRetryNs, clockNs));
}

/**
 * The rows of `fail`, `succeed` and `advise`: one per event, relative to the snapshot clock before the command.
 * A long streak is condensed only for a terminal (a width to fit): a pipe or a file gets one row per failure, as
 * the contract says, and so does `--all-rows` or `--no-trunc`.
 */
export function renderEvents(ui: Ui, events: readonly EventJson[], threshold: number, baseNs: bigint, allRows = true): string {
  const kept = allRows || ui.width === undefined ? events.map((_, index) => index) : keptEventRows(events);
  const gap = (): string[] => Array.from({ length: 8 }, () => ui.chalk.dim("…"));
  const rows: string[][] = [];
  kept.forEach((index, position) => {
    if (position > 0 && index > (kept[position - 1] as number) + 1) rows.push(gap());
    rows.push(eventRow(ui, events[index] as EventJson, index, threshold, baseNs));
  });
  const hidden = events.length - kept.length;
  const table = renderEventTable(ui, rows);
  if (hidden === 0) return table;
  const long = `${hidden} of ${events.length} rows hidden: first, transitions and last shown (--all-rows shows every one)`;
  return `${table}\n${ui.chalk.dim(fitLine(ui, long, `${hidden} of ${events.length} rows hidden (--all-rows shows them)`))}`;
}

// A long streak keeps the rows that matter: the first ones, every transition, the last ones.
const LONG_TABLE = 20;
const EDGE_ROWS = 3;

/** The indices of the rows worth showing of a long event table. */
function keptEventRows(events: readonly EventJson[]): number[] {
  if (events.length <= LONG_TABLE) return events.map((_, index) => index);
  const kept = new Set<number>();
  for (let index = 0; index < EDGE_ROWS; index++) kept.add(index);
  events.forEach((event, index) => {
    if (event.transition !== "none") kept.add(index);
  });
  for (let index = events.length - EDGE_ROWS; index < events.length; index++) kept.add(index);
  return [...kept].sort((a, b) => a - b);
}

function eventRow(ui: Ui, event: EventJson, index: number, threshold: number, baseNs: bigint): string[] {
  return [
    String(index + 1),
    looksLikeEpoch(event.at_ns) ? formatTimeOfDay(event.at_ns) : String(event.at_ns),
    event.at_ns === baseNs ? "+0" : `+${formatDuration(event.at_ns - baseNs)}`,
    failuresCell(ui, event.consecutive_failures, threshold, event.down),
    transitionCell(ui, event.transition),
    event.backoff === null ? ui.chalk.dim("-") : String(event.backoff.attempts),
    event.backoff === null
      ? ui.chalk.dim("cleared")
      : looksLikeEpoch(event.backoff.next_retry_ns)
        ? formatTimeOfDay(event.backoff.next_retry_ns)
        : String(event.backoff.next_retry_ns),
    event.backoff === null ? ui.chalk.dim("-") : ui.chalk.yellow(`in ${formatDuration(event.backoff.next_retry_ns - event.at_ns)}`),
  ];
}

function renderEventTable(ui: Ui, rows: readonly (readonly string[])[]): string {
  const column = (index: number): string[] => rows.map((row) => row[index] as string);
  const titles = ["#", "AT", "SINCE START", "FAILURES", "TRANSITION", "ATTEMPTS", "NEXT RETRY", "RETRY IN"] as const;
  const shortTitles: Partial<Record<(typeof titles)[number], string>> = { "SINCE START": "SINCE", FAILURES: "FAILS", TRANSITION: "EVENT" };
  const aligns: readonly Align[] = ["right", "left", "right", "right", "left", "right", "left", "right"];
  return renderFittedTable(
    ui,
    titles.map((title, index) => {
      const short = shortTitles[title];
      return { title, ...(short === undefined ? {} : { short }), align: aligns[index] ?? "left", forms: [() => column(index)] };
    }),
    // The clock times of day go first (SINCE START and RETRY IN say the same relatively), then the attempt count;
    // below 54 columns short titles, and below ~46 (half of an 80-column terminal) the time since the start.
    [
      { column: "NEXT RETRY", drop: true },
      { column: "AT", drop: true },
      { column: "ATTEMPTS", drop: true },
      { column: "SINCE START", short: true },
      { column: "FAILURES", also: "TRANSITION", short: true },
      { column: "SINCE START", drop: true },
    ],
  );
}
