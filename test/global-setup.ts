/**
 * Runs once in vitest's main process, before the workers start (vitest.config.ts `globalSetup`). The tests write
 * many small files and bbgov flushes every write to the disk: on a disk file system that is a quarter of the
 * suite's system time. When TMPDIR is not set and /dev/shm is a writable folder (a tmpfs on Linux), the suite's
 * temporary folders go to a fresh folder there instead: the workers, and the bbgov processes they start, inherit
 * TMPDIR, so `os.tmpdir()` is that folder everywhere. It is removed after the run. A TMPDIR that is set is kept as
 * it is, and without /dev/shm the folders stay in `os.tmpdir()`.
 *
 * The folder is made like /tmp (mode 1777): tests that run bbgov as another user (`nobody`) from a copy in a
 * temporary folder must still reach it. A test that needs another file system makes it itself (the 64 KiB tmpfs
 * of test/e2e/reliability-paths.test.ts is mounted inside the temporary folder, on tmpfs as on a disk).
 */
import fs from "node:fs";
import path from "node:path";

/** The shared-memory folder, when it is a writable folder; else undefined. */
function sharedMemory(): string | undefined {
  const shm = "/dev/shm";
  try {
    if (!fs.statSync(shm).isDirectory()) return undefined;
    fs.accessSync(shm, fs.constants.W_OK | fs.constants.X_OK);
    return shm;
  } catch {
    return undefined;
  }
}

export default function setup(): (() => void) | undefined {
  if (process.env["TMPDIR"] !== undefined && process.env["TMPDIR"] !== "") return undefined;
  const shm = sharedMemory();
  if (shm === undefined) return undefined;
  let root: string;
  try {
    root = fs.mkdtempSync(path.join(shm, "bbgov-test-"));
    fs.chmodSync(root, 0o1777);
  } catch {
    return undefined;
  }
  process.env["TMPDIR"] = root;
  return () => {
    delete process.env["TMPDIR"];
    fs.rmSync(root, { recursive: true, force: true });
  };
}
