/** Review 9a: `export -o` (and `completion -o`) under `--json` and `--dry-run`. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sandboxes } from "./helpers.js";

const sandbox = sandboxes();
const EXAMPLE = readFileSync(new URL("../../fixtures/example.json", import.meta.url), "utf8");

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
