/**
 * Review 7, issue 15 under a hostile tester: what the earlier fleet reviews missed.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { execute, type CliIo } from "../../src/cli/main.js";
import { sandboxes, T0 } from "./helpers.js";

const sandbox = sandboxes();
const FIXTURES = path.resolve(__dirname, "../../fixtures");

/** Two bbgov snapshots at other clocks and schedules, and a node snapshot, in `nodes/`. */
async function fleet(): Promise<ReturnType<typeof sandbox>> {
  const box = sandbox();
  fs.mkdirSync(box.path("nodes"));
  await box.ok(["-q", "-s", "nodes/a.json", "init", "--clock", String(T0), "--backoff-base", "50ms"]);
  await box.ok(["-q", "-s", "nodes/b.json", "init", "--clock", String(T0 + 5n), "--backoff-max", "2m"]);
  fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), box.path("nodes/c.bin"));
  return box;
}

describe("clock and backoff with nothing to set, across a fleet, show each node's answer", () => {
  it("clock: every node's clock under its name (was: only a table saying 'unchanged'), nothing written", async () => {
    const box = await fleet();
    const before = ["a.json", "b.json", "c.bin"].map((name) => fs.readFileSync(box.path(`nodes/${name}`)));
    const out = await box.ok(["-s", "nodes", "clock"]);
    expect(out).toContain("── a.json\n  clock 1764000000000000000 (2025-11-24 16:00:00.000 UTC)\n");
    expect(out).toContain("── b.json\n  clock 1764000000000000005 (2025-11-24 16:00:00.000 UTC)\n");
    expect(out).toMatch(/── 12D3KooWGmsLTSHwPyiPKZp3dtS7b9NhTJaS6NaBqgsn7wdyEey2\n {2}clock \d+ \(/);
    expect(out.trimEnd().split("\n").at(-1)).toBe("0 of 3 file(s) written, 3 unchanged");
    expect(["a.json", "b.json", "c.bin"].map((name) => fs.readFileSync(box.path(`nodes/${name}`)))).toEqual(before);
  });

  it("backoff and backoff --plan: each node's schedule; --json keeps its document", async () => {
    const box = await fleet();
    const shown = await box.ok(["-s", "nodes", "backoff"]);
    expect(shown).toContain("── a.json\n  backoff base 50 ms");
    expect(shown).toContain("── b.json\n  backoff base 10 ms");
    const plan = await box.ok(["-s", "nodes", "backoff", "--plan", "--attempts", "2"]);
    expect(plan).toContain("│       2 │ 100 ms │     150 ms │");
    const doc = await box.json<{ written: string[]; unchanged: string[]; nodes: { report: { backoff: { base_ns: string } } }[] }>([
      "-s",
      "nodes",
      "backoff",
    ]);
    expect(doc.written).toEqual([]);
    expect(doc.unchanged).toEqual(["a.json", "b.json", "c.bin"]);
    expect(doc.nodes.map((node) => node.report.backoff.base_ns)).toEqual(["50000000", "10000000", "10000000"]);
  });

  it("a change still shows only the table", async () => {
    const box = await fleet();
    const out = await box.ok(["-s", "nodes/a.json", "-s", "nodes/b.json", "backoff", "--base", "20ms"]);
    expect(out).not.toContain("── a.json");
    expect(out.trimEnd().split("\n").at(-1)).toBe("2 of 2 file(s) written, 0 unchanged");
  });
});

describe("a glob's bracket range that runs backwards", () => {
  it("is a usage error naming the pattern (was: internal error: SyntaxError, 'a bug in bbgov'), found or not", async () => {
    const box = await fleet();
    for (const pattern of ["nodes/[z-a].json", "missing/[z-a]/*", "nodes/[b-a]/"]) {
      const result = await box.run(["-s", pattern, "inspect"]);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe(
        `bbgov: invalid pattern: a range in brackets runs backwards in "${pattern.split("/").find((part) => part.includes("["))}"; write it low to high, as [a-z] (-s ${pattern})\n`,
      );
    }
    expect(await box.ok(["-q", "-s", "nodes/[a-b].json", "--dry-run", "threshold", "3"])).toBe("");
  });
});

describe("a folder that cannot be listed", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("is named with its reason (was: 'internal error: Error: EACCES ... a bug in bbgov'), as -s FOLDER and as a pattern's folder", async () => {
    const box = await fleet();
    // Another user's folder of mode 700, as a user other than root meets it (root lists every folder).
    const denied = (): Promise<never> => Promise.reject(Object.assign(new Error("EACCES: permission denied, scandir"), { code: "EACCES" }));
    for (const value of ["nodes", "node[s]/"]) {
      const readdir = fs.promises.readdir;
      vi.spyOn(fs.promises, "readdir").mockImplementation(((folder: string, options: unknown) =>
        folder.startsWith("nodes") ? denied() : readdir(folder, options as { withFileTypes: true })) as typeof readdir);
      const result = await box.run(["-s", value, "inspect"]);
      vi.restoreAllMocks();
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe("bbgov: cannot read the folder: permission denied (nodes)\n");
    }
  });
});

describe("a quoted {a,b}, which only a shell expands", () => {
  it("a missing file whose name holds one says so (was: 'create one with `bbgov init`')", async () => {
    const box = await fleet();
    const result = await box.run(["-s", "nodes/{a,b}.json", "-s", "nodes/a.json", "--dry-run", "threshold", "3"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      [
        "bbgov: cannot read the snapshot: no such file; bbgov does not expand {a,b} (a shell does, in an unquoted word): give -s once for each name (nodes/{a,b}.json)",
        "bbgov: nothing written: 1 of 2 file(s) failed their check ({a,b}.json) (fleet)",
        "",
      ].join("\n"),
    );
    // A name that merely holds braces is not taken for one.
    expect((await box.run(["-s", "{a}.json", "inspect"])).stderr).toContain("create one with `bbgov init`");
  });
});

describe("a folder's link to a device", () => {
  it("is no snapshot, as a glob finds (was: read, as /dev/tty waited for the terminal and /dev/zero read 1 GB)", async () => {
    const box = await fleet();
    fs.symlinkSync("/dev/null", box.path("nodes/null.json"));
    const doc = await box.json<{ nodes: { path: string }[] }>(["-s", "nodes", "inspect"]);
    expect(doc.nodes.map((node) => node.path)).toEqual(["a.json", "b.json", "c.bin"]);
    const glob = await box.json<{ nodes: { path: string }[] }>(["-s", "nodes/*", "inspect"]);
    expect(glob.nodes.map((node) => node.path)).toEqual(["a.json", "b.json", "c.bin"]);
  });
});

describe("a pattern of dot files", () => {
  it("never takes a write's temporary file, which is bbgov's own as a lock file is (was: read, and written, as a node)", async () => {
    const box = await fleet();
    fs.copyFileSync(box.path("nodes/a.json"), box.path("nodes/.a.json.bbgov-4242-123456.tmp"));
    fs.copyFileSync(box.path("nodes/a.json"), box.path("nodes/.spare.json"));
    const doc = await box.json<{ nodes: { path: string }[] }>(["-s", "nodes/.*", "inspect"]);
    expect(doc.nodes.map((node) => node.path)).toEqual([".spare.json"]);
  });
});

describe("an apply script's `--at now` across a fleet", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("is one instant on every node (was: read anew for each file and each phase, a millisecond or more apart)", async () => {
    const box = await fleet();
    // A wall clock that moves a millisecond at every look, as a run over many files sees it move.
    let ms = Date.now();
    vi.spyOn(Date, "now").mockImplementation(() => ms++);
    const result = await box.run(["-s", "nodes/a.json", "-s", "nodes/b.json", "apply", "-"], { input: "fail 16uZAbWC1AJvL --at now\n" });
    vi.restoreAllMocks();
    expect(result.status, result.stderr).toBe(0);
    const times = ["a.json", "b.json"].map((name) => box.doc(`nodes/${name}`).peer_governor.health[0]?.last_event_ns);
    expect(times[0]).toMatch(/^\d{19}$/);
    expect(times[1]).toBe(times[0]);
  });
});

describe("an apply script file edited while a fleet runs it", () => {
  it("is not run changed: the files after the edit are not written, and say why (was: they ran the new lines)", async () => {
    const box = await fleet();
    const script = box.path("script.txt");
    fs.writeFileSync(script, "block 16uZAbWC1AJvL\n");
    let stderr = "";
    let stdout = "";
    const io = {
      stdout: { isTTY: false, write: (chunk: string | Uint8Array) => ((stdout += String(chunk)), true) },
      stderr: { write: (chunk: string | Uint8Array) => ((stderr += String(chunk)), true) },
      stdin: (async function* () {})(),
      env: { NO_COLOR: "1" },
      // The operator's editor saves the script as soon as the first file is written.
      onWritten: () => fs.writeFileSync(script, "block 16uZAbWC1AJvM\nthreshold 1\n"),
    } as unknown as CliIo;
    const status = await execute(["--json", "-s", box.path("nodes/a.json"), "-s", box.path("nodes/b.json"), "apply", script], io);
    expect(status).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ written: ["a.json"], not_written: ["b.json"] });
    expect(stderr).toContain(
      `bbgov: cannot read the script file: it changed while bbgov ran it on the fleet's files; run the command again (${box.path("nodes/b.json")}: ${script})\n`,
    );
    expect(box.doc("nodes/b.json").peer_governor).toMatchObject({ blocklist: [], failure_threshold: 5 });
  });
});

describe("inspect PEER across a fleet whose nodes know different peers", () => {
  const DOWN = "12D3KooWEVkTai2Aabvt8QUuN3fgUsbksh3Ru13KXYxKV7go7ktp"; // known to the node snapshot only

  it("a prefix or short form one node does not know selects on the others (was: that node 'unreadable', exit 2)", async () => {
    const box = await fleet();
    for (const given of ["12D3KooWEVk", "12D3KooW…o7ktp"]) {
      const result = await box.run(["--json", "-s", "nodes", "inspect", given]);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const doc = JSON.parse(result.stdout) as { summary: { nodes: number; unreadable: number }; peers: { peer: string; nodes: number }[] };
      expect(doc.summary).toMatchObject({ nodes: 3, unreadable: 0 });
      expect(doc.peers).toMatchObject([{ peer: DOWN, nodes: 1 }]);
    }
    const rows = await box.run(["-s", "nodes", "inspect", "--format", "ndjson", "12D3KooWEVk"]);
    expect(rows.status, rows.stderr).toBe(0);
    expect(
      rows.stdout
        .trimEnd()
        .split("\n")
        .map((line) => (JSON.parse(line) as { peer: string }).peer),
    ).toEqual([DOWN]);
  });

  it("a PEER no node could hold is said once, before any file is read (was: once per node, then 'none could be read')", async () => {
    const box = await fleet();
    const result = await box.run(["-s", "nodes", "inspect", "bad!"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe('bbgov: invalid peer id "bad!": not base58btc (bad character "!") (argument PEER)\n');
  });
});

describe("a path that steps back (..) out of a linked folder", () => {
  /** `w/x.json` (bbgov JSON) and `other/x.json` (a node snapshot), with `w/link` leading to `other/dir`. */
  function linked(box: ReturnType<typeof sandbox>): void {
    fs.mkdirSync(box.path("w"));
    fs.mkdirSync(box.path("other/dir"), { recursive: true });
    fs.copyFileSync(box.path("nodes/a.json"), box.path("w/x.json"));
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), box.path("other/x.json"));
    fs.symlinkSync("../other/dir", box.path("w/link"));
  }

  it("one file: writes the file the system reaches (was: 'replaced by another program', the lock beside another file)", async () => {
    const box = await fleet();
    linked(box);
    const before = fs.readFileSync(box.path("w/x.json"));
    const result = await box.run(["-s", "w/link/../x.json", "block", "16uZAbWC1AJvL"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(fs.readFileSync(box.path("w/x.json"))).toEqual(before);
    const check = await box.json<{ inbound: { reason: string } }>(["-s", "other/x.json", "check", "16uZAbWC1AJvL"], 1);
    expect(check.inbound.reason).toBe("blocklisted");
  });

  it("a fleet: it and the file of the same name here are two nodes, told apart (was: one, the second never read)", async () => {
    const box = await fleet();
    linked(box);
    const doc = await box.json<{ nodes: { path: string; kind: string }[] }>(["-s", "w/link/../x.json", "-s", "w/x.json", "inspect"]);
    expect(doc.nodes.map((node) => [node.path, node.kind])).toEqual([
      ["other/x.json", "node-snapshot"],
      ["w/x.json", "bbgov-json"],
    ]);
  });
});

describe("a folder named through a linked folder and ..", () => {
  it("-s link/.. takes the files of the folder the system lists (was: the files of the same names here)", async () => {
    const box = await fleet();
    fs.mkdirSync(box.path("w"));
    fs.mkdirSync(box.path("other/dir"), { recursive: true });
    fs.copyFileSync(box.path("nodes/a.json"), box.path("w/x.json"));
    fs.copyFileSync(path.join(FIXTURES, "node/small.bin"), box.path("other/x.json"));
    fs.symlinkSync("../other/dir", box.path("w/link"));
    for (const value of ["w/link/..", "w/link/../", "w/link/../*"]) {
      const doc = await box.json<{ nodes: { kind: string }[] }>(["-s", value, "-s", "nodes/a.json", "inspect"]);
      expect(doc.nodes.map((node) => node.kind)).toEqual(["node-snapshot", "bbgov-json"]);
    }
  });
});

describe("a PEER prefix across a fleet with a file that loads with warnings", () => {
  it("inspect and check give each warning once (was: twice, from the pass that resolves the prefix too)", async () => {
    const box = await fleet();
    fs.copyFileSync(path.join(FIXTURES, "node/hand-edited.bin"), box.path("nodes/h.bin"));
    for (const args of [
      ["inspect", "12D3KooWEVk"],
      ["check", "12D3KooWEVk"],
    ]) {
      const result = await box.run(["-s", "nodes", ...args]);
      const warnings = result.stderr.split("\n").filter((line) => line.startsWith("bbgov: warning:"));
      expect(warnings.length).toBeGreaterThan(0);
      expect(new Set(warnings).size).toBe(warnings.length);
    }
  });
});

describe("a node's lock file that no lock can be taken on (review 13)", () => {
  it.each([
    ["a folder", (file: string) => fs.mkdirSync(file), "cannot lock the snapshot: its lock file is a folder; remove it"],
    [
      "a symbolic link",
      (file: string) => fs.symlinkSync("elsewhere", file),
      "cannot lock the snapshot: its lock file is a symbolic link; remove it",
    ],
  ])(
    "%s fails the first phase: nothing written anywhere (was: found midway, the files before it written)",
    async (_name, make, message) => {
      const box = await fleet();
      const lock = box.path("nodes/b.json.lock");
      fs.rmSync(lock); // init's
      make(lock);
      const before = ["a.json", "b.json", "c.bin"].map((name) => fs.readFileSync(box.path(`nodes/${name}`)));
      const result = await box.run(["-s", "nodes", "block", "16uZAbWC1AJvL"]);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        `bbgov: ${message} (${lock})\nbbgov: nothing written: 1 of 3 file(s) failed their check (b.json) (fleet)\n`,
      );
      expect(["a.json", "b.json", "c.bin"].map((name) => fs.readFileSync(box.path(`nodes/${name}`)))).toEqual(before);
    },
  );
});
