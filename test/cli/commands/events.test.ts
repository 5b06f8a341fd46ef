/** End to end: the event commands (fail, succeed, advise) and check. */
import { describe, expect, it } from "vitest";
import { ALLOW, expectError, L, M, MS, Q, S, sandboxes, T0, U64_MAX, warnings, type DecisionDoc, type EventsDoc } from "../helpers.js";

const sandbox = sandboxes();

interface CheckDoc {
  peer: string;
  at_ns: string;
  inbound?: DecisionDoc;
  outbound?: DecisionDoc;
}

const cooldown = (retryNs: bigint): DecisionDoc => ({ decision: "deny", reason: "cooldown", retry_ns: String(retryNs) });
const BLOCKLISTED: DecisionDoc = { decision: "deny", reason: "blocklisted", retry_ns: null };
const NOT_ALLOWLISTED: DecisionDoc = { decision: "deny", reason: "not_allowlisted", retry_ns: null };

describe("fail", { timeout: 30_000 }, () => {
  it("--times and --every: the k-th failure at start + k x every, PeerDown exactly at the threshold", async () => {
    const box = sandbox();
    await box.build();
    const doc = await box.json<EventsDoc>(["fail", L, "--times", "7", "--every", "300ms"]);
    expect(Object.keys(doc)).toEqual(["command", "written", "events", "warnings"]);
    expect(doc).toMatchObject({ command: "fail", written: true, warnings: [] });
    expect(doc.events).toHaveLength(7);
    doc.events.forEach((event, k) => {
      const atNs = T0 + BigInt(k) * 300n * MS;
      expect(event).toEqual({
        peer: L,
        at_ns: String(atNs),
        consecutive_failures: k + 1,
        down: k + 1 >= 5,
        transition: k + 1 === 5 ? "went_down" : "none",
        backoff: { attempts: k + 1, next_retry_ns: String(atNs + 10n * MS * 2n ** BigInt(k)) },
      });
    });
    const snapshot = box.doc();
    expect(snapshot.clock_ns).toBe(String(T0 + 1800n * MS));
    expect(snapshot.peer_governor.health).toEqual([
      { peer: L, consecutive_failures: 7, last_event_ns: String(T0 + 1800n * MS), down: true },
    ]);
    expect(snapshot.backoff_table).toEqual([
      { peer: L, attempts: 7, last_attempt_ns: String(T0 + 1800n * MS), next_retry_ns: String(T0 + 1800n * MS + 640n * MS) },
    ]);
  });

  it("prints one row per failure, PeerDown on the crossing row", async () => {
    const box = sandbox();
    await box.build();
    const out = await box.ok(["fail", L, "--times", "6", "--every", "500ms"]);
    const rows = out.split("\n").filter((line) => /^│\s+\d+ │/.test(line));
    expect(rows).toHaveLength(6);
    expect(rows.map((row) => row.includes("PeerDown"))).toEqual([false, false, false, false, true, false]);
    expect(rows[4]).toMatch(/16:00:02\.000 .*\+2 s.*5\/5.*PeerDown/);
    expect(out).toContain(`${L} is DOWN with 6 consecutive failure(s) (went down at event 5)`);
  });

  it("a streak crossing the threshold over two commands goes down once", async () => {
    const box = sandbox();
    await box.build([`threshold 3`, `fail ${L} --times 2`]);
    const doc = await box.json<EventsDoc>(["fail", L, "--times", "2"]);
    expect(doc.events.map((event) => event.transition)).toEqual(["went_down", "none"]);
    expect(doc.events.map((event) => event.consecutive_failures)).toEqual([3, 4]);
  });

  it("--at: an absolute time; the clock never moves back", async () => {
    const box = sandbox();
    await box.build();
    const doc = await box.json<EventsDoc>(["fail", L, "--at", "5"]);
    expect(doc.events[0]?.at_ns).toBe("5");
    expect(doc.events[0]?.backoff).toEqual({ attempts: 1, next_retry_ns: String(5n + 10n * MS) });
    expect(box.doc().clock_ns).toBe(String(T0));
    await box.json(["fail", L, "--at", String(T0 + 2n * S)]);
    expect(box.doc().clock_ns).toBe(String(T0 + 2n * S));
  });

  it("--after: clock + DUR; clock_ns = max(old clock, last event)", async () => {
    const box = sandbox();
    await box.build();
    const doc = await box.json<EventsDoc>(["fail", L, "--after", "2s", "--times", "3", "--every", "1.5s"]);
    expect(doc.events.map((event) => event.at_ns)).toEqual([T0 + 2n * S, T0 + 3500n * MS, T0 + 5n * S].map(String));
    expect(box.doc().clock_ns).toBe(String(T0 + 5n * S));
  });

  it("saturates at 2^64-1 with --at 18446744073709551615 and --every", async () => {
    const box = sandbox();
    await box.build();
    const doc = await box.json<EventsDoc>(["fail", L, "--at", "18446744073709551615", "--every", "1s", "--times", "3"]);
    expect(doc.events.map((event) => event.at_ns)).toEqual([String(U64_MAX), String(U64_MAX), String(U64_MAX)]);
    expect(doc.events.map((event) => event.backoff?.next_retry_ns)).toEqual([String(U64_MAX), String(U64_MAX), String(U64_MAX)]);
    expect(box.doc().clock_ns).toBe(String(U64_MAX));
  });

  it("rejects --at with --after, --times 0, bad times and bad peers, leaving the file", async () => {
    const box = sandbox();
    const before = await box.build();
    expectError(
      await box.run(["fail", L, "--at", "1", "--after", "1s"]),
      "option '--at <time>' cannot be used with option '--after <dur>'",
    );
    expectError(await box.run(["fail", L, "--times", "0"]), 'invalid number "0": expected a whole number from 1 to 1000000 (--times)');
    expectError(await box.run(["fail", L, "--every", "5sec"]), 'invalid duration "5sec"');
    expectError(await box.run(["fail", "16uZAbWC1AJv0"]), "invalid peer id");
    expect(box.read()).toBe(before);
  });
});

describe("succeed", { timeout: 30_000 }, () => {
  it("came_up after a down streak; backoff null and the table entry removed", async () => {
    const box = sandbox();
    await box.build([`fail ${L} --times 5`, `fail ${M}`]);
    const doc = await box.json<EventsDoc>(["succeed", L, "--after", "1s"]);
    expect(doc).toEqual({
      command: "succeed",
      written: true,
      events: [{ peer: L, at_ns: String(T0 + S), consecutive_failures: 0, down: false, transition: "came_up", backoff: null }],
      warnings: [],
    });
    const snapshot = box.doc();
    expect(snapshot.backoff_table.map((entry) => entry.peer)).toEqual([M]);
    expect(snapshot.peer_governor.health.find((entry) => entry.peer === L)).toEqual({
      peer: L,
      consecutive_failures: 0,
      last_event_ns: String(T0 + S),
      down: false,
    });
    expect(snapshot.clock_ns).toBe(String(T0 + S));
    expect((await box.json<EventsDoc>(["succeed", L])).events[0]?.transition).toBe("none");
    expect(await box.ok(["succeed", M, "--at", "7"])).toContain("cleared");
  });
});

describe("advise", { timeout: 30_000 }, () => {
  it("a back-off notice on the table and a failure on the governor", async () => {
    const box = sandbox();
    await box.build();
    const doc = await box.json<EventsDoc>(["advise", L, "5s", "--at", String(T0 + S)]);
    expect(doc.events).toEqual([
      {
        peer: L,
        at_ns: String(T0 + S),
        consecutive_failures: 1,
        down: false,
        transition: "none",
        backoff: { attempts: 1, next_retry_ns: String(T0 + 6n * S) },
      },
    ]);
    expect(doc.warnings).toEqual([]);
    expect(box.doc().peer_governor.health[0]?.consecutive_failures).toBe(1);
  });

  it("caps the advisory at the max delay, with a warning", async () => {
    const box = sandbox();
    await box.build();
    const result = await box.run(["advise", L, "2m"]);
    expect(result.status).toBe(0);
    expect(warnings(result.stderr)).toEqual(["the advised 2 m is capped at the max delay 1 m"]);
    expect(box.doc().backoff_table[0]?.next_retry_ns).toBe(String(T0 + 60n * S));
    const doc = await box.json<EventsDoc>(["advise", L, "1h"]);
    expect(doc.warnings).toEqual(["the advised 1 h is capped at the max delay 1 m"]);
    expect(doc.events[0]?.consecutive_failures).toBe(2);
    expectError(await box.run(["advise", L]), "missing required argument 'dur'");
    expectError(await box.run(["advise", L, "soon"]), /^bbgov: invalid duration "soon": .* \(argument DUR\)\n$/);
  });
});

describe("check", { timeout: 30_000 }, () => {
  it("exit 0 when both directions allow", async () => {
    const box = sandbox();
    const before = await box.build();
    expect(await box.json<CheckDoc>(["check", L])).toEqual({ peer: L, at_ns: String(T0), inbound: ALLOW, outbound: ALLOW });
    const text = await box.run(["check", L]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/inbound\s+allow/);
    expect(box.read()).toBe(before);
  });

  it("exit 1 for blocklisted, both directions", async () => {
    const box = sandbox();
    await box.build([`block ${Q}`]);
    expect(await box.json<CheckDoc>(["check", Q], 1)).toEqual({ peer: Q, at_ns: String(T0), inbound: BLOCKLISTED, outbound: BLOCKLISTED });
    expect((await box.run(["check", Q])).stdout).toContain("blocklisted: the peer is on the blocklist");
  });

  it("exit 1 for not_allowlisted", async () => {
    const box = sandbox();
    await box.build([`allow --restrict ${M}`]);
    expect(await box.json<CheckDoc>(["check", L], 1)).toMatchObject({ inbound: NOT_ALLOWLISTED, outbound: NOT_ALLOWLISTED });
    expect(await box.json<CheckDoc>(["check", M], 0)).toMatchObject({ inbound: ALLOW, outbound: ALLOW });
  });

  it("cooldown: outbound denied with retry_ns; --inbound / --outbound leave the other key out; --at / --after", async () => {
    const box = sandbox();
    const before = await box.build([`fail ${L}`]);
    const retry = T0 + 10n * MS;
    expect(await box.json<CheckDoc>(["check", L], 1)).toEqual({ peer: L, at_ns: String(T0), inbound: ALLOW, outbound: cooldown(retry) });
    expect(await box.json<CheckDoc>(["check", L, "--inbound"], 0)).toEqual({ peer: L, at_ns: String(T0), inbound: ALLOW });
    expect(await box.json<CheckDoc>(["check", L, "--outbound"], 1)).toEqual({ peer: L, at_ns: String(T0), outbound: cooldown(retry) });
    expect((await box.json<CheckDoc>(["check", L, "--outbound", "--at", String(retry - 1n)], 1)).outbound).toEqual(cooldown(retry));
    expect(await box.json<CheckDoc>(["check", L, "--outbound", "--at", String(retry)], 0)).toEqual({
      peer: L,
      at_ns: String(retry),
      outbound: ALLOW,
    });
    expect((await box.json<CheckDoc>(["check", L, "--after", "10ms"], 0)).at_ns).toBe(String(retry));
    expect((await box.run(["check", L])).stdout).toContain("cooldown: backing off until 1764000000010000000");
    expectError(await box.run(["check", L, "--inbound", "--outbound"]), "cannot be used with option '--outbound'");
    expect(box.read()).toBe(before);
  });

  it("-q: the exit code only", async () => {
    const box = sandbox();
    await box.build([`block ${Q}`]);
    expect(await box.run(["-q", "check", Q])).toEqual({ status: 1, stdout: "", stderr: "" });
    expect(await box.run(["-q", "check", L])).toEqual({ status: 0, stdout: "", stderr: "" });
  });
});
