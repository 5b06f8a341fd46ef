/** Safe by default: -o never replaces an unrelated file without --force, and no help example can destroy one. */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/program.js";
import { cli, EXAMPLE, tempDir } from "./terminal-helpers.js";

const root = tempDir("bbgov-safety-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A directory holding a copy of the example snapshot and an unrelated file. */
function box(): { dir: string; snapshot: string; notes: string } {
  const dir = fs.mkdtempSync(path.join(root, "t-"));
  const snapshot = path.join(dir, "governor.json");
  const notes = path.join(dir, "notes.txt");
  fs.copyFileSync(EXAMPLE, snapshot);
  fs.writeFileSync(notes, "my notes\n");
  return { dir, snapshot, notes };
}

describe("-o refuses to replace an existing file without --force", () => {
  it.each([[["export"]], [["threshold", "3"]], [["block", "QmNVm9nn9RKXEuuKKsX2RWd66nqK4FedXehVffiUVnLrtT"]], [["completion", "bash"]]])(
    "%j",
    async (command) => {
      const { snapshot, notes } = box();
      const before = fs.readFileSync(snapshot);
      const refused = await cli(["-s", snapshot, "-o", notes, ...command]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toBe(`bbgov: ${notes} already exists; add --force to replace it (--out)\n`);
      expect(fs.readFileSync(notes, "utf8")).toBe("my notes\n");
      expect(fs.readFileSync(snapshot)).toEqual(before);
      const forced = await cli(["-s", snapshot, "-o", notes, ...command, "--force"]);
      expect(forced.status).toBe(0);
      expect(fs.readFileSync(notes, "utf8")).not.toBe("my notes\n");
    },
  );

  it("writes a new file, the snapshot itself, and --dry-run without asking", async () => {
    const { dir, snapshot } = box();
    expect((await cli(["-s", snapshot, "-o", path.join(dir, "new.json"), "threshold", "3"])).status).toBe(0);
    expect((await cli(["-s", snapshot, "-o", snapshot, "threshold", "4"])).status).toBe(0);
    expect(JSON.parse(fs.readFileSync(snapshot, "utf8")).peer_governor.failure_threshold).toBe(4);
    expect((await cli(["-s", snapshot, "-o", path.join(dir, "new.json"), "--dry-run", "threshold", "5"])).status).toBe(0);
  });

  it("init and import still need their own --force", async () => {
    const { snapshot } = box();
    const refused = await cli(["-s", snapshot, "init"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("already exists; add --force to replace it");
  });
});

describe("help examples", () => {
  it("never redirect into a file: a failed command would empty it", () => {
    for (const spec of COMMANDS) {
      for (const example of spec.examples) {
        // `<(...)` is process substitution, `| jq` a pipe; only `>` into a file truncates it first.
        expect(example, `${spec.name}: ${example}`).not.toMatch(/(^|[^<|2&])>\s*[^\s&|]/);
      }
    }
  });
});
