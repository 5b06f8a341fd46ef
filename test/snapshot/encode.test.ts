import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BackoffTable } from "../../src/core/backoff.js";
import { PeerGovernor } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";
import { U32_MAX, U64_MAX } from "../../src/core/u64.js";
import { type Snapshot, decodeSnapshot, emptySnapshot, encodeSnapshot } from "../../src/snapshot/index.js";
import { buildExampleSnapshot, plain, sha256Peer } from "./helpers.js";

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");
const example = fixture("example.json");

/** The canonical object of the snapshot format in README.md, built the obvious (slow) way. */
function canonicalObject(snapshot: Snapshot): unknown {
  const texts = (peers: Iterable<PeerId>): string[] => Array.from(peers, (peer) => peer.text).sort(byteOrder);
  const byPeer = <T extends { peer: PeerId }>(entries: Iterable<T>): T[] =>
    Array.from(entries).sort((a, b) => byteOrder(a.peer.text, b.peer.text));
  const allowlist = snapshot.governor.allowlist();
  const config = snapshot.backoff.config();
  return {
    ...(snapshot.schema === undefined ? {} : { $schema: snapshot.schema }),
    spec_version: 1,
    clock_ns: String(snapshot.clockNs),
    peer_governor: {
      failure_threshold: snapshot.governor.failureThreshold(),
      blocklist: texts(snapshot.governor.blocklist()),
      allowlist: allowlist === null ? null : texts(allowlist),
      health: byPeer(snapshot.governor.iterHealth()).map((entry) => ({
        peer: entry.peer.text,
        consecutive_failures: entry.consecutiveFailures,
        last_event_ns: String(entry.lastEventNs),
        down: entry.down,
      })),
    },
    backoff: { base_ns: String(config.baseNs), max_delay_ns: String(config.maxDelayNs) },
    backoff_table: byPeer(snapshot.backoff.iter()).map((entry) => ({
      peer: entry.peer.text,
      attempts: entry.attempts,
      last_attempt_ns: String(entry.lastAttemptNs),
      next_retry_ns: String(entry.nextRetryNs),
    })),
  };
}

/** Byte order of ASCII texts, spelled out with Buffer.compare. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

const reference = (snapshot: Snapshot): string => `${JSON.stringify(canonicalObject(snapshot), null, 2)}\n`;

describe("encodeSnapshot", () => {
  it("writes the defaults of an empty snapshot in the canonical shape", () => {
    expect(encodeSnapshot(emptySnapshot())).toBe(
      [
        "{",
        '  "spec_version": 1,',
        '  "clock_ns": "0",',
        '  "peer_governor": {',
        '    "failure_threshold": 5,',
        '    "blocklist": [],',
        '    "allowlist": null,',
        '    "health": []',
        "  },",
        '  "backoff": {',
        '    "base_ns": "10000000",',
        '    "max_delay_ns": "60000000000"',
        "  },",
        '  "backoff_table": []',
        "}",
        "",
      ].join("\n"),
    );
  });

  it("writes the minimal fixture as the empty snapshot", () => {
    expect(encodeSnapshot(decodeSnapshot(fixture("minimal.json")).snapshot)).toBe(encodeSnapshot(emptySnapshot()));
  });

  it("produces fixtures/example.json from the example state", () => {
    expect(encodeSnapshot(buildExampleSnapshot())).toBe(example);
  });

  it("changes no byte of a canonical file on load and save", () => {
    expect(encodeSnapshot(decodeSnapshot(example).snapshot)).toBe(example);
    expect(encodeSnapshot(decodeSnapshot(example, { forceLossless: true }).snapshot)).toBe(example);
    const empty = encodeSnapshot(emptySnapshot());
    expect(encodeSnapshot(decodeSnapshot(empty).snapshot)).toBe(empty);
  });

  it("matches JSON.stringify(canonical, null, 2) byte for byte", () => {
    expect(encodeSnapshot(buildExampleSnapshot())).toBe(reference(buildExampleSnapshot()));
    expect(encodeSnapshot(emptySnapshot())).toBe(reference(emptySnapshot()));
  });

  it("writes $schema first, escaped, and keeps it on a round trip", () => {
    const snapshot = buildExampleSnapshot();
    snapshot.schema = 'https://example.com/"bbgov"\\1\n.json';
    const text = encodeSnapshot(snapshot);
    expect(text.startsWith('{\n  "$schema": "https://example.com/\\"bbgov\\"\\\\1\\n.json",\n  "spec_version": 1,')).toBe(true);
    expect(text).toBe(reference(snapshot));
    const again = decodeSnapshot(text).snapshot;
    expect(again.schema).toBe(snapshot.schema);
    expect(encodeSnapshot(again)).toBe(text);
  });

  it("sorts every list by peer text in byte order, whatever the insertion order", () => {
    const peers = [
      PeerId.fromU64(U64_MAX),
      sha256Peer(Array(32).fill(0xff)),
      PeerId.fromU64(1n),
      sha256Peer(Array(32).fill(0)),
      PeerId.fromU64(58n),
      PeerId.fromU64(57n),
    ];
    const governor = new PeerGovernor();
    const backoff = new BackoffTable();
    for (const peer of peers) {
      governor.block(peer);
      governor.recordFailure(peer, 1n);
      backoff.recordFailure(peer, 1n);
    }
    governor.setAllowlist([...peers].reverse());
    const snapshot: Snapshot = { clockNs: 1n, governor, backoff };
    const text = encodeSnapshot(snapshot);
    expect(text).toBe(reference(snapshot));
    const decoded = JSON.parse(text) as { peer_governor: { blocklist: string[]; allowlist: string[] } };
    const sorted = peers.map((peer) => peer.text).sort(byteOrder);
    expect(decoded.peer_governor.blocklist).toEqual(sorted);
    expect(decoded.peer_governor.allowlist).toEqual(sorted);
  });

  it("grows its output past the first guess of its size (long lists with no entries) and still writes the canonical text", () => {
    // The size guess counts health and backoff entries only: 3,000 listed peers need ~330 kB more, in chunks of gathered text.
    const governor = new PeerGovernor();
    const listed: PeerId[] = [];
    for (let n = 1; n <= 3000; n++)
      listed.push(sha256Peer([n >> 8, n & 0xff, ...Array.from({ length: 30 }, (_, i) => (n * 31 + i * 7) & 0xff)]));
    for (const peer of listed) governor.block(peer);
    governor.setAllowlist(listed.slice(0, 2000));
    const snapshot: Snapshot = { clockNs: 1n, governor, backoff: new BackoffTable() };
    const text = encodeSnapshot(snapshot);
    expect(text.length).toBeGreaterThan(250_000);
    expect(text).toBe(reference(snapshot));
  });

  it("writes an empty allowlist as [] and extreme values exactly", () => {
    const snapshot = emptySnapshot({ clockNs: U64_MAX, failureThreshold: U32_MAX, backoff: { baseNs: 1n, maxDelayNs: U64_MAX } });
    snapshot.governor.setAllowlist([]);
    snapshot.governor.restoreHealth(PeerId.fromU64(0n), { consecutiveFailures: U32_MAX, lastEventNs: U64_MAX, down: true });
    snapshot.backoff.restoreState(PeerId.fromU64(0n), { attempts: U32_MAX, lastAttemptNs: 0n, nextRetryNs: U64_MAX });
    const text = encodeSnapshot(snapshot);
    expect(text).toContain('    "allowlist": [],\n');
    expect(text).toContain('"clock_ns": "18446744073709551615"');
    expect(text).toBe(reference(snapshot));
    expect(plain(decodeSnapshot(text).snapshot)).toEqual(plain(snapshot));
  });
});
