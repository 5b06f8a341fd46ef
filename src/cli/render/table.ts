/** Tables for people, with cli-table3; colours come from the chalk instance passed in. */
import { stripVTControlCharacters } from "node:util";
import Table from "cli-table3";
import type { Ui } from "../context.js";

/** Column alignment. */
export type Align = "left" | "right" | "center";

// cli-table3 lays a table out in time quadratic in its rows (it checks every
// cell against every earlier row for spans), so `fail --times 20000` took a
// minute. Big tables are drawn in slices with shared column widths and spliced.
const SLICE_ROWS = 100;
const PADDING = 2;

/** A table with bold headers and light borders; cells are already coloured strings. */
export function renderTable(ui: Ui, head: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  if (rows.length <= SLICE_ROWS) return drawTable(ui, head, rows, align);
  const widths = head.map((title) => visibleWidth(title) + PADDING);
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, visibleWidth(cell) + PADDING);
    });
  }
  const lines: string[] = [];
  for (let start = 0; start < rows.length; start += SLICE_ROWS) {
    const slice = drawTable(ui, start === 0 ? head : [], rows.slice(start, start + SLICE_ROWS), align, widths).split("\n");
    if (start > 0) slice.shift(); // the slice's top border
    if (start + SLICE_ROWS < rows.length) slice.pop(); // its bottom border
    for (const line of slice) lines.push(line);
  }
  return lines.join("\n");
}

function drawTable(ui: Ui, head: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[], widths?: readonly number[]): string {
  const table = new Table({
    head: head.map((title) => ui.chalk.bold(title)),
    style: { head: [], border: [], compact: true, "padding-left": 1, "padding-right": 1 },
    // cli-table3 fails on an explicit `colAligns: undefined`; leave the key out instead.
    ...(align === undefined ? {} : { colAligns: [...align] }),
    ...(widths === undefined ? {} : { colWidths: [...widths] }),
  });
  for (const row of rows) table.push([...row]);
  return table.toString();
}

/** Columns a cell takes on a terminal: its characters without colour codes. */
function visibleWidth(text: string): number {
  return [...stripVTControlCharacters(text)].length;
}

/** Aligned `label  value` lines, for summaries. */
export function renderPairs(ui: Ui, pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${ui.chalk.dim(label.padEnd(width))}  ${value}`).join("\n");
}
