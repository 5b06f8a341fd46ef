/**
 * Output that fits the terminal. A table is declared with, per column, its
 * cells from the most detailed form to the most compact, and an ordered list
 * of reductions (use a column's next form, or drop the column); reductions
 * are applied in that order until the table fits `ui.width`. Lines of text
 * pick the first of their variants that fits.
 */
import { stripVTControlCharacters } from "node:util";
import type { Ui } from "../context.js";
import { renderColumns, visibleWidth, wrapLine, type Align } from "./table.js";

export { wrapLine } from "./table.js";

/**
 * One column: its title (and a shorter one, `short`, for a narrow terminal), alignment, and its cells in each form
 * (forms[f]() gives the cells, built only when needed).
 */
export interface FitColumn {
  readonly title: string;
  readonly short?: string;
  readonly align: Align;
  readonly forms: readonly (() => readonly string[])[];
}

/**
 * A reduction: the column's next form, its short title (`short`), or (drop) no column at all; `also` names a column
 * reduced the same way in the same step (a pair that reads alike, such as inbound and outbound decisions).
 */
export interface FitStep {
  readonly column: string;
  readonly also?: string;
  readonly drop?: boolean;
  readonly short?: boolean;
}

/** The width of the table renderTable draws for these columns: cells, padding and borders. */
function tableWidth(widths: readonly number[]): number {
  return widths.reduce((sum, width) => sum + width + 3, 1);
}

/** Draws the table, reduced step by step until it fits `ui.width` (unlimited when undefined). */
export function renderFittedTable(ui: Ui, columns: readonly FitColumn[], steps: readonly FitStep[]): string {
  const limit = ui.width ?? Number.POSITIVE_INFINITY;
  const form = columns.map(() => 0);
  const dropped = columns.map(() => false);
  const titles = columns.map((column) => column.title);
  // Cells and widest cell of each column in each form, built and measured on first use (a pipe needs only the first forms).
  const cellCache = new Map<string, readonly string[]>();
  const cells = (index: number, f: number): readonly string[] => {
    const key = `${index}:${f}`;
    let built = cellCache.get(key);
    if (built === undefined) {
      built = columns[index]?.forms[f]?.() ?? [];
      cellCache.set(key, built);
    }
    return built;
  };
  // The widest cell of each column in each form (its title aside), measured on first use.
  const widthCache = new Map<string, number>();
  const widthOf = (index: number, f: number): number => {
    const key = `${index}:${f}`;
    let width = widthCache.get(key);
    if (width === undefined) {
      width = 0;
      // A cell is never wider than its length: only those longer than the widest so far are measured.
      for (const cell of cells(index, f)) if (cell.length > width) width = Math.max(width, visibleWidth(cell));
      widthCache.set(key, width);
    }
    return Math.max(width, visibleWidth(titles[index] ?? ""));
  };
  const current = (): number[] => columns.flatMap((_, index) => (dropped[index] === true ? [] : [widthOf(index, form[index] ?? 0)]));
  for (const step of steps) {
    if (limit === Number.POSITIVE_INFINITY || tableWidth(current()) <= limit) break;
    for (const name of step.also === undefined ? [step.column] : [step.column, step.also]) {
      const index = columns.findIndex((column) => column.title === name);
      if (index < 0) continue;
      if (step.drop === true) dropped[index] = true;
      else if (step.short === true) titles[index] = columns[index]?.short ?? titles[index] ?? "";
      else form[index] = Math.min((form[index] ?? 0) + 1, (columns[index]?.forms.length ?? 1) - 1);
    }
  }
  const kept = columns.map((column, index) => ({ column, index })).filter(({ index }) => dropped[index] !== true);
  const keptCells = kept.map(({ index }) => cells(index, form[index] ?? 0));
  // Drawn column by column, as the cells are built (no array per row); as many rows as the first column has.
  const rowCount = keptCells[0]?.length ?? 0;
  return renderColumns(
    ui,
    kept.map(({ index }) => titles[index] ?? ""),
    keptCells.map((column) => (column.length === rowCount ? column : Array.from({ length: rowCount }, (_, row) => column[row] ?? ""))),
    kept.map(({ column }) => column.align),
  );
}

/** `text` in at most `width` characters: whole, or an ellipsis and its end (a path's or a label's end tells it apart). */
export function keepEnd(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `…${chars.slice(-(width - 1)).join("")}`;
}

/** The first of `variants` whose visible width fits `ui.width`, else the last (the most compact). */
export function fitLine(ui: Ui, ...variants: readonly string[]): string {
  return variants.find((line) => fits(ui, line)) ?? variants[variants.length - 1] ?? "";
}

/** Whether `line` fits `ui.width` (always, when the width is unlimited). */
export function fits(ui: Ui, line: string): boolean {
  return ui.width === undefined || visibleWidth(line) <= ui.width;
}

/**
 * A command's printed report fitted to `ui.width`: every line too long for it wraps between words, its later lines
 * indented two more than its own; a table's lines (drawn as narrow as they go) are left for the terminal.
 */
export function fitText(ui: Ui, text: string): string {
  const width = ui.width;
  if (width === undefined) return text;
  // Read in place: the text is copied only around a line that wraps (100k table rows are looked at, not split).
  const pieces: string[] = [];
  let copied = 0;
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    // A line no longer in characters than the width fits (escape sequences only add characters); a table's line
    // (its border first, perhaps after an indent or a colour) is looked at no further.
    if (end - start > width && !isTableLine(text, start, end)) {
      const line = text.slice(start, end);
      if (visibleWidth(line) > width) {
        pieces.push(text.slice(copied, start), wrapLine(ui, line, (/^ */.exec(stripVTControlCharacters(line))?.[0].length ?? 0) + 2));
        copied = end;
      }
    }
    start = end + 1;
  }
  if (pieces.length === 0) return text;
  pieces.push(text.slice(copied));
  return pieces.join("");
}

/** Whether the line of `text` from `start` to `end` is one of a drawn table: spaces and colour sequences, then a left border. */
function isTableLine(text: string, start: number, end: number): boolean {
  let at = start;
  for (;;) {
    const code = text.charCodeAt(at);
    if (at >= end) return false;
    if (code === 0x20) at++;
    else if (code === 0x1b) {
      const m = text.indexOf("m", at);
      if (m === -1 || m >= end) return false;
      at = m + 1;
    } else return TABLE_BORDERS.includes(text.charAt(at));
  }
}

// Written as escapes: the bundle is ASCII (bin/bbgov.js reads it as latin1).
const TABLE_BORDERS = "\u250c\u2502\u251c\u2514";
