/**
 * Generates realistic canonical snapshots fast, as text: every peer with a
 * health entry and a backoff entry, ids of both kinds (identity-multihash
 * ed25519 `12D3KooW...` and sha2-256 `Qm...`), epoch-nanosecond times.
 * Deterministic: the same size gives the same file.
 */
import { base58btc } from "multiformats/bases/base58";

const CLOCK_NS = 1_764_000_000_000_000_000n;
const BASE_NS = 10_000_000n;
const MAX_NS = 60_000_000_000n;

/** The peer id text of peer number `n`: even numbers ed25519 identity ids, odd numbers sha2-256 ids. */
export function peerText(n) {
  const digest = new Uint8Array(32);
  let x = (BigInt(n) * 0x9e3779b97f4a7c15n + 0x632be59bd9b4e019n) & ((1n << 64n) - 1n);
  for (let i = 0; i < 32; i++) {
    x ^= x << 13n;
    x &= (1n << 64n) - 1n;
    x ^= x >> 7n;
    x ^= x << 17n;
    x &= (1n << 64n) - 1n;
    digest[i] = Number(x & 0xffn);
  }
  const bytes = n % 2 === 0 ? Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...digest) : Uint8Array.of(0x12, 0x20, ...digest);
  return base58btc.baseEncode(bytes);
}

/** A canonical version-1 snapshot text with `count` peers. */
export function generateSnapshot(count) {
  const peers = [];
  for (let i = 0; i < count; i++) peers.push(peerText(i + 1));
  peers.sort();
  const health = [];
  const table = [];
  for (let i = 0; i < peers.length; i++) {
    const attempts = 1 + (i % 9);
    const last = CLOCK_NS - BigInt((i * 7919) % 120_000) * 1_000_000n;
    let delay = BASE_NS << BigInt(attempts - 1);
    if (delay > MAX_NS) delay = MAX_NS;
    health.push(
      `      {\n        "peer": "${peers[i]}",\n        "consecutive_failures": ${attempts},\n        "last_event_ns": "${last}",\n        "down": ${attempts >= 5}\n      }`,
    );
    table.push(
      `    {\n      "peer": "${peers[i]}",\n      "attempts": ${attempts},\n      "last_attempt_ns": "${last}",\n      "next_retry_ns": "${last + delay}"\n    }`,
    );
  }
  const blocked = peers.filter((_, i) => i % 97 === 0).map((p) => `      "${p}"`);
  return `{
  "spec_version": 1,
  "clock_ns": "${CLOCK_NS}",
  "peer_governor": {
    "failure_threshold": 5,
    "blocklist": ${blocked.length ? `[\n${blocked.join(",\n")}\n    ]` : "[]"},
    "allowlist": null,
    "health": ${health.length ? `[\n${health.join(",\n")}\n    ]` : "[]"}
  },
  "backoff": {
    "base_ns": "${BASE_NS}",
    "max_delay_ns": "${MAX_NS}"
  },
  "backoff_table": ${table.length ? `[\n${table.join(",\n")}\n  ]` : "[]"}
}
`;
}

/**
 * A bincode NodeSnapshot with the governor of `generateSnapshot(count)`, made
 * by bbgov's own encoder (needs `npm run build`) over upstream's small.bin
 * fixture (its other sections stay as they are). `order: "hash"` shuffles the
 * lists (seeded), as upstream writes them from its hash maps; "canonical" keeps
 * bbgov's order of peer text.
 */
export async function generateNodeSnapshot(count, { order = "hash", jsonText = generateSnapshot(count) } = {}) {
  const dist = new URL("../dist/snapshot/", import.meta.url);
  const { readFileSync } = await import("node:fs");
  const { readNodeSnapshot } = await import(new URL("node.js", dist).href);
  const { decodeSnapshot } = await import(new URL("decode.js", dist).href);
  const { Reader, Writer, read, write } = await import(new URL("bincode.js", dist).href);
  const { PEER_GOVERNOR, BACKOFF_TABLE } = await import(new URL("node-schema.js", dist).href);
  const base = readNodeSnapshot(readFileSync(new URL("../fixtures/node/small.bin", import.meta.url)));
  const canonical = base.encode(decodeSnapshot(jsonText).snapshot);
  if (order === "canonical") return canonical;
  const [start, end] = readNodeSnapshot(canonical).node.governorRange;
  const reader = new Reader(canonical, start);
  const governor = read(PEER_GOVERNOR, reader);
  const table = read(BACKOFF_TABLE, reader);
  let state = 0x2545f491;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const shuffle = (list) => {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
  };
  shuffle(governor.blocklist);
  shuffle(governor.health);
  shuffle(table);
  const writer = new Writer(end - start);
  write(PEER_GOVERNOR, governor, writer);
  write(BACKOFF_TABLE, table, writer);
  const middle = writer.result();
  const out = new Uint8Array(canonical.length - (end - start) + middle.length);
  out.set(canonical.subarray(0, start));
  out.set(middle, start);
  out.set(canonical.subarray(end), start + middle.length);
  return out;
}
