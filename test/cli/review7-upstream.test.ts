/**
 * Eighth review: is the core a faithful port? One governor state, written in
 * each snapshot kind (a node snapshot and a framework-json document with the
 * entries upstream's `Node::restore` skips or overwrites, and the bbgov JSON
 * of what restore leaves), driven through the commands. Every expected value
 * is worked out by hand from `peer_governor.rs`, `backoff_table.rs` and
 * `Node::restore`, not read off bbgov.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { readNodeSnapshot, repeatedNodePeers } from "../../src/snapshot/node.js";
import { FIXTURE_NAMES, NODE_FIXTURES, REFUSED } from "../snapshot/node-fixtures.js";
import { asBytes, madeUpNode, type MadeUpGovernor } from "./made-up-nodes.js";
import { type EventsDoc, sandboxes, type Sandbox } from "./helpers.js";

const sandbox = sandboxes();

const L = PeerId.fromU64(1n); // 16uZAbWC1AJvL
const M = PeerId.fromU64(2n); // 16uZAbWC1AJvM
const N = PeerId.fromU64(3n); // 16uZAbWC1AJvN, in no list
/** The same peer with its code spelled as a 10-byte varint (upstream keeps the low 64 bits: code 0). */
const long = (peer: PeerId): Uint8Array =>
  Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, ...peer.bytes.subarray(1));
/** Bytes that are no multihash: a length of 5 and no digest. */
const CUT = Uint8Array.of(0x00, 0x05);

/**
 * What restore makes of it: threshold 0 -> 1; blocklist {L}; allowlist {M} (CUT skipped); health L = (7, 50,
 * down) (its second entry wins; the first said (3, 100)), M = (0, 10); the entry of [1] skipped; backoff M =
 * (1 attempt, last 20, next 300) (its second entry wins). No clock in the file: "now" is the latest event among
 * the entries restore keeps, max(50, 10, 20) = 50 (not the overwritten 100, nor the skipped 999).
 */
const GOVERNOR: MadeUpGovernor<Uint8Array> = {
  blocklist: [long(L), L.bytes],
  allowlist: [M.bytes, CUT],
  health: [
    { peer: L.bytes, failures: 3, eventNs: 100n, down: false },
    { peer: long(L), failures: 7, eventNs: 50n, down: true },
    { peer: M.bytes, failures: 0, eventNs: 10n, down: false },
    { peer: Uint8Array.of(1), failures: 9, eventNs: 999n, down: true },
  ],
  threshold: 0,
  backoff: [
    { peer: M.bytes, attempts: 2, lastNs: 10n, nextNs: 5000n },
    { peer: long(M), attempts: 1, lastNs: 20n, nextNs: 300n },
  ],
};

const bytes = (peer: Uint8Array): string => `[${peer.join(",")}]`;

/** GOVERNOR as upstream's serde JSON of a FrameworkSnapshot. */
function frameworkJson(): string {
  const governor = GOVERNOR;
  const health = governor.health.map((entry) => `[${bytes(entry.peer)},${entry.failures},${entry.eventNs},${entry.down}]`);
  const table = governor.backoff.map(
    (entry) =>
      `{"peer":${bytes(entry.peer)},"attempts":${entry.attempts},"last_attempt_ns":${entry.lastNs},"next_retry_ns":${entry.nextNs}}`,
  );
  return (
    `{"counters":{},"fired_phases":[],"address_book":[],"peer_governor":{"blocklist":[${governor.blocklist.map(bytes).join(",")}],` +
    `"allowlist":[${(governor.allowlist ?? []).map(bytes).join(",")}],"health":[${health.join(",")}],"failure_threshold":${governor.threshold}},` +
    `"backoff_table":[${table.join(",")}],"pending_outbound":[],"peer_id_bytes":[],"next_command_id":0,"next_exec_id":0,"spec_version":1}\n`
  );
}

/** What restore leaves, as a bbgov snapshot whose clock is that "now". */
const RESTORED = `${JSON.stringify(
  {
    spec_version: 1,
    clock_ns: "50",
    peer_governor: {
      failure_threshold: 1,
      blocklist: [L.text],
      allowlist: [M.text],
      health: [
        { peer: L.text, consecutive_failures: 7, last_event_ns: "50", down: true },
        { peer: M.text, consecutive_failures: 0, last_event_ns: "10", down: false },
      ],
    },
    backoff: { base_ns: "10000000", max_delay_ns: "60000000000" },
    backoff_table: [{ peer: M.text, attempts: 1, last_attempt_ns: "20", next_retry_ns: "300" }],
  },
  null,
  2,
)}\n`;

const KINDS = [
  {
    kind: "node snapshot",
    file: "node.bin",
    write: (box: Sandbox) => fs.writeFileSync(box.path("node.bin"), madeUpNode(GOVERNOR, asBytes)),
  },
  { kind: "framework-json", file: "framework.json", write: (box: Sandbox) => box.write("framework.json", frameworkJson()) },
  { kind: "bbgov JSON of what restore leaves", file: "restored.json", write: (box: Sandbox) => box.write("restored.json", RESTORED) },
] as const;

const allow = { decision: "allow", reason: null, retry_ns: null };
const deny = (reason: string, retryNs: string | null = null) => ({ decision: "deny", reason, retry_ns: retryNs });

describe.each(KINDS)("one restored state, in a $kind", ({ file, write }) => {
  const box = sandbox();
  beforeAll(() => write(box));
  const json = async <T = Record<string, unknown>>(args: readonly string[], status = 0): Promise<T> => {
    const result = await box.run(["-s", file, "--json", ...args]);
    expect(result.status, result.stderr).toBe(status);
    return JSON.parse(result.stdout) as T;
  };
  const events = async (args: readonly string[]) => (await json<EventsDoc>(["--dry-run", ...args])).events;

  it("now is the latest event restore keeps: 50", async () => {
    expect((await json(["clock"])).clock_ns).toBe("50");
  });

  it("decisions: the blocklist before the allowlist, a cooldown until exactly next_retry_ns", async () => {
    expect(await json(["check", L.text], 1)).toEqual({
      peer: L.text,
      at_ns: "50",
      inbound: deny("blocklisted"),
      outbound: deny("blocklisted"),
    });
    expect(await json(["check", N.text], 1)).toMatchObject({ inbound: deny("not_allowlisted"), outbound: deny("not_allowlisted") });
    // M's surviving backoff entry says 300, not its first entry's 5000.
    expect(await json(["check", M.text], 1)).toMatchObject({ inbound: allow, outbound: deny("cooldown", "300") });
    expect(await json(["check", M.text, "--at", "299"], 1)).toMatchObject({ outbound: deny("cooldown", "300") });
    expect(await json(["check", M.text, "--at", "300"])).toMatchObject({ inbound: allow, outbound: allow });
  });

  it("fail: threshold 1 (from 0), the restored streak and attempts go on", async () => {
    // M: 0 + 1 = 1 >= 1 and not down: went_down; attempts 1 + 1 = 2, next = 50 + 10 ms * 2^1.
    expect(await events(["fail", M.text])).toEqual([
      {
        peer: M.text,
        at_ns: "50",
        consecutive_failures: 1,
        down: true,
        transition: "went_down",
        backoff: { attempts: 2, next_retry_ns: "20000050" },
      },
    ]);
    // L: 7 + 1 = 8, already down: none; no backoff entry, so attempts 1, next = 50 + 10 ms.
    expect(await events(["fail", L.text])).toEqual([
      {
        peer: L.text,
        at_ns: "50",
        consecutive_failures: 8,
        down: true,
        transition: "none",
        backoff: { attempts: 1, next_retry_ns: "10000050" },
      },
    ]);
  });

  it("succeed and advise", async () => {
    expect(await events(["succeed", L.text, "--at", "40"])).toEqual([
      { peer: L.text, at_ns: "40", consecutive_failures: 0, down: false, transition: "came_up", backoff: null },
    ]);
    // 2 m advised, capped at the 60 s max: next = 50 + 60 s.
    expect(await events(["advise", M.text, "2m"])).toEqual([
      {
        peer: M.text,
        at_ns: "50",
        consecutive_failures: 1,
        down: true,
        transition: "went_down",
        backoff: { attempts: 2, next_retry_ns: "60000000050" },
      },
    ]);
  });
});

describe("validate: a peer listed twice", () => {
  const repeats = (findings: { path: string; message: string }[]) =>
    findings.filter((finding) => finding.message.includes(" is repeated ")).map((finding) => finding.path);

  it("is a finding in a node snapshot, as in framework-json: restore keeps one of it", async () => {
    const box = sandbox();
    fs.writeFileSync(box.path("node.bin"), madeUpNode(GOVERNOR, asBytes));
    box.write("framework.json", frameworkJson());
    const at = (prefix: string) => [`${prefix}peer_governor.blocklist[1]`, `${prefix}peer_governor.health[1]`, `${prefix}backoff_table[1]`];
    const node = await box.json<{ findings: { path: string; message: string }[] }>(["-s", "node.bin", "validate"]);
    expect(repeats(node.findings)).toEqual(at("transient.framework."));
    expect(node.findings.find((finding) => finding.path.endsWith("health[1]"))?.message).toBe(
      `peer ${L.text} is repeated (first at transient.framework.peer_governor.health[0]): the last entry wins, as upstream restores it`,
    );
    const framework = await box.run(["-s", "framework.json", "--json", "validate"]);
    expect(repeats((JSON.parse(framework.stdout) as { findings: { path: string; message: string }[] }).findings)).toEqual(at(""));
  });

  it("upstream's hand-edited.bin: every entry restore drops that parses is a repeat", async () => {
    // Raw 5 / 4 / 15 / 13 entries, restored 2 / 3 / 10 / 8, bad bytes 2 / 1 / 2 / 2: repeats 1 + 0 + 3 + 3.
    const box = sandbox();
    fs.copyFileSync(new URL("../../fixtures/node/hand-edited.bin", import.meta.url), box.path("hand.bin"));
    const { findings } = await box.json<{ findings: { path: string; message: string }[] }>(["-s", "hand.bin", "validate"]);
    expect(repeats(findings).map((path) => path.replace(/\[\d+\]$/, ""))).toEqual([
      "transient.framework.peer_governor.blocklist",
      ...Array(3).fill("transient.framework.peer_governor.health"),
      ...Array(3).fill("transient.framework.backoff_table"),
    ]);
  });
});

describe("validate: a peer listed twice, the quick answer", () => {
  it("a file whose restore kept every entry is answered from the lists' lengths: the same findings as decoding every entry", () => {
    for (const name of FIXTURE_NAMES.filter((fixture) => !REFUSED.includes(fixture))) {
      const bytes = fs.readFileSync(path.join(NODE_FIXTURES, `${name}.bin`));
      const read = readNodeSnapshot(bytes);
      const start = read.node.governorRange[0];
      expect(repeatedNodePeers(bytes, start, read.snapshot), name).toEqual(repeatedNodePeers(bytes, start));
    }
    const madeUp = madeUpNode(GOVERNOR, asBytes);
    const start = readNodeSnapshot(madeUp).node.governorRange[0];
    expect(repeatedNodePeers(madeUp, start, readNodeSnapshot(madeUp).snapshot)).toEqual(repeatedNodePeers(madeUp, start));
    expect(repeatedNodePeers(madeUp, start)).toHaveLength(3);
    // A repeat in the allowlist alone (an Option's Some): the lengths differ from what restore kept, so it is looked for.
    const allowed = madeUpNode({ ...GOVERNOR, blocklist: [], allowlist: [L.bytes, L.bytes], health: [], backoff: [] }, asBytes);
    const read = readNodeSnapshot(allowed);
    expect(repeatedNodePeers(allowed, read.node.governorRange[0], read.snapshot).map((finding) => finding.path)).toEqual([
      "transient.framework.peer_governor.allowlist[1]",
    ]);
  });
});

describe("framework-json: the clock", () => {
  it("import takes the latest event restore keeps, as for the node snapshot of the same lists", async () => {
    const box = sandbox();
    box.write("framework.json", frameworkJson());
    fs.writeFileSync(box.path("node.bin"), madeUpNode(GOVERNOR, asBytes));
    for (const source of ["framework.json", "node.bin"]) {
      const result = await box.run(["--json", "-s", `${source}.imported.json`, "import", source]);
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ clock_ns: "50", clock_source: "latest event" });
      expect(box.read(`${source}.imported.json`)).toBe(RESTORED);
    }
  });
});

/** Peers of the edge cases below, each from `PeerId::from(u64)`. */
const [A, B, C, D, E] = [10n, 11n, 12n, 13n, 14n].map((n) => PeerId.fromU64(n).text) as [string, string, string, string, string];
const U64_MAX = "18446744073709551615";

/** u32 counters at and near their maximum, a base of 1 ns and no cap: the shift and the saturations show. */
const EDGES = `${JSON.stringify(
  {
    spec_version: 1,
    clock_ns: "1000",
    peer_governor: {
      failure_threshold: 4294967295,
      health: [
        { peer: A, consecutive_failures: 4294967294, last_event_ns: "0", down: false },
        { peer: D, consecutive_failures: 4294967295, last_event_ns: "0", down: false },
      ],
    },
    backoff: { base_ns: "1", max_delay_ns: U64_MAX },
    backoff_table: [
      { peer: A, attempts: 62, last_attempt_ns: "0", next_retry_ns: "0" },
      { peer: B, attempts: 63, last_attempt_ns: "0", next_retry_ns: "0" },
      { peer: C, attempts: 64, last_attempt_ns: "0", next_retry_ns: "0" },
      { peer: D, attempts: 4294967295, last_attempt_ns: "0", next_retry_ns: "0" },
      { peer: E, attempts: 0, last_attempt_ns: "0", next_retry_ns: "0" },
    ].sort((x, y) => (x.peer < y.peer ? -1 : 1)),
  },
  null,
  2,
)}\n`;

interface ApplyDoc {
  lines: { command: string; events?: EventsDoc["events"]; failure_threshold?: number }[];
}

describe("the edges of upstream's arithmetic, through apply --json", () => {
  const box = sandbox();
  beforeAll(() => box.write("edges.json", EDGES));
  const apply = async (lines: readonly string[]): Promise<ApplyDoc["lines"]> => {
    const result = await box.run(["-s", "edges.json", "--json", "--dry-run", "apply", "-"], { input: `${lines.join("\n")}\n` });
    expect(result.status, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as ApplyDoc).lines;
  };
  const event = (line: ApplyDoc["lines"][number] | undefined) => line?.events?.[0];

  it("delay(n) = base * 2^min(n - 1, 63), attempts saturating at 2^32-1", async () => {
    const [a, b, c, d, e] = await apply([A, B, C, D, E].map((peer) => `fail ${peer}`));
    // 62 + 1 = 63: 2^62; 64: 2^63; 65: 2^63 (the shift stops at 63); 2^32-1 stays: 2^63; 0 + 1 = 1: 2^0.
    expect(event(a)?.backoff).toEqual({ attempts: 63, next_retry_ns: String(1000n + 2n ** 62n) });
    expect(event(b)?.backoff).toEqual({ attempts: 64, next_retry_ns: String(1000n + 2n ** 63n) });
    expect(event(c)?.backoff).toEqual({ attempts: 65, next_retry_ns: String(1000n + 2n ** 63n) });
    expect(event(d)?.backoff).toEqual({ attempts: 4294967295, next_retry_ns: String(1000n + 2n ** 63n) });
    expect(event(e)?.backoff).toEqual({ attempts: 1, next_retry_ns: "1001" });
    // Failures: 2^32-2 + 1 reaches the threshold 2^32-1: went_down; 2^32-1 saturates, not yet down: went_down too.
    expect([a, d].map((line) => [event(line)?.consecutive_failures, event(line)?.transition])).toEqual([
      [4294967295, "went_down"],
      [4294967295, "went_down"],
    ]);
    // A new peer starts at 1 failure: below the threshold.
    expect([b, e].map((line) => [event(line)?.consecutive_failures, event(line)?.down, event(line)?.transition])).toEqual([
      [1, false, "none"],
      [1, false, "none"],
    ]);
  });

  it("base * 2^63 saturates at 2^64-1, and so does now + delay", async () => {
    const lines = await apply(["backoff --base 3ns", `fail ${B}`, `fail ${A} --at ${U64_MAX}`, `advise ${E} 1m --at 18446744073709551610`]);
    // 64 attempts: 3 * 2^63 > 2^64-1. 63 attempts: 2^62 after 2^64-1. 1 m after 2^64-6.
    expect(event(lines[1])?.backoff).toEqual({ attempts: 64, next_retry_ns: U64_MAX });
    expect(event(lines[2])?.backoff).toEqual({ attempts: 63, next_retry_ns: U64_MAX });
    expect(event(lines[3])?.backoff).toEqual({ attempts: 1, next_retry_ns: U64_MAX });
  });

  it("a threshold change recomputes nobody's down flag; the next failure does", async () => {
    // A is at 2^32-2 failures and not down: a threshold of 1 would have it down, but only its next failure says so.
    const lines = await apply(["threshold 0", `fail ${A}`, `fail ${A}`]);
    expect(lines[0]?.failure_threshold).toBe(1);
    expect([event(lines[1])?.consecutive_failures, event(lines[1])?.transition]).toEqual([4294967295, "went_down"]);
    expect([event(lines[2])?.consecutive_failures, event(lines[2])?.down, event(lines[2])?.transition]).toEqual([4294967295, true, "none"]);
  });

  it("a cooldown holds while now < next_retry_ns: at 2^64-1 nothing is in cooldown any more", async () => {
    const box2 = sandbox();
    box2.write("g.json", EDGES);
    const run = async (args: readonly string[], status: number) => {
      const result = await box2.run(["-s", "g.json", "--json", ...args]);
      expect(result.status, result.stderr).toBe(status);
      return JSON.parse(result.stdout) as { outbound: unknown };
    };
    await box2.ok(["-s", "g.json", "-q", "fail", A, "--at", "18446744073709551614"]);
    expect((await run(["check", A, "--outbound", "--at", "18446744073709551614"], 1)).outbound).toEqual(deny("cooldown", U64_MAX));
    expect((await run(["check", A, "--outbound", "--at", U64_MAX], 0)).outbound).toEqual(allow);
    // The event moved the clock to it: now is 2^64-2, before the retry.
    expect((await run(["check", A, "--outbound"], 1)).outbound).toEqual(deny("cooldown", U64_MAX));
  });
});
