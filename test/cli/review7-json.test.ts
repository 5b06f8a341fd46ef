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
    for (const snapshots of [
      ["-s", "a.json"],
      ["-s", "a.json", "-s", "b.json"],
    ]) {
      for (const format of ["tsv", "ndjson"]) {
        const result = await box.run([...snapshots, "--json", "inspect", "--format", format]);
        expectError(result, `--json prints one JSON document and --format ${format}`);
      }
      // json, table and wide still print the one document.
      for (const format of ["json", "table"]) {
        const result = await box.run([...snapshots, "--json", "inspect", "--format", format]);
        expect(result.status).toBe(0);
        expect(() => JSON.parse(result.stdout)).not.toThrow();
      }
    }
  });
});
