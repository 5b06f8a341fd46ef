/**
 * Peer ids as upstream `bb-runtime` has them: a multihash (`Multihash<64>`)
 * whose text form is base58btc of the canonical bytes, exactly libp2p's
 * `PeerId::to_base58`. base58 and base32/base36 come from `multiformats`; the
 * varints are decoded here as upstream's `unsigned_varint::decode::u64` does
 * (up to 10 bytes, minimal, bits past 64 dropped), because multiformats stops at
 * 9 bytes and upstream accepts codes up to 2^64-1. Like upstream's
 * `Multihash::from_bytes` + `to_bytes`, a peer's bytes are re-encoded: that is
 * its canonical form. The CIDv1 `libp2p-key` text form that libp2p accepts is
 * read too, but a text that is a valid base58btc multihash is always that peer.
 */
import { base32 } from "multiformats/bases/base32";
import { base36 } from "multiformats/bases/base36";
import { base58btc } from "multiformats/bases/base58";
import { InvalidPeerId } from "./errors.js";
import { U64_MAX } from "./u64.js";

/** Multihash code of the identity "hash" (the digest is the raw bytes). */
export const IDENTITY_CODE = 0x00;
/** Multihash code of sha2-256. */
export const SHA2_256_CODE = 0x12;
/** Largest digest upstream's `Multihash<64>` holds. */
export const MAX_DIGEST_BYTES = 64;
/** Longest peer id text accepted; no valid spelling comes near it. */
export const MAX_PEER_TEXT = 256;
/** Multicodec of a libp2p public key inside a CIDv1. */
export const LIBP2P_KEY_CODEC = 0x72;

/** A validated peer id: canonical multihash bytes and their base58btc text. */
export class PeerId {
  /** Canonical multihash bytes: varint(code) ++ varint(length) ++ digest. */
  readonly bytes: Uint8Array;
  /** base58btc text of `bytes`: the form bbgov prints and stores. */
  readonly text: string;

  private constructor(bytes: Uint8Array, text: string) {
    this.bytes = bytes;
    this.text = text;
  }

  /** Parses base58btc text (or a CIDv1 libp2p-key) into a validated peer id. */
  static parse(text: string): PeerId {
    if (text.length === 0) throw new InvalidPeerId(text, "empty");
    // The longest valid spelling (a 64-byte digest as a base32 CID) is about 125
    // characters; base58 decoding is quadratic, so refuse long input up front.
    if (text.length > MAX_PEER_TEXT) throw new InvalidPeerId(text, `too long (${text.length} characters, at most ${MAX_PEER_TEXT})`);
    let problem: string;
    const base58Bytes = decodeBase58(text);
    if (base58Bytes === undefined) {
      problem = `not base58btc (bad character ${JSON.stringify(firstNonBase58(text))})`;
    } else {
      const decoded = decodeMultihash(base58Bytes);
      // base58btc is one-to-one, so canonical bytes mean `text` is the canonical text.
      if (typeof decoded !== "string") return PeerId.spelledBy(text, base58Bytes, decoded, text);
      problem = decoded;
    }
    // Not a base58btc multihash: perhaps the CIDv1 libp2p-key form.
    const cidPayload = libp2pKeyPayload(text);
    if (cidPayload === undefined) throw new InvalidPeerId(text, problem);
    const decoded = decodeMultihash(cidPayload);
    if (typeof decoded === "string") throw new InvalidPeerId(text, decoded);
    return PeerId.spelledBy(text, cidPayload, decoded, undefined);
  }

  /** Builds a peer id from multihash bytes, validating them as upstream's `PeerId::from_bytes`. */
  static fromBytes(bytes: Uint8Array): PeerId {
    const decoded = decodeMultihash(bytes);
    if (typeof decoded === "string") throw new InvalidPeerId(`0x${hex(bytes)}`, decoded);
    return new PeerId(decoded.canonical, base58btc.baseEncode(decoded.canonical));
  }

  /** Upstream `PeerId::from(u64)`: identity multihash of the 8 big-endian bytes. */
  static fromU64(n: bigint): PeerId {
    if (n < 0n || n > U64_MAX) throw new RangeError(`not a u64: ${n}`);
    const bytes = new Uint8Array(10);
    bytes[0] = IDENTITY_CODE;
    bytes[1] = 8;
    new DataView(bytes.buffer).setBigUint64(2, n, false);
    return new PeerId(bytes, base58btc.baseEncode(bytes));
  }

  /** The multihash code (0x00 identity, 0x12 sha2-256, or another; exact up to 2^53). */
  get code(): number {
    return Number(this.decoded().code);
  }

  /** The digest bytes after code and length. */
  get digest(): Uint8Array {
    return this.decoded().digest;
  }

  /** The CIDv1 libp2p-key form in base32 (`bafz...`), as libp2p prints it. */
  toCid(): string {
    return base32.encode(Uint8Array.of(1, LIBP2P_KEY_CODEC, ...this.bytes));
  }

  /** True when both ids have the same canonical bytes. */
  equals(other: PeerId): boolean {
    return this.text === other.text;
  }

  /** The base58btc text form. */
  toString(): string {
    return this.text;
  }

  /** JSON form: the base58btc text. */
  toJSON(): string {
    return this.text;
  }

  // A text must spell the canonical bytes (upstream's `to_bytes`): a peer has one text form.
  private static spelledBy(
    text: string,
    spelled: Uint8Array,
    decoded: DecodedMultihash,
    canonicalText: string | undefined,
  ): PeerId {
    const canonical = decoded.canonical;
    const same = canonical.length === spelled.length && canonical.every((byte, i) => byte === spelled[i]);
    if (!same) throw new InvalidPeerId(text, `not canonical (expected ${base58btc.baseEncode(canonical)})`);
    return new PeerId(canonical, canonicalText ?? base58btc.baseEncode(canonical));
  }

  private decoded(): DecodedMultihash {
    const decoded = decodeMultihash(this.bytes);
    if (typeof decoded === "string") throw new Error(`unreachable: stored peer bytes invalid (${decoded})`);
    return decoded;
  }
}

/** What is wrong with `bytes` as a `Multihash<64>` (upstream `from_bytes`), or undefined when nothing is. */
export function multihashProblem(bytes: Uint8Array): string | undefined {
  const decoded = decodeMultihash(bytes);
  return typeof decoded === "string" ? decoded : undefined;
}

interface DecodedMultihash {
  readonly code: bigint;
  readonly digest: Uint8Array;
  /** varint(code) ++ varint(digest length) ++ digest, varints re-encoded as upstream's `to_bytes`. */
  readonly canonical: Uint8Array;
}

// Upstream `Multihash::<64>::from_bytes`: code varint, length varint, at most 64
// digest bytes, nothing after. Returns the problem as a string.
function decodeMultihash(bytes: Uint8Array): DecodedMultihash | string {
  if (bytes.length === 0) return "no bytes";
  const code = readVarintU64(bytes, 0);
  if (typeof code === "string") return `bad multihash code varint (${code})`;
  if (code.end >= bytes.length) return "truncated: no digest length after the code";
  const size = readVarintU64(bytes, code.end);
  if (typeof size === "string") return `bad digest length varint (${size})`;
  if (size.value > BigInt(MAX_DIGEST_BYTES)) {
    return `digest of ${size.value} bytes exceeds the ${MAX_DIGEST_BYTES}-byte limit`;
  }
  const digestLength = Number(size.value);
  const available = bytes.length - size.end;
  if (available < digestLength) return `truncated: digest length ${digestLength} but ${available} bytes follow`;
  if (available > digestLength) {
    return `${available - digestLength} trailing bytes after the ${digestLength}-byte digest`;
  }
  const codeBytes = encodeVarintU64(code.value);
  const sizeBytes = encodeVarintU64(size.value);
  const digestStart = codeBytes.length + sizeBytes.length;
  const canonical = new Uint8Array(digestStart + digestLength);
  canonical.set(codeBytes);
  canonical.set(sizeBytes, codeBytes.length);
  canonical.set(bytes.subarray(size.end), digestStart);
  return { code: code.value, digest: canonical.subarray(digestStart), canonical };
}

// Upstream `unsigned_varint::decode::u64`: at most 10 bytes, the last of a
// multi-byte varint must not be 0, and bits shifted past 64 are dropped.
function readVarintU64(bytes: Uint8Array, offset: number): { value: bigint; end: number } | string {
  let value = 0n;
  for (let i = 0; offset + i < bytes.length; i++) {
    const byte = bytes[offset + i] as number;
    value = (value | (BigInt(byte & 0x7f) << BigInt(7 * i))) & U64_MAX;
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0) return "not minimally encoded";
      return { value, end: offset + i + 1 };
    }
    if (i === 9) return "too long";
  }
  return "truncated";
}

function encodeVarintU64(value: bigint): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return out;
}

function decodeBase58(text: string): Uint8Array | undefined {
  try {
    return base58btc.baseDecode(text);
  } catch {
    return undefined;
  }
}

// The multibases a bare CID string may use (as `CID.parse` without a decoder).
const CID_BASES = { b: base32, k: base36, z: base58btc } as const;

// The multihash inside a CIDv1 libp2p-key text; undefined when `text` is no CIDv1.
function libp2pKeyPayload(text: string): Uint8Array | undefined {
  const prefix = text[0];
  if (prefix !== "b" && prefix !== "k" && prefix !== "z") return undefined;
  let bytes: Uint8Array;
  try {
    bytes = CID_BASES[prefix].decode(text);
  } catch {
    return undefined;
  }
  const version = readVarintU64(bytes, 0);
  if (typeof version === "string" || version.value !== 1n) return undefined;
  const codec = readVarintU64(bytes, version.end);
  if (typeof codec === "string") return undefined;
  if (codec.value !== BigInt(LIBP2P_KEY_CODEC)) {
    throw new InvalidPeerId(text, `a CID with codec 0x${codec.value.toString(16)}, not libp2p-key (0x72)`);
  }
  return bytes.subarray(codec.end);
}

const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function firstNonBase58(text: string): string {
  for (const char of text) if (!BASE58_ALPHABET.includes(char)) return char;
  return "";
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
