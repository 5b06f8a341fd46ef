/**
 * Sixth review: a fleet's change finds every file whose write must be refused before the first write. A
 * hard-linked snapshot is refused whatever would be written (the rename would split its names), as a read-only
 * one is; found only in the write phase, it left the files before it written and itself not (a partial write
 * that the first phase is there to prevent).
 */
import fs from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { tempDirs } from "./helpers.js";
import { cli } from "./run.js";

const FIXTURES = path.resolve(__dirname, "../../fixtures");
const PEER = "16uZAbWC1AJvL";

const freshDir = tempDirs("bbgov-review6-");
let dir: string;
beforeEach(() => {
  dir = freshDir();
});

describe("a fleet with a hard-linked snapshot", () => {
  it("refuses the change in its first phase: nothing written anywhere, one line naming the file", async () => {
    const folder = path.join(dir, "nodes");
    fs.mkdirSync(folder);
    const files = ["a.bin", "b.json"].map((name) => path.join(folder, name));
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), files[0] as string);
    fs.copyFileSync(path.join(FIXTURES, "example.json"), files[1] as string);
    fs.linkSync(files[1] as string, path.join(dir, "elsewhere.json"));
    const before = files.map((file) => fs.readFileSync(file));
    const result = await cli(["-s", folder, "block", PEER]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `bbgov: cannot write the snapshot: it has 2 hard links, and replacing it would split them; remove the other links or write a copy with --out (${files[1]})\n` +
        "bbgov: nothing written: 1 of 2 file(s) failed their check (b.json) (fleet)\n",
    );
    expect(files.map((file) => fs.readFileSync(file))).toEqual(before);
    expect(fs.statSync(files[1] as string).nlink).toBe(2);
  });

  it("a hard-linked file the command does not change is no reason to refuse", async () => {
    const folder = path.join(dir, "nodes");
    fs.mkdirSync(folder);
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), path.join(folder, "a.bin"));
    fs.copyFileSync(path.join(FIXTURES, "example.json"), path.join(folder, "b.json"));
    fs.linkSync(path.join(folder, "b.json"), path.join(dir, "elsewhere.json"));
    // The example blocks this peer already: b.json is unchanged, a.bin is written.
    const result = await cli(["--json", "-s", folder, "block", "12D3KooWS3iYbD7YEuQ1SGhRiUSiVBdgzuWSxXgY551TNtMFdaik"]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ written: ["a.bin"], unchanged: ["b.json"] });
  });
});
