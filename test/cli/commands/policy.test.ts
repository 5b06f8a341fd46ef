/** End to end: the policy and settings commands (block, unblock, allow, disallow, threshold, backoff, clock, reset). */
import { describe, expect, it } from "vitest";
import { expectError, L, M, Q, sandboxes, T0, U64_MAX, warnings } from "../helpers.js";

const sandbox = sandboxes();

const EMPTY_ALLOWLIST = "the allowlist is now empty: nobody is admitted (use `allow --open` for the open policy)";

describe("block and unblock", { timeout: 30_000 }, () => {
  it("block adds peers to the sorted blocklist; blocking again changes nothing", async () => {
    const box = sandbox();
    await box.build();
    const out = await box.ok(["block", Q, L]);
    expect(out).toContain(`${Q} blocked`);
    expect(out).toContain("wrote governor.json");
    expect(box.doc().peer_governor.blocklist).toEqual([L, Q]);
    const before = box.read();
    const again = await box.ok(["block", L]);
    expect(again).toContain(`${L} was already blocked`);
    expect(again).not.toContain("wrote");
    expect(box.read()).toBe(before);
  });

  it("unblock removes; a peer that was not blocked is exit 0 and leaves the file as it was", async () => {
    const box = sandbox();
    await box.build([`block ${L} ${Q}`]);
    expect(await box.ok(["unblock", L])).toContain(`${L} unblocked`);
    expect(box.doc().peer_governor.blocklist).toEqual([Q]);
    const before = box.read();
    expect(await box.ok(["unblock", L])).toContain(`${L} was not blocked`);
    expect(box.read()).toBe(before);
  });

  it("unblock --all empties the blocklist and reports each peer in --json", async () => {
    const box = sandbox();
    await box.build([`block ${L} ${Q}`]);
    const doc = await box.json(["unblock", "--all"]);
    expect(doc).toEqual({
      command: "unblock",
      written: true,
      changes: [
        { peer: L, changed: true, note: "unblocked" },
        { peer: Q, changed: true, note: "unblocked" },
      ],
      warnings: [],
    });
    expect(box.doc().peer_governor.blocklist).toEqual([]);
    expect(await box.ok(["unblock", "--all"])).toContain("the blocklist was already empty");
  });

  it("needs peers or --all, not both, not neither", async () => {
    const box = sandbox();
    const before = await box.build([`block ${L}`]);
    expectError(await box.run(["unblock"]), "name at least one PEER, or --all (unblock)");
    expectError(await box.run(["unblock", "--all", L]), "give peers or --all, not both (unblock)");
    expectError(await box.run(["block"]), "missing required argument");
    expect(box.read()).toBe(before);
  });
});

describe("allow, allow --open and disallow", { timeout: 30_000 }, () => {
  it("allow creates the allowlist when the policy is open only with --restrict, with a warning", async () => {
    const box = sandbox();
    await box.build([`fail ${M}`]);
    const before = box.read();
    expectError(
      await box.run(["allow", L]),
      "the policy is open: an allowlist would deny every other peer (1 known peer(s) in this snapshot); add --restrict to create it (allow)",
    );
    expect(box.read()).toBe(before);
    const first = await box.run(["allow", "--restrict", L]);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`${L} allowed`);
    expect(warnings(first.stderr)).toEqual(["the policy was open: now only the 1 allowlisted peer(s) are admitted"]);
    expect(box.doc().peer_governor.allowlist).toEqual([L]);
    const second = await box.run(["allow", Q, M]);
    expect(second.stderr).toBe("");
    expect(box.doc().peer_governor.allowlist).toEqual([L, M, Q]);
  });

  it("allow of a blocklisted peer warns that the blocklist still wins", async () => {
    const box = sandbox();
    await box.build([`block ${Q}`]);
    const result = await box.run(["allow", "--restrict", Q]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${Q} allowed, but still blocked`);
    expect(warnings(result.stderr)).toContain(`${Q} is blocklisted: the blocklist still wins, it stays denied until unblock`);
    expect((await box.run(["check", Q])).status).toBe(1);
  });

  it("disallow warns when the allowlist becomes empty, which admits nobody", async () => {
    const box = sandbox();
    await box.build([`allow --restrict ${L} ${Q}`]);
    expect(await box.ok(["disallow", L])).toContain(`${L} disallowed`);
    const last = await box.run(["disallow", Q]);
    expect(last.status).toBe(0);
    expect(warnings(last.stderr)).toEqual([EMPTY_ALLOWLIST]);
    expect(box.doc().peer_governor.allowlist).toEqual([]);
    expect((await box.run(["check", L])).status).toBe(1);
  });

  it("disallow --all empties the list; --json carries the warning", async () => {
    const box = sandbox();
    await box.build([`allow --restrict ${L} ${Q}`]);
    const doc = await box.json<{ changes: unknown[]; warnings: string[] }>(["disallow", "--all"]);
    expect(doc.changes).toHaveLength(2);
    expect(doc.warnings).toEqual([EMPTY_ALLOWLIST]);
    expect(box.doc().peer_governor.allowlist).toEqual([]);
  });

  it("allow --open drops the allowlist: the open policy", async () => {
    const box = sandbox();
    await box.build([`allow --restrict ${L}`]);
    expect(await box.ok(["allow", "--open"])).toContain("allowlist of 1 dropped");
    expect(box.doc().peer_governor.allowlist).toBeNull();
    const before = box.read();
    expect(await box.ok(["allow", "--open"])).toContain("already open");
    expect(box.read()).toBe(before);
    expect(await box.ok(["disallow", L])).toContain("the policy is open");
    expectError(await box.run(["allow", "--open", L]), "give peers or --open, not both (allow)");
    expectError(await box.run(["allow"]), "name at least one PEER, or --open (allow)");
  });
});

describe("threshold", { timeout: 30_000 }, () => {
  it("sets the threshold; 0 becomes 1 with a warning", async () => {
    const box = sandbox();
    await box.build();
    expect(await box.json(["threshold", "3"])).toEqual({
      command: "threshold",
      written: true,
      failure_threshold: 3,
      previous: 5,
      warnings: [],
    });
    const zero = await box.run(["threshold", "0"]);
    expect(zero.status).toBe(0);
    expect(zero.stdout).toContain("failure threshold 3 -> 1");
    expect(warnings(zero.stderr)).toEqual(["a failure threshold of 0 becomes 1 (the upstream clamp)"]);
    expect(box.doc().peer_governor.failure_threshold).toBe(1);
    expectError(await box.run(["threshold", "three"]), 'invalid number "three"');
  });
});

describe("backoff", { timeout: 30_000 }, () => {
  it("shows, then sets --base and --max", async () => {
    const box = sandbox();
    await box.build();
    expect(await box.ok(["backoff"])).toContain("backoff base 10 ms (10000000 ns), max 1 m (60000000000 ns)");
    expect(await box.ok(["backoff", "--base", "100ms", "--max", "1s"])).toContain("backoff base 10 ms -> 100 ms, max 1 m -> 1 s");
    expect(box.doc().backoff).toEqual({ base_ns: "100000000", max_delay_ns: "1000000000" });
    // --json says the schedule before too, as threshold's `previous` and clock's `previous_ns` do.
    expect(await box.json(["backoff", "--max", "3s"])).toMatchObject({
      written: true,
      backoff: { base_ns: "100000000", max_delay_ns: "3000000000" },
      previous: { base_ns: "100000000", max_delay_ns: "1000000000" },
    });
    await box.ok(["-q", "backoff", "--max", "2s"]);
    expect(box.doc().backoff).toEqual({ base_ns: "100000000", max_delay_ns: "2000000000" });
    const zero = await box.run(["backoff", "--base", "0"]);
    expect(warnings(zero.stderr)).toEqual(["a backoff base of 0 becomes 1 ns (the upstream clamp)"]);
    expect(box.doc().backoff.base_ns).toBe("1");
  });

  it("--plan prints the schedule until the cap", async () => {
    const box = sandbox();
    await box.build([], ["--backoff-base", "100ms", "--backoff-max", "1s"]);
    const out = await box.ok(["backoff", "--plan"]);
    expect(out).toContain("ATTEMPT");
    const rows = out.split("\n").filter((line) => /^│\s+\d/.test(line));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/│\s+1 │\s+100 ms │\s+100 ms │/);
    expect(rows[4]).toMatch(/│\s+5 │\s+1 s │\s+2.5 s │ <- capped at max/);
  });

  it("--plan --attempts N in --json", async () => {
    const box = sandbox();
    await box.build([], ["--backoff-base", "100ms", "--backoff-max", "1s"]);
    const doc = await box.json<{ written: boolean; backoff: unknown; previous: unknown; plan: unknown[] }>([
      "backoff",
      "--plan",
      "--attempts",
      "6",
    ]);
    expect(doc.written).toBe(false);
    expect(doc.backoff).toEqual({ base_ns: "100000000", max_delay_ns: "1000000000" });
    expect(doc.previous).toEqual(doc.backoff);
    expect(doc.plan).toHaveLength(6);
    expect(doc.plan[0]).toEqual({ attempt: 1, delay_ns: "100000000", cumulative_ns: "100000000", capped: false });
    expect(doc.plan[5]).toEqual({ attempt: 6, delay_ns: "1000000000", cumulative_ns: "3500000000", capped: true });
    expectError(await box.run(["backoff", "--attempts", "3"]), "--attempts goes with --plan (backoff)");
  });
});

describe("clock", { timeout: 30_000 }, () => {
  it("shows the clock without changing the file", async () => {
    const box = sandbox();
    const before = await box.build();
    expect(await box.ok(["clock"])).toBe("clock 1764000000000000000 (2025-11-24 16:00:00.000 UTC)\n");
    expect(await box.json(["clock"])).toEqual({
      command: "clock",
      written: false,
      clock_ns: String(T0),
      previous_ns: String(T0),
      warnings: [],
    });
    expect(box.read()).toBe(before);
  });

  it("--set and --advance move it; backwards warns; --advance saturates at 2^64-1", async () => {
    const box = sandbox();
    await box.build([], ["--clock", "1000"]);
    expect(await box.ok(["clock", "--advance", "1s"])).toContain("clock 1000 -> 1000001000 (+1 s)");
    expect(box.doc().clock_ns).toBe("1000001000");
    await box.ok(["-q", "clock", "--set", "1764000000000000000"]);
    expect(box.doc().clock_ns).toBe(String(T0));
    const back = await box.run(["clock", "--set", "5000000000"]);
    expect(warnings(back.stderr)).toEqual([expect.stringContaining("the clock moved backwards by")]);
    expect(box.doc().clock_ns).toBe("5000000000");
    expect(await box.json(["clock", "--advance", "18446744073709551615ns"])).toMatchObject({
      clock_ns: String(U64_MAX),
      previous_ns: "5000000000",
    });
    expect(await box.json(["clock", "--advance", "1d"])).toMatchObject({ clock_ns: String(U64_MAX), written: false });
    expectError(await box.run(["clock", "--set", "1", "--advance", "1s"]), "cannot be used with");
  });
});

describe("reset", { timeout: 30_000 }, () => {
  it("forgets a peer's health and backoff, leaves the policy lists", async () => {
    const box = sandbox();
    await box.build([`fail ${L} --times 2`, `fail ${M}`, `block ${L}`]);
    expect(await box.ok(["reset", L])).toContain(`${L} reset (health and backoff forgotten)`);
    const doc = box.doc();
    expect(doc.peer_governor.health.map((entry) => entry.peer)).toEqual([M]);
    expect(doc.backoff_table.map((entry) => entry.peer)).toEqual([M]);
    expect(doc.peer_governor.blocklist).toEqual([L]);
    const before = box.read();
    expect(await box.ok(["reset", L])).toContain("had no health or backoff entry");
    expect(box.read()).toBe(before);
  });

  it("--all forgets everyone", async () => {
    const box = sandbox();
    await box.build([`fail ${L}`, `fail ${M}`, `block ${Q}`]);
    expect((await box.json<{ changes: unknown[] }>(["reset", "--all"])).changes).toHaveLength(2);
    const doc = box.doc();
    expect(doc.peer_governor.health).toEqual([]);
    expect(doc.backoff_table).toEqual([]);
    expect(doc.peer_governor.blocklist).toEqual([Q]);
    expectError(await box.run(["reset"]), "name at least one PEER, or --all (reset)");
  });
});
