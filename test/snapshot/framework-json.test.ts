/** The upstream framework snapshot converter: exact u64s, both shapes, invalid peers, round trips. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BackoffTable } from "../../src/core/backoff.js";
import { PeerGovernor } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";
import { SnapshotError, type Snapshot } from "../../src/snapshot/index.js";
import { LosslessNumber, stringify as stringifyLossless } from "lossless-json";
import { decodeUpstream, encodeUpstream, InvalidUpstreamEntries, readFrameworkJson } from "../../src/snapshot/framework-json.js";
import { mayHideEqualRepeats } from "../../src/snapshot/json-values.js";
import { readNodeSnapshot } from "../../src/snapshot/node.js";
import { loadFixture, restoredOf, type Restored } from "./node-fixtures.js";
import { buildExampleSnapshot, plain, snapshotArb } from "./helpers.js";

const U64_MAX = 18446744073709551615n;
const TWO_53_PLUS_1 = 9007199254740993n;
const P1 = PeerId.fromU64(1n); // 16uZAbWC1AJvL: identity multihash [0,8,0,0,0,0,0,0,0,1]
const P2 = PeerId.fromU64(2n);
const P7 = PeerId.fromU64(7n);
const B1 = "[0,8,0,0,0,0,0,0,0,1]";
const B2 = "[0,8,0,0,0,0,0,0,0,2]";
const B7 = "[0,8,0,0,0,0,0,0,0,7]";

/** A state with every kind of entry and u64s that a double would corrupt. */
function bigSnapshot(): Snapshot {
  const governor = new PeerGovernor();
  governor.setFailureThreshold(3);
  governor.block(P7);
  governor.setAllowlist([P2, P1]);
  governor.restoreHealth(P2, { consecutiveFailures: 4294967295, lastEventNs: U64_MAX, down: true });
  governor.restoreHealth(P1, { consecutiveFailures: 1, lastEventNs: TWO_53_PLUS_1, down: false });
  const backoff = new BackoffTable();
  backoff.restoreState(P1, { attempts: 2, lastAttemptNs: TWO_53_PLUS_1, nextRetryNs: U64_MAX });
  return { clockNs: 5n, governor, backoff };
}

const BIG_UPSTREAM =
  `{"spec_version":1,"peer_governor":{"blocklist":[${B7}],"allowlist":[${B1},${B2}],` +
  `"health":[[${B1},1,9007199254740993,false],[${B2},4294967295,18446744073709551615,true]],"failure_threshold":3},` +
  `"backoff_table":[{"peer":${B1},"attempts":2,"last_attempt_ns":9007199254740993,"next_retry_ns":18446744073709551615}]}`;

function withoutClockAndSchema(snapshot: Snapshot): unknown {
  const view = plain(snapshot) as Record<string, unknown>;
  delete view.clockNs;
  delete view.schema;
  return view;
}

function errorOf(run: () => unknown): SnapshotError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SnapshotError);
    return error as SnapshotError;
  }
  throw new Error("expected a SnapshotError");
}

describe("encodeUpstream", () => {
  it("writes serde's exact shape: byte arrays, bare exact u64 integers, 4-tuples, lists sorted by peer text", () => {
    expect(encodeUpstream(bigSnapshot())).toBe(BIG_UPSTREAM);
  });

  it("writes null for the open policy and empty lists", () => {
    const empty: Snapshot = { clockNs: 0n, governor: new PeerGovernor(), backoff: new BackoffTable() };
    expect(encodeUpstream(empty)).toBe(
      '{"spec_version":1,"peer_governor":{"blocklist":[],"allowlist":null,"health":[],"failure_threshold":5},"backoff_table":[]}',
    );
  });

  it("is valid JSON whose small numbers read back the same", () => {
    const doc = JSON.parse(encodeUpstream(buildExampleSnapshot())) as { peer_governor: { health: unknown[][] } };
    expect(doc.peer_governor.health).toHaveLength(11);
    expect(doc.peer_governor.health[0]).toHaveLength(4);
  });
});

describe("decodeUpstream", () => {
  it("reads u64 values far above 2^53 exactly", () => {
    const { snapshot, invalid, warnings } = decodeUpstream(BIG_UPSTREAM);
    expect(invalid).toEqual([]);
    expect(warnings).toEqual([]);
    expect(snapshot.governor.peerHealth(P2)).toMatchObject({ consecutiveFailures: 4294967295, lastEventNs: U64_MAX, down: true });
    expect(snapshot.governor.peerHealth(P1)?.lastEventNs).toBe(TWO_53_PLUS_1);
    expect(snapshot.backoff.state(P1)).toMatchObject({ attempts: 2, lastAttemptNs: TWO_53_PLUS_1, nextRetryNs: U64_MAX });
    expect(withoutClockAndSchema(snapshot)).toEqual(withoutClockAndSchema(bigSnapshot()));
  });

  it("upstream -> model -> upstream gives the same text (once sorted)", () => {
    expect(encodeUpstream(decodeUpstream(BIG_UPSTREAM).snapshot)).toBe(BIG_UPSTREAM);
    // Upstream's hash-map order is random: the output is sorted whatever the input order.
    const shuffled = BIG_UPSTREAM.replace(`[${B1},${B2}]`, `[${B2},${B1}]`);
    expect(shuffled).not.toBe(BIG_UPSTREAM);
    expect(encodeUpstream(decodeUpstream(shuffled).snapshot)).toBe(BIG_UPSTREAM);
  });

  it("model -> upstream -> model keeps the example state", () => {
    const example = buildExampleSnapshot();
    const { snapshot } = decodeUpstream(encodeUpstream(example));
    expect(withoutClockAndSchema(snapshot)).toEqual(withoutClockAndSchema(example));
  });

  it("model -> upstream -> model keeps any state (given the clock and the schedule, which upstream lacks)", () => {
    fc.assert(
      fc.property(snapshotArb, (original) => {
        const { snapshot } = decodeUpstream(encodeUpstream(original), {
          clockNs: original.clockNs,
          backoff: original.backoff.config(),
        });
        expect(plain({ ...snapshot, schema: original.schema })).toEqual(plain(original));
      }),
      { numRuns: 200 },
    );
  });

  it("reads a whole framework snapshot, ignoring its other fields", () => {
    const framework =
      `{"node_id":[1,2,3],"spec_version":1,"engine":{"tick":18446744073709551615,"ratio":0.25,"slots":[{"a":null}]},` +
      `"backoff_table":[],"peer_governor":{"blocklist":[${B1}],"allowlist":null,"health":[],"failure_threshold":5},` +
      `"routes":"opaque","timers":[1e3,-4]}`;
    const decoded = decodeUpstream(framework);
    expect(decoded.otherKeys).toEqual(["node_id", "engine", "routes", "timers"]);
    expect(Array.from(decoded.snapshot.governor.blocklist(), (peer) => peer.text)).toEqual([P1.text]);
    expect(decoded.warnings).toEqual([]);
  });

  it("reads the minimal form; a missing allowlist is the open policy, [] admits nobody", () => {
    const minimal = (allowlist: string): string =>
      `{"spec_version":1,"peer_governor":{"blocklist":[],${allowlist}"health":[],"failure_threshold":5},"backoff_table":[]}`;
    const open = decodeUpstream(minimal(""));
    expect(open.otherKeys).toEqual([]);
    expect(open.snapshot.governor.allowlist()).toBeNull();
    expect(open.snapshot.clockNs).toBe(0n);
    expect(open.latestEventNs).toBeUndefined();
    expect(decodeUpstream(minimal('"allowlist":null,')).snapshot.governor.allowlist()).toBeNull();
    expect(decodeUpstream(minimal('"allowlist":[],')).snapshot.governor.allowlistSize()).toBe(0);
  });

  it("sets the clock to the latest event time found, or to the option", () => {
    expect(decodeUpstream(BIG_UPSTREAM).snapshot.clockNs).toBe(U64_MAX);
    const text = BIG_UPSTREAM.replace("18446744073709551615,true", "1000,true");
    expect(decodeUpstream(text).snapshot.clockNs).toBe(TWO_53_PLUS_1);
    expect(decodeUpstream(text).latestEventNs).toBe(TWO_53_PLUS_1);
    expect(decodeUpstream(text, { clockNs: 42n }).snapshot.clockNs).toBe(42n);
  });

  it("takes the backoff schedule from the options (defaults 10 ms / 60 s)", () => {
    expect(decodeUpstream(BIG_UPSTREAM).snapshot.backoff.config()).toEqual({ baseNs: 10_000_000n, maxDelayNs: 60_000_000_000n });
    expect(decodeUpstream(BIG_UPSTREAM, { backoff: { baseNs: 5n } }).snapshot.backoff.config().baseNs).toBe(5n);
  });

  it("clamps a failure_threshold of 0 to 1, with a warning", () => {
    const decoded = decodeUpstream(BIG_UPSTREAM.replace('"failure_threshold":3', '"failure_threshold":0'));
    expect(decoded.snapshot.governor.failureThreshold()).toBe(1);
    expect(decoded.warnings).toEqual([
      { path: "peer_governor.failure_threshold", message: "failure_threshold 0 loads as 1 (upstream clamps it to at least 1)" },
    ]);
  });

  it("warns about unknown keys inside the governor and the backoff entries (serde ignores them)", () => {
    const text = BIG_UPSTREAM.replace('"failure_threshold":3', '"failure_threshold":3,"future":true').replace(
      '"attempts":2',
      '"attempts":2,"jitter":7',
    );
    expect(decodeUpstream(text).warnings.map((w) => w.path)).toEqual(["peer_governor.future", "backoff_table[0].jitter"]);
  });
});

describe("decodeUpstream: peers that do not parse", () => {
  // [0,5,1] is a truncated identity multihash; [18,32,1] a truncated sha2-256 one; [] has no bytes.
  const text =
    `{"spec_version":1,"peer_governor":{"blocklist":[[0,5,1],${B7}],"allowlist":null,` +
    `"health":[[${B1},1,10,false],[[18,32,1],2,20,false]],"failure_threshold":5},` +
    `"backoff_table":[{"peer":[],"attempts":1,"last_attempt_ns":30,"next_retry_ns":40}]}`;

  it("fail the import, naming the first one's path and the count", () => {
    const error = errorOf(() => decodeUpstream(text));
    expect(error).toBeInstanceOf(InvalidUpstreamEntries);
    expect(error.path).toBe("peer_governor.blocklist[0]");
    expect(error.message).toMatch(
      /^3 upstream entries have a peer that does not parse \(and 2 more\); the first: peer bytes \[0,5,1\] are not a multihash: truncated/,
    );
    expect((error as InvalidUpstreamEntries).entries.map((entry) => entry.path)).toEqual([
      "peer_governor.blocklist[0]",
      "peer_governor.health[1][0]",
      "backoff_table[0].peer",
    ]);
  });

  it("are dropped with skipInvalid, each reported and listed as a warning", () => {
    const decoded = decodeUpstream(text, { skipInvalid: true });
    expect(decoded.invalid.map((entry) => entry.path)).toEqual([
      "peer_governor.blocklist[0]",
      "peer_governor.health[1][0]",
      "backoff_table[0].peer",
    ]);
    expect(decoded.invalid[2]?.message).toBe("peer bytes [] are not a multihash: no bytes");
    expect(decoded.warnings).toEqual(
      decoded.invalid.map((entry) => ({ path: entry.path, message: `skipped: ${entry.message}`, skippedEntry: true })),
    );
    expect(Array.from(decoded.snapshot.governor.blocklist(), (peer) => peer.text)).toEqual([P7.text]);
    expect(decoded.snapshot.governor.trackedPeers()).toBe(1);
    expect(decoded.snapshot.backoff.len()).toBe(0);
    // The clock comes from imported entries only.
    expect(decoded.snapshot.clockNs).toBe(10n);
  });

  it("a repeated peer in one list counts once, with a warning naming both places (upstream's sets)", () => {
    const repeated = BIG_UPSTREAM.replace(`"blocklist":[${B7}]`, `"blocklist":[${B7},${B7}]`);
    const decoded = decodeUpstream(repeated);
    expect(decoded.snapshot.governor.blocklistSize()).toBe(1);
    const warning = decoded.warnings.find((w) => w.path === "peer_governor.blocklist[1]");
    expect(warning?.message).toContain(`peer ${P7.text} is repeated (first at peer_governor.blocklist[0])`);
  });

  it("for a peer repeated in health or the backoff table, the last entry wins, as upstream's restore does", () => {
    const peer = "[0,8,0,0,0,0,0,0,0,1]";
    const text =
      `{"spec_version":1,"peer_governor":{"blocklist":[],"allowlist":null,"health":[[${peer},1,10,false],[${peer},7,20,true]],"failure_threshold":5},` +
      `"backoff_table":[{"peer":${peer},"attempts":1,"last_attempt_ns":10,"next_retry_ns":11},{"peer":${peer},"attempts":3,"last_attempt_ns":20,"next_retry_ns":40}]}`;
    const decoded = decodeUpstream(text);
    const health = [...decoded.snapshot.governor.iterHealth()];
    expect(health.map((entry) => [entry.consecutiveFailures, entry.lastEventNs, entry.down])).toEqual([[7, 20n, true]]);
    const table = [...decoded.snapshot.backoff.iter()];
    expect(table.map((entry) => [entry.attempts, entry.nextRetryNs])).toEqual([[3, 40n]]);
    expect(decoded.warnings.map((w) => w.path)).toEqual(["peer_governor.health[1]", "backoff_table[1]"]);
  });

  it("the clock is the latest event of the entries restore keeps: a repeated peer's overwritten entry is not one", () => {
    // As a node snapshot's "now": health keeps (7, 20) and the table (3, 20); the first entries' 90 and 80 are gone.
    const peer = "[0,8,0,0,0,0,0,0,0,1]";
    const text =
      `{"spec_version":1,"peer_governor":{"blocklist":[],"allowlist":null,"health":[[${peer},1,90,false],[${peer},7,20,true]],"failure_threshold":5},` +
      `"backoff_table":[{"peer":${peer},"attempts":1,"last_attempt_ns":80,"next_retry_ns":81},{"peer":${peer},"attempts":3,"last_attempt_ns":20,"next_retry_ns":40}]}`;
    const decoded = decodeUpstream(text);
    expect(decoded.latestEventNs).toBe(20n);
    expect(decoded.snapshot.clockNs).toBe(20n);
  });
});

describe("decodeUpstream: upstream's own node snapshots, as framework-json", () => {
  // Each fixture's FrameworkSnapshot as serde_json writes it (a HashMap as an object), read as upstream's restore reads it.
  it.each(["small", "allowlist-some", "allowlist-empty", "hand-edited", "empty"] as const)(
    "%s restores as upstream's restore left it",
    (name) => {
      const fixture = loadFixture(name);
      const framework = (fixture.snapshot as { transient: { framework: Record<string, unknown> } }).transient.framework;
      const counters = Object.fromEntries(framework.counters as [string, string][]);
      const text = stringifyLossless({ ...framework, counters }, (_key, value) =>
        typeof value === "string" && /^[0-9]+$/.test(value) ? new LosslessNumber(value) : value,
      ) as string;
      const decoded = readFrameworkJson(text);
      const restored = fixture.restored as Exclude<Restored, { error: string }>;
      expect(restoredOf(decoded.snapshot)).toEqual(restored);
      // "now" as the node snapshot's: the latest event among what restore kept.
      expect(decoded.snapshot.clockNs).toBe(readNodeSnapshot(fixture.bytes).snapshot.clockNs);
    },
  );
});

describe("decodeUpstream: type errors name their JSON path", () => {
  const cases: [string, string, string, RegExp][] = [
    ["a byte above 255", '"blocklist":[[0,8,0,0,0,0,0,0,0,256]]', "peer_governor.blocklist[0][9]", /256 is not a byte: above 255/],
    ["a peer as text", '"blocklist":["16uZAbWC1AJvL"]', "peer_governor.blocklist[0]", /expected a peer id \(an array of byte integers/],
    [
      "a u64 as a string",
      '"health":[[[0,8,0,0,0,0,0,0,0,1],1,"10",false]]',
      "peer_governor.health[0][2]",
      /expected a u64 \(a JSON integer\), got "10"/,
    ],
    ["a negative u64", '"health":[[[0,8,0,0,0,0,0,0,0,1],1,-10,false]]', "peer_governor.health[0][2]", /-10 is not a u64: negative/],
    [
      "a u64 above 2^64-1",
      '"health":[[[0,8,0,0,0,0,0,0,0,1],1,18446744073709551616,false]]',
      "peer_governor.health[0][2]",
      /above 18446744073709551615/,
    ],
    ["a fraction", '"health":[[[0,8,0,0,0,0,0,0,0,1],1.5,10,false]]', "peer_governor.health[0][1]", /1.5 is not a u32: not a whole number/],
    ["an exponent", '"failure_threshold":1e2', "peer_governor.failure_threshold", /1e2 is not a u32: has an exponent/],
    ["a u32 above 2^32-1", '"failure_threshold":4294967296', "peer_governor.failure_threshold", /above 4294967295/],
    ["a 3-tuple", '"health":[[[0,8,0,0,0,0,0,0,0,1],1,10]]', "peer_governor.health[0]", /got 3 elements/],
    ["a health object", '"health":[{"peer":[0,8,0,0,0,0,0,0,0,1]}]', "peer_governor.health[0]", /expected a health entry \[peer/],
    ["down as a number", '"health":[[[0,8,0,0,0,0,0,0,0,1],1,10,0]]', "peer_governor.health[0][3]", /expected true or false, got 0/],
    ["allowlist as an object", '"allowlist":{}', "peer_governor.allowlist", /expected an array of peer ids/],
  ];
  const base = {
    blocklist: '"blocklist":[]',
    allowlist: '"allowlist":null',
    health: '"health":[]',
    failure_threshold: '"failure_threshold":5',
  };
  it.each(cases)("%s", (_name, field, path, message) => {
    const key = field.slice(1, field.indexOf('"', 1)) as keyof typeof base;
    const governor = Object.values({ ...base, [key]: field }).join(",");
    const error = errorOf(() => decodeUpstream(`{"spec_version":1,"peer_governor":{${governor}},"backoff_table":[]}`));
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it("backoff entries: missing fields and wrong types", () => {
    const entry = (body: string): string =>
      `{"spec_version":1,"peer_governor":{"blocklist":[],"health":[],"failure_threshold":5},"backoff_table":[${body}]}`;
    expect(errorOf(() => decodeUpstream(entry(`{"peer":${B1},"attempts":1,"last_attempt_ns":2}`))).path).toBe("backoff_table[0]");
    const wrong = errorOf(() => decodeUpstream(entry(`{"peer":${B1},"attempts":1,"last_attempt_ns":2,"next_retry_ns":null}`)));
    expect(wrong.path).toBe("backoff_table[0].next_retry_ns");
    expect(wrong.message).toBe("expected a u64 (a JSON integer), got null");
    expect(errorOf(() => decodeUpstream(entry("[]"))).path).toBe("backoff_table[0]");
  });

  it("the top level: spec_version must be 1; serde's defaults fill missing fields; JSON must be JSON", () => {
    const v2 = errorOf(() => decodeUpstream(BIG_UPSTREAM.replace('"spec_version":1', '"spec_version":2')));
    expect([v2.path, v2.message]).toEqual([
      "spec_version",
      "spec_version must be 1: upstream's restore refuses this file (SpecVersionMismatch { got: 2, expected: 1 })",
    ]);
    expect(errorOf(() => decodeUpstream(BIG_UPSTREAM.replace('"spec_version":1', '"spec_version":"1"'))).path).toBe("spec_version");
    // #[serde(default)]: spec_version 1, an empty governor (threshold 0, restored as 1), an empty table.
    const defaults = decodeUpstream('{"counters":{},"fired_phases":[],"address_book":[]}');
    expect(defaults.snapshot.governor.failureThreshold()).toBe(1);
    expect(defaults.snapshot.governor.allowlist()).toBeNull();
    expect(defaults.snapshot.backoff.len()).toBe(0);
    expect(
      decodeUpstream(
        '{"spec_version":1,"peer_governor":{"blocklist":[],"health":[],"failure_threshold":3}}',
      ).snapshot.governor.failureThreshold(),
    ).toBe(3);
    expect(
      errorOf(() => decodeUpstream('{"spec_version":1,"peer_governor":{"blocklist":[],"health":[]},"backoff_table":[]}')).message,
    ).toBe('missing "failure_threshold" in peer_governor');
    expect(errorOf(() => decodeUpstream("[1]")).path).toBe("$");
    expect(errorOf(() => decodeUpstream("")).message).toMatch(/empty/);
    expect(errorOf(() => decodeUpstream("{")).message).toMatch(/^invalid JSON/);
    expect(errorOf(() => decodeUpstream(`${"[".repeat(100_000)}${"]".repeat(100_000)}`)).path).toBe("$");
  });
  it("counters is a HashMap, not a struct: serde takes a name given twice (the last value stays), so does bbgov", () => {
    const withCounters = (counters: string) => `{"counters":{${counters}},"fired_phases":[],"address_book":[],"spec_version":1}`;
    expect(decodeUpstream(withCounters('"sent":1,"sent":2')).otherKeys).toEqual(["counters", "fired_phases", "address_book"]);
    expect(decodeUpstream(withCounters('"sent":1,"sent":2,"sent":1,"sent":3')).warnings).toEqual([]);
    // Every value is still deserialized as a u64, the third as well as the first and the last.
    const third = errorOf(() => decodeUpstream(withCounters('"sent":1,"sent":2,"sent":-3,"sent":4')));
    expect([third.path, third.message]).toEqual(['counters["sent"]', "-3 is not a u64: negative"]);
    // The same value twice is the same for serde: a map takes it, a struct refuses it (lossless-json merges it silently).
    expect(decodeUpstream(withCounters('"sent":1,"sent":1')).warnings).toEqual([]);
    // A struct's field given twice stays an error (serde's derive refuses it).
    expect(
      errorOf(() => decodeUpstream(withCounters("").replace('"fired_phases":[]', '"fired_phases":[],"fired_phases":["a"]'))).message,
    ).toMatch(/^duplicate field `fired_phases`/);
  });

  it("a struct's field given twice with the same value is refused, as serde's derive refuses it (lossless-json merges it)", () => {
    const struct = (governor: string, entry: string) =>
      `{"counters":{},"fired_phases":[],"address_book":[{"peer_id":[],"addresses":[],"ref_count":1${entry}}],` +
      `"peer_governor":{"blocklist":[],"health":[],"failure_threshold":5${governor}},"backoff_table":[]}`;
    const threshold = errorOf(() => decodeUpstream(struct(',"failure_threshold":5', "")));
    expect([threshold.path, threshold.message]).toEqual([
      "peer_governor.failure_threshold",
      "duplicate field `failure_threshold` (upstream's serde refuses it)",
    ]);
    expect(errorOf(() => decodeUpstream(struct("", ',"ref_count":1'))).path).toBe("address_book[0].ref_count");
    const entry = errorOf(() =>
      decodeUpstream(
        BIG_UPSTREAM.replace('"attempts":2,', '"attempts":2,"attempts":2,').replace(
          "{",
          '{"counters":{},"fired_phases":[],"address_book":[],',
        ),
      ),
    );
    expect(entry.path).toBe("backoff_table[0].attempts");
    // The look for a merged repeat walks lists of any length (a spread of 300k items overflowed the call stack).
    const many = Array.from({ length: 300_000 }, () => ({}));
    expect(mayHideEqualRepeats(`{"a":[${"{},".repeat(299_999)}{}]}`, { a: many })).toBe(false);
    // At the top level too, with the same value or another.
    for (const note of ['"note":1,"note":1,', '"note":1,"note":2,'])
      expect(decodeUpstream(struct("", "").replace("{", `{${note}`)).otherKeys).toContain("note");
    expect(errorOf(() => decodeUpstream(struct("", "").replace("{", '{"fired_phases":[],'))).path).toBe("fired_phases");
    // serde ignores an unknown field, given twice or not, and whatever is inside it.
    expect(decodeUpstream(struct(',"note":1,"note":1', ',"extra":{"a":1,"a":1}')).snapshot.governor.failureThreshold()).toBe(5);
  });
});
