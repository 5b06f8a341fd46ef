/** End to end: the global options and the error contract, on every kind of command. */
import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ANSI, expectError, L, M, Q, sandboxes, T0, type EventsDoc, type Sandbox } from "./helpers.js";

const sandbox = sandboxes();
const version = (JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

describe("where the snapshot is", { timeout: 30_000 }, () => {
  it("-s FILE, then $BBGOV_SNAPSHOT, then governor.json in the working directory", () => {
    const box = sandbox();
    box.ok(["-q", "-s", "a.json", "init", "--clock", "1"]);
    box.ok(["-q", "--snapshot", "b.json", "init", "--clock", "2"]);
    box.ok(["-q", "init", "--clock", "3"]);
    const clock = (args: string[], env: Record<string, string> = {}): unknown => box.json<{ clock_ns: string }>(["clock", ...args], 0, { env }).clock_ns;
    expect(clock([])).toBe("3");
    expect(clock([], { BBGOV_SNAPSHOT: "b.json" })).toBe("2");
    expect(box.json<{ clock_ns: string }>(["-s", "a.json", "clock"], 0, { env: { BBGOV_SNAPSHOT: "b.json" } }).clock_ns).toBe("1");
    expect(clock([], { BBGOV_SNAPSHOT: "" })).toBe("3");
  });

  it("-s - reads standard input and writes the result on standard output, messages on standard error", () => {
    const box = sandbox();
    const original = box.build();
    const result = box.run(["-s", "-", "block", L], { input: original });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ clock_ns: String(T0), peer_governor: { blocklist: [L] } });
    expect(result.stderr).toContain(`${L} blocked`);
    const json = box.run(["--json", "-s", "-", "fail", L], { input: result.stdout });
    expect(JSON.parse(json.stdout)).toMatchObject({ peer_governor: { blocklist: [L], health: [{ peer: L, consecutive_failures: 1 }] } });
    expect((JSON.parse(json.stderr) as EventsDoc).command).toBe("fail");
    const read = box.run(["-s", "-", "--json", "check", L], { input: result.stdout });
    expect(read.status).toBe(1);
    expect(JSON.parse(read.stdout)).toMatchObject({ peer: L, inbound: { reason: "blocklisted" } });
    expect(box.read()).toBe(original);
  });

  it("a missing snapshot is exit 2 with a hint", () => {
    const box = sandbox();
    expectError(box.run(["inspect"]), "cannot read the snapshot: no such file; create one with `bbgov init` (governor.json)");
    expectError(box.run(["-s", "-", "inspect"]), "(standard input: $)");
  });
});

describe("--dry-run and --out", { timeout: 30_000 }, () => {
  it("--dry-run does everything but write: the file is byte-identical", () => {
    const box = sandbox();
    const before = box.build();
    const text = box.run(["--dry-run", "fail", L, "--times", "5"]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("PeerDown");
    expect(text.stdout).toContain("dry run: governor.json not written");
    const doc = box.json<EventsDoc>(["--dry-run", "fail", L]);
    expect(doc.written).toBe(false);
    expect(doc.events).toHaveLength(1);
    expect(box.read()).toBe(before);
    expect(box.json(["--dry-run", "apply", "-"], 0, { input: `block ${Q}\n` })).toMatchObject({ written: false });
    expect(box.read()).toBe(before);
  });

  it("-o / --out writes the result to a new file and leaves the original untouched", () => {
    const box = sandbox();
    const before = box.build([`block ${Q}`]);
    expect(box.ok(["-o", "next.json", "fail", L])).toContain("wrote next.json");
    expect(box.read()).toBe(before);
    expect(box.doc("next.json").peer_governor.health).toEqual([{ peer: L, consecutive_failures: 1, last_event_ns: String(T0), down: false }]);
    expect(box.doc("next.json").peer_governor.blocklist).toEqual([Q]);
    // An unchanged result is still written to --out.
    box.ok(["-q", "--out", "same.json", "block", Q]);
    expect(box.read("same.json")).toBe(before);
    expectError(box.run(["-o", "x.json", "inspect"]), "--out is for commands that ");
    expect(box.exists("x.json")).toBe(false);
  });
});

describe("output: --json, colour, -q, -V, -h", { timeout: 30_000 }, () => {
  it("--json never prints ANSI codes, even with FORCE_COLOR=1", () => {
    const box = sandbox();
    box.build([`fail ${L} --times 5`, `block ${Q}`]);
    for (const args of [["inspect"], ["check", L], ["fail", M], ["backoff", "--plan"]]) {
      const result = box.run(["--json", ...args], { env: { FORCE_COLOR: "1", NO_COLOR: undefined } });
      expect(result.stdout).not.toMatch(ANSI);
      expect(() => JSON.parse(result.stdout) as unknown).not.toThrow();
    }
  });

  it("colour: off by default off a terminal, FORCE_COLOR turns it on, --no-color, NO_COLOR and FORCE_COLOR=0 turn it off", () => {
    const box = sandbox();
    box.build([`fail ${L} --times 5`]);
    const inspect = (args: string[], env: Record<string, string | undefined>): string => box.run([...args, "inspect"], { env }).stdout;
    expect(inspect([], { NO_COLOR: undefined })).not.toMatch(ANSI);
    expect(inspect([], { NO_COLOR: undefined, FORCE_COLOR: "1" })).toMatch(ANSI);
    expect(inspect(["--no-color"], { NO_COLOR: undefined, FORCE_COLOR: "1" })).not.toMatch(ANSI);
    expect(inspect([], { NO_COLOR: "1" })).not.toMatch(ANSI);
    expect(inspect([], { NO_COLOR: undefined, FORCE_COLOR: "0" })).not.toMatch(ANSI);
  });

  it("-q: nothing on stdout for a mutating command, warnings included", () => {
    const box = sandbox();
    box.build();
    expect(box.run(["-q", "fail", L, "--times", "6"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(box.run(["--quiet", "threshold", "0"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(box.doc().peer_governor.failure_threshold).toBe(1);
  });

  it("-V / --version prints the version", () => {
    const box = sandbox();
    expect(box.run(["-V"])).toEqual({ status: 0, stdout: `${version}\n`, stderr: "" });
    expect(box.run(["--version"]).stdout).toBe(`${version}\n`);
  });

  it("-h / --help / help CMD print help with examples, exit 0", () => {
    const box = sandbox();
    for (const args of [["-h"], ["--help"], ["help", "fail"], ["fail", "-h"], ["check", "--help"]]) {
      const result = box.run(args);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("Examples:");
      expect(result.stderr).toBe("");
    }
    expect(box.run(["fail", "--help"]).stdout).toContain("--every <dur>");
    expect(box.exists()).toBe(false);
  });
});

describe("every error: exit 2, one `bbgov: ` line, the snapshot byte-identical", { timeout: 30_000 }, () => {
  let box: Sandbox;
  let before = "";
  beforeAll(() => {
    box = sandbox();
    before = box.build([`fail ${L} --times 2`]);
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
    [["-o", "no/such/folder/x.json", "block", L], "no such file"],
    [["diff"], "missing required argument 'other'"],
  ])("%j", (args, fragment) => {
    expectError(box.run(args), fragment);
    expect(box.read()).toBe(before);
  });

  it("an unwritable target is an I/O error, exit 2, original untouched", () => {
    fs.mkdirSync(box.path("folder.json"));
    expectError(box.run(["-o", "folder.json", "block", L]), "folder.json");
    expect(box.read()).toBe(before);
  });

  it("no stack trace unless BBGOV_DEBUG=1", () => {
    box.write("broken.json", "[]");
    const plain = box.run(["-s", "broken.json", "inspect"]);
    expectError(plain, "broken.json");
    const debug = box.run(["-s", "broken.json", "inspect"], { env: { BBGOV_DEBUG: "1" } });
    expect(debug.status).toBe(2);
    expect(debug.stderr.startsWith(plain.stderr.trimEnd())).toBe(true);
  });
});
