/**
 * Health and backoff lists made on demand, attacked through the command line
 * (an adversarial run against the build before them, 2c12fe1, which gave
 * these same answers): node snapshots whose entries repeat a peer, spell one
 * peer two ways, are skipped, or are cut short; canonical bbgov JSON with a
 * repeated peer or a value just out of range, which the canonical reader must
 * leave to the general one (its error, its path). In process, no spawn.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import type { SnapshotDocument } from "../../src/snapshot/encode.js";
import { readNodeSnapshot } from "../../src/snapshot/node.js";
import { expectError, sandboxes, warnings } from "./helpers.js";

const sandbox = sandboxes();
const SMALL = fs.readFileSync(new URL("../../fixtures/node/small.bin", import.meta.url));
const [GOVERNOR_START, GOVERNOR_END] = readNodeSnapshot(SMALL).node.governorRange;
const STRANGER = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

/** `PeerId::from(n)`'s bytes: the identity multihash of n, a short multihash. */
const idPeer = (n: number): Uint8Array => PeerId.fromU64(BigInt(n)).bytes;
/** The same peer as idPeer(n), its code 0 spelled as a 10-byte varint (upstream keeps the low 64 bits). */
const wideIdPeer = (n: number): Uint8Array =>
  Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, ...idPeer(n).subarray(1)]);
const idText = (n: number): string => PeerId.fromU64(BigInt(n)).text;

type Health = [peer: Uint8Array, failures: number, lastEventNs: bigint, downTag: number];
type Backoff = [peer: Uint8Array, attempts: number, lastAttemptNs: bigint, nextRetryNs: bigint];

/** small.bin with an empty blocklist, open policy, threshold 5 and these lists (bincode, as upstream lays them out). */
function nodeFile(health: readonly Health[], table: readonly Backoff[] = []): Buffer {
  const parts: Buffer[] = [];
  const u64 = (value: bigint | number): void => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    parts.push(buffer);
  };
  const u32 = (value: number): void => {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    parts.push(buffer);
  };
  const vec = (bytes: Uint8Array): void => {
    u64(bytes.length);
    parts.push(Buffer.from(bytes));
  };
  u64(0); // blocklist
  parts.push(Buffer.of(0)); // allowlist None
  u64(health.length);
  for (const [peer, failures, lastEventNs, downTag] of health) {
    vec(peer);
    u32(failures);
    u64(lastEventNs);
    parts.push(Buffer.of(downTag));
  }
  u32(5);
  u64(table.length);
  for (const [peer, attempts, lastAttemptNs, nextRetryNs] of table) {
    vec(peer);
    u32(attempts);
    u64(lastAttemptNs);
    u64(nextRetryNs);
  }
  return Buffer.concat([SMALL.subarray(0, GOVERNOR_START), ...parts, SMALL.subarray(GOVERNOR_END)]);
}

describe("node snapshots: the clock and the peers, told from the bytes, as the built model tells them", () => {
  it("a repeated peer in the backoff table whose first entry is the latest: the clock is the other entries'", async () => {
    const box = sandbox();
    fs.writeFileSync(
      box.path("node.bin"),
      nodeFile(
        [],
        [
          [idPeer(7), 1, 900n, 950n],
          [idPeer(8), 2, 500n, 600n],
          [idPeer(7), 3, 100n, 200n],
        ],
      ),
    );
    expect(await box.ok(["-s", "node.bin", "clock"])).toBe("clock 500\n");
  });

  it("one peer spelled two ways (a 10-byte code varint, then its canonical bytes): the last entry wins, for the clock too", async () => {
    const box = sandbox();
    fs.writeFileSync(
      box.path("node.bin"),
      nodeFile([
        [wideIdPeer(7), 1, 900n, 0],
        [idPeer(7), 4, 100n, 0],
      ]),
    );
    const doc = await box.json<{ clock_ns: string; peers: { peer: string; health: { consecutive_failures: number } }[] }>([
      "-s",
      "node.bin",
      "inspect",
      idText(7),
    ]);
    expect(doc.clock_ns).toBe("100");
    expect(doc.peers.map((peer) => [peer.peer, peer.health.consecutive_failures])).toEqual([[idText(7), 4]]);
  });

  it("a skipped entry holding the latest time is not the clock", async () => {
    const box = sandbox();
    fs.writeFileSync(
      box.path("node.bin"),
      nodeFile([
        [Uint8Array.of(0x12, 0x20, 1, 2, 3), 1, 1_000_000n, 0],
        [idPeer(7), 2, 5n, 0],
      ]),
    );
    const result = await box.run(["-s", "node.bin", "clock"]);
    expect(result.stdout).toBe("clock 5\n");
    expect(warnings(result.stderr)).toEqual([expect.stringContaining("health[0][0]")]);
  });

  it("which of 50 peers the file has never seen, past the few answered from the bytes", async () => {
    const box = sandbox();
    const health: Health[] = Array.from({ length: 30 }, (_, i) => [idPeer(i + 1), 1, 10n, 0]);
    const table: Backoff[] = Array.from({ length: 30 }, (_, i) => [idPeer(i + 15), 1, 10n, 20n]);
    fs.writeFileSync(box.path("node.bin"), nodeFile(health, table));
    const asked = Array.from({ length: 50 }, (_, i) => idText(i));
    const doc = await box.json<{ peers: { peer: string }[] }>(["-s", "node.bin", "inspect", "--unknown", ...asked]);
    expect(doc.peers.map((peer) => peer.peer).sort()).toEqual([0, 45, 46, 47, 48, 49].map(idText).sort());
  });
});

describe("node snapshots: a file cut short or damaged in a list is refused where the bytes go wrong, and left as it was", () => {
  const valid = nodeFile([[idPeer(7), 1, 900n, 0]], [[idPeer(8), 1, 5n, 6n]]);
  // blocklist count, allowlist tag, health count, then the entry's Vec<u8> (8 + 10) and u32: its u64 starts here.
  const healthTimeAt = GOVERNOR_START + 8 + 1 + 8 + 8 + 10 + 4;
  const governorEnd = GOVERNOR_START + 8 + 1 + 8 + (18 + 13) + 4 + 8 + (18 + 20);

  it.each([
    [
      "inside a health entry's last_event_ns",
      valid.subarray(0, healthTimeAt + 3),
      `truncated: a u64 needs 8 bytes, 3 left (at byte ${healthTimeAt}) (node.bin: transient.framework.peer_governor.health[0][2])`,
    ],
    [
      "inside a backoff entry's next_retry_ns",
      valid.subarray(0, governorEnd - 3),
      `truncated: a u64 needs 8 bytes, 5 left (at byte ${governorEnd - 8}) (node.bin: transient.framework.backoff_table[0].next_retry_ns)`,
    ],
    [
      "with a health bool tag of 7",
      nodeFile([[idPeer(7), 1, 900n, 7]]),
      `invalid bool 7 (0 or 1 expected) (at byte ${healthTimeAt + 8}) (node.bin: transient.framework.peer_governor.health[0][3])`,
    ],
  ])("%s", async (_name, bytes, message) => {
    const box = sandbox();
    fs.writeFileSync(box.path("node.bin"), bytes);
    for (const args of [["block", STRANGER], ["clock"], ["inspect", "--unknown", idText(7)]]) {
      expectError(await box.run(["-s", "node.bin", ...args]), `bbgov: ${message}\n`);
    }
    expect(Buffer.from(fs.readFileSync(box.path("node.bin"))).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe("canonical bbgov JSON: what the canonical reader must leave to the general reader", () => {
  /** A canonical snapshot of three health entries and two backoff entries, laid out as bbgov writes it. */
  function canonical(edit: (doc: SnapshotDocument) => void = () => {}): string {
    const doc: SnapshotDocument = {
      spec_version: 1,
      clock_ns: "1000",
      peer_governor: {
        failure_threshold: 5,
        blocklist: [],
        allowlist: null,
        health: [1, 2, 3].map((n) => ({ peer: idText(n), consecutive_failures: n, last_event_ns: String(100 * n), down: false })),
      },
      backoff: { base_ns: "10000000", max_delay_ns: "60000000000" },
      backoff_table: [1, 2].map((n) => ({ peer: idText(n), attempts: n, last_attempt_ns: String(100 * n), next_retry_ns: "900" })),
    };
    doc.peer_governor.health.sort((a, b) => (a.peer < b.peer ? -1 : 1));
    doc.backoff_table.sort((a, b) => (a.peer < b.peer ? -1 : 1));
    edit(doc);
    return `${JSON.stringify(doc, null, 2)}\n`;
  }

  it.each([
    [
      "a repeated health peer",
      (doc: SnapshotDocument) => doc.peer_governor.health.splice(1, 0, { ...doc.peer_governor.health[1]! }),
      /^bbgov: duplicate peer ".+" \(already at index 1\) \(g\.json: peer_governor\.health\[2\]\.peer\)\n$/,
    ],
    [
      "attempts 2^32",
      (doc: SnapshotDocument) => (doc.backoff_table[1]!.attempts = 4294967296),
      /is not a u32: above 4294967295 \(g\.json: backoff_table\[1\]\.attempts\)/,
    ],
    [
      "consecutive_failures 2^32",
      (doc: SnapshotDocument) => (doc.peer_governor.health[2]!.consecutive_failures = 4294967296),
      /not a u32: above 4294967295 \(g\.json: peer_governor\.health\[2\]\.consecutive_failures\)/,
    ],
    [
      "last_attempt_ns 2^64",
      (doc: SnapshotDocument) => (doc.backoff_table[0]!.last_attempt_ns = "18446744073709551616"),
      /not a u64: above 18446744073709551615 \(g\.json: backoff_table\[0\]\.last_attempt_ns\)/,
    ],
    [
      "last_event_ns 2^64",
      (doc: SnapshotDocument) => (doc.peer_governor.health[0]!.last_event_ns = "18446744073709551616"),
      /not a u64: above 18446744073709551615 \(g\.json: peer_governor\.health\[0\]\.last_event_ns\)/,
    ],
    [
      "next_retry_ns 2^64 + 3 (past the last digit)",
      (doc: SnapshotDocument) => (doc.backoff_table[1]!.next_retry_ns = "18446744073709551619"),
      /not a u64: above 18446744073709551615 \(g\.json: backoff_table\[1\]\.next_retry_ns\)/,
    ],
  ])("%s: the general reader's error, the file unchanged", async (_name, edit, message) => {
    const box = sandbox();
    const text = canonical(edit);
    box.write("g.json", text);
    expectError(await box.run(["-s", "g.json", "block", STRANGER]), message);
    expect(box.read("g.json")).toBe(text);
  });

  it("u64 values at 2^64-1 are kept, byte for byte, by a block that never looks at the lists", async () => {
    const box = sandbox();
    const text = canonical((doc) => {
      doc.peer_governor.health[0]!.last_event_ns = "18446744073709551615";
      doc.backoff_table[0]!.next_retry_ns = "18446744073709551615";
    });
    box.write("g.json", text);
    await box.ok(["-q", "-s", "g.json", "block", STRANGER]);
    const written = box.read("g.json");
    expect(written.replace(`,\n      "${STRANGER}"`, "").replace(`\n      "${STRANGER}"\n    `, "")).toBe(text);
    expect(box.doc("g.json").peer_governor.blocklist).toEqual([STRANGER]);
  });

  it("an apply that blocks, then fails and resets peers, reads the lists as they stood", async () => {
    const box = sandbox();
    box.write("g.json", canonical());
    await box.ok(["-q", "-s", "g.json", "apply", "-"], { input: `block ${STRANGER}\nfail ${idText(3)} --at 2000\nreset ${idText(1)}\n` });
    const doc = box.doc("g.json");
    expect(doc.peer_governor.health.map((entry) => [entry.peer, entry.consecutive_failures])).toEqual(
      [
        [idText(2), 2],
        [idText(3), 4],
      ].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
    );
    expect(doc.backoff_table.map((entry) => [entry.peer, entry.attempts]).sort()).toEqual(
      [
        [idText(2), 2],
        [idText(3), 1],
      ].sort(),
    );
    expect(doc.clock_ns).toBe("2000");
  });

  it("diff of two canonical files names the one entry that differs", async () => {
    const box = sandbox();
    box.write("a.json", canonical());
    box.write(
      "b.json",
      canonical((doc) => (doc.peer_governor.health[1]!.consecutive_failures = 9)),
    );
    const result = await box.run(["-s", "a.json", "diff", "b.json"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      /^1 difference\(s\) from a\.json to b\.json\n~ peer_governor\.health\[.+\]\.consecutive_failures: \d -> 9\n$/,
    );
  });
});
