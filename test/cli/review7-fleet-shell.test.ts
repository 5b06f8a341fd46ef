/**
 * Review 13: `bbgov -s nodes/*.snap inspect`, the pattern unquoted. The shell expands it, and the second file comes
 * where the command goes: "unknown command 'nodes/b.snap'" did not say why.
 */
import fs from "node:fs";
import { describe, it } from "vitest";
import { expectError, sandboxes } from "./helpers.js";

const sandbox = sandboxes();
const HINT = "did the shell expand an unquoted pattern? quote it for bbgov to expand (-s 'nodes/*.snap'), or give -s before each file (-s)";

describe("an unquoted -s pattern that the shell expanded", () => {
  it("is named as such: a file where the command goes, right after -s FILE", async () => {
    const box = sandbox();
    fs.mkdirSync(box.path("nodes"));
    await box.ok(["-q", "-s", "nodes/a.json", "init"]);
    await box.ok(["-q", "-s", "nodes/b.json", "init"]);
    for (const args of [
      ["-s", "nodes/a.json", "nodes/b.json", "inspect"],
      ["--snapshot", "nodes/a.json", "nodes/b.json", "block", "16uZAbWC1AJvL"],
      ["--snapshot=nodes/a.json", "nodes/b.json", "inspect"],
      ["-s", "nodes/a.json", "nodes/b.json", "inspect", "--help"],
      ["-s", "nodes/b.json", "nodes/b.json", "inspect"],
    ])
      expectError(await box.run(args), `bbgov: 'nodes/b.json' is a file, not a command: ${HINT}\n`);
    expectError(await box.run(["-s", "nodes/a.json", "nodes", "inspect"]), `bbgov: 'nodes' is a folder, not a command: ${HINT}\n`);
    // Any other word is an unknown command, as before.
    expectError(
      await box.run(["-s", "nodes/a.json", "inspec"]),
      "bbgov: unknown command 'inspec' (did you mean inspect?) (see bbgov --help)\n",
    );
    expectError(await box.run(["nodes/b.json", "inspect"]), "bbgov: unknown command 'nodes/b.json' (see bbgov --help)\n");
  });
});
