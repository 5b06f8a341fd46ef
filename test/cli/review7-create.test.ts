/**
 * Seventh review: init and import, which make a new snapshot, refuse a file in
 * the way before anything else, and say what is in the way.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { execute, type CliIo } from "../../src/cli/main.js";
import { expectError, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

describe("a symbolic link to nothing where init would write", () => {
  it("is named as such, not as a file that 'already exists', and --force writes through it", async () => {
    const box = sandbox();
    fs.symlinkSync("nowhere.json", box.path("governor.json"));
    // inspect says the link leads to no file and to run init --force; init must not then claim there is one.
    expectError(
      await box.run(["inspect"]),
      "it is a symbolic link to nowhere.json, which does not exist; create it with `bbgov init --force` (governor.json)",
    );
    expectError(
      await box.run(["init"]),
      "bbgov: governor.json is a symbolic link to nowhere.json, which does not exist; add --force to write the new snapshot there (init)\n",
    );
    expect(box.exists("nowhere.json")).toBe(false);
    await box.ok(["-q", "init", "--force"]);
    expect(fs.lstatSync(box.path("governor.json")).isSymbolicLink()).toBe(true);
    expect(box.doc("nowhere.json").spec_version).toBe(1);
  });
});

describe("import - onto an existing snapshot", () => {
  it("is refused before standard input is read", async () => {
    const box = sandbox();
    await box.build();
    let pulled = false;
    let stderr = "";
    const io = {
      stdout: { isTTY: false, write: () => true },
      stderr: { write: (chunk: string | Uint8Array) => ((stderr += String(chunk)), true) },
      // A terminal nobody types into: a read would wait for ever.
      stdin: {
        [Symbol.asyncIterator]() {
          pulled = true;
          return { next: () => new Promise<IteratorResult<Uint8Array>>(() => {}) };
        },
      },
      env: { NO_COLOR: "1" },
    } as unknown as CliIo;
    const previous = process.cwd();
    process.chdir(box.dir);
    try {
      expect(await execute(["import", "-"], io)).toBe(2);
    } finally {
      process.chdir(previous);
    }
    expect(stderr).toBe("bbgov: governor.json already exists; add --force to replace it (import)\n");
    expect(pulled).toBe(false);
  });
});

describe("import of what is no upstream snapshot", () => {
  it.each([
    [
      "an empty file",
      "",
      "bbgov: the file is empty: expected a node snapshot (bincode) or upstream's framework snapshot (serde JSON) (up.json: $)\n",
    ],
    [
      "{}",
      "{}\n",
      "bbgov: not an upstream snapshot: expected a node snapshot (bincode) or upstream's framework snapshot (serde JSON) (up.json: $)\n",
    ],
    [
      "a JSON list",
      "[1]\n",
      "bbgov: not an upstream snapshot: expected a node snapshot (bincode) or upstream's framework snapshot (serde JSON) (up.json: $)\n",
    ],
    ["text that is not JSON", "hello\n", "bbgov: invalid JSON: "],
    [
      "a bbgov snapshot",
      '{"spec_version":1}\n',
      "bbgov: this is already a bbgov snapshot: use it as it is (bbgov -s FILE ...) (up.json: $)\n",
    ],
  ])("%s is not called a bbgov snapshot unless it is one", async (_, content, message) => {
    const box = sandbox();
    box.write("up.json", content);
    expectError(await box.run(["-s", "new.json", "import", "up.json"]), message);
    expect(box.exists("new.json")).toBe(false);
  });
});

describe("a backoff base set above its max", () => {
  const warning = "bbgov: warning: the backoff base 2 m is above the max 1 m: every delay is the max\n";

  it("is accepted, as upstream accepts it, with a warning: by backoff, init and import", async () => {
    const box = sandbox();
    await box.build();
    let result = await box.run(["backoff", "--base", "2m"]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(warning);
    expect((await box.run(["backoff", "--max", "1m"])).stderr).toBe("");
    result = await box.run(["-s", "new.json", "init", "--backoff-base", "2m"]);
    expect(result.stderr).toBe(warning);
    fs.copyFileSync(new URL("../../fixtures/node/small.bin", import.meta.url), box.path("node.snap"));
    result = await box.run(["-s", "imported.json", "import", "node.snap", "--backoff-base", "2m"]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(warning);
  });
});

describe("a path that names nothing because of how it was typed", () => {
  it.each([
    [
      ["-s", "~/governor.json", "inspect"],
      "cannot read the snapshot: no such file; bbgov does not expand ~ (a shell does, in an unquoted word): write $HOME/ instead (~/governor.json)",
    ],
    [["-s", "~/nodes/new.json", "init"], "cannot write the snapshot: the folder ~/nodes does not exist; bbgov does not expand ~"],
    [
      ["-s", "governor.json ", "inspect"],
      'cannot read the snapshot: no such file; the name "governor.json " begins or ends with a space (governor.json )',
    ],
  ])("%j says what was likely meant", async (argv, message) => {
    const box = sandbox();
    await box.build();
    expectError(await box.run(argv), message);
  });

  it("a plain missing file still suggests init", async () => {
    const box = sandbox();
    expectError(
      await box.run(["inspect"]),
      "bbgov: cannot read the snapshot: no such file; create one with `bbgov init` (governor.json)\n",
    );
  });
});

describe("a snapshot path that is a socket", () => {
  it("is refused in words, not as a bare ENXIO", async () => {
    const box = sandbox();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(box.path("node.sock"), resolve));
    try {
      expectError(
        await box.run(["-s", "node.sock", "inspect"]),
        "bbgov: cannot read the snapshot: no such device or address (ENXIO: a socket, or a device with nothing behind it, is no file) (node.sock)\n",
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("init and import with -s a name that looks like a pattern", () => {
  it("a pattern that matches nothing is the new file's name (was: refused as a fleet)", async () => {
    const box = sandbox();
    await box.ok(["-q", "-s", "node[1].json", "init"]);
    expect(box.doc("node[1].json").spec_version).toBe(1);
    // Now a file of that name: every command takes it as one file, and init refuses to replace it.
    expect(await box.ok(["-s", "node[1].json", "inspect"])).toMatch(/^snapshot +node\[1\]\.json/);
    expectError(await box.run(["-s", "node[1].json", "init"]), "bbgov: node[1].json already exists; add --force to replace it (init)\n");
    await box.ok(["-q", "-s", "imported[*].json", "import", path.join(import.meta.dirname, "../../fixtures/node/small.bin")]);
    expect(box.doc("imported[*].json").spec_version).toBe(1);
  });

  it("a pattern that matches files or folders stays a fleet, refused, saying what it matches and how to name such a file", async () => {
    const box = sandbox();
    await box.ok(["-q", "-s", "node1.json", "init"]);
    await box.ok(["-q", "-s", "node2.json", "init"]);
    fs.mkdirSync(box.path("nodes"));
    expectError(
      await box.run(["-s", "node[1].json", "init"]),
      "bbgov: init writes one new snapshot, and this pattern matches 1 file(s); give one -s FILE" +
        " (-o FILE takes a name with *, ? or [ as typed) (-s node[1].json)\n",
    );
    expectError(
      await box.run(["-s", "n*", "import", "node1.json"]),
      "bbgov: import writes one new snapshot, and this pattern matches 2 file(s) and 1 folder(s); give one -s FILE" +
        " (-o FILE takes a name with *, ? or [ as typed) (-s n*)\n",
    );
    expectError(await box.run(["-s", "x*/", "init"]), "init writes one new snapshot, and a pattern ending in / names folders;");
    expect(box.exists("node[1].json")).toBe(false);
    await box.ok(["-q", "-o", "node[1].json", "init"]);
    expect(box.doc("node[1].json").spec_version).toBe(1);
  });
});
