/**
 * Tables for people; colours come from the chalk instance passed in.
 *
 * The layout is cli-table3's (light borders, compact rows, one space of
 * padding), and cli-table3 draws whatever is unusual. The usual table, whose
 * cells are one line of printable ASCII (or "µ") and closed SGR colour codes,
 * is drawn here directly: cold, cli-table3 took about 10 ms to draw the
 * dozen rows of `inspect` (a third of a small command's run time), and it is
 * loaded only when a table needs it. A property test holds the direct
 * drawing to cli-table3's output.
 */
import { createRequire } from "node:module";
import { stripVTControlCharacters } from "node:util";
import type CliTable from "cli-table3";
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
  const boldHead = head.map((title) => ui.chalk.bold(title));
  const direct = drawDirect(boldHead, rows, align);
  if (direct !== undefined) return direct;
  if (rows.length <= SLICE_ROWS) return drawTable(boldHead, rows, align);
  const widths = head.map((title) => visibleWidth(title) + PADDING);
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, visibleWidth(cell) + PADDING);
    });
  }
  const lines: string[] = [];
  for (let start = 0; start < rows.length; start += SLICE_ROWS) {
    const slice = drawTable(start === 0 ? boldHead : [], rows.slice(start, start + SLICE_ROWS), align, widths).split("\n");
    if (start > 0) slice.shift(); // the slice's top border
    if (start + SLICE_ROWS < rows.length) slice.pop(); // its bottom border
    for (const line of slice) lines.push(line);
  }
  return lines.join("\n");
}

let tableClass: typeof CliTable | undefined;

function drawTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
  widths?: readonly number[],
): string {
  // Loaded on first use only; a lazy require keeps it out of the startup path (and of the bundle).
  tableClass ??= createRequire(import.meta.url)("cli-table3") as typeof CliTable;
  const table = new tableClass({
    head: [...head],
    style: { head: [], border: [], compact: true, "padding-left": 1, "padding-right": 1 },
    // cli-table3 fails on an explicit `colAligns: undefined`; leave the key out instead.
    ...(align === undefined ? {} : { colAligns: [...align] }),
    ...(widths === undefined ? {} : { colWidths: [...widths] }),
  });
  for (const row of rows) table.push([...row]);
  return table.toString();
}

/** Columns a cell takes on a terminal: its characters without colour codes. */
export function visibleWidth(text: string): number {
  return [...stripVTControlCharacters(text)].length;
}

/** Aligned `label  value` lines, for summaries. */
export function renderPairs(ui: Ui, pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  // A value too long for the terminal goes on under itself, not under the labels (nor cut mid-word by the terminal);
  // its first word stays beside its label, however long.
  const room = ui.width === undefined ? ui : { ...ui, width: ui.width - width - 2 };
  const pad = `\n${" ".repeat(width + 2)}`;
  return pairs
    .map(([label, value]) => `${ui.chalk.dim(label.padEnd(width))}  ${wrapLine(room, value, 0).replaceAll("\n", pad)}`)
    .join("\n");
}

/**
 * One line of text wrapped between words to `ui.width` (as it is when
 * unlimited), the lines after the first indented by `indent` spaces; a word
 * longer than the width stays whole, where it stands.
 */
export function wrapLine(ui: Ui, line: string, indent: number): string {
  const limit = ui.width;
  if (limit === undefined || visibleWidth(line) <= limit) return line;
  const pad = " ".repeat(indent);
  const lead = /^ */.exec(line)?.[0] ?? "";
  const out: string[] = [];
  let current = lead;
  for (const word of unitsKept(line.slice(lead.length).split(" "))) {
    // A word too long for any line (a whole peer id) is not moved to a line of its own: it would overflow there too.
    const wordWidth = visibleWidth(word);
    if (current.trim() !== "" && visibleWidth(current) + 1 + wordWidth > limit && indent + wordWidth <= limit) {
      out.push(current);
      current = `${pad}${word}`;
    } else current = current.trim() === "" ? `${current}${word}` : `${current} ${word}`;
  }
  out.push(current);
  return out.join("\n");
}

/** The words of a line, a number's unit joined to it (`15.4 s`, `1.2 KB`): a wrap never parts them. */
function unitsKept(words: readonly string[]): string[] {
  const kept: string[] = [];
  for (const word of words) {
    const previous = kept[kept.length - 1];
    if (previous !== undefined && /\d$/.test(stripVTControlCharacters(previous)) && UNIT_WORD.test(stripVTControlCharacters(word)))
      kept[kept.length - 1] = `${previous} ${word}`;
    else kept.push(word);
  }
  return kept;
}

const UNIT_WORD = /^(ns|us|ms|s|m|h|d|B|KB|MB|GB|TB)[,;.:)]*$/;

/**
 * cli-table3's drawing of a rectangular table whose every cell is `simpleWidth`,
 * or undefined when some cell is not (cli-table3 then draws it). With a head,
 * the rows after it are separated from it by a line; `widths` (the sliced
 * drawing's) must leave room for every cell, as nothing here truncates.
 */
export function drawDirect(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
  widths?: readonly number[],
): string | undefined {
  const table = head.length > 0 ? [head, ...rows] : rows;
  const columns = table[0]?.length ?? 0;
  if (columns === 0) return undefined;
  // Every cell's width, row after row: one array, not one per row (100k rows are 100k arrays to collect).
  const cellWidths = new Int32Array(table.length * columns);
  const columnWidths = new Array<number>(columns).fill(1);
  for (let index = 0; index < table.length; index++) {
    const row = table[index] as readonly string[];
    if (row.length !== columns) return undefined;
    for (let column = 0; column < columns; column++) {
      const width = simpleWidth(row[column] as string);
      if (width === undefined) return undefined;
      cellWidths[index * columns + column] = width;
      columnWidths[column] = Math.max(columnWidths[column] as number, width + PADDING);
    }
  }
  if (widths !== undefined) {
    for (let column = 0; column < columns; column++) {
      const given = widths[column];
      if (given === undefined) continue;
      if ((columnWidths[column] as number) > given) return undefined; // cli-table3 would truncate
      columnWidths[column] = given;
    }
  }
  const rule = (left: string, middle: string, right: string): string =>
    `${left}${columnWidths.map((width) => "─".repeat(width)).join(middle)}${right}`;
  // Lines are joined a few hundred at a time: each is a chain of ~2 pieces a cell until it is made flat,
  // and a whole table's chains at once were most of a 100k-row table's memory and collection.
  const pieces: string[] = [];
  let lines = [rule("┌", "┬", "┐")];
  for (let index = 0; index < table.length; index++) {
    if (index === 1 && head.length > 0) lines.push(rule("├", "┼", "┤"));
    const row = table[index] as readonly string[];
    let line = "│";
    for (let column = 0; column < columns; column++) {
      const space = (columnWidths[column] as number) - PADDING - (cellWidths[index * columns + column] as number);
      const cell = row[column] as string;
      const alignment = align?.[column];
      let content: string;
      if (alignment === "right") content = spaces(space) + cell;
      else if (alignment === "center") content = spaces(space - Math.ceil(space / 2)) + cell + spaces(Math.ceil(space / 2));
      else content = cell + spaces(space);
      line += ` ${content} │`;
    }
    lines.push(line);
    if (lines.length >= JOINED_LINES) {
      pieces.push(lines.join("\n"));
      lines = [];
    }
  }
  lines.push(rule("└", "┴", "┘"));
  pieces.push(lines.join("\n"));
  return pieces.join("\n");
}

/** Lines drawDirect joins into one piece. */
const JOINED_LINES = 256;

/** Runs of spaces made once: a table of 10,000 rows pads 70,000 cells, mostly to a handful of widths. */
const SPACES: string[] = [];

/** `count` spaces. */
function spaces(count: number): string {
  if (count > 256) return " ".repeat(count);
  let run = SPACES[count];
  if (run === undefined) {
    run = " ".repeat(count);
    SPACES[count] = run;
  }
  return run;
}

// SGR colour codes as cli-table3 recognises them (its `codeRegex`).
const SGR = /\u001b\[((?:\d*;){0,5}\d*)m/g;
// The attribute codes cli-table3 tracks across lines, and whether each turns its attribute on.
const ATTRIBUTES: Readonly<Record<string, readonly [string, boolean]>> = {
  "1": ["bold", true],
  "22": ["bold", false],
  "3": ["italics", true],
  "23": ["italics", false],
  "4": ["underline", true],
  "24": ["underline", false],
  "7": ["inverse", true],
  "27": ["inverse", false],
  "9": ["strikethrough", true],
  "29": ["strikethrough", false],
};

/**
 * The width of a cell that cli-table3 would draw unchanged: one line of
 * printable ASCII, "µ" or "…" (one column each) between SGR codes that leave no
 * attribute or colour open at its end (cli-table3 would close it). Undefined
 * for any other cell.
 */
function simpleWidth(cell: string): number | undefined {
  // Most cells hold no SGR code (always so without colour): their width is their length, no regex or set made.
  let plain = 0;
  for (; plain < cell.length; plain++) {
    const code = cell.charCodeAt(plain);
    if ((code < 0x20 || code > 0x7e) && code !== 0xb5 && code !== 0x2026) break;
  }
  if (plain === cell.length) return plain;
  let width = 0;
  let last = 0;
  const open = new Set<string>();
  let foreground = false;
  let background = false;
  SGR.lastIndex = 0;
  for (let match = SGR.exec(cell); ; match = SGR.exec(cell)) {
    const end = match === null ? cell.length : match.index;
    for (let i = last; i < end; i++) {
      const code = cell.charCodeAt(i);
      if ((code < 0x20 || code > 0x7e) && code !== 0xb5 && code !== 0x2026) return undefined;
    }
    width += end - last;
    if (match === null) break;
    last = match.index + match[0].length;
    // cli-table3's updateState: the first parameter decides.
    const params = match[1] as string;
    const first = params === "" ? 0 : Number.parseInt(params.split(";")[0] as string, 10);
    if ((first >= 30 && first <= 39) || (first >= 90 && first <= 97)) foreground = params !== "39";
    else if ((first >= 40 && first <= 49) || (first >= 100 && first <= 107)) background = params !== "49";
    else if (first === 0) {
      open.clear();
      foreground = false;
      background = false;
    } else {
      const attribute = ATTRIBUTES[params];
      if (attribute !== undefined) {
        if (attribute[1]) open.add(attribute[0]);
        else open.delete(attribute[0]);
      }
    }
  }
  return open.size === 0 && !foreground && !background ? width : undefined;
}
