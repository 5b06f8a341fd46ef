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
  if (rows.every((row) => row.length === head.length)) {
    const direct = drawDirect(
      boldHead,
      head.map((_, column) => rows.map((row) => row[column] as string)),
      align,
    );
    if (direct !== undefined) return direct;
  }
  return drawSliced(boldHead, rows, align);
}

/** renderTable for cells given column by column (`columns[c][r]`, every column as long): no array per row. */
export function renderColumns(ui: Ui, head: readonly string[], columns: readonly (readonly string[])[], align?: readonly Align[]): string {
  const boldHead = head.map((title) => ui.chalk.bold(title));
  const direct = drawDirect(boldHead, columns, align);
  if (direct !== undefined) return direct;
  const rowCount = columns[0]?.length ?? 0;
  const rows: string[][] = [];
  for (let row = 0; row < rowCount; row++) rows.push(columns.map((cells) => cells[row] ?? ""));
  return drawSliced(boldHead, rows, align);
}

/** cli-table3's drawing of the table, in slices of SLICE_ROWS rows with shared column widths when it is big. */
function drawSliced(head: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  if (rows.length <= SLICE_ROWS) return drawTable(head, rows, align);
  const widths = head.map((title) => visibleWidth(title) + PADDING);
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, visibleWidth(cell) + PADDING);
    });
  }
  const lines: string[] = [];
  for (let start = 0; start < rows.length; start += SLICE_ROWS) {
    const slice = drawTable(start === 0 ? head : [], rows.slice(start, start + SLICE_ROWS), align, widths).split("\n");
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

/** Columns a cell takes on a terminal: its characters (code points) without colour codes. */
export function visibleWidth(text: string): number {
  // Read without a regex or an array when the text's only escapes are plain SGR codes (ESC [ digits m) and it has no
  // surrogate, C1 CSI, BEL or ST: node's stripVTControlCharacters then removes exactly those codes (its other
  // branch needs a BEL or an ST to end on).
  let width = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 0x1b) {
      const end = stripsAsSgr(text, at);
      if (end < 0) return [...stripVTControlCharacters(text)].length;
      at = end;
    } else if (code === 0x07 || code === 0x9b || code === 0x9c || (code >= 0xd800 && code <= 0xdfff))
      return [...stripVTControlCharacters(text)].length;
    else width++;
  }
  return width;
}

/**
 * The index of the `m` ending the SGR code at `at` (ESC [, then nothing or 1-4 digits and `;`-led groups of 0-4
 * digits, then m) as stripVTControlCharacters's pattern matches it whole, or -1 for any other escape.
 */
function stripsAsSgr(text: string, at: number): number {
  if (text.charCodeAt(at + 1) !== 0x5b) return -1;
  let end = at + 2;
  let digits = 0;
  for (; ; end++) {
    const code = text.charCodeAt(end);
    if (code >= 0x30 && code <= 0x39) {
      if (++digits > 4) return -1;
    } else if (code === 0x3b && end > at + 2) digits = 0;
    else break;
  }
  return text.charCodeAt(end) === 0x6d ? end : -1;
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
 * longer than the width stays whole, on a line of its own unless what stands
 * before it is no wider than that indent (a mark such as `✓`).
 */
export function wrapLine(ui: Ui, line: string, indent: number): string {
  const limit = ui.width;
  if (limit === undefined || visibleWidth(line) <= limit) return line;
  const pad = " ".repeat(indent);
  const lead = /^ */.exec(line)?.[0] ?? "";
  const out: string[] = [];
  let current = lead;
  for (const word of unitsKept(line.slice(lead.length).split(" "))) {
    // A word too long for any line (a whole peer id) overflows wherever it stands: it goes to a line of its own when
    // that line is narrower (`- peer_governor.blocklist ID` stood 78 wide at 40 columns), not after a mark (`✓ ID`).
    const wordWidth = visibleWidth(word);
    const currentWidth = visibleWidth(current);
    if (current.trim() !== "" && currentWidth + 1 + wordWidth > limit && (indent + wordWidth <= limit || currentWidth > indent)) {
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
 * cli-table3's drawing of a table given column by column (`columns[c][r]`;
 * every column as long) whose every cell is `simpleWidth`, or undefined when
 * some cell is not (cli-table3 then draws it). With a head, the rows after it
 * are separated from it by a line; `widths` (the sliced drawing's) must leave
 * room for every cell, as nothing here truncates.
 */
export function drawDirect(
  head: readonly string[],
  columns: readonly (readonly string[])[],
  align?: readonly Align[],
  widths?: readonly number[],
): string | undefined {
  const columnCount = columns.length;
  const rowCount = columns[0]?.length ?? 0;
  if (columnCount === 0 || (head.length > 0 ? head.length !== columnCount : rowCount === 0)) return undefined;
  // Every cell's width, column after column: one typed array, not one per row.
  const cellWidths = new Int32Array(columnCount * rowCount);
  const headWidths = new Int32Array(columnCount); // the head's, as a table of one row
  const columnWidths = new Array<number>(columnCount).fill(1);
  for (let column = 0; column < columnCount; column++) {
    const cells = columns[column] as readonly string[];
    if (cells.length !== rowCount) return undefined;
    let widest = 1;
    if (head.length > 0) {
      const width = simpleWidth(head[column] as string);
      if (width === undefined) return undefined;
      headWidths[column] = width;
      widest = Math.max(widest, width + PADDING);
    }
    const offset = column * rowCount;
    for (let row = 0; row < rowCount; row++) {
      const width = simpleWidth(cells[row] as string);
      if (width === undefined) return undefined;
      cellWidths[offset + row] = width;
      if (width + PADDING > widest) widest = width + PADDING;
    }
    const given = widths?.[column];
    if (given !== undefined) {
      if (widest > given) return undefined; // cli-table3 would truncate
      widest = given;
    }
    columnWidths[column] = widest;
  }
  const rule = (left: string, middle: string, right: string): string =>
    `${left}${columnWidths.map((width) => "─".repeat(width)).join(middle)}${right}`;
  const line = new LineBuilder(
    columnWidths,
    columnWidths.map((_, column) => align?.[column] ?? "left"),
  );
  // Lines are joined a few hundred at a time: each is a chain of pieces until it is made flat, and a whole
  // table's chains at once were most of a 100k-row table's memory and collection.
  const pieces: string[] = [];
  let lines = [rule("┌", "┬", "┐")];
  if (head.length > 0) {
    lines.push(
      line.drawRow(
        head.map((title) => [title]),
        headWidths,
        1,
        0,
      ),
    );
    if (rowCount > 0) lines.push(rule("├", "┼", "┤"));
  }
  for (let row = 0; row < rowCount; row++) {
    lines.push(line.drawRow(columns, cellWidths, rowCount, row));
    if (lines.length >= JOINED_LINES) {
      pieces.push(lines.join("\n"));
      lines = [];
    }
  }
  lines.push(rule("└", "┴", "┘"));
  pieces.push(lines.join("\n"));
  return pieces.join("\n");
}

/**
 * The lines of drawDirect's table, `│ a   │   b │`: one piece of border and
 * padding before each cell and one after the last (the space after a cell,
 * the border and the space before the next are one string, made once for
 * each pair of paddings met), where there were four.
 */
class LineBuilder {
  private readonly gaps = new Map<number, string>();

  constructor(
    private readonly columnWidths: readonly number[],
    private readonly kinds: readonly Align[],
  ) {}

  /** The line of row `row` of column-major `columns` (each `rowCount` long), with its widths in `cellWidths` alike. */
  drawRow(columns: readonly (readonly string[])[], cellWidths: Int32Array, rowCount: number, row: number): string {
    let line = "";
    let after = -1;
    for (let column = 0; column < columns.length; column++) {
      const space = (this.columnWidths[column] as number) - PADDING - (cellWidths[column * rowCount + row] as number);
      const kind = this.kinds[column];
      const before = kind === "right" ? space : kind === "center" ? space - Math.ceil(space / 2) : 0;
      line += this.gap(after, before) + ((columns[column] as readonly string[])[row] as string);
      after = space - before;
    }
    return line + this.gap(after, -1);
  }

  /** `after` spaces, a border, `before` spaces (-1: the line's own start or end, without the other side). */
  private gap(after: number, before: number): string {
    const key = after * GAP_KEY + before;
    let gap = after < GAP_KEY - 1 && before < GAP_KEY - 1 ? this.gaps.get(key) : undefined;
    if (gap === undefined) {
      gap = `${after < 0 ? "" : `${spaces(after)} `}│${before < 0 ? "" : ` ${spaces(before)}`}`;
      if (after < GAP_KEY - 1 && before < GAP_KEY - 1) this.gaps.set(key, gap);
    }
    return gap;
  }
}

/** Paddings below this are a key of LineBuilder's gaps (wider ones, never met in practice, are made each time). */
const GAP_KEY = 1 << 12;

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

// cli-table3's updateState tracks these attributes across lines: by code, the attribute's bit and whether the code
// turns it on (bold 1/22, italics 3/23, underline 4/24, inverse 7/27, strikethrough 9/29).
const ATTRIBUTES: readonly (readonly [number, boolean] | undefined)[] = Object.assign(new Array(30).fill(undefined), {
  1: [1, true],
  22: [1, false],
  3: [2, true],
  23: [2, false],
  4: [4, true],
  24: [4, false],
  7: [8, true],
  27: [8, false],
  9: [16, true],
  29: [16, false],
});
const FOREGROUND = 32;
const BACKGROUND = 64;

/**
 * The width of a cell that cli-table3 would draw unchanged: one line of
 * printable ASCII, "µ" or "…" (one column each) between SGR codes (its
 * `codeRegex`: ESC [, digits with at most 5 `;`, m) that leave no attribute
 * or colour open at its end (cli-table3 would close it). Undefined for any
 * other cell. Read character by character: a regex, a set and a substring
 * per coloured cell were most of a 10k-row table's drawing.
 */
function simpleWidth(cell: string): number | undefined {
  let width = 0;
  let open = 0; // ATTRIBUTES' bits, FOREGROUND, BACKGROUND
  for (let at = 0; at < cell.length; at++) {
    const code = cell.charCodeAt(at);
    if ((code >= 0x20 && code <= 0x7e) || code === 0xb5 || code === 0x2026) {
      width++;
      continue;
    }
    if (code !== 0x1b || cell.charCodeAt(at + 1) !== 0x5b) return undefined;
    // The parameters: how many `;`, and the first one's value (parseInt's: NaN when empty with others after it).
    let end = at + 2;
    let semicolons = 0;
    let first = 0;
    for (; ; end++) {
      const next = cell.charCodeAt(end);
      if (next >= 0x30 && next <= 0x39) {
        if (semicolons === 0) first = first * 10 + (next - 0x30);
      } else if (next === 0x3b && ++semicolons <= 5) {
        if (end === at + 2) first = Number.NaN;
      } else break;
    }
    if (cell.charCodeAt(end) !== 0x6d) return undefined;
    open = sgrState(open, first, semicolons === 0 ? end - at - 2 : -1);
    at = end;
  }
  return open === 0 ? width : undefined;
}

/**
 * What an SGR code leaves open after `open`, as cli-table3's updateState has it: the first parameter (`first`)
 * decides; "39", "49" and the attribute codes count only as exactly that text (`digits`: the parameters' length
 * when they are one number, else -1).
 */
function sgrState(open: number, first: number, digits: number): number {
  const exact = digits === (first < 10 ? 1 : first < 100 ? 2 : 0);
  if ((first >= 30 && first <= 39) || (first >= 90 && first <= 97)) return first === 39 && exact ? open & ~FOREGROUND : open | FOREGROUND;
  if ((first >= 40 && first <= 49) || (first >= 100 && first <= 107)) return first === 49 && exact ? open & ~BACKGROUND : open | BACKGROUND;
  if (first === 0) return 0;
  const attribute = exact ? ATTRIBUTES[first] : undefined;
  if (attribute === undefined) return open;
  return attribute[1] ? open | attribute[0] : open & ~attribute[0];
}
