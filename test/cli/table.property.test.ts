/**
 * render/table.ts draws the usual table itself and leaves the rest to
 * cli-table3. Whatever the cells (plain, coloured at every chalk level, with
 * characters only cli-table3 measures right), the result must be cli-table3's.
 */
import { stripVTControlCharacters } from "node:util";
import Table from "cli-table3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeChalk } from "../../src/cli/render/color.js";
import { drawDirect, renderTable, visibleWidth, type Align } from "../../src/cli/render/table.js";

const RUNS = Number(process.env.BBGOV_PROPERTY_RUNS ?? 100);
const STYLE = { head: [], border: [], compact: true, "padding-left": 1, "padding-right": 1 };

/** cli-table3 with the options renderTable uses. */
function cliTable3(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
  widths?: readonly number[],
): string {
  const table = new Table({
    head: [...head],
    style: STYLE,
    ...(align === undefined ? {} : { colAligns: [...align] }),
    ...(widths === undefined ? {} : { colWidths: [...widths] }),
  });
  for (const row of rows) table.push([...row]);
  return table.toString();
}

/** The cells of `rows` column by column, as drawDirect takes them (as many columns as the head has, else the first row). */
function columnsOf(head: readonly string[], rows: readonly (readonly string[])[]): string[][] {
  const count = head.length > 0 ? head.length : (rows[0]?.length ?? 0);
  return Array.from({ length: count }, (_, column) => rows.map((row) => row[column] as string));
}

const STYLES = ["bold", "dim", "red", "green", "yellow", "gray", "bgBlue", "underline", "italic", "inverse", "strikethrough"] as const;
type StyleName = (typeof STYLES)[number];

/** An escape sequence like an SGR code: parameters as chalk writes them and as it never does (leading zeros, long, many). */
const sgrLike = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.constantFrom("", "0", "00", "1", "01", "22", "3", "4", "24", "39", "039", "49", "31", "42", "97", "107"),
        fc.nat(200_000).map(String),
      ),
      {
        maxLength: 7,
      },
    ),
    fc.constantFrom("m", "m", "m", "M", "\u0007", "\u001b\\", ""),
    fc.constantFrom("\u001b[", "\u001b[", "\u001b[[", "\u001b", "\u009b"),
  )
  .map(([params, end, start]) => `${start}${params.join(";")}${end}`);

/** Text made of such sequences, plain characters and what ends or breaks a sequence. */
const escapeSoup = fc
  .array(fc.oneof(sgrLike, fc.constantFrom("a", " ", "9", ";", "m", "[", "\u0007", "\u009c", "µ", "…", "\ud83d", "😀", "\u001b")), {
    maxLength: 6,
  })
  .map((pieces) => pieces.join(""));

/** A cell: plain text, or text in one or two chalk styles, at a chalk level. */
const cellArb = (level: 0 | 1 | 2 | 3): fc.Arbitrary<string> => {
  const chalk = makeChalk(level);
  const text = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: fc.constantFrom(..."abcXYZ019 -/:().µ"), maxLength: 14 }) },
    { weight: 1, arbitrary: fc.constantFrom("✓", "…", "日本", "😀", "a\nb", "tab\there", "\u001b[38;5;100mx\u001b[0m", "\u001b[31mopen") },
    { weight: 2, arbitrary: escapeSoup },
  );
  return fc
    .tuple(text, fc.subarray([...STYLES], { maxLength: 2 }))
    .map(([value, styles]) => styles.reduce((out, style: StyleName) => chalk[style](out), value));
};

const tableArb = fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const).chain((level) =>
  fc.integer({ min: 1, max: 5 }).chain((columns) =>
    fc.record({
      level: fc.constant(level),
      head: fc.oneof(fc.constant([] as string[]), fc.array(cellArb(level), { minLength: columns, maxLength: columns })),
      rows: fc.array(fc.array(cellArb(level), { minLength: columns, maxLength: columns }), { maxLength: 6 }),
      align: fc.option(fc.array(fc.constantFrom<Align>("left", "right", "center"), { minLength: columns, maxLength: columns }), {
        nil: undefined,
      }),
      slack: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: columns, maxLength: columns }),
    }),
  ),
);

describe("visibleWidth", () => {
  it("is the count of code points node's stripVTControlCharacters leaves", () => {
    fc.assert(
      fc.property(fc.oneof(escapeSoup, cellArb(1), cellArb(3)), (text) => {
        expect(visibleWidth(text)).toBe([...stripVTControlCharacters(text)].length);
      }),
      { numRuns: RUNS * 20 },
    );
  });
});

describe("tables drawn without cli-table3", () => {
  it("are drawn exactly as cli-table3 draws them", () => {
    fc.assert(
      fc.property(tableArb, ({ head, rows, align }) => {
        if (head.length === 0 && rows.length === 0) return;
        const direct = drawDirect(head, columnsOf(head, rows), align);
        if (direct !== undefined) expect(direct).toBe(cliTable3(head, rows, align));
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it("with given column widths too (the sliced drawing of big tables)", () => {
    fc.assert(
      fc.property(tableArb, ({ head, rows, align, slack }) => {
        if (head.length === 0 && rows.length === 0) return;
        const natural = drawDirect(head, columnsOf(head, rows), align);
        if (natural === undefined) return;
        // The natural widths plus some slack, read off the drawn top border.
        const widths = (natural.split("\n")[0] as string)
          .slice(1, -1)
          .split("┬")
          .map((rule, i) => rule.length + (slack[i] as number));
        expect(drawDirect(head, columnsOf(head, rows), align, widths)).toBe(cliTable3(head, rows, align, widths));
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it("renderTable gives cli-table3's table for any cells, drawn directly or not", () => {
    fc.assert(
      fc.property(tableArb, ({ level, head, rows, align }) => {
        if (head.length === 0) return;
        const chalk = makeChalk(level);
        expect(renderTable({ chalk }, head, rows, align)).toBe(
          cliTable3(
            head.map((title) => chalk.bold(title)),
            rows,
            align,
          ),
        );
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it("reads SGR parameters as cli-table3 does: the exact text of 39, 49 and the attribute codes, the first parameter's value", () => {
    const codes = [
      "",
      "0",
      "00",
      "1",
      "01",
      "22",
      "022",
      "3",
      "23",
      "4",
      "24",
      "7",
      "27",
      "9",
      "29",
      "39",
      "039",
      "49",
      "049",
      "31",
      "031",
      "41",
      "97",
      "107",
      "12345",
      ";1",
      "1;2",
      "39;1",
      "1;2;3;4;5;6",
    ];
    const cells = codes.flatMap((code) => [
      `\u001b[${code}m`,
      `\u001b[31mab\u001b[${code}m`,
      `\u001b[1mx\u001b[${code}mx`,
      `\u001b[44m\u001b[${code}m`,
    ]);
    for (const cell of cells) {
      const direct = drawDirect(["A"], [[cell]]);
      if (direct !== undefined) expect(direct).toBe(cliTable3(["A"], [[cell]]));
      expect(visibleWidth(cell)).toBe([...stripVTControlCharacters(cell)].length);
    }
  });

  it("draws the usual cells directly", () => {
    const chalk = makeChalk(1);
    expect(
      drawDirect(
        ["PEER", chalk.bold("DOWN")],
        [
          ["12D3KooW", "Qm"],
          [chalk.red("DOWN"), chalk.dim("9.5 µs")],
        ],
        ["left", "right"],
      ),
    ).toBeDefined();
    expect(drawDirect(["A"], [["日本"]])).toBeUndefined();
  });
});
