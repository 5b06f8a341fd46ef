/** Review 9a: `--json` is one JSON document on standard output, or an error with nothing there. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectError, sandboxes } from "./helpers.js";

const sandbox = sandboxes();
const EXAMPLE = readFileSync(new URL("../../fixtures/example.json", import.meta.url), "utf8");

describe("--json with a --format of many lines", () => {
  it("is a usage error for one snapshot and for a fleet, with nothing on standard output", async () => {
    const box = sandbox();
    box.write("a.json", EXAMPLE);
    box.write("b.json", EXAMPLE);
    const fleet = ["-s", "a.json", "-s", "b.json"];
    expectError(
      await box.run(["-s", "a.json", "--json", "inspect", "--format", "tsv"]),
      "--json prints one JSON document and --format tsv",
    );
    expectError(
      await box.run([...fleet, "--json", "inspect", "--format", "ndjson"]),
      "--json prints one JSON document and --format ndjson",
    );
    // json and table still print the one document.
    const same = await box.run(["-s", "a.json", "--json", "inspect", "--format", "table"]);
    expect(same.status).toBe(0);
    expect(JSON.parse(same.stdout)).toHaveProperty("summary");
  });
});

describe("export -o with --json or --dry-run", () => {
  it("--json prints one document naming the file written; --dry-run writes no file", async () => {
    const box = sandbox();
    box.write("governor.json", EXAMPLE);
    const result = await box.run(["--json", "export", "--to", "framework-json", "-o", "up.json"]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      command: "export",
      written: true,
      out: "up.json",
      to: "framework-json",
      source: "governor.json",
      fields_from_source: [],
      warnings: [],
    });
    expect(box.exists("up.json")).toBe(true);
    const dry = await box.run(["--json", "--dry-run", "export", "-o", "dry.json"]);
    expect(JSON.parse(dry.stdout)).toMatchObject({ command: "export", written: false, out: "dry.json" });
    expect(await box.ok(["--dry-run", "export", "-o", "dry.json"])).toBe("dry run: dry.json not written\n");
    expect(box.exists("dry.json")).toBe(false);
  });
});
