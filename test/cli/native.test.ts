/**
 * The native module, loaded both ways (the prebuilt addon directly, and the
 * package's public API): the same lock and attribute behaviour.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadNativeFs, type NativeFs } from "../../src/cli/io/native.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-native-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each(["fastest", "package"] as const)("fs-native-extensions, loaded the %s way", (how) => {
  const native = loadNativeFs(how) as NativeFs;

  it("loads", () => {
    expect(native).not.toBeInstanceOf(Error);
  });

  it("locks exclusively per open file description, until unlocked or closed", () => {
    const file = path.join(dir, `${how}.lock`);
    const first = fs.openSync(file, "w+");
    const second = fs.openSync(file, "r+");
    try {
      expect(native.tryLock(first)).toBe(true);
      expect(native.tryLock(second)).toBe(false);
      native.unlock(first);
      expect(native.tryLock(second)).toBe(true);
      expect(native.tryLock(first)).toBe(false);
    } finally {
      fs.closeSync(second);
    }
    expect(native.tryLock(first)).toBe(true);
    fs.closeSync(first);
  });

  it("lists, reads and writes extended attributes", () => {
    const file = path.join(dir, `${how}.attrs`);
    fs.writeFileSync(file, "x");
    const fd = fs.openSync(file, "r");
    try {
      expect(native.listAttrsSync(fd)).toEqual([]);
      expect(native.getAttrSync(fd, "user.bbgov")).toBeNull();
      const value = Buffer.from("0123456789").subarray(2, 6);
      native.setAttrSync(fd, "user.bbgov", value);
      expect(native.listAttrsSync(fd)).toEqual(["user.bbgov"]);
      expect(Buffer.from(native.getAttrSync(fd, "user.bbgov") as Uint8Array).toString()).toBe("2345");
    } finally {
      fs.closeSync(fd);
    }
  });
});
