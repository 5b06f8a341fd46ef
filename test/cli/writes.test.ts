/**
 * Where a write goes and what the replacement keeps, in process through
 * `execute`: the kernel's protected_symlinks rule, a target swapped while
 * bbgov works, hard links, and the owner, group, mode, ACL and extended
 * attributes of a file that root edits.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cli } from "./run.js";

const PEER = "16uZAbWC1AJvL";
const native = createRequire(import.meta.url)("fs-native-extensions") as {
  getAttrSync(fd: number, name: string): Uint8Array | null;
  setAttrSync(fd: number, name: string, value: Uint8Array): void;
};
const asRoot = process.getuid?.() === 0;

let dir = "";
let file = "";
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-writes-"));
  file = path.join(dir, "governor.json");
  expect((await cli(["-s", file, "-q", "init"])).status).toBe(0);
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

function attr(name: string, target = file): Buffer | null {
  const fd = fs.openSync(target, "r");
  try {
    const value = native.getAttrSync(fd, name);
    return value === null ? null : Buffer.from(value);
  } finally {
    fs.closeSync(fd);
  }
}

function setAttr(name: string, value: Buffer): void {
  const fd = fs.openSync(file, "r");
  try {
    native.setAttrSync(fd, name, value);
  } finally {
    fs.closeSync(fd);
  }
}

/** A POSIX access ACL in the kernel's xattr form: owner rw, user 1234 r, group none, mask r, other none. */
function aclValue(): Buffer {
  const entries: [number, number, number][] = [
    [0x01, 6, 0xffffffff],
    [0x02, 4, 1234],
    [0x04, 0, 0xffffffff],
    [0x10, 4, 0xffffffff],
    [0x20, 0, 0xffffffff],
  ];
  const buffer = Buffer.alloc(4 + entries.length * 8);
  buffer.writeUInt32LE(2, 0);
  entries.forEach(([tag, perm, id], index) => {
    buffer.writeUInt16LE(tag, 4 + index * 8);
    buffer.writeUInt16LE(perm, 6 + index * 8);
    buffer.writeUInt32LE(id, 8 + index * 8);
  });
  return buffer;
}

describe("what a write keeps", () => {
  it("keeps owner and group (when root edits), mode, ACL and extended attributes", async () => {
    if (asRoot) fs.chownSync(file, 65534, 65534);
    fs.chmodSync(file, 0o600);
    setAttr("user.bbgov.note", Buffer.from("kept"));
    setAttr("system.posix_acl_access", aclValue());
    const before = fs.statSync(file);
    const result = await cli(["-s", file, "-q", "block", PEER]);
    expect(result).toEqual({ status: 0, stdout: "", stderr: "" });
    const after = fs.statSync(file);
    expect(after.ino).not.toBe(before.ino); // replaced by rename, not rewritten
    expect(fs.readFileSync(file, "utf8")).toContain(PEER);
    expect({ uid: after.uid, gid: after.gid, mode: after.mode }).toEqual({ uid: before.uid, gid: before.gid, mode: before.mode });
    if (asRoot) expect(after.uid).toBe(65534);
    expect(attr("user.bbgov.note")?.toString()).toBe("kept");
    expect(attr("system.posix_acl_access")).toEqual(aclValue());
  });

  it("a new lock file may be taken by whoever may write the snapshot: its mode, whatever the umask; a read-only one gets none", async () => {
    fs.rmSync(`${file}.lock`);
    fs.chmodSync(file, 0o664);
    const umask = process.umask(0o077);
    try {
      expect((await cli(["-s", file, "-q", "block", PEER])).status).toBe(0);
      expect(fs.statSync(`${file}.lock`).mode & 0o777).toBe(0o664);
      fs.rmSync(`${file}.lock`);
      fs.chmodSync(file, 0o444);
      expect((await cli(["-s", file, "-q", "unblock", PEER])).stderr).toContain("it is read-only (mode 0444)");
      // Its write is refused whatever it would write, so it is not locked (review4-files.test.ts).
      expect(fs.existsSync(`${file}.lock`)).toBe(false);
    } finally {
      process.umask(umask);
    }
  });

  it("refuses a hard-linked snapshot rather than split its names", async () => {
    const other = path.join(dir, "other-name.json");
    fs.linkSync(file, other);
    const before = fs.readFileSync(file, "utf8");
    const result = await cli(["-s", file, "block", PEER]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `bbgov: cannot write the snapshot: it has 2 hard links, and replacing it would split them; remove the other links or write a copy with --out (${file})\n`,
    );
    expect(fs.readFileSync(file, "utf8")).toBe(before);
    expect(fs.statSync(other).ino).toBe(fs.statSync(file).ino);
  });

  it("writes nothing when the target is replaced while bbgov works", async () => {
    const intruder = path.join(dir, "intruder.json");
    fs.writeFileSync(intruder, "not ours\n");
    const realOpen = fs.promises.open;
    vi.spyOn(fs.promises, "open").mockImplementation(async (...args: Parameters<typeof realOpen>) => {
      // Another program renames its own file over the snapshot just as bbgov starts its temporary file.
      if (String(args[0]).endsWith(".tmp")) fs.renameSync(intruder, file);
      return realOpen(...args);
    });
    const result = await cli(["-s", file, "block", PEER]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `bbgov: cannot write the snapshot: the file was replaced by another program while bbgov worked on it; nothing written (${file})\n`,
    );
    expect(fs.readFileSync(file, "utf8")).toBe("not ours\n");
    expect(fs.readdirSync(dir).sort()).toEqual(["governor.json", "governor.json.lock"]);
  });

  it("a link swapped between the lock and the read mixes nothing: nothing written", async () => {
    const other = path.join(dir, "other.json");
    fs.copyFileSync(file, other);
    const link = path.join(dir, "link.json");
    fs.symlinkSync(file, link);
    const before = fs.readFileSync(file, "utf8");
    const realLstat = fs.promises.lstat;
    let swapped = false;
    vi.spyOn(fs.promises, "lstat").mockImplementation((async (...args: Parameters<typeof realLstat>) => {
      // The link is re-pointed once bbgov has followed it to its target, before it opens it to read.
      if (args[0] === file && !swapped) {
        swapped = true;
        fs.unlinkSync(link);
        fs.symlinkSync(other, link);
      }
      return realLstat(...args);
    }) as typeof realLstat);
    const result = await cli(["-s", link, "block", PEER]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `bbgov: cannot write the snapshot: it was replaced by another program while bbgov opened it; nothing written (${link})\n`,
    );
    expect(fs.readFileSync(file, "utf8")).toBe(before);
    expect(fs.readFileSync(other, "utf8")).toBe(before);
    expect(swapped).toBe(true);
  });

  it("never follows another user's symbolic link in a sticky world-writable folder (protected_symlinks)", async () => {
    const sticky = path.join(dir, "shared");
    fs.mkdirSync(sticky);
    fs.chmodSync(sticky, 0o1777);
    const victim = path.join(dir, "victim.txt");
    fs.writeFileSync(victim, "precious\n");
    const link = path.join(sticky, "out.json");
    fs.symlinkSync(victim, link);
    if (!asRoot) {
      // Only root can plant a link owned by someone else; one's own link is followed, as the kernel does.
      expect((await cli(["-s", file, "-q", "-o", link, "block", PEER, "--force"])).status).toBe(0);
      expect(fs.readFileSync(victim, "utf8")).toContain(PEER);
      return;
    }
    fs.lchownSync(link, 65534, 65534);
    const refusal = `bbgov: cannot write the snapshot: refusing to follow the symbolic link ${link}, owned by uid 65534 in a sticky world-writable folder (the kernel's protected_symlinks rule)`;
    for (const args of [
      ["-o", link, "block", PEER, "--force"],
      ["-s", link, "init", "--force"],
      ["-o", link, "export", "--force"],
    ]) {
      // Two -s would be a fleet (issue 15): the command that names its own -s gets only that one.
      const result = await cli(args[0] === "-s" ? args : ["-s", file, ...args]);
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr).toBe(`${refusal} (${link})\n`);
    }
    expect(fs.readFileSync(victim, "utf8")).toBe("precious\n");
    // The folder's owner's links are followed, as the kernel does.
    fs.chownSync(sticky, 65534, 65534);
    expect((await cli(["-s", file, "-q", "-o", link, "block", PEER, "--force"])).status).toBe(0);
    expect(fs.readFileSync(victim, "utf8")).toContain(PEER);
  });
});
