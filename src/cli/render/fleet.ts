/** Renderings of the fleet views (issue 15): the per-peer table, the peers x nodes matrix, rows for pipelines, per-node results. */
import { stripVTControlCharacters } from "node:util";
import type { Ui } from "../context.js";
import { STATE, type NodePeerRow, type PeerAcross } from "../fleet/aggregate.js";
import { formatDate, formatDuration, looksLikeEpoch } from "./format.js";
import { sanitize } from "./sanitize.js";
import { compactLines } from "./json.js";
import { fitLine, keepEnd, renderFittedTable, wrapLine, type FitColumn, type FitStep } from "./fit.js";

/** A node of a fleet view as the renderers name it. */
export interface NodeName {
  readonly label: string;
  readonly kind?: string;
}

/** A long id shortened for narrow columns: its first 8 and last 5 characters (`12D3KooW…a7Ci4`). */
export function shortId(text: string): string {
  return text.length <= 16 ? text : `${text.slice(0, 8)}…${text.slice(-5)}`;
}

/**
 * Nodes' labels shortened for a narrow terminal: a peer id as shortId does, a path (a label with a `/` or a `.`,
 * which no peer id has) as pathTails does, to its end where its file's name is (`lab/gove….json` told nothing),
 * each still told from the others.
 */
export function shortLabels(labels: readonly string[]): string[] {
  const isPath = (label: string): boolean => /[./]/.test(label);
  // As wide as a short peer id (8 + 1 + 5).
  const paths = pathTails(labels.filter(isPath), 14);
  let next = 0;
  return labels.map((label) => (isPath(label) ? (paths[next++] ?? label) : shortId(label)));
}

/** `inspect` across a fleet: one row per peer with how many nodes block it, have it down, have it cooling down; fitted to the width. */
export function renderPeersAcross(ui: Ui, rows: readonly PeerAcross[], nodeCount: number): string {
  const { chalk } = ui;
  const count = (n: number, colour: (text: string) => string): string => (n === 0 ? chalk.dim("0") : colour(String(n)));
  // A count's cell is made once per value: 10,000 rows hold a few hundred counts (0 to the number of nodes).
  const byCount = (make: (n: number) => string): ((n: number) => string) => {
    const made: string[] = [];
    return (n) => (made[n] ??= make(n));
  };
  const nodesCell = byCount((n) => `${n}/${nodeCount}`);
  const blockedCell = byCount((n) => count(n, chalk.red));
  const downCell = byCount((n) => count(n, chalk.bold.red));
  const coolingCell = byCount((n) => count(n, chalk.yellow));
  const streakCell = byCount(String);
  const dash = chalk.dim("-");
  const peer = (row: PeerAcross, text: string): string => (row.blocked > 0 ? chalk.red(text) : text);
  const latest = (row: PeerAcross): string => {
    if (row.latestEventNs === undefined) return dash;
    return looksLikeEpoch(row.latestEventNs) ? formatDate(row.latestEventNs) : String(row.latestEventNs);
  };
  // The date alone keeps the table narrow (--json has the nanoseconds): cut from the dates with times, made once.
  let withTimes: string[] | undefined;
  const latestWithTime = (): string[] => (withTimes ??= rows.map(latest));
  const cut = (start: number, end: number) => (): string[] =>
    latestWithTime().map((cell, index) => {
      const ns = (rows[index] as PeerAcross).latestEventNs;
      return ns !== undefined && looksLikeEpoch(ns) ? cell.slice(start, end) : cell;
    });
  // "11-24 15:59:50": at 80 columns the date alone ("2025-11-24" on every row of a day's events) told nothing.
  const latestDayTime = cut(5, 19);
  const latestDay = cut(0, 10);
  const columns: FitColumn[] = [
    {
      title: "PEER",
      align: "left",
      forms: [() => rows.map((row) => peer(row, row.peer)), () => rows.map((row) => peer(row, shortId(row.peer)))],
    },
    { title: "NODES", align: "right", forms: [() => rows.map((row) => nodesCell(row.nodes))] },
    { title: "BLOCKED", short: "BLOCK", align: "right", forms: [() => rows.map((row) => blockedCell(row.blocked))] },
    { title: "DOWN", align: "right", forms: [() => rows.map((row) => downCell(row.down))] },
    { title: "COOLING", short: "COOL", align: "right", forms: [() => rows.map((row) => coolingCell(row.coolingDown))] },
    {
      title: "WORST STREAK",
      short: "STREAK",
      align: "right",
      forms: [() => rows.map((row) => (row.latestEventNs === undefined ? dash : streakCell(row.worstStreak)))],
    },
    {
      title: "LATEST EVENT",
      align: "left",
      forms: [latestWithTime, latestDayTime, latestDay],
    },
  ];
  // Long ids go first, then the year, the milliseconds and a long title (80 columns then hold every column), then
  // the time of day, the count of nodes that know the peer (the summary says how many were read), then the latest
  // event; below 54 columns the streak, and below 45 (half of an 80-column terminal) two short titles.
  return renderFittedTable(ui, columns, [
    { column: "PEER" },
    { column: "LATEST EVENT" },
    { column: "WORST STREAK", short: true },
    { column: "LATEST EVENT" },
    { column: "NODES", drop: true },
    { column: "LATEST EVENT", drop: true },
    { column: "WORST STREAK", drop: true },
    { column: "COOLING", also: "BLOCKED", short: true },
  ]);
}

const CELL: readonly [number, string][] = [
  [STATE.blocked, "B"],
  [STATE.down, "D"],
  [STATE.coolingDown, "c"],
  [STATE.known, "."],
];

/**
 * `inspect --by-node`: peers down the side, nodes across by number (the
 * legend names them), one letter per cell: B blocked, D down, c cooling down,
 * . known, blank unknown. Nodes that do not fit in `width` columns go to a
 * further block, each repeating the peer column.
 */
export function renderMatrix(ui: Ui, rows: readonly PeerAcross[], nodes: readonly NodeName[], width: number, note = ""): string {
  const { chalk } = ui;
  const peerWidth = Math.max(4, ...rows.map((row) => shortId(row.peer).length));
  const cellWidth = String(nodes.length).length + 1;
  const perBlock = Math.max(1, Math.floor((width - peerWidth) / cellWidth));
  // Each cell drawn once per state (a state is 4 bits): 10,000 peers x 200 nodes are 2 million cells.
  const cells = Array.from({ length: 16 }, (_, state) => {
    const letter = CELL.find(([bit]) => (state & bit) !== 0)?.[1] ?? " ";
    const colour = letter === "B" ? chalk.red : letter === "D" ? chalk.bold.red : letter === "c" ? chalk.yellow : chalk.dim;
    return " ".repeat(cellWidth - 1) + colour(letter);
  });
  const blocks: string[] = [];
  for (let start = 0; start < nodes.length; start += perBlock) {
    const end = Math.min(nodes.length, start + perBlock);
    const lines: string[] = [];
    let head = chalk.bold("PEER".padEnd(peerWidth));
    for (let index = start; index < end; index++) head += chalk.bold(String(index + 1).padStart(cellWidth));
    lines.push(head);
    for (const row of rows) {
      let line = shortId(row.peer).padEnd(peerWidth);
      const states = row.states;
      for (let index = start; index < end; index++) line += cells[(states?.[index] ?? 0) & 15] as string;
      lines.push(line.trimEnd());
    }
    blocks.push(lines.join("\n"));
  }
  const legend = nodes.map((node, index) => {
    const kind = node.kind === undefined ? "" : chalk.dim(` (${node.kind})`);
    return `${String(index + 1).padStart(cellWidth)}  ${keepEnd(sanitize(node.label), width - cellWidth - 2)}${kind}`;
  });
  // Wrapped between words to the matrix's width, as the rest of it is fitted (it was one 72-column line).
  const key = chalk.dim(wrapLine({ ...ui, width }, "B blocked, D down, c cooling down, . known, blank: not known to the node", 0));
  return `${blocks.join("\n\n")}${note}\n\n${key}\n\n${chalk.bold("NODES")}\n${legend.join("\n")}`;
}

/** `inspect --format tsv` across a fleet: a header line (with the first rows), then one line per node and peer. */
export function renderRowsTsv(rows: readonly NodePeerRow[], withHeader: boolean): string {
  const cell = (value: unknown): string => {
    if (value === null) return "";
    if (typeof value === "object") {
      const d = value as { decision: string; reason: string | null };
      return d.decision === "allow" ? "allow" : `deny:${d.reason ?? ""}`;
    }
    return tsvText(String(value));
  };
  const lines = rows.map((row) => `${TSV_COLUMNS.map((column) => cell(row[column])).join("\t")}\n`);
  return `${withHeader ? TSV_HEADER : ""}${lines.join("")}`;
}

/** A text cell of the fleet's TSV rows: sanitized, and no tab or line break to split the line. */
export function tsvText(text: string): string {
  return sanitize(text).replace(/[\t\n\r]/g, " ");
}

const TSV_COLUMNS = [
  "node",
  "path",
  "peer",
  "blocked",
  "allowlisted",
  "consecutive_failures",
  "down",
  "last_event_ns",
  "attempts",
  "next_retry_ns",
  "cooling_down",
  "inbound",
  "outbound",
] as const;

/** The header line of the fleet's TSV rows. */
export const TSV_HEADER = `${TSV_COLUMNS.join("\t")}\n`;

/** `inspect --format ndjson` across a fleet: one compact JSON object per node and peer, u64 as strings. */
export function renderRowsNdjson(rows: readonly NodePeerRow[]): string {
  return compactLines(rows);
}

/** A decision document (`{decision, reason, retry_ns}`) as a short coloured cell. */
export function decisionWords(ui: Ui, document: unknown, atNs: bigint, narrowing: 0 | 1 | 2 = 0): string {
  const d = document as { decision: string; reason: string | null; retry_ns: bigint | null } | undefined;
  if (d === undefined) return ui.chalk.dim("-");
  if (d.decision === "allow") return ui.chalk.green("allow");
  // Narrower (a narrow terminal): the reason alone, as inspect's table shows a denial, and a cooldown's time left;
  // narrowest, the verdict alone (the line under the table names the nodes that deny).
  if (narrowing === 2) return d.reason === "cooldown" ? ui.chalk.yellow("deny") : ui.chalk.red("deny");
  if (d.reason === "cooldown" && d.retry_ns !== null) {
    const left = formatDuration(d.retry_ns - atNs);
    return ui.chalk.yellow(narrowing === 1 ? `cooldown ${left}` : `deny: cooldown, retry in ${left}`);
  }
  return ui.chalk.red(`${narrowing === 1 ? "" : "deny: "}${d.reason ?? "?"}`);
}

/**
 * A table of nodes and what happened on each, fitted to a narrow terminal. `forms` are the rows in their whole
 * form, then in each narrower one (the first column, which names the node, has its own: shortened); by default
 * the last column narrows first, then the node's name, then, right to left, the other columns; `order` replaces
 * those steps.
 */
export function renderNodeResults(
  ui: Ui,
  head: readonly string[],
  forms: readonly (readonly (readonly string[])[])[],
  order?: readonly FitStep[],
): string {
  const rows = forms[0] ?? [];
  const columns: FitColumn[] = head.map((title, index) => ({
    title,
    align: "left",
    forms:
      index === 0
        ? [() => rows.map((row) => row[0] ?? ""), () => shortLabels(rows.map((row) => row[0] ?? ""))]
        : forms.map((form) => () => form.map((row) => row[index] ?? "")),
  }));
  const steps =
    order ??
    (head.length < 2 ? head : [head[head.length - 1] ?? "", head[0] ?? "", ...head.slice(1, -1).reverse()]).map((column) => ({ column }));
  return renderFittedTable(ui, columns, steps);
}

/**
 * A path longer than `width` characters cut to an ellipsis and its end, from a folder's start where one is in
 * reach (`…/rack-17/node.json`): its file name is what tells files apart.
 */
export function pathTail(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const tail = chars.slice(chars.length - width + 1).join("");
  const slash = tail.indexOf("/");
  return `…${slash > 0 ? tail.slice(slash) : tail}`;
}

/**
 * Paths cut by pathTail to `width` characters, unless two then read alike (`…/governor.json` for
 * `eu-1/rack-7/governor.json` and `us-2/rack-7/governor.json`): then each keeps its start and its end, the middle cut
 * (`eu-1/rac…ernor.json`).
 */
export function pathTails(paths: readonly string[], width: number): string[] {
  const tails = paths.map((path) => pathTail(path, width));
  if (new Set(tails).size === new Set(paths).size) return tails;
  const head = Math.ceil((width - 1) / 2);
  return paths.map((path) => {
    const chars = [...path];
    return chars.length <= width ? path : `${chars.slice(0, head).join("")}…${chars.slice(chars.length - (width - 1 - head)).join("")}`;
  });
}

/**
 * Indents every line of a node's own report under its name; a name too long for the terminal is its short form
 * (shortLabels) with its file beside it (the results table under the sections names files there); a path stays whole.
 */
export function nodeSection(ui: Ui, label: string, body: string, path = label, short = label): string {
  const lines = body === "" ? [] : body.split("\n").map((line) => (stripVTControlCharacters(line) === "" ? "" : `  ${line}`));
  const heading = path === label ? `── ${label}` : fitLine(ui, `── ${label}`, `── ${short} (${path})`);
  return [ui.chalk.bold(heading), ...lines].join("\n");
}
