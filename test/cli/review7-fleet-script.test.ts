/**
 * Review 7: a fleet's apply script is the same for every file. What is wrong with the script itself (it cannot
 * be read, a line that is wrong whatever the node holds) is reported once, naming the script; what depends on a
 * node's state is still reported per file.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { expectError, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

/** Two bbgov snapshots, a.json and b.json. */
async function pair(): Promise<ReturnType<typeof sandbox>> {
  const box = sandbox();
  await box.ok(["-q", "-s", "a.json", "init"]);
  await box.ok(["-q", "-s", "b.json", "init"]);
  return box;
}

describe("a fleet's script that cannot be read", () => {
  it("is one error naming the script (was: one per file, each under the file's name)", async () => {
    const box = await pair();
    expectError(
      await box.run(["-s", "a.json", "-s", "b.json", "apply", "missing.txt"]),
      "bbgov: cannot read the script file: no such file (missing.txt)\n",
    );
  });
});

describe("a fleet's script with lines wrong whatever the node holds", () => {
  it("says each bad line once, naming the script and the line (was: once per file, under each file's name)", async () => {
    const box = await pair();
    const before = [box.doc("a.json"), box.doc("b.json")];
    fs.writeFileSync(
      box.path("script.txt"),
      [
        "block 16uZAbWC1AJvL",
        "blok 16uZAbWC1AJvM", // an unknown command
        "threshold x", // a bad value
        "fail 16uZAbWC1AJvL --bogus", // an unknown option
        "block 'unclosed", // a syntax error
        "unblock", // its command's own check: neither peers nor --all
        "block 0OIl", // a peer no node could resolve
        "",
      ].join("\n"),
    );
    const result = await box.run(["-s", "a.json", "-s", "b.json", "apply", "script.txt"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.map((line) => /\((script\.txt line \d+)[:)]/.exec(line)?.[1])).toEqual(
      [2, 3, 4, 5, 6, 7].map((n) => `script.txt line ${n}`),
    );
    expect(lines[0]).toBe("bbgov: unknown command 'blok' (did you mean block?) (script.txt line 2)");
    expect(result.stderr).not.toContain("a.json");
    expect([box.doc("a.json"), box.doc("b.json")]).toEqual(before);
  });

  it("from standard input too: named as standard input's line, once", async () => {
    const box = await pair();
    expectError(
      await box.run(["-s", "a.json", "-s", "b.json", "apply", "-"], { input: "block 16uZAbWC1AJvL\nthreshold x\n" }),
      'bbgov: invalid number "x": expected a whole number from 0 to 4294967295 (standard input line 2: argument N)\n',
    );
  });
});

describe("a fleet's script with lines wrong on some node's state or kind", () => {
  it("says them per file, as before: each file's own error, and which files failed their check", async () => {
    const box = await pair();
    await box.ok(["-q", "-s", "b.json", "allow", "--restrict", "16uZAbWC1AJvN"]);
    fs.copyFileSync(path.join(import.meta.dirname, "../../fixtures/node/small.bin"), box.path("c.bin"));
    // allow without --restrict: refused on an open policy only (a.json and c.bin); clock --set: a node snapshot has no clock.
    fs.writeFileSync(box.path("script.txt"), "allow 16uZAbWC1AJvM\nclock --set 5\n");
    const result = await box.run(["-s", "a.json", "-s", "b.json", "-s", "c.bin", "apply", "script.txt"]);
    expect(result.status).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^bbgov: the policy is open: .* \(a\.json: script\.txt line 1: allow\)$/);
    expect(lines.some((line) => line.endsWith("(c.bin: script.txt line 2: --set)"))).toBe(true);
    expect(result.stderr).not.toContain("b.json:");
    expect(lines.at(-1)).toBe("bbgov: nothing written: 2 of 3 file(s) failed their check (a.json, c.bin) (fleet)");
  });
});
