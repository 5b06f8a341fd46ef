/**
 * Fifteenth review: contract statements checked one by one that no test pinned as such: the key order of the
 * `check` and event documents, what `check` decides for each blocklist / allowlist / cooldown combination (the
 * upstream order of the rules), u64 values above 2^53 through the CLI, and refused input leaving a file as it was.
 */
import { describe, expect, it } from "vitest";
import { ALLOW, expectError, L, M, N, Q, sandboxes, U64_MAX } from "./helpers.js";

const sandbox = sandboxes();
const S7 = "16uZAbWC1AJvS";
const NOW = 1_000_000n;

/** Upstream's order: blocklist, then allowlist, then (outbound only) the backoff table; `down` decides nothing. */
const COMBOS = {
  spec_version: 1,
  clock_ns: String(NOW),
  peer_governor: {
    failure_threshold: 1,
    blocklist: [L],
    allowlist: [L, M, N],
    health: [
      { peer: L, consecutive_failures: 9, last_event_ns: "0", down: true },
      { peer: N, consecutive_failures: 9, last_event_ns: "0", down: true },
    ],
  },
  backoff_table: [
    // Every peer but N is cooling down until 2^64-1; N's retry time is exactly now (ready).
    { peer: L, attempts: 1, last_attempt_ns: "0", next_retry_ns: String(U64_MAX) },
    { peer: M, attempts: 1, last_attempt_ns: "0", next_retry_ns: String(U64_MAX) },
    { peer: N, attempts: 1, last_attempt_ns: "0", next_retry_ns: String(NOW) },
    { peer: S7, attempts: 1, last_attempt_ns: "0", next_retry_ns: String(U64_MAX) },
  ],
};

const deny = (reason: string, retry: bigint | null = null) => ({
  decision: "deny",
  reason,
  retry_ns: retry === null ? null : String(retry),
});

describe("check decides as upstream's check_inbound / check_outbound", () => {
  it.each([
    ["blocklisted beats allowlisted and cooldown", L, deny("blocklisted"), deny("blocklisted"), 1],
    ["allowlisted and cooling down: inbound allows, outbound is cooldown with the entry's retry", M, ALLOW, deny("cooldown", U64_MAX), 1],
    ["down, allowlisted, retry time reached (now = next_retry_ns): allowed both ways", N, ALLOW, ALLOW, 0],
    ["not allowlisted beats cooldown", S7, deny("not_allowlisted"), deny("not_allowlisted"), 1],
    ["unknown to an allowlist: not_allowlisted", Q, deny("not_allowlisted"), deny("not_allowlisted"), 1],
  ])("%s", async (_, peer, inbound, outbound, status) => {
    const box = sandbox();
    const text = `${JSON.stringify(COMBOS)}\n`;
    box.write("governor.json", text);
    const result = await box.run(["--json", "check", peer]);
    expect(result.status).toBe(status);
    expect(JSON.parse(result.stdout)).toEqual({ peer, at_ns: String(NOW), inbound, outbound });
    expect(box.read()).toBe(text);
  });

  it("an empty allowlist admits nobody; null is the open policy", async () => {
    const box = sandbox();
    box.write("governor.json", JSON.stringify({ spec_version: 1, peer_governor: { allowlist: [] } }));
    const closed = await box.run(["--json", "check", M]);
    expect([closed.status, JSON.parse(closed.stdout).inbound]).toEqual([1, deny("not_allowlisted")]);
    box.write("governor.json", JSON.stringify({ spec_version: 1, peer_governor: { allowlist: null } }));
    expect((await box.run(["check", M])).status).toBe(0);
  });
});

describe("--json documents keep the contract's key order", () => {
  it("check: peer, at_ns, inbound, outbound; D: decision, reason, retry_ns", async () => {
    const box = sandbox();
    box.write("governor.json", JSON.stringify(COMBOS));
    const doc = JSON.parse((await box.run(["--json", "check", M])).stdout);
    expect(Object.keys(doc)).toEqual(["peer", "at_ns", "inbound", "outbound"]);
    for (const direction of [doc.inbound, doc.outbound]) expect(Object.keys(direction)).toEqual(["decision", "reason", "retry_ns"]);
    expect(Object.keys(JSON.parse((await box.run(["--json", "check", M, "--outbound"])).stdout))).toEqual(["peer", "at_ns", "outbound"]);
  });

  it("fail / succeed / advise events: peer, at_ns, consecutive_failures, down, transition, backoff {attempts, next_retry_ns}", async () => {
    const box = sandbox();
    box.write("governor.json", '{"spec_version": 1}');
    const order = ["peer", "at_ns", "consecutive_failures", "down", "transition", "backoff"];
    for (const args of [
      ["fail", L],
      ["advise", L, "1s"],
      ["succeed", L],
    ]) {
      const doc = JSON.parse((await box.run(["--json", ...args])).stdout);
      expect(Object.keys(doc), args[0]).toEqual(["command", "written", "events", "warnings"]);
      expect(Object.keys(doc.events[0]), args[0]).toEqual(order);
      if (args[0] !== "succeed") expect(Object.keys(doc.events[0].backoff)).toEqual(["attempts", "next_retry_ns"]);
      else expect(doc.events[0].backoff).toBeNull();
    }
  });
});

describe("u64 values above 2^53 go through the CLI exactly", () => {
  it("a JSON integer clock of 2^64-1 and --at 2^53+1 are read, printed and written as exact decimal strings", async () => {
    const box = sandbox();
    box.write("governor.json", '{"spec_version": 1, "clock_ns": 18446744073709551615}');
    expect(JSON.parse((await box.run(["--json", "clock"])).stdout).clock_ns).toBe("18446744073709551615");
    const doc = JSON.parse((await box.run(["--json", "fail", L, "--at", "9007199254740993"])).stdout);
    expect(doc.events[0]).toMatchObject({ at_ns: "9007199254740993", backoff: { next_retry_ns: "9007199264740993" } });
    // The clock stays at the larger value: max(old clock, last event).
    expect(box.doc().clock_ns).toBe("18446744073709551615");
    expect(box.doc().peer_governor.health[0]?.last_event_ns).toBe("9007199254740993");
  });
});

describe("a refused command leaves the file byte-identical", () => {
  it.each([
    [["allow", M], "add --restrict to create it"],
    [["threshold", "4294967296"], "expected a whole number from 0 to 4294967295"],
    [["fail", M, "--at", "18446744073709551616"], "above the u64 maximum"],
    [["block", M, "nope"], "is not a whole peer id"],
  ])("%j", async (args, message) => {
    const box = sandbox();
    // Not canonical (one line, integers for u64): any write would change its bytes.
    const text = `{"spec_version":1,"clock_ns":5,"peer_governor":{"health":[{"peer":"${L}","consecutive_failures":1,"last_event_ns":5,"down":false}]}}`;
    box.write("governor.json", text);
    expectError(await box.run(args), message);
    expect(box.read()).toBe(text);
  });
});
