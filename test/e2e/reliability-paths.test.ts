/**
 * Process-level proof that odd places are clean errors and that a write keeps
 * what makes the file itself: a FIFO, a folder or a dangling link as the lock
 * file, a really full disk, a read-only snapshot, an unwritable folder, the
 * permission bits and a symbolic link. The built binary on real temp files.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, PEER, bbgov, freshFolders, portableBin, writeEmptySnapshot } from "./reliability-helpers.js";

const place = freshFolders();

describe("reliability: odd paths and permissions", { timeout: 120_000 }, () => {
  it.each([
    ["a FIFO", () => spawnSync("mkfifo", [`${place.file}.lock`]), "its lock file is a FIFO, not a regular file; remove it"],
    ["a folder", () => mkdirSync(`${place.file}.lock`), "its lock file is a folder; remove it"],
    [
      "a dangling symbolic link",
      () => symlinkSync(path.join(place.dir, "nowhere"), `${place.file}.lock`),
      "its lock file is a symbolic link; remove it",
    ],
  ])("a lock path that is %s is a clean error within the timeout, the snapshot untouched", (_name, make, message) => {
    const { dir, file } = place;
    writeEmptySnapshot(file);
    const original = readFileSync(file, "utf8");
    rmSync(`${file}.lock`, { force: true });
    make();
    const result = spawnSync(process.execPath, [BIN, "-s", file, "--lock-timeout", "2s", "block", PEER], {
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`bbgov: cannot lock the snapshot: ${message} (${file}.lock)\n`);
    expect(readFileSync(file, "utf8")).toBe(original);
    expect(existsSync(path.join(dir, "nowhere"))).toBe(false);
  });

  it("a really full disk (a small tmpfs): one line, exit 2, the snapshot and folder as they were", (ctx) => {
    const { dir } = place;
    const mount = path.join(dir, "small");
    mkdirSync(mount);
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", mount], { encoding: "utf8" });
    if (mounted.status !== 0) {
      console.log(`skipped: cannot mount a small tmpfs here (${(mounted.stderr ?? String(mounted.error)).trim()})`);
      ctx.skip();
    }
    try {
      const target = path.join(mount, "governor.json");
      expect(spawnSync(process.execPath, [BIN, "-s", target, "-q", "init"]).status).toBe(0);
      const original = readFileSync(target, "utf8");
      try {
        writeFileSync(path.join(mount, "filler"), Buffer.alloc(1 << 20));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
      }
      const result = spawnSync(process.execPath, [BIN, "-s", target, "fail", PEER, "--times", "50"], { encoding: "utf8" });
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe(`bbgov: cannot write the snapshot: no space left on the device (${target})\n`);
      expect(readFileSync(target, "utf8")).toBe(original);
      expect(readdirSync(mount).sort()).toEqual(["filler", "governor.json", "governor.json.lock"]);
    } finally {
      spawnSync("umount", [mount]);
    }
  });

  it("refuses a read-only snapshot and leaves it intact", () => {
    const { file } = place;
    writeEmptySnapshot(file);
    const original = readFileSync(file, "utf8");
    chmodSync(file, 0o444);
    const result = bbgov(file, ["block", PEER]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^bbgov: cannot write the snapshot: it is read-only \(mode 0444\) \(.*governor\.json\)\n$/);
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("reports an unwritable folder and leaves the snapshot intact", (ctx) => {
    const { dir, file } = place;
    writeEmptySnapshot(file);
    const original = readFileSync(file, "utf8");
    // Root writes anywhere: run the write as `nobody` then, from a copy of the built bin that nobody can read
    // (the checkout itself may sit where nobody cannot enter, such as /root or a mktemp -d folder).
    const asRoot = process.getuid?.() === 0;
    let bin = BIN;
    if (asRoot) {
      chmodSync(dir, 0o755);
      chownSync(file, 65534, 65534);
      bin = portableBin();
      const probe = spawnSync(process.execPath, [bin, "--version"], { uid: 65534, gid: 65534, cwd: dir, encoding: "utf8" });
      if (probe.status !== 0) {
        console.log(
          `skipped: uid 65534 cannot run a copy of bbgov in ${path.dirname(path.dirname(bin))} (${probe.stderr.trim() || String(probe.error)})`,
        );
        ctx.skip();
      }
    }
    // No lock file yet: it is the folder that refuses to hold one.
    rmSync(`${file}.lock`, { force: true });
    chmodSync(dir, 0o555);
    const result = spawnSync(process.execPath, [bin, "-s", file, "block", PEER], {
      encoding: "utf8",
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^bbgov: cannot write the snapshot: its folder is not writable \(permission denied\) \(.*\)\n$/);
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("keeps the permission bits and a symbolic link", () => {
    const { dir, file } = place;
    writeEmptySnapshot(file);
    chmodSync(file, 0o600);
    const link = path.join(dir, "link.json");
    spawnSync("ln", ["-s", "governor.json", link]);
    const result = spawnSync(process.execPath, [BIN, "-s", link, "-q", "block", PEER], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["governor.json", "governor.json.lock", "link.json"]);
    expect(spawnSync("readlink", [link], { encoding: "utf8" }).stdout.trim()).toBe("governor.json");
    expect(readFileSync(file, "utf8")).toContain(PEER);
    expect(spawnSync("stat", ["-c", "%a", file], { encoding: "utf8" }).stdout.trim()).toBe("600");
  });
});

describe("a fleet with a file of another owner (found by an adversarial run)", { timeout: 120_000 }, () => {
  it("is refused in the check, before the first write: nothing written anywhere", (ctx) => {
    // Only root can make a file of another owner; the change then runs as `nobody`, whose own the other files are.
    if (process.getuid?.() !== 0) {
      console.log("skipped: only root can give a file to another owner");
      ctx.skip();
    }
    const { dir } = place;
    chmodSync(dir, 0o755);
    const files = ["a.json", "b.json", "c.json"].map((name) => path.join(dir, name));
    for (const file of files) writeEmptySnapshot(file);
    for (const file of [files[0], files[2]] as string[]) chownSync(file, 65534, 65534);
    chownSync(dir, 65534, 65534);
    const before = files.map((file) => readFileSync(file));
    const bin = portableBin();
    const result = spawnSync(process.execPath, [bin, "-s", dir, "block", PEER], {
      encoding: "utf8",
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      uid: 65534,
      gid: 65534,
    });
    if (result.status === null || /cannot find|EACCES/.test(result.stderr)) {
      console.log(`skipped: uid 65534 cannot run a copy of bbgov (${result.stderr.trim() || String(result.error)})`);
      ctx.skip();
    }
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split("\n").at(-1)).toBe("bbgov: nothing written: 1 of 3 file(s) failed their check (b.json) (fleet)");
    expect(result.stderr).toContain("cannot keep its owner and group 0:0");
    expect(files.map((file) => readFileSync(file))).toEqual(before);
  });
});
