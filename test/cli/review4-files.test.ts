/**
 * Third review: what a mistyped path leaves behind. A command that cannot run
 * because the snapshot is not there (or its -o names a folder) must fail with
 * the same one line as before and leave the folder exactly as it was: no
 * `.lock` file made beside a file that does not exist. A folder that does not
 * exist is named as such, not as a missing lock file.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { expectError, L, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

describe("a mistyped path leaves the folder as it was", () => {
  it.each([
    [["-s", "typo.json", "block", L]],
    [["-s", "typo.json", "fail", L, "--times", "3"]],
    [["-s", "typo.json", "-o", "out.json", "threshold", "3"]],
    [["-s", "typo.json", "apply", "-"]],
  ])("%j: the read error, and no lock file", async (args) => {
    const box = sandbox();
    const result = await box.run(args, { input: `block ${L}\n` });
    expectError(result, "bbgov: cannot read the snapshot: no such file; create one with `bbgov init` (typo.json)");
    expect(fs.readdirSync(box.dir)).toEqual([]);
  });

  it("a snapshot in a folder that does not exist: the read error, and nothing made", async () => {
    const box = sandbox();
    const result = await box.run(["-s", "nowhere/typo.json", "block", L]);
    expectError(result, "bbgov: cannot read the snapshot: no such file; create one with `bbgov init` (nowhere/typo.json)");
    expect(fs.readdirSync(box.dir)).toEqual([]);
  });

  it("-o naming a folder: refused as a folder, and no lock file beside it", async () => {
    const box = sandbox();
    await box.build();
    fs.mkdirSync(box.path("out"));
    const before = fs.readdirSync(box.dir).sort();
    expectError(await box.run(["-o", "out", "threshold", "3"]), "bbgov: cannot write the snapshot: is a folder, not a file (out)");
    expect(fs.readdirSync(box.dir).sort()).toEqual(before);
  });

  it("init, import and export -o into a folder that does not exist name that folder", async () => {
    const box = sandbox();
    expectError(
      await box.run(["-s", "nowhere/new.json", "init"]),
      "bbgov: cannot write the snapshot: the folder nowhere does not exist (nowhere/new.json)",
    );
    await box.build();
    expectError(
      await box.run(["export", "-o", "nowhere/framework.json"]),
      "bbgov: cannot write the snapshot: the folder nowhere does not exist (nowhere/framework.json)",
    );
    expect(fs.existsSync(box.path("nowhere"))).toBe(false);
  });
});

describe("a snapshot the write must refuse is not locked", () => {
  it("read-only: refused as before, a no-op still exits 0, and no lock file is made for either", async () => {
    const box = sandbox();
    await box.build();
    fs.rmSync(box.path("governor.json.lock"));
    fs.chmodSync(box.path(), 0o444);
    const before = box.read();
    expectError(await box.run(["block", L]), "bbgov: cannot write the snapshot: it is read-only (mode 0444) (governor.json)");
    expect(await box.ok(["-q", "unblock", L])).toBe("");
    expect(fs.readdirSync(box.dir)).toEqual(["governor.json"]);
    expect(box.read()).toBe(before);
  });
});

describe("a snapshot that is no regular file", () => {
  it("a FIFO is refused by a changing command before it is read, with no lock file beside it", async () => {
    const box = sandbox();
    await box.build();
    fs.renameSync(box.path(), box.path("snapshot.json"));
    fs.rmSync(box.path("governor.json.lock"));
    expect(spawnSync("mkfifo", [box.path("node.fifo")]).status).toBe(0);
    // A writer, so that a read (the bug) ends instead of waiting for one; refused before any read, it waits in vain.
    const writer = spawn("sh", ["-c", "cat snapshot.json > node.fifo"], { cwd: box.dir, stdio: "ignore" });
    try {
      expectError(await box.run(["-s", "node.fifo", "block", L]), "bbgov: cannot write the snapshot: it is not a regular file (node.fifo)");
      expect(fs.readdirSync(box.dir).sort()).toEqual(["node.fifo", "snapshot.json"]);
    } finally {
      writer.kill();
    }
  });
});

describe("a compressed snapshot", () => {
  it.each([
    ["gzip", (bytes: Buffer) => zlib.gzipSync(bytes), "gzip", "gunzip"],
    ["zstd", (bytes: Buffer) => Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00]), bytes]), "zstd", "unzstd"],
    ["xz", (bytes: Buffer) => Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00]), bytes]), "xz", "unxz"],
  ])("%s: named as such, not read as a damaged node snapshot", async (_name, compress, kind, tool) => {
    const box = sandbox();
    await box.build([`fail ${L} --times 2`]);
    fs.writeFileSync(box.path("node.snap"), compress(fs.readFileSync(box.path())));
    expectError(
      await box.run(["-s", "node.snap", "inspect"]),
      `bbgov: the file is ${kind}-compressed: decompress it first (${tool}) (node.snap: $)`,
    );
    // import with its kind given by hand says so too (found by a second review).
    for (const from of ["node-snapshot", "framework-json", "auto"]) {
      const result = await box.run(["-s", "new.json", "import", "node.snap", "--from", from]);
      expect(result.status, from).toBe(2);
      expect(result.stderr, from).toContain(`the file is ${kind}-compressed: decompress it first (${tool})`);
    }
  });
});

describe("a symbolic link to nothing (review 13)", () => {
  it("is named as such, with where it leads, alone and in a fleet: it was 'no such file; create one with bbgov init'", async () => {
    const box = sandbox();
    await box.build();
    fs.symlinkSync("gone/node.snap", box.path("dangling.json"));
    expectError(
      await box.run(["-s", "dangling.json", "inspect"]),
      "bbgov: cannot read the snapshot: it is a symbolic link to gone/node.snap, which does not exist; create it with `bbgov init --force` (dangling.json)\n",
    );
    const fleet = await box.run(["-s", "governor.json", "-s", "dangling.json", "inspect"]);
    expect(fleet.status).toBe(2);
    expect(fleet.stderr).toContain(
      "bbgov: cannot read the snapshot: it is a symbolic link to gone/node.snap, which does not exist; create it with `bbgov init --force` (dangling.json)\n",
    );
    // A missing file that is no link keeps its hint.
    expectError(await box.run(["-s", "missing.json", "inspect"]), "no such file; create one with `bbgov init` (missing.json)");
  });
});
