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
    x ^= x << 13n; x &= (1n << 64n) - 1n;
    x ^= x >> 7n;
    x ^= x << 17n; x &= (1n << 64n) - 1n;
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
