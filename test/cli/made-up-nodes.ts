/**
 * Node snapshots made up for the fleet fold's tests: small.bin with its
 * governor and backoff table replaced by lists written here as bincode
 * (reference/NODE_SNAPSHOT.md), every peer given as its bytes.
 */
import fc from "fast-check";
import { PeerId } from "../../src/core/peer-id.js";
import { readNodeSnapshot } from "../../src/snapshot/node.js";
import { loadFixture } from "../snapshot/node-fixtures.js";

/** A governor and backoff table, peers as `P` (turned into bytes by the caller's `bytesOf`). */
export interface MadeUpGovernor<P> {
  readonly blocklist: readonly P[];
  readonly allowlist: readonly P[] | null;
  readonly health: readonly { readonly peer: P; readonly failures: number; readonly eventNs: bigint; readonly down: boolean }[];
  readonly threshold: number;
  readonly backoff: readonly { readonly peer: P; readonly attempts: number; readonly lastNs: bigint; readonly nextNs: bigint }[];
}

/** u64 times, the edges first. */
export const u64 = fc.oneof(
  fc.constantFrom(0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);

/** The governor's two parts as bincode, each peer's bytes from `bytesOf`. */
export function encodeGovernor<P>(node: MadeUpGovernor<P>, bytesOf: (peer: P) => Uint8Array): Buffer {
  const parts: Buffer[] = [];
  const u8 = (value: number): void => {
    parts.push(Buffer.of(value));
  };
  const u32 = (value: number): void => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(value >>> 0);
    parts.push(bytes);
  };
  const u64le = (value: bigint): void => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(value);
    parts.push(bytes);
  };
  const id = (peer: P): void => {
    const bytes = bytesOf(peer);
    u64le(BigInt(bytes.length));
    parts.push(Buffer.from(bytes));
  };
  u64le(BigInt(node.blocklist.length));
  node.blocklist.forEach(id);
  if (node.allowlist === null) u8(0);
  else {
    u8(1);
    u64le(BigInt(node.allowlist.length));
    node.allowlist.forEach(id);
  }
  u64le(BigInt(node.health.length));
  for (const entry of node.health) {
    id(entry.peer);
    u32(entry.failures);
    u64le(entry.eventNs);
    u8(entry.down ? 1 : 0);
  }
  u32(node.threshold);
  u64le(BigInt(node.backoff.length));
  for (const entry of node.backoff) {
    id(entry.peer);
    u32(entry.attempts);
    u64le(entry.lastNs);
    u64le(entry.nextNs);
  }
  return Buffer.concat(parts);
}

/** small.bin, into which the made-up governors go. */
export const BASE = loadFixture("small").bytes;
/** Where small.bin's governor and backoff table start and end. */
export const [GOVERNOR_START, GOVERNOR_END] = readNodeSnapshot(BASE).node.governorRange;

/** small.bin with its governor and backoff table replaced by `node`'s. */
export function madeUpNode<P>(node: MadeUpGovernor<P>, bytesOf: (peer: P) => Uint8Array): Buffer {
  return Buffer.concat([BASE.subarray(0, GOVERNOR_START), encodeGovernor(node, bytesOf), BASE.subarray(GOVERNOR_END)]);
}

/** The bytes themselves, for governors whose peers are given as bytes. */
export const asBytes = (peer: Uint8Array): Uint8Array => peer;

/** An ed25519 peer (identity multihash of a 36-byte key), its bytes made from `seed`. */
export function ed25519(seed: number): Uint8Array {
  const bytes = new Uint8Array(38);
  bytes.set([0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);
  for (let i = 6; i < 38; i++) bytes[i] = (seed * 31 + i * 17) & 0xff;
  return bytes;
}

/** A sha2-256 peer, its digest made from `seed`. */
export function sha256(seed: number): Uint8Array {
  const bytes = new Uint8Array(34);
  bytes.set([0x12, 0x20]);
  for (let i = 2; i < 34; i++) bytes[i] = (seed * 13 + i * 7) & 0xff;
  return bytes;
}

/** The texts of the byte strings of `pool` that parse as peers. */
export function peerTexts(pool: readonly Uint8Array[]): string[] {
  return pool.flatMap((bytes) => {
    try {
      return [PeerId.fromBytes(bytes).text];
    } catch {
      return [];
    }
  });
}
