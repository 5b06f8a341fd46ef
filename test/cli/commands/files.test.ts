/** End to end: the commands that read whole files (validate, diff, apply). */
import { describe, expect, it } from "vitest";
import { expectError, L, M, Q, sandboxes, T0, warnings, type EventsDoc, type Sandbox } from "../helpers.js";

const sandbox = sandboxes();

describe("validate", { timeout: 30_000 }, () => {
  it("exit 0 for a valid snapshot, file untouched", async () => {
    const box = sandbox();
    const before = await box.build([`fail ${L} --times 2`, `block ${Q}`]);
    expect(await box.ok(["validate"])).toContain("valid: governor.json (1 tracked, 1 blocked, 1 backoff entries)");
    expect(await box.json(["validate"])).toMatchObject({
      valid: true,
      source: "governor.json",
      counts: { blocked: 1, allowlisted: null, tracked: 1, backoff_entries: 1 },
    });
    expect(box.read()).toBe(before);
  });

  it.each([
    ["a negative u64", '{"spec_version": 1, "clock_ns": "-1"}\n', "(clock_ns)"],
    ["an invalid peer id", '{"spec_version": 1, "peer_governor": {"blocklist": ["0OIl"]}}\n', "(peer_governor.blocklist[0])"],
    ["an unknown key", '{"spec_version": 1, "colour": "red"}\n', "colour"],
    ["the wrong version", '{"spec_version": 2}\n', "(spec_version)"],
    ["not JSON", "spec_version: 1\n", "($)"],
  ])("exit 2 listing the error for %s, file untouched", async (_what, text, where) => {
    const box = sandbox();
    box.write("bad.json", text);
    const result = await box.run(["-s", "bad.json", "validate"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain("invalid: bad.json: 1 error(s)\n  ✗ ");
    expect(result.stdout).toContain(where);
    expect(box.read("bad.json")).toBe(text);
  });

  it("a mutating command refuses an invalid snapshot the same way", async () => {
    const box = sandbox();
    const text = '{"spec_version": 1, "peer_governor": {"health": [{"peer": "xx"}]}}';
    box.write("governor.json", text);
    expectError(await box.run(["block", L]), "(governor.json: peer_governor.health[0].peer)");
    expect(box.read()).toBe(text);
  });
});

describe("diff", { timeout: 30_000 }, () => {
  it("exit 0 for the same state, even spelled differently", async () => {
    const box = sandbox();
    await box.build([`fail ${L} --times 2`, `fail ${M}`, `block ${Q} ${M}`]);
    const doc = box.doc();
    // Keys in another order, u64s as JSON integers where exact, lists unsorted, no indentation.
    const reordered = {
      spec_version: 1,
      backoff_table: [...doc.backoff_table].reverse(),
      backoff: { max_delay_ns: 60000000000, base_ns: "10000000" },
      peer_governor: {
        health: [...doc.peer_governor.health]
          .reverse()
          .map(({ down, last_event_ns, consecutive_failures, peer }) => ({ down, last_event_ns, consecutive_failures, peer })),
        allowlist: null,
        blocklist: [...doc.peer_governor.blocklist].reverse(),
        failure_threshold: 5,
      },
      clock_ns: doc.clock_ns,
    };
    box.write("other.json", JSON.stringify(reordered));
    expect(await box.ok(["diff", "other.json"])).toContain("same: governor.json and other.json hold the same state");
    expect(await box.json(["diff", "other.json"])).toEqual({
      same: true,
      from: "governor.json",
      to: "other.json",
      changes: [],
      not_compared: [],
    });
  });

  it("exit 1 with the changes; --json lists them", async () => {
    const box = sandbox();
    await box.build([`fail ${L} --times 2`]);
    await box.ok(["-q", "-o", "after.json", "fail", L]);
    const text = await box.run(["diff", "after.json"]);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain("3 difference(s) from governor.json to after.json");
    expect(text.stdout).toContain(`peer_governor.health[${L}].consecutive_failures: 2 -> 3`);
    const doc = await box.json<{ same: boolean; changes: { path: string; kind: string }[] }>(["diff", "after.json"], 1);
    expect(doc.same).toBe(false);
    expect(doc.changes.map((change) => change.path)).toEqual([
      `peer_governor.health[${L}].consecutive_failures`,
      `backoff_table[${L}].attempts`,
      `backoff_table[${L}].next_retry_ns`,
    ]);
  });

  it("exit 2 when OTHER is missing or invalid", async () => {
    const box = sandbox();
    await box.build();
    expectError(await box.run(["diff", "missing.json"]), "cannot read the other snapshot: no such file (missing.json)");
    box.write("bad.json", "{}");
    expectError(await box.run(["diff", "bad.json"]), "(bad.json: ");
  });
});

/** The health of `peer` in the sandbox's snapshot. */
function failures(box: Sandbox, peer: string): number | undefined {
  return box.doc().peer_governor.health.find((entry) => entry.peer === peer)?.consecutive_failures;
}

describe("apply", { timeout: 30_000 }, () => {
  const SCRIPT = `# set up a node
threshold 3

block ${Q}   # a bad actor
fail ${L} --times 3
fail ${L}
  allow --restrict '${M}' "${L}"
`;

  it("runs a script file: comments, blank lines, quotes, in one write", async () => {
    const box = sandbox();
    await box.build();
    box.write("changes.txt", SCRIPT);
    const result = await box.run(["apply", "changes.txt"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("✓ applied 5 command(s) from changes.txt");
    expect(result.stdout).toContain("wrote governor.json");
    expect(warnings(result.stderr)).toEqual(["line 7: the policy was open: now only the 2 allowlisted peer(s) are admitted"]);
    const doc = box.doc();
    expect(doc.peer_governor.failure_threshold).toBe(3);
    expect(doc.peer_governor.blocklist).toEqual([Q]);
    expect(doc.peer_governor.allowlist).toEqual([L, M]);
    // Options do not leak from one line to the next: `fail L` after `fail L --times 3` records one more.
    expect(failures(box, L)).toBe(4);
  });

  it("reads `-` and no argument from standard input (a here-document)", async () => {
    const box = sandbox();
    await box.build();
    await box.ok(["-q", "apply", "-"], { input: `fail ${L} --times 2 --every 1s\nfail ${L}\n` });
    expect(failures(box, L)).toBe(3);
    // `fail L` ran at the clock the first line moved, with --every back to 0.
    expect(box.doc().clock_ns).toBe(String(T0 + 1_000_000_000n));
    await box.ok(["-q", "apply"], { input: `reset ${L}` });
    expect(failures(box, L)).toBeUndefined();
  });

  it("--json: one document with each line's result", async () => {
    const box = sandbox();
    await box.build();
    const doc = await box.json<{
      command: string;
      written: boolean;
      source: string;
      lines: ({ line: number; command: string } & Partial<EventsDoc>)[];
    }>(["apply", "-"], 0, { input: `\nblock ${Q}\nfail ${L} --times 2\n` });
    expect(doc).toMatchObject({ command: "apply", written: true, source: "standard input" });
    expect(doc.lines.map((line) => [line.line, line.command])).toEqual([
      [2, "block"],
      [3, "fail"],
    ]);
    expect(doc.lines[1]?.events).toHaveLength(2);
  });

  it("all or nothing: a bad line 3 leaves the file byte-identical and the error names line 3", async () => {
    const box = sandbox();
    const before = await box.build();
    box.write("bad.txt", `block ${Q}\nthreshold 2\nfail not-a-peer\nthreshold 4\n`);
    expectError(await box.run(["apply", "bad.txt"]), /^bbgov: invalid peer id "not-a-peer": .* \(bad\.txt line 3: argument PEER\)\n$/);
    expect(box.read()).toBe(before);
  });

  it("validates every line before running any: a parse error after a good line writes nothing", async () => {
    const box = sandbox();
    const before = await box.build();
    expectError(await box.run(["apply", "-"], { input: `block ${Q}\nfail ${L} --times 0\n` }), "(standard input line 2: --times)");
    expectError(
      await box.run(["apply", "-"], { input: `block ${Q}\nfail ${L} --every "1.5\n` }),
      'unterminated " quote (standard input line 2)',
    );
    expectError(
      await box.run(["apply", "-"], { input: `block ${Q}\nfrobnicate\n` }),
      "unknown command 'frobnicate' (standard input line 2)",
    );
    expect(box.read()).toBe(before);
  });

  it("a line that fails while running still writes nothing", async () => {
    const box = sandbox();
    const before = await box.build();
    expectError(
      await box.run(["apply", "-"], { input: `block ${Q}\nreset\n` }),
      "name at least one PEER, or --all (standard input line 2: reset)",
    );
    expect(box.read()).toBe(before);
  });

  it.each([
    ["check", `check ${L}`, "check cannot be used in a script"],
    ["init", "init --force", "init cannot be used in a script"],
    ["a global option", `--json block ${L}`, "global options such as --json go on the bbgov apply command line"],
    ["a global option after the command", `block -s other.json ${L}`, "global options such as -s go on the bbgov apply command line"],
    ["a global option with its value", `block ${L} --lock-timeout=1s`, "global options such as --lock-timeout go on the bbgov apply"],
    ["a cluster of global short options", `block -qs other.json ${L}`, "global options such as -qs go on the bbgov apply command line"],
    ["-V", `block -V ${L}`, "global options such as -V go on the bbgov apply command line"],
    ["lines ended by CR alone", `block ${L}\rthreshold 3`, "a carriage return inside the line: are the script's lines ended by CR alone?"],
    ["bbgov in front", `bbgov block ${L}`, "write the command without `bbgov` in front"],
    ["help", "help", "help cannot be used in a script"],
  ])("refuses %s inside a script", async (_what, line, message) => {
    const box = sandbox();
    const before = await box.build();
    const result = await box.run(["apply", "-"], { input: `block ${Q}\n${line}\n` });
    expectError(result, message);
    expect(result.stderr).toContain("(standard input line 2)");
    expect(box.read()).toBe(before);
  });

  it("a script with CRLF line endings (a trailing blank too) runs as with LF", async () => {
    const box = sandbox();
    await box.build();
    const result = await box.run(["--json", "apply", "-"], { input: `block ${L}\r\nthreshold 3 \r\n# done\r\n` });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(box.read()).peer_governor.failure_threshold).toBe(3);
  });

  it("a line's echo in the report shows a tab between its words as a space, not as an escape", async () => {
    const box = sandbox();
    await box.build();
    const result = await box.run(["--dry-run", "apply", "-"], { input: `block\t${L}\n` });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`1: block ${L}\n`);
    expect(result.stdout).not.toContain("\\x09");
  });

  it("a byte order mark starting a later line (two scripts joined by cat) is read past, as the first line's", async () => {
    const box = sandbox();
    await box.build();
    const result = await box.run(["-q", "apply", "-"], { input: `\ufeffblock ${L}\n\ufeffthreshold 3\n` });
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(JSON.parse(box.read()).peer_governor.failure_threshold).toBe(3);
  });

  it("a missing script, or stdin for both script and snapshot, is an error", async () => {
    const box = sandbox();
    const before = await box.build();
    expectError(await box.run(["apply", "nope.txt"]), /^bbgov: cannot read the script.*: no such file \(nope\.txt\)\n$/);
    expectError(await box.run(["-s", "-", "apply", "-"], { input: before }), "standard input cannot be both the snapshot and ");
    expect(box.read()).toBe(before);
  });
});
