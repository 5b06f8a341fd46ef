/** End to end: `init` and `inspect` against the built binary. */
import { beforeAll, describe, expect, it } from "vitest";
import { ALLOW, ANSI, expectError, L, M, MS, N, Q, S, sandboxes, T0, warnings, type DecisionDoc, type Sandbox } from "../helpers.js";

const sandbox = sandboxes();

const DEFAULT_SNAPSHOT = `{
  "spec_version": 1,
  "clock_ns": "0",
  "peer_governor": {
    "failure_threshold": 5,
    "blocklist": [],
    "allowlist": null,
    "health": []
  },
  "backoff": {
    "base_ns": "10000000",
    "max_delay_ns": "60000000000"
  },
  "backoff_table": []
}
`;

describe("init", { timeout: 30_000 }, () => {
  it("writes the default snapshot to governor.json in the working directory", async () => {
    const box = sandbox();
    const out = await box.ok(["init"]);
    expect(out).toContain("new snapshot");
    expect(out).toContain("wrote governor.json");
    expect(box.read()).toBe(DEFAULT_SNAPSHOT);
  });

  it("refuses to replace an existing file without --force, leaving it as it was", async () => {
    const box = sandbox();
    const before = await box.build([`block ${L}`]);
    expectError(await box.run(["init"]), "governor.json already exists; add --force to replace it (init)");
    expect(box.read()).toBe(before);
    await box.ok(["-q", "init", "--force"]);
    expect(box.read()).toBe(DEFAULT_SNAPSHOT);
  });

  it("takes --threshold, --backoff-base, --backoff-max and --clock", async () => {
    const box = sandbox();
    await box.ok(["init", "--threshold", "3", "--backoff-base", "50ms", "--backoff-max", "2m", "--clock", "1764000000000000000"]);
    const doc = box.doc();
    expect(doc.clock_ns).toBe("1764000000000000000");
    expect(doc.peer_governor.failure_threshold).toBe(3);
    expect(doc.backoff).toEqual({ base_ns: "50000000", max_delay_ns: "120000000000" });
  });

  it("clamps 0 to 1 with a warning for each", async () => {
    const box = sandbox();
    const result = await box.run(["init", "--threshold", "0", "--backoff-base", "0", "--backoff-max", "0"]);
    expect(result.status).toBe(0);
    expect(warnings(result.stderr)).toEqual([
      "a failure threshold of 0 becomes 1 (the upstream clamp)",
      "a backoff base of 0 becomes 1 ns (the upstream clamp)",
      "a backoff max of 0 becomes 1 ns (the upstream clamp)",
    ]);
    const doc = box.doc();
    expect(doc.peer_governor.failure_threshold).toBe(1);
    expect(doc.backoff).toEqual({ base_ns: "1", max_delay_ns: "1" });
  });

  it("-s - init prints the snapshot on stdout and the report on stderr", async () => {
    const box = sandbox();
    const result = await box.run(["-s", "-", "init", "--clock", "86400000000000"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(DEFAULT_SNAPSHOT.replace('"clock_ns": "0"', '"clock_ns": "86400000000000"'));
    expect(result.stderr).toContain("new snapshot");
    expect(box.exists()).toBe(false);
  });

  it("rejects a bad value without creating a file", async () => {
    const box = sandbox();
    expectError(await box.run(["init", "--clock", "1.5"]), "expected nanoseconds, a date (e.g. 2025-11-24T16:01:00Z) or now (--clock)");
    expectError(await box.run(["init", "--threshold", "4294967296"]), "(--threshold)");
    expect(box.exists()).toBe(false);
  });
});

/**
 * A snapshot with four peers, clock T0 + 1 s:
 * L 2 failures at T0 (backoff ready); M 6 failures at T0+1s (down, cooling
 * down); N 1 failure at 5 ns; Q blocklisted with no health.
 */
async function fourPeers(): Promise<Sandbox> {
  const box = sandbox();
  await box.build([`fail ${L} --times 2`, `fail ${M} --times 6 --after 1s`, `fail ${N} --at 5`, `block ${Q}`]);
  return box;
}

interface InspectDoc {
  kind: string;
  node: unknown;
  clock_ns: string;
  peer_governor: { failure_threshold: number; blocklist: string[]; allowlist: string[] | null };
  backoff: { base_ns: string; max_delay_ns: string };
  summary: Record<string, number | null>;
  peers: {
    peer: string;
    blocked: boolean;
    allowlisted: boolean;
    health: null | { consecutive_failures: number; last_event_ns: string; down: boolean };
    backoff: null | { attempts: number; last_attempt_ns: string; next_retry_ns: string };
    inbound: DecisionDoc;
    outbound: DecisionDoc;
  }[];
}

const peersOf = (doc: InspectDoc): string[] => doc.peers.map((row) => row.peer);

describe("inspect", { timeout: 30_000 }, () => {
  let box: Sandbox;
  let snapshotBefore = "";
  beforeAll(async () => {
    box = await fourPeers();
    snapshotBefore = box.read();
  });

  it("--json: the whole state, a summary, and each peer's decisions at the clock", async () => {
    const doc = await box.json<InspectDoc>(["inspect"]);
    expect(Object.keys(doc)).toEqual(["kind", "node", "clock_ns", "peer_governor", "backoff", "summary", "peers"]);
    expect([doc.kind, doc.node]).toEqual(["bbgov-json", null]);
    expect(doc.clock_ns).toBe(String(T0 + S));
    expect(doc.peer_governor).toEqual({ failure_threshold: 5, blocklist: [Q], allowlist: null });
    expect(doc.backoff).toEqual({ base_ns: "10000000", max_delay_ns: "60000000000" });
    expect(doc.summary).toEqual({
      peers: 4,
      blocked: 1,
      allowlisted: null,
      tracked: 3,
      down: 1,
      backoff_entries: 3,
      cooling_down: 1,
      inbound_denied: 1,
      outbound_denied: 2,
      scope: "all",
    });
    expect(peersOf(doc)).toEqual([L, M, N, Q]);
    const [l, m, , q] = doc.peers;
    expect(l).toEqual({
      peer: L,
      blocked: false,
      allowlisted: false,
      health: { consecutive_failures: 2, last_event_ns: String(T0), down: false },
      backoff: { attempts: 2, last_attempt_ns: String(T0), next_retry_ns: String(T0 + 20n * MS) },
      inbound: ALLOW,
      outbound: ALLOW,
    });
    expect(m?.health).toEqual({ consecutive_failures: 6, last_event_ns: String(T0 + S), down: true });
    expect(m?.inbound).toEqual(ALLOW);
    expect(m?.outbound).toEqual({ decision: "deny", reason: "cooldown", retry_ns: String(T0 + S + 320n * MS) });
    expect(q).toMatchObject({ blocked: true, health: null, backoff: null });
    expect(q?.inbound).toEqual({ decision: "deny", reason: "blocklisted", retry_ns: null });
    expect(q?.outbound).toEqual({ decision: "deny", reason: "blocklisted", retry_ns: null });
  });

  it("shows a table for people, with no colour when NO_COLOR is set", async () => {
    const out = await box.ok(["inspect"]);
    expect(out).not.toMatch(ANSI);
    for (const text of [
      "governor.json",
      "2025-11-24 16:00:01.000 UTC",
      "open (no allowlist), 1 blocked",
      "4 known, 3 tracked, 1 down, 1 cooling down",
    ]) {
      expect(out).toContain(text);
    }
    for (const header of ["PEER", "FAILURES", "DOWN", "LAST EVENT", "ATTEMPTS", "NEXT RETRY", "INBOUND", "OUTBOUND"])
      expect(out).toContain(header);
    const row = out.split("\n").find((line) => line.includes(M)) ?? "";
    expect(row).toMatch(/6\/5.*DOWN.*now.*6.*in 320 ms.*allow.*cooldown/);
  });

  it("fits a 50-column pane: short titles, the retry's time alone (it was 56 wide there)", async () => {
    const out = await box.ok(["inspect"], { env: { COLUMNS: "50" } });
    const table = out.split("\n").filter((line) => /^[┌│├└]/.test(line));
    for (const line of table) expect([...line].length, line).toBeLessThanOrEqual(50);
    expect(table[1]).toMatch(/^│ PEER +│ FAILS │ RETRY +│ OUTBOUND +│$/);
    expect(table.find((line) => line.includes("6/5"))).toMatch(/│ +6\/5 │ 320ms +│ cooldown +│$/);
    // Wider, the whole titles and "in 320 ms".
    expect(await box.ok(["inspect"], { env: { COLUMNS: "56" } })).toMatch(/│ FAILURES │ NEXT RETRY │ OUTBOUND +│\n[\s\S]*in 320 ms/);
  });

  it("fits half of an 80-column terminal (40): the retry's column goes, OUTBOUND still says cooldown (it was 49 wide)", async () => {
    const out = await box.ok(["inspect"], { env: { COLUMNS: "40" } });
    const table = out.split("\n").filter((line) => /^[┌│├└]/.test(line));
    for (const line of table) expect([...line].length, line).toBeLessThanOrEqual(40);
    expect(table[1]).toMatch(/^│ PEER +│ FAILS │ OUTBOUND +│$/);
    expect(table.find((line) => line.includes("6/5"))).toMatch(/│ +6\/5 │ cooldown +│$/);
  });

  it("PEER... shows only those peers, known or not", async () => {
    expect(peersOf(await box.json<InspectDoc>(["inspect", N, "16uZAbWC1AJvZ"]))).toEqual([N, "16uZAbWC1AJvZ"]);
  });

  it("--down and --blocked filter the rows; the summary still counts everyone", async () => {
    const down = await box.json<InspectDoc>(["inspect", "--down"]);
    expect(peersOf(down)).toEqual([M]);
    expect(down.summary.peers).toBe(4);
    expect(peersOf(await box.json<InspectDoc>(["inspect", "--blocked"]))).toEqual([Q]);
    expect(await box.ok(["inspect", "--down", "--blocked"])).toContain("no peer matches");
  });

  it.each([
    ["peer", [L, M, N, Q]],
    ["failures", [M, L, N, Q]],
    ["last-event", [M, L, N, Q]],
    ["next-retry", [N, L, M, Q]],
    ["attempts", [M, L, N, Q]],
  ])("--sort %s", async (key, order) => {
    expect(peersOf(await box.json<InspectDoc>(["inspect", "--sort", key]))).toEqual(order);
  });

  it("--limit N keeps the first N rows after sorting and says how many are hidden", async () => {
    expect(peersOf(await box.json<InspectDoc>(["inspect", "--sort", "failures", "--limit", "2"]))).toEqual([M, L]);
    expect(await box.ok(["inspect", "--limit", "1"])).toContain("3 more row(s) not shown (--limit)");
    expectError(await box.run(["inspect", "--limit", "0"]), "(--limit)");
  });

  it("never writes the snapshot", () => {
    expect(box.read()).toBe(snapshotBefore);
  });
});
