/** End to end: the global options and the error contract, on every kind of command. */
import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ANSI, expectError, L, M, Q, sandboxes, T0, type EventsDoc, type Sandbox } from "../helpers.js";

const sandbox = sandboxes();
const version = (JSON.parse(fs.readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;

describe("where the snapshot is", { timeout: 30_000 }, () => {
  it("-s FILE, then $BBGOV_SNAPSHOT, then governor.json in the working directory", async () => {
    const box = sandbox();
    await box.ok(["-q", "-s", "a.json", "init", "--clock", "1"]);
    await box.ok(["-q", "--snapshot", "b.json", "init", "--clock", "2"]);
    await box.ok(["-q", "init", "--clock", "3"]);
    const clock = async (args: string[], env: Record<string, string> = {}): Promise<unknown> =>
      (await box.json<{ clock_ns: string }>(["clock", ...args], 0, { env })).clock_ns;
    expect(await clock([])).toBe("3");
    expect(await clock([], { BBGOV_SNAPSHOT: "b.json" })).toBe("2");
    expect((await box.json<{ clock_ns: string }>(["-s", "a.json", "clock"], 0, { env: { BBGOV_SNAPSHOT: "b.json" } })).clock_ns).toBe("1");
    expect(await clock([], { BBGOV_SNAPSHOT: "" })).toBe("3");
  });

  it("-s - reads standard input and writes the result on standard output, messages on standard error", async () => {
    const box = sandbox();
    const original = await box.build();
    const result = await box.run(["-s", "-", "block", L], { input: original });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ clock_ns: String(T0), peer_governor: { blocklist: [L] } });
    expect(result.stderr).toContain(`${L} blocked`);
    const json = await box.run(["--json", "-s", "-", "fail", L], { input: result.stdout });
    expect(JSON.parse(json.stdout)).toMatchObject({ peer_governor: { blocklist: [L], health: [{ peer: L, consecutive_failures: 1 }] } });
    expect((JSON.parse(json.stderr) as EventsDoc).command).toBe("fail");
    const read = await box.run(["-s", "-", "--json", "check", L], { input: result.stdout });
    expect(read.status).toBe(1);
    expect(JSON.parse(read.stdout)).toMatchObject({ peer: L, inbound: { reason: "blocklisted" } });
    expect(box.read()).toBe(original);
  });

  it("a missing snapshot is exit 2 with a hint", async () => {
    const box = sandbox();
    expectError(await box.run(["inspect"]), "cannot read the snapshot: no such file; create one with `bbgov init` (governor.json)");
    expectError(await box.run(["-s", "-", "inspect"]), "(standard input: $)");
  });
});

describe("--dry-run and --out", { timeout: 30_000 }, () => {
  it("--dry-run does everything but write: the file is byte-identical", async () => {
    const box = sandbox();
    const before = await box.build();
    const text = await box.run(["--dry-run", "fail", L, "--times", "5"]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("PeerDown");
    expect(text.stdout).toContain("dry run: governor.json not written");
    const doc = await box.json<EventsDoc>(["--dry-run", "fail", L]);
    expect(doc.written).toBe(false);
    expect(doc.events).toHaveLength(1);
    expect(box.read()).toBe(before);
    expect(await box.json(["--dry-run", "apply", "-"], 0, { input: `block ${Q}\n` })).toMatchObject({ written: false });
    expect(box.read()).toBe(before);
  });

  it("-o / --out writes the result to a new file and leaves the original untouched", async () => {
    const box = sandbox();
    const before = await box.build([`block ${Q}`]);
    expect(await box.ok(["-o", "next.json", "fail", L])).toContain("wrote next.json");
    expect(box.read()).toBe(before);
    expect(box.doc("next.json").peer_governor.health).toEqual([
      { peer: L, consecutive_failures: 1, last_event_ns: String(T0), down: false },
    ]);
    expect(box.doc("next.json").peer_governor.blocklist).toEqual([Q]);
    // An unchanged result is still written to --out.
    await box.ok(["-q", "--out", "same.json", "block", Q]);
    expect(box.read("same.json")).toBe(before);
    expectError(await box.run(["-o", "x.json", "inspect"]), "--out is for commands that ");
    expect(box.exists("x.json")).toBe(false);
  });
});

describe("output: --json, colour, -q, -V, -h", { timeout: 30_000 }, () => {
  it("--json never prints ANSI codes, even with FORCE_COLOR=1", async () => {
    const box = sandbox();
    await box.build([`fail ${L} --times 5`, `block ${Q}`]);
    for (const args of [["inspect"], ["check", L], ["fail", M], ["backoff", "--plan"]]) {
      const result = await box.run(["--json", ...args], { env: { FORCE_COLOR: "1", NO_COLOR: undefined } });
      expect(result.stdout).not.toMatch(ANSI);
      expect(() => JSON.parse(result.stdout) as unknown).not.toThrow();
    }
  });

  it("colour: off by default off a terminal, FORCE_COLOR turns it on, --no-color, NO_COLOR and FORCE_COLOR=0 turn it off", async () => {
    const box = sandbox();
    await box.build([`fail ${L} --times 5`]);
    const inspect = async (args: string[], env: Record<string, string | undefined>): Promise<string> =>
      (await box.run([...args, "inspect"], { env })).stdout;
    expect(await inspect([], { NO_COLOR: undefined })).not.toMatch(ANSI);
    expect(await inspect([], { NO_COLOR: undefined, FORCE_COLOR: "1" })).toMatch(ANSI);
    expect(await inspect(["--no-color"], { NO_COLOR: undefined, FORCE_COLOR: "1" })).not.toMatch(ANSI);
    expect(await inspect([], { NO_COLOR: "1" })).not.toMatch(ANSI);
    expect(await inspect([], { NO_COLOR: undefined, FORCE_COLOR: "0" })).not.toMatch(ANSI);
  });

  it("-q: nothing on stdout for a mutating command, warnings included", async () => {
    const box = sandbox();
    await box.build();
    expect(await box.run(["-q", "fail", L, "--times", "6"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(await box.run(["--quiet", "threshold", "0"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(box.doc().peer_governor.failure_threshold).toBe(1);
  });

  it("-V / --version prints the version", async () => {
    const box = sandbox();
    expect(await box.run(["-V"])).toEqual({ status: 0, stdout: `${version}\n`, stderr: "" });
    expect((await box.run(["--version"])).stdout).toBe(`${version}\n`);
  });

  it("-h / --help / help CMD print help with examples, exit 0", async () => {
    const box = sandbox();
    for (const args of [["-h"], ["--help"], ["help", "fail"], ["fail", "-h"], ["check", "--help"]]) {
      const result = await box.run(args);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("Examples:");
      expect(result.stderr).toBe("");
    }
    expect((await box.run(["fail", "--help"])).stdout).toContain("--every <dur>");
    expect(box.exists()).toBe(false);
  });
});

describe("every error: exit 2, one `bbgov: ` line, the snapshot byte-identical", { timeout: 30_000 }, () => {
  let box: Sandbox;
  let before = "";
  beforeAll(async () => {
    box = sandbox();
    before = await box.build([`fail ${L} --times 2`]);
  });

  it.each([
    [["frobnicate"], "unknown command 'frobnicate'"],
    [["inspect", "--frobnicate"], "unknown option '--frobnicate'"],
    [["fail"], "missing required argument 'peer'"],
    [["block", L, "notapeer!"], 'invalid peer id "notapeer!"'],
    [["fail", L, "--at", "1e3"], 'invalid time "1e3"'],
    [["fail", L, "--after", "18446744073709551616ns"], "above the u64 maximum"],
    [["fail", L, "--at", "1", "--after", "1s"], "cannot be used with"],
    [["fail", L, "--times", "0"], "(--times)"],
    [["threshold", "1.5"], 'invalid number "1.5"'],
    [["-o", "no/such/folder/x.json", "block", L], "the folder no/such/folder does not exist"],
    [["diff"], "missing required argument 'other'"],
  ])("%j", async (args, fragment) => {
    expectError(await box.run(args), fragment);
    expect(box.read()).toBe(before);
  });

  it("an unwritable target is an I/O error, exit 2, original untouched", async () => {
    fs.mkdirSync(box.path("folder.json"));
    expectError(await box.run(["-o", "folder.json", "block", L]), "folder.json");
    expect(box.read()).toBe(before);
  });

  it("no stack trace unless BBGOV_DEBUG=1", async () => {
    box.write("broken.json", "[]");
    const plain = await box.run(["-s", "broken.json", "inspect"]);
    expectError(plain, "broken.json");
    const debug = await box.run(["-s", "broken.json", "inspect"], { env: { BBGOV_DEBUG: "1" } });
    expect(debug.status).toBe(2);
    expect(debug.stderr.startsWith(plain.stderr.trimEnd())).toBe(true);
  });
});
