import Table from "cli-table3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/core/governor.js";
import { decisionCell, decisionSentence, failuresCell, renderEvents, retryCell, transitionCell } from "../../src/cli/render/cells.js";
import { colorLevel, makeChalk } from "../../src/cli/render/color.js";
import {
  formatDate,
  formatDuration,
  formatInstant,
  formatRelative,
  formatTimeOfDay,
  formatWhen,
  looksLikeEpoch,
} from "../../src/cli/render/format.js";
import { renderJson } from "../../src/cli/render/json.js";
import { renderPairs, renderTable, type Align } from "../../src/cli/render/table.js";

const ANSI = /\u001b\[/;
const S = 1_000_000_000n;
const U64_MAX = 2n ** 64n - 1n;
const plain = { chalk: makeChalk(0) };
const coloured = { chalk: makeChalk(1) };

describe("formatDuration", () => {
  it.each([
    [0n, "0 ns"],
    [1n, "1 ns"],
    [999n, "999 ns"],
    [1_000n, "1 µs"],
    [1_500n, "1.5 µs"],
    [99_900n, "99.9 µs"],
    [999_999n, "999 µs"],
    [1_000_000n, "1 ms"],
    [40_000_000n, "40 ms"],
    [999_999_999n, "999 ms"],
    [S, "1 s"],
    [1_500_000_000n, "1.5 s"],
    [59n * S + 900_000_000n, "59.9 s"],
    [60n * S - 1n, "59.9 s"],
    [60n * S, "1 m"],
    [150n * S, "2 m 30 s"],
    [3600n * S - 1n, "59 m 59 s"],
    [3600n * S, "1 h"],
    [3n * 3600n * S + 5n * 60n * S, "3 h 5 m"],
    [86_400n * S - 1n, "23 h 59 m"],
    [86_400n * S, "1 d"],
    [12n * 86_400n * S + 4n * 3600n * S, "12 d 4 h"],
    [U64_MAX, "213503 d 23 h"],
  ])("%s ns is %j", (ns, text) => {
    expect(formatDuration(ns)).toBe(text);
  });

  it("shows a negative duration by its size", () => {
    expect(formatDuration(-1_500_000_000n)).toBe("1.5 s");
  });
});

describe("formatRelative", () => {
  it("is now, in, or ago against the clock", () => {
    expect(formatRelative(5n * S, 5n * S)).toBe("now");
    expect(formatRelative(5n * S + 40_000_000n, 5n * S)).toBe("in 40 ms");
    expect(formatRelative(2n * S, 5n * S)).toBe("3 s ago");
    expect(formatRelative(U64_MAX, 0n)).toBe("in 213503 d 23 h");
  });
});

describe("looksLikeEpoch and dates", () => {
  const from = 946_684_800n * S; // 2000-01-01
  const to = 7_258_118_400n * S; // 2200-01-01

  it("takes 2000..2200 for epoch nanoseconds", () => {
    expect(looksLikeEpoch(from - 1n)).toBe(false);
    expect(looksLikeEpoch(from)).toBe(true);
    expect(looksLikeEpoch(1_764_000_000_000_000_000n)).toBe(true);
    expect(looksLikeEpoch(to - 1n)).toBe(true);
    expect(looksLikeEpoch(to)).toBe(false);
    expect(looksLikeEpoch(0n)).toBe(false);
    expect(looksLikeEpoch(U64_MAX)).toBe(false);
  });

  it("formats UTC with milliseconds", () => {
    expect(formatDate(1_764_000_000_000_000_000n)).toBe("2025-11-24 16:00:00.000 UTC");
    expect(formatDate(1_764_000_001_234_567_890n)).toBe("2025-11-24 16:00:01.234 UTC");
    // By arithmetic, as Date has it: every u64 instant (leap days, centuries, 2^64-1 in 2554).
    const byDate = (ns: bigint): string => {
      const iso = new Date(Number(ns / 1_000_000n)).toISOString();
      return `${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC`;
    };
    for (const ns of [0n, 951_782_400_000_000_000n, 4_107_542_399_999_999_999n, 2n ** 64n - 1n]) expect(formatDate(ns)).toBe(byDate(ns));
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (ns) => formatDate(ns) === byDate(ns)),
      { numRuns: 5000 },
    );
    expect(formatDate(from)).toBe("2000-01-01 00:00:00.000 UTC");
    // Runs of instants on the same day and the next (a table's times), and the time of day alone.
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n - 2n * 86_400n * 10n ** 9n }),
        fc.array(fc.bigInt({ min: 0n, max: 2n * 86_400n * 10n ** 9n })),
        (start, steps) => {
          for (const ns of steps.map((step) => start + step)) {
            expect(formatDate(ns)).toBe(byDate(ns));
            expect(formatTimeOfDay(ns)).toBe(byDate(ns).slice(11, 23));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("adds the date only to epoch-like instants", () => {
    expect(formatInstant(1_764_000_000_000_000_000n)).toBe("1764000000000000000 (2025-11-24 16:00:00.000 UTC)");
    expect(formatInstant(1000n)).toBe("1000");
    expect(formatWhen(1_764_000_000_010_000_000n, 1_764_000_000_000_000_000n)).toBe("in 10 ms (16:00:00.010)");
    expect(formatWhen(10n, 1000n)).toBe("990 ns ago");
  });
});

describe("colorLevel", () => {
  const tty = true;
  it("--no-color wins over everything", () => {
    expect(colorLevel({ FORCE_COLOR: "3" }, false, tty)).toBe(0);
    expect(colorLevel({}, false, tty)).toBe(0);
  });

  it("NO_COLOR turns colour off; an empty NO_COLOR does not", () => {
    expect(colorLevel({ NO_COLOR: "1" }, true, tty)).toBe(0);
    expect(colorLevel({ NO_COLOR: "" }, true, tty)).toBeGreaterThan(0);
  });

  it("FORCE_COLOR picks the level, even off a terminal", () => {
    expect(colorLevel({ FORCE_COLOR: "0" }, true, tty)).toBe(0);
    expect(colorLevel({ FORCE_COLOR: "false" }, true, tty)).toBe(0);
    expect(colorLevel({ FORCE_COLOR: "1" }, true, false)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: "2" }, true, false)).toBe(2);
    expect(colorLevel({ FORCE_COLOR: "3" }, true, false)).toBe(3);
    expect(colorLevel({ FORCE_COLOR: "" }, true, false)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: "1", TERM: "dumb" }, true, false)).toBe(1);
  });

  it("without FORCE_COLOR, colour needs a terminal that is not dumb", () => {
    expect(colorLevel({}, true, false)).toBe(0);
    expect(colorLevel({ TERM: "dumb" }, true, tty)).toBe(0);
    expect(colorLevel({ TERM: "xterm-256color" }, true, tty)).toBeGreaterThan(0);
  });
});

describe("renderJson", () => {
  it("writes bigints as decimal strings, 2-space indent, trailing newline", () => {
    const text = renderJson({ clock_ns: U64_MAX, nested: [{ at_ns: 0n, n: 3, none: null }] });
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text)).toEqual({ clock_ns: "18446744073709551615", nested: [{ at_ns: "0", n: 3, none: null }] });
    expect(text).toContain('\n  "clock_ns": "18446744073709551615"');
  });
});

describe("tables and cells", () => {
  const cooldown: Decision = { kind: "deny", reason: { kind: "cooldown", retryNs: 2n * S } };
  const blocked: Decision = { kind: "deny", reason: { kind: "blocklisted" } };

  function sample(ui: typeof plain): string {
    return [
      renderTable(
        ui,
        ["PEER", "OUTBOUND"],
        [
          ["16uZAbWC1AJvL", decisionCell(ui, cooldown)],
          ["x", decisionCell(ui, { kind: "allow" })],
        ],
        ["left", "left"],
      ),
      renderPairs(ui, [
        ["clock", "1"],
        ["threshold", "5"],
      ]),
      transitionCell(ui, "went_down"),
      failuresCell(ui, 5, 5, true),
      retryCell(ui, 3n * S, S),
      decisionSentence(ui, blocked, 0n),
      renderEvents(
        ui,
        [
          {
            peer: "16uZAbWC1AJvL",
            at_ns: S,
            consecutive_failures: 5,
            down: true,
            transition: "went_down",
            backoff: { attempts: 5, next_retry_ns: 2n * S },
          },
        ],
        5,
        0n,
      ),
    ].join("\n");
  }

  it("contain no ANSI codes at level 0", () => {
    const text = sample(plain);
    expect(text).not.toMatch(ANSI);
    expect(text).toContain("cooldown");
    expect(text).toContain("PeerDown");
    expect(text).toContain("5/5");
  });

  it("contain ANSI codes at level 1", () => {
    expect(sample(coloured)).toMatch(ANSI);
    expect(renderTable(coloured, ["A"], [["b"]])).toMatch(ANSI);
  });

  it("shows the words the contract names", () => {
    expect(transitionCell(plain, "came_up")).toBe("PeerUp");
    expect(transitionCell(plain, "none")).toBe("-");
    expect(decisionSentence(plain, cooldown, S)).toContain("cooldown");
    expect(decisionSentence(plain, cooldown, S)).toContain("in 1 s");
    expect(retryCell(plain, undefined, 0n)).toBe("-");
    expect(retryCell(plain, S, 2n * S)).toBe("ready (1 s ago)");
  });

  it("aligns pairs", () => {
    expect(
      renderPairs(plain, [
        ["clock", "1"],
        ["threshold", "5"],
      ]),
    ).toBe("clock      1\nthreshold  5");
  });
});

describe("big tables", () => {
  const head = ["#", "AT", "FAILURES", "RETRY IN"];
  const align: Align[] = ["right", "left", "right", "right"];
  const rowsFor = (ui: typeof plain, count: number): string[][] =>
    Array.from({ length: count }, (_, i) => [
      String((i * 37) % 1000),
      ui.chalk.yellow("16:00:00.000 UTC".slice(0, 5 + (i % 12))),
      ui.chalk.bold.red(`${i}/5`),
      `in ${formatDuration(BigInt(i) * 1_000n)}`,
    ]);

  it.each([
    [0 as const, 101],
    [0 as const, 777],
    [1 as const, 250],
  ])("at level %s, %s rows draw exactly as one cli-table3 table", (level, count) => {
    const ui = { chalk: makeChalk(level) };
    const rows = rowsFor(ui, count);
    const whole = new Table({
      head: head.map((title) => ui.chalk.bold(title)),
      style: { head: [], border: [], compact: true, "padding-left": 1, "padding-right": 1 },
      colAligns: align,
    });
    for (const row of rows) whole.push(row);
    expect(renderTable(ui, head, rows, align)).toBe(whole.toString());
  });

  it("draw thousands of rows (drawn in slices: cli-table3 is quadratic in the rows)", () => {
    const rows = rowsFor(plain, 8000);
    const text = renderTable(plain, head, rows, align);
    expect(text.split("\n")).toHaveLength(8000 + 4);
  });
});
