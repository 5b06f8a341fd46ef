/**
 * Disk faults that a test cannot provoke for real without privileges (a full
 * disk): the file system call fails under bbgov, in process, and the command
 * must say so in one line, exit 2, leave the snapshot as it was and leave no
 * temporary file behind.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cli } from "./helpers.js";

const PEER = "16uZAbWC1AJvL";

let dir = "";
let file = "";
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-faults-"));
  file = path.join(dir, "governor.json");
  expect((await cli(["-s", file, "-q", "init"])).status).toBe(0);
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Makes the next temporary file's write fail with `code` after writing part of the text. */
function failTempWrites(code: string): void {
  const realOpen = fs.promises.open;
  vi.spyOn(fs.promises, "open").mockImplementation(async (...args: Parameters<typeof realOpen>) => {
    const handle = await realOpen(...args);
    if (String(args[0]).endsWith(".tmp")) {
      handle.writeFile = async (data: unknown) => {
        await realOpen.call(fs.promises, String(args[0]), "a").then(async (h) => {
          await h.writeFile(String(data).slice(0, 10));
          await h.close();
        });
        throw Object.assign(new Error(`${code}: simulated`), { code });
      };
    }
    return handle;
  });
}

describe("disk faults", () => {
  it.each([
    ["ENOSPC", "no space left on the device"],
    ["EDQUOT", "disk quota exceeded"],
    ["EIO", "input/output error (EIO: a failing disk or a lost network mount?)"],
  ])("%s while writing: one line, exit 2, snapshot and folder as they were", async (code, words) => {
    const before = fs.readFileSync(file, "utf8");
    failTempWrites(code);
    const result = await cli(["-s", file, "block", PEER]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`bbgov: cannot write the snapshot: ${words} (${file})\n`);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
    expect(fs.readdirSync(dir).sort()).toEqual(["governor.json", "governor.json.lock"]);
  });

  it("a snapshot path that is a folder is refused for reading and writing", async () => {
    const folder = path.join(dir, "folder.json");
    fs.mkdirSync(folder);
    // A folder given to -s is a fleet (issue 15): this one holds no snapshot.
    const read = await cli(["-s", folder, "inspect"]);
    expect(read.status).toBe(2);
    expect(read.stderr).toBe(`bbgov: no snapshot in the folder (files ending .json, .snap, .bin) (-s ${folder})\n`);
    const write = await cli(["-s", file, "-o", folder, "block", PEER]);
    expect(write.status).toBe(2);
    expect(write.stderr).toBe(`bbgov: cannot write the snapshot: is a folder, not a file (${folder})\n`);
    expect(fs.readdirSync(folder)).toEqual([]);
  });

  it("a folder whose subfolders hold the snapshots (nodes/<node>/node.snap) is answered with the pattern that takes them", async () => {
    const nodes = path.join(dir, "nodes");
    fs.mkdirSync(path.join(nodes, "eu-1"), { recursive: true });
    fs.mkdirSync(path.join(nodes, "empty"));
    fs.copyFileSync(file, path.join(nodes, "eu-1", "governor.json"));
    const result = await cli(["-s", nodes, "inspect"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `bbgov: no snapshot in the folder (files ending .json, .snap, .bin); its subfolders hold some: -s '${nodes}/*/' (-s ${nodes})\n`,
    );
    // The pattern it names takes them.
    expect((await cli(["-s", `${nodes}/*/`, "inspect"])).status).toBe(0);
  });
});

describe("bugs are not bad files", () => {
  it("an internal TypeError while reading is an internal error, not a snapshot that cannot be read", async () => {
    const { PeerId } = await import("../../src/core/peer-id.js");
    fs.writeFileSync(file, `{"spec_version": 1, "peer_governor": {"blocklist": ["${PEER}"]}}\n`);
    vi.spyOn(PeerId, "parse").mockImplementation(() => {
      throw new TypeError("cannot read properties of undefined (reading 'x')");
    });
    const result = await cli(["-s", file, "inspect"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "bbgov: internal error: TypeError: cannot read properties of undefined (reading 'x') (a bug in bbgov; rerun with BBGOV_DEBUG=1 for the stack trace)\n",
    );
  });
});

describe("bugs", () => {
  it("a TypeError under a command is an internal error with the BBGOV_DEBUG hint, never a bad file", async () => {
    const before = fs.readFileSync(file, "utf8");
    // The read path's first step that a test can replace (a regular file is opened and read synchronously).
    vi.spyOn(Buffer, "allocUnsafeSlow").mockImplementation(() => {
      throw new TypeError("handle.read is not a function");
    });
    const result = await cli(["-s", file, "inspect"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "bbgov: internal error: TypeError: handle.read is not a function (a bug in bbgov; rerun with BBGOV_DEBUG=1 for the stack trace)\n",
    );
    expect(result.stderr).not.toContain("cannot read");
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it("a broken invariant in the engine rules is an internal error too, and the file is left as it was", async () => {
    const before = fs.readFileSync(file, "utf8");
    const { PeerGovernor } = await import("../../src/core/governor.js");
    vi.spyOn(PeerGovernor.prototype, "peerHealth").mockReturnValue(undefined);
    const result = await cli(["-s", file, "fail", PEER]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^bbgov: internal error: Error: invariant: no health for 16uZAbWC1AJvL right after an event \(a bug in bbgov; rerun with BBGOV_DEBUG=1 for the stack trace\)\n$/,
    );
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });
});
