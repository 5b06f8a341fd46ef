/** How wide output may be, and tables that fit it (in process; the pseudo-terminal runs are in test/e2e/terminal.test.ts). */
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { outputWidth } from "../../src/cli/io/terminal.js";
import { shortPeerNames } from "../../src/cli/render/peer.js";
import { asGiven, cli, EXAMPLE } from "./terminal-helpers.js";

describe("outputWidth", () => {
  it.each([
    ["a terminal's own width", { isTTY: true, columns: 120 }, {}, 120],
    ["COLUMNS when the terminal gives none", { isTTY: true }, { COLUMNS: "100" }, 100],
    ["80 for a terminal of unknown width", { isTTY: true }, {}, 80],
    ["unlimited for a pipe", { isTTY: false }, {}, undefined],
    ["COLUMNS for a pipe when set", { isTTY: false }, { COLUMNS: "80" }, 80],
    ["at least 40", { isTTY: true, columns: 10 }, {}, 40],
    ["a nonsense COLUMNS is ignored", { isTTY: false }, { COLUMNS: "wide" }, undefined],
    ["COLUMNS=0 is as if unset, for a pipe", { isTTY: false }, { COLUMNS: "0" }, undefined],
    ["COLUMNS=0 is as if unset, for a terminal", { isTTY: true }, { COLUMNS: "0" }, 80],
    ["COLUMNS=10 is at least 40", { isTTY: false }, { COLUMNS: "10" }, 40],
  ])("%s", (_, stream, env, expected) => {
    expect(outputWidth(stream, env)).toBe(expected);
  });
});

describe("short peer names", () => {
  it("are head…tail, lengthened where two known peers would look alike", () => {
    const a = "12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAzzzzz";
    const b = "12D3KooWAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAzzzzz";
    const names = shortPeerNames([a, b, "16uZAbWC1AJvL"], [a, b]);
    expect(names.get("16uZAbWC1AJvL")).toBe("16uZAbWC1AJvL");
    expect(names.get(a)).not.toBe(names.get(b));
    expect(names.get(a)?.endsWith("…zzzzz")).toBe(true);
    expect(shortPeerNames([a], [a]).get(a)).toBe("12D3KooW…zzzzz");
  });

  it("are not lengthened for peers whose short forms differ but hash alike", () => {
    // Groups are found by a hash of the short form's characters: "Aa" and "BB" add up alike, the forms differ.
    const a = `12D3KooW${"x".repeat(39)}abcAa`;
    const b = `12D3KooW${"x".repeat(39)}abcBB`;
    const names = shortPeerNames([a, b], [a, b]);
    expect([names.get(a), names.get(b)]).toEqual(["12D3KooW…abcAa", "12D3KooW…abcBB"]);
  });
});

describe("inspect fits the terminal", () => {
  it.each([80, 100, 120, 160])("%i columns: no line is wider", async (columns) => {
    const result = await cli(["-s", asGiven(EXAMPLE), "inspect"], { tty: true, columns });
    expect(result.status).toBe(0);
    // Coloured, as on a terminal: the colour codes take no columns.
    for (const line of stripVTControlCharacters(result.stdout).split("\n")) expect([...line].length, line).toBeLessThanOrEqual(columns);
  });

  it("a pipe gets everything; --no-trunc and --format wide on a terminal too", async () => {
    const full = "12D3KooWJATkUcKJHbbtK22skXSBCUAtjkCg9z6NVDz3wX4a7Ci4";
    expect((await cli(["-s", EXAMPLE, "inspect"])).stdout).toContain(full);
    expect((await cli(["-s", EXAMPLE, "--no-trunc", "inspect"], { tty: true, columns: 80 })).stdout).toContain(full);
    expect((await cli(["-s", EXAMPLE, "inspect", "--format", "wide"], { tty: true, columns: 80 })).stdout).toContain(full);
    expect((await cli(["-s", EXAMPLE, "inspect"], { tty: true, columns: 80 })).stdout).not.toContain(full);
  });
});

describe("notes and fleet lines fit the terminal (found by an adversarial run)", () => {
  const SMALL = asGiven(fileURLToPath(new URL("../../fixtures/node/small.bin", import.meta.url)));
  const HAND = asGiven(fileURLToPath(new URL("../../fixtures/node/hand-edited.bin", import.meta.url)));
  /** Known to the example, unknown to the node fixtures: its note names a 46-character id. */
  const UNKNOWN = "QmNVm9nn9RKXEuuKKsX2RWd66nqK4FedXehVffiUVnLrtT";

  it.each([
    ["a note on an unknown peer", ["-s", SMALL, "--dry-run", "block", UNKNOWN]],
    ["a fleet's notes under each node", ["-s", SMALL, "-s", HAND, "--dry-run", "block", UNKNOWN]],
    ["a fleet's validate lines, named by node id", ["-s", SMALL, "-s", HAND, "validate"]],
  ])("%s: no line wider than 80 columns", async (_, args) => {
    const result = await cli(args, { tty: true, columns: 80 });
    expect(result.status, result.stderr).toBe(0);
    const lines = stripVTControlCharacters(result.stdout).split("\n");
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
    // The whole id is still there to copy: wrapped, not cut.
    if (args.includes(UNKNOWN)) expect(lines.join(" ")).toContain(UNKNOWN);
  });
});
