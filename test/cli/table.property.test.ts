/**
 * render/table.ts draws the usual table itself and leaves the rest to
 * cli-table3. Whatever the cells (plain, coloured at every chalk level, with
 * characters only cli-table3 measures right), the result must be cli-table3's.
 */
import Table from "cli-table3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeChalk } from "../../src/cli/render/color.js";
import { drawDirect, renderTable, type Align } from "../../src/cli/render/table.js";

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

const STYLES = ["bold", "dim", "red", "green", "yellow", "gray", "bgBlue", "underline", "italic", "inverse", "strikethrough"] as const;
type StyleName = (typeof STYLES)[number];

/** A cell: plain text, or text in one or two chalk styles, at a chalk level. */
const cellArb = (level: 0 | 1 | 2 | 3): fc.Arbitrary<string> => {
  const chalk = makeChalk(level);
  const text = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: fc.constantFrom(..."abcXYZ019 -/:().µ"), maxLength: 14 }) },
    { weight: 1, arbitrary: fc.constantFrom("✓", "…", "日本", "😀", "a\nb", "tab\there", "\u001b[38;5;100mx\u001b[0m", "\u001b[31mopen") },
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

describe("tables drawn without cli-table3", () => {
  it("are drawn exactly as cli-table3 draws them", () => {
    fc.assert(
      fc.property(tableArb, ({ head, rows, align }) => {
        if (head.length === 0 && rows.length === 0) return;
        const direct = drawDirect(head, rows, align);
        if (direct !== undefined) expect(direct).toBe(cliTable3(head, rows, align));
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it("with given column widths too (the sliced drawing of big tables)", () => {
    fc.assert(
      fc.property(tableArb, ({ head, rows, align, slack }) => {
        if (head.length === 0 && rows.length === 0) return;
        const natural = drawDirect(head, rows, align);
        if (natural === undefined) return;
        // The natural widths plus some slack, read off the drawn top border.
        const widths = (natural.split("\n")[0] as string)
          .slice(1, -1)
          .split("┬")
          .map((rule, i) => rule.length + (slack[i] as number));
        expect(drawDirect(head, rows, align, widths)).toBe(cliTable3(head, rows, align, widths));
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

  it("draws the usual cells directly", () => {
    const chalk = makeChalk(1);
    expect(
      drawDirect(
        ["PEER", chalk.bold("DOWN")],
        [
          ["12D3KooW", chalk.red("DOWN")],
          ["Qm", chalk.dim("9.5 µs")],
        ],
        ["left", "right"],
      ),
    ).toBeDefined();
    expect(drawDirect(["A"], [["日本"]])).toBeUndefined();
  });
});
