/**
 * The README stays true: its demo output is what `npm run demo` prints, and
 * every command of the program is documented in it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../src/cli/program.js";

const root = path.resolve(__dirname, "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");

describe("README", () => {
  it("shows the demo's real output", () => {
    const result = spawnSync(process.execPath, [path.join(root, "bin", "bbgov.js"), "-s", "fixtures/example.json", "inspect"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined },
    });
    expect(result.status).toBe(0);
    expect(readme).toContain(result.stdout.trimEnd());
  });

  it("documents every command in its table", () => {
    const table = readme.slice(readme.indexOf("### Commands"), readme.indexOf("A command that changes nothing"));
    for (const spec of COMMANDS) expect(table).toMatch(new RegExp(`\`${spec.name}[ \`]`));
  });

  it("gives the two set-up commands", () => {
    expect(readme).toContain("npm ci && npm run demo");
    expect(readme).toContain("npm ci && npm test");
  });
});
