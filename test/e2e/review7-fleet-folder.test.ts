/**
 * Review 13, found by running a fleet change as a user who may write some nodes' folders and not another's: the
 * folder that could not be written (the lock file and the atomic write's temporary file are made there) was found
 * only midway, after the files before it were written, where a fleet change checks every file first and writes
 * nothing when one would fail. It is now found in the first phase, with the read-only files.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freshFolders, PEER, portableBin, writeEmptySnapshot } from "./reliability-helpers.js";

const place = freshFolders();

describe("a fleet change with a node's folder that cannot be written", { timeout: 60_000 }, () => {
  it("fails the first phase: nothing written anywhere, no lock file made", (ctx) => {
    // Only root can run bbgov as another user (root itself may write any folder).
    if (process.getuid?.() !== 0) {
      console.log("skipped: only root can run bbgov as another user");
      ctx.skip();
    }
    const { dir } = place;
    chmodSync(dir, 0o755);
    const user = 65534;
    const files = ["a", "b"].map((name) => {
      mkdirSync(path.join(dir, name));
      const file = path.join(dir, name, "node.json");
      writeEmptySnapshot(file);
      chownSync(file, user, user);
      chownSync(path.join(dir, name), user, user);
      return file;
    });
    chmodSync(path.join(dir, "b"), 0o555);
    const before = files.map((file) => readFileSync(file));
    const result = spawnSync(process.execPath, [portableBin(), "-s", `${dir}/*/node.json`, "block", PEER], {
      encoding: "utf8",
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      uid: user,
      gid: user,
    });
    chmodSync(path.join(dir, "b"), 0o755);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `bbgov: cannot write the snapshot: its folder is not writable (permission denied) (${files[1]}: ${path.join(dir, "b")})\n` +
        "bbgov: nothing written: 1 of 2 file(s) failed their check (b/node.json) (fleet)\n",
    );
    expect(files.map((file) => readFileSync(file))).toEqual(before);
    expect(readdirSync(path.join(dir, "a"))).toEqual(["node.json"]);
  });
});
