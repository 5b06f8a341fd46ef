/** End to end: `inspect --format table|wide|json|ndjson`, and `--json` as the short form of `--format json`. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectError, L, M, Q, sandboxes, T0 } from "../helpers.js";

const sandbox = sandboxes();
const EXAMPLE = readFileSync(new URL("../../../fixtures/example.json", import.meta.url), "utf8");

interface InspectDoc {
  peers: Record<string, unknown>[];
}

describe("inspect --format", { timeout: 30_000 }, () => {
  it("json prints exactly what --json prints", async () => {
    const box = sandbox();
    box.write("governor.json", EXAMPLE);
    const viaFormat = await box.ok(["inspect", "--format", "json"]);
    expect(viaFormat).toBe(await box.ok(["--json", "inspect"]));
    expect(JSON.parse(viaFormat)).toHaveProperty("summary");
    // The filters apply the same way.
    expect(await box.ok(["inspect", "--down", "--sort", "failures", "--format", "json"])).toBe(
      await box.ok(["--json", "inspect", "--down", "--sort", "failures"]),
    );
  });

  it("ndjson prints one object per peer per line: the peers of --json, u64 as strings", async () => {
    const box = sandbox();
    box.write("governor.json", EXAMPLE);
    const doc = await box.json<InspectDoc>(["inspect", "--sort", "last-event"]);
    const out = await box.ok(["inspect", "--format", "ndjson", "--sort", "last-event"]);
    const lines = out.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(12);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(doc.peers);
    expect(lines[0]).not.toContain("\n");
    expect(lines.join("\n")).toMatch(/"last_event_ns":"1764000000122454769"/);
    expect((await box.ok(["inspect", "--format", "ndjson", "--down", "--limit", "2"])).split("\n")).toHaveLength(3);
  });

  it("ndjson of no peer is empty; --json does not turn it back into one document", async () => {
    const box = sandbox();
    await box.build();
    expect(await box.ok(["inspect", "--format", "ndjson"])).toBe("");
    await box.ok(["-q", "block", L]);
    expect(await box.ok(["--json", "inspect", "--format", "ndjson"])).toBe(
      `${JSON.stringify({
        peer: L,
        blocked: true,
        allowlisted: false,
        health: null,
        backoff: null,
        inbound: { decision: "deny", reason: "blocklisted", retry_ns: null },
        outbound: { decision: "deny", reason: "blocklisted", retry_ns: null },
      })}\n`,
    );
  });

  it("wide adds the list flags and the absolute times in nanoseconds", async () => {
    const box = sandbox();
    await box.build([`allow --restrict ${L} ${M}`, `block ${Q}`, `fail ${L} --times 2`, `succeed ${M}`]);
    const out = await box.ok(["inspect", "--format", "wide"]);
    for (const column of ["BLOCKED", "ALLOWLISTED", "LAST EVENT NS", "LAST ATTEMPT NS", "NEXT RETRY NS", "INBOUND", "OUTBOUND"]) {
      expect(out).toContain(column);
    }
    const row = (peer: string): string => out.split("\n").find((line) => line.includes(peer)) ?? "";
    const cells = (peer: string): string[] =>
      row(peer)
        .split("│")
        .map((cell) => cell.trim())
        .slice(1, -1);
    expect(cells(L)).toEqual([
      L,
      "no",
      "yes",
      "2/5",
      "",
      "now (16:00:00.000)",
      String(T0),
      "2",
      String(T0),
      "in 20 ms (16:00:00.020)",
      String(T0 + 20_000_000n),
      "allow",
      "cooldown",
    ]);
    expect(cells(M).slice(0, 4)).toEqual([M, "no", "yes", "0/5"]);
    expect(cells(M)[6]).toBe(String(T0));
    expect(cells(M)[8]).toBe("-");
    expect(cells(Q).slice(0, 3)).toEqual([Q, "yes", "no"]);
    // The plain table has none of these columns.
    const table = await box.ok(["inspect"]);
    expect(table).not.toContain("NEXT RETRY NS");
    expect(await box.ok(["inspect", "--format", "table"])).toBe(table);
  });

  it("wide shows the open policy as open; --json wins over the table formats", async () => {
    const box = sandbox();
    await box.build([`fail ${L}`]);
    const out = await box.ok(["inspect", "--format", "wide"]);
    expect(out).toMatch(new RegExp(`${L} │ no +│ open `));
    expect(await box.ok(["--json", "inspect", "--format", "wide"])).toBe(await box.ok(["--json", "inspect"]));
  });

  it("accepts only the four formats", async () => {
    const box = sandbox();
    await box.build();
    expectError(await box.run(["inspect", "--format", "yaml"]), "Allowed choices are table, wide, json, ndjson");
  });
});
