import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BbgovError } from "../../src/core/errors.js";
import { PeerId } from "../../src/core/peer-id.js";
import { U32_MAX, U64_MAX } from "../../src/core/u64.js";
import { SnapshotError, decodeSnapshot, encodeSnapshot } from "../../src/snapshot/index.js";
import { plain } from "./helpers.js";

const example = readFileSync(new URL("../../fixtures/example.json", import.meta.url), "utf8");
const P1 = PeerId.fromU64(1n).text;
const P2 = PeerId.fromU64(2n).text;

/** The error decodeSnapshot throws for `text`, checking both parsers agree. */
function failure(text: string): SnapshotError {
  const errors = [false, true].map((forceLossless) => {
    try {
      decodeSnapshot(text, { forceLossless });
    } catch (error) {
      if (error instanceof SnapshotError) return error;
      throw error;
    }
    throw new Error(`decoded without an error: ${text.slice(0, 200)}`);
  });
  const [fast, slow] = errors as [SnapshotError, SnapshotError];
  expect({ path: slow.path, message: slow.message }).toEqual({ path: fast.path, message: fast.message });
  return fast;
}

/** Decodes with both parsers, checks they agree, returns the default-path result. */
function decodeBoth(text: string): ReturnType<typeof decodeSnapshot> {
  const fast = decodeSnapshot(text);
  const slow = decodeSnapshot(text, { forceLossless: true });
  expect(plain(slow.snapshot)).toEqual(plain(fast.snapshot));
  expect(slow.warnings).toEqual(fast.warnings);
  return fast;
}

const withClock = (raw: string): string => `{"spec_version": 1, "clock_ns": ${raw}}`;

describe("defaults", () => {
  it("fills every field of a minimal snapshot", () => {
    const { snapshot, warnings } = decodeBoth('{"spec_version": 1}');
    expect(warnings).toEqual([]);
    expect(snapshot.schema).toBeUndefined();
    expect("schema" in snapshot).toBe(false);
    expect(plain(snapshot)).toEqual({
      schema: undefined,
      clockNs: 0n,
      failureThreshold: 5,
      blocklist: [],
      allowlist: null,
      health: [],
      backoff: { baseNs: 10_000_000n, maxDelayNs: 60_000_000_000n },
      backoffTable: [],
    });
  });

  it("fills the fields missing from partial objects", () => {
    const { snapshot } = decodeBoth(`{"spec_version": 1, "peer_governor": {"blocklist": ["${P1}"]}, "backoff": {"max_delay_ns": "7"}}`);
    expect(snapshot.governor.failureThreshold()).toBe(5);
    expect(snapshot.governor.allowlist()).toBeNull();
    expect(snapshot.governor.trackedPeers()).toBe(0);
    expect(snapshot.backoff.config()).toEqual({ baseNs: 10_000_000n, maxDelayNs: 7n });
    const other = decodeBoth('{"spec_version": 1, "peer_governor": {}, "backoff": {"base_ns": 3}}').snapshot;
    expect(other.backoff.config()).toEqual({ baseNs: 3n, maxDelayNs: 60_000_000_000n });
  });

  it("tells null (open policy) from [] (nobody admitted)", () => {
    const open = decodeBoth('{"spec_version": 1, "peer_governor": {"allowlist": null}}').snapshot;
    const closed = decodeBoth('{"spec_version": 1, "peer_governor": {"allowlist": []}}').snapshot;
    expect(open.governor.allowlistSize()).toBeNull();
    expect(closed.governor.allowlistSize()).toBe(0);
    expect(closed.governor.checkInbound(PeerId.fromU64(1n))).toEqual({
      kind: "deny",
      reason: { kind: "not_allowlisted" },
    });
  });

  it("keeps $schema", () => {
    const { snapshot } = decodeBoth('{"$schema": "https://example.com/bbgov-1.json", "spec_version": 1}');
    expect(snapshot.schema).toBe("https://example.com/bbgov-1.json");
  });
});

describe("clamps", () => {
  it.each([
    ["peer_governor.failure_threshold", '"peer_governor": {"failure_threshold": 0}', "failure_threshold 0 loads as 1"],
    ["backoff.base_ns", '"backoff": {"base_ns": "0"}', "base_ns 0 loads as 1"],
    ["backoff.base_ns", '"backoff": {"base_ns": 0}', "base_ns 0 loads as 1"],
    ["backoff.max_delay_ns", '"backoff": {"max_delay_ns": "0"}', "max_delay_ns 0 loads as 1"],
  ])("%s of 0 loads as 1 with a warning (%s)", (path, field, message) => {
    const { snapshot, warnings } = decodeBoth(`{"spec_version": 1, ${field}}`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.path).toBe(path);
    expect(warnings[0]?.message).toContain(message);
    const text = encodeSnapshot(snapshot);
    const key = path.split(".")[1] ?? "";
    expect(text).toMatch(new RegExp(`"${key}": "?1"?,?\\n`));
    expect(decodeSnapshot(text).warnings).toEqual([]);
  });

  it("reports every clamp, in document order", () => {
    const { snapshot, warnings } = decodeBoth(
      '{"spec_version": 1, "backoff": {"max_delay_ns": 0, "base_ns": 0}, "peer_governor": {"failure_threshold": 0}}',
    );
    expect(warnings.map((warning) => warning.path)).toEqual(["backoff.max_delay_ns", "backoff.base_ns", "peer_governor.failure_threshold"]);
    expect(snapshot.backoff.config()).toEqual({ baseNs: 1n, maxDelayNs: 1n });
    expect(snapshot.governor.failureThreshold()).toBe(1);
  });
});

describe("u64 values", () => {
  const accepted = [0n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, 1_764_000_000_123_456_789n, U64_MAX];

  it.each(accepted)("reads %s exactly, as a string and as a JSON integer", (value) => {
    expect(decodeBoth(withClock(`"${value}"`)).snapshot.clockNs).toBe(value);
    expect(decodeBoth(withClock(`${value}`)).snapshot.clockNs).toBe(value);
  });

  it("reads every u64 field exactly through both parsers", () => {
    const big = (offset: bigint): string => `${U64_MAX - offset}`;
    const text = `{"spec_version": 1, "clock_ns": ${big(0n)},
      "peer_governor": {"health": [{"peer": "${P1}", "consecutive_failures": 1, "last_event_ns": ${big(1n)}, "down": false}]},
      "backoff": {"base_ns": ${big(2n)}, "max_delay_ns": "${big(3n)}"},
      "backoff_table": [{"peer": "${P1}", "attempts": 1, "last_attempt_ns": ${big(4n)}, "next_retry_ns": "${big(5n)}"}]}`;
    const { snapshot } = decodeBoth(text);
    expect(snapshot.clockNs).toBe(U64_MAX);
    expect(snapshot.governor.peerHealth(PeerId.fromU64(1n))?.lastEventNs).toBe(U64_MAX - 1n);
    expect(snapshot.backoff.config()).toEqual({ baseNs: U64_MAX - 2n, maxDelayNs: U64_MAX - 3n });
    expect(snapshot.backoff.state(PeerId.fromU64(1n))).toMatchObject({
      attempts: 1,
      lastAttemptNs: U64_MAX - 4n,
      nextRetryNs: U64_MAX - 5n,
    });
  });

  it.each([
    ['"18446744073709551616"', '"18446744073709551616" is not a u64: above 18446744073709551615'],
    ["18446744073709551616", "18446744073709551616 is not a u64: above 18446744073709551615"],
    ["99999999999999999999", "99999999999999999999 is not a u64: above"],
    ['"-1"', '"-1" is not a u64: negative'],
    ["-1", "-1 is not a u64: negative"],
    ["-0", "-0 is not a u64: negative"],
    ['"1.5"', '"1.5" is not a u64: only the digits 0-9'],
    ["1.5", "1.5 is not a u64: has a fraction"],
    ["1.0", "1.0 is not a u64: has a fraction"],
    ['"1e3"', '"1e3" is not a u64'],
    ["1e3", "1e3 is not a u64: has an exponent"],
    ["1E3", "1E3 is not a u64: has an exponent"],
    ['"+1"', '"+1" is not a u64: leading "+"'],
    ['"007"', '"007" is not a u64: leading zeros'],
    ['"00"', '"00" is not a u64: leading zeros'],
    ['""', '"" is not a u64: empty string'],
    ['" 1"', '" 1" is not a u64: whitespace'],
    ['"1 "', '"1 " is not a u64: whitespace'],
    ['"0x1F"', '"0x1F" is not a u64: only the digits'],
    ['"١"', '"١" is not a u64: only the digits'],
    ["true", "got true"],
    ["null", "got null"],
    ["[1]", "got [1]"],
    ['{"ns": 1}', 'got {"ns":1}'],
  ])("rejects %s with the path and the value", (raw, message) => {
    const error = failure(withClock(raw));
    expect(error.path).toBe("clock_ns");
    expect(error.message).toContain(message);
  });

  it('accepts a plain "0"', () => {
    expect(decodeBoth(withClock('"0"')).snapshot.clockNs).toBe(0n);
  });

  it("names the path of a nested bad value", () => {
    const text = `{"spec_version": 1, "backoff_table": [
      {"peer": "${P1}", "attempts": 1, "last_attempt_ns": "1", "next_retry_ns": "2"},
      {"peer": "${P2}", "attempts": 1, "last_attempt_ns": "1", "next_retry_ns": 1e3}]}`;
    expect(failure(text).path).toBe("backoff_table[1].next_retry_ns");
  });
});

describe("u32 values", () => {
  const threshold = (raw: string): string => `{"spec_version": 1, "peer_governor": {"failure_threshold": ${raw}}}`;

  it.each([1, 5, 65_536, U32_MAX - 1, U32_MAX])("reads %s", (value) => {
    expect(decodeBoth(threshold(`${value}`)).snapshot.governor.failureThreshold()).toBe(value);
  });

  it("reads counters at both ends", () => {
    const text = `{"spec_version": 1,
      "peer_governor": {"health": [{"peer": "${P1}", "consecutive_failures": ${U32_MAX}, "last_event_ns": "0", "down": true}]},
      "backoff_table": [{"peer": "${P1}", "attempts": 0, "last_attempt_ns": "0", "next_retry_ns": "0"}]}`;
    const { snapshot } = decodeBoth(text);
    expect(snapshot.governor.peerHealth(PeerId.fromU64(1n))?.consecutiveFailures).toBe(U32_MAX);
    expect(snapshot.backoff.state(PeerId.fromU64(1n))?.attempts).toBe(0);
  });

  it.each([
    ["4294967296", "4294967296 is not a u32: above 4294967295"],
    ["18446744073709551615", "is not a u32: above 4294967295"],
    ["-1", "-1 is not a u32: negative"],
    ["-0", "-0 is not a u32: negative"],
    ["1.5", "1.5 is not a u32: has a fraction"],
    ["5.0", "5.0 is not a u32: has a fraction"],
    ["5e0", "5e0 is not a u32: has an exponent"],
    ['"5"', 'got "5"'],
    ["true", "got true"],
    ["null", "got null"],
  ])("rejects %s", (raw, message) => {
    const error = failure(threshold(raw));
    expect(error.path).toBe("peer_governor.failure_threshold");
    expect(error.message).toContain(message);
  });
});

describe("fast and lossless paths", () => {
  it("agree on the example and the minimal snapshot", () => {
    for (const text of [example, '{"spec_version": 1}']) {
      const { snapshot } = decodeBoth(text);
      expect(encodeSnapshot(decodeSnapshot(text, { forceLossless: true }).snapshot)).toBe(encodeSnapshot(snapshot));
    }
  });

  it("agree when u64 values are bare JSON integers (upstream serde style)", () => {
    const bare = example.replace(/"(\d+)"/g, "$1");
    expect(bare).not.toBe(example);
    const { snapshot } = decodeBoth(bare);
    expect(encodeSnapshot(snapshot)).toBe(example);
  });

  it("agree on compact and CRLF spellings of the same snapshot", () => {
    const compact = JSON.stringify(JSON.parse(example));
    const crlf = example.replace(/\n/g, "\r\n");
    expect(encodeSnapshot(decodeBoth(compact).snapshot)).toBe(example);
    expect(encodeSnapshot(decodeBoth(crlf).snapshot)).toBe(example);
  });
});

describe("repeated keys", () => {
  it("accepts a key repeated with the same value, on both paths", () => {
    const { snapshot } = decodeBoth('{"spec_version": 1, "clock_ns": "7", "clock_ns": "7"}');
    expect(snapshot.clockNs).toBe(7n);
  });

  it("rejects a key repeated with a different value at the key's path", () => {
    const error = failure('{"spec_version": 1, "clock_ns": "7", "clock_ns": "8"}');
    expect(error.path).toBe("clock_ns");
    expect(error.message).toContain('appears more than once, with different values ("7" and "8")');
  });

  it("rejects a repeated key inside a list entry", () => {
    const text = `{"spec_version": 1, "peer_governor": {"health": [
      {"peer": "${P1}", "consecutive_failures": 1, "consecutive_failures": 2, "last_event_ns": "0", "down": false}]}}`;
    expect(failure(text).path).toBe("peer_governor.health[0].consecutive_failures");
  });

  it("is not fooled by colons in $schema, even escaped ones", () => {
    const url = '{"$schema": "https://example.com/a:b", "spec_version": 1, "clock_ns": "5"}';
    expect(decodeBoth(url).snapshot.schema).toBe("https://example.com/a:b");
    // Three key colons plus one decoded colon: the counts match, the escape must still be noticed.
    const escaped = '{"$schema": "\\u003a", "spec_version": 1, "clock_ns": "1", "clock_ns": "2"}';
    expect(failure(escaped).path).toBe("clock_ns");
    const inKey = '{"spec_version": 1, "clock_ns": "1", "clock_ns": "2", "x\\u003Ay": 1}';
    expect(failure(inKey).path).toBe("clock_ns");
  });
});

describe("document-level problems", () => {
  it("strips a byte order mark with a warning", () => {
    const { snapshot, warnings } = decodeBoth(`\ufeff${example}`);
    expect(encodeSnapshot(snapshot)).toBe(example);
    expect(warnings).toEqual([{ path: "$", message: expect.stringContaining("byte order mark") }]);
  });

  it("checks spec_version before anything else", () => {
    const error = failure('{"brand_new_field": {}, "spec_version": 2}');
    expect(error.path).toBe("spec_version");
    expect(error.message).toBe("spec_version 2 is not supported by this bbgov (reads 1)");
  });

  it("reports invalid JSON with its line and column", () => {
    const error = failure('{\n  "spec_version": 1\n  "clock_ns": "0"\n}');
    expect(error.path).toBe("$");
    expect(error.message).toMatch(/^invalid JSON: .* at line 3, column 3$/);
  });

  it("reports deep nesting, however it is reached", () => {
    const deep = `{"spec_version": 1, "clock_ns": 1.5, "x": ${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
    expect(() => decodeSnapshot(deep)).toThrow(SnapshotError);
    expect(() => decodeSnapshot(`{"x": ${"[".repeat(50_000)}${"]".repeat(50_000)}}`)).toThrow(SnapshotError);
    const viaFastPath = (() => {
      try {
        decodeSnapshot(`{"spec_version": 1, "x": ${"[".repeat(50_000)}${"]".repeat(50_000)}}`);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(viaFastPath).toBeInstanceOf(SnapshotError);
    expect((viaFastPath as SnapshotError).message.length).toBeLessThan(200);
  });

  it("throws SnapshotErrors that are BbgovErrors with the path as `where`", () => {
    const error = failure('{"spec_version": 1, "peer_governor": {"blocklist": [1]}}');
    expect(error).toBeInstanceOf(BbgovError);
    expect(error.name).toBe("SnapshotError");
    expect(error.where).toBe("peer_governor.blocklist[0]");
  });

  it.each([
    "",
    "\ufeff",
    "{",
    "}",
    '{"spec_version": 1',
    "[]",
    "0",
    "-",
    '"',
    "\u0000",
    '{"spec_version": 1e999999}',
    '{"spec_version": 1, "clock_ns": -}',
    '{"spec_version": 1, "peer_governor": {"blocklist": ["\\ud800"]}}',
    '{"spec_version": 1, "peer_governor": {"health": [null]}}',
    '{"spec_version": 1, "backoff_table": [[]]}',
    '{"spec_version": 1, "constructor": 1}',
    '{"spec_version": 1, "toString": 1}',
    '{"spec_version": 1, "peer_governor": {"hasOwnProperty": 1}}',
  ])("only ever throws SnapshotError (%j)", (text) => {
    failure(text);
  });
});

describe("peers", () => {
  it("parses each distinct peer text once and shares the object", () => {
    const { snapshot } = decodeBoth(example);
    const health = new Map(Array.from(snapshot.governor.iterHealth(), (entry) => [entry.peer.text, entry.peer]));
    let shared = 0;
    for (const entry of snapshot.backoff.iter()) {
      expect(health.get(entry.peer.text)).toBe(entry.peer);
      shared += 1;
    }
    expect(shared).toBeGreaterThan(0);
  });

  it("rejects a CID spelling but names the base58btc one", () => {
    const peer = PeerId.fromU64(42n);
    const error = failure(`{"spec_version": 1, "peer_governor": {"blocklist": ["${peer.toCid()}"]}}`);
    expect(error.path).toBe("peer_governor.blocklist[0]");
    expect(error.message).toContain(`must be base58btc text (that is ${peer.text})`);
  });

  it("keeps the core's message for an invalid id", () => {
    const error = failure('{"spec_version": 1, "peer_governor": {"allowlist": ["16uZAbWC1AJvL", "0OIl"]}}');
    expect(error.path).toBe("peer_governor.allowlist[1]");
    expect(error.message).toMatch(/^invalid peer id "0OIl": not base58btc/);
  });

  it("allows the same peer in different lists", () => {
    const text = `{"spec_version": 1, "peer_governor": {"blocklist": ["${P1}"], "allowlist": ["${P1}", "${P2}"]}}`;
    const { snapshot } = decodeBoth(text);
    expect(snapshot.governor.isBlocked(PeerId.fromU64(1n))).toBe(true);
    expect(snapshot.governor.isAllowlisted(PeerId.fromU64(1n))).toBe(true);
  });
});
