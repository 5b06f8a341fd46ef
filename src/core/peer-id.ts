/**
 * Peer ids as upstream `bb-runtime` has them: a multihash (`Multihash<64>`)
 * whose text form is base58btc of the canonical bytes, exactly libp2p's
 * `PeerId::to_base58`. base58 and varints come from `multiformats`; this file
 * adds the checks upstream makes (64-byte digest limit, no trailing bytes,
 * minimal varints) and the CIDv1 `libp2p-key` text form that libp2p accepts.
 */
import { CID } from "multiformats/cid";
import { base58btc } from "multiformats/bases/base58";
import * as Digest from "multiformats/hashes/digest";
import { varint } from "multiformats";
import { InvalidPeerId } from "./errors.js";
import { U64_MAX } from "./u64.js";

/** Multihash code of the identity "hash" (the digest is the raw bytes). */
export const IDENTITY_CODE = 0x00;
/** Multihash code of sha2-256. */
export const SHA2_256_CODE = 0x12;
/** Largest digest upstream's `Multihash<64>` holds. */
export const MAX_DIGEST_BYTES = 64;
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
    const fromCid = looksLikeCid(text) ? peerBytesFromCid(text) : undefined;
    if (fromCid !== undefined) return PeerId.fromBytes(fromCid);
    let bytes: Uint8Array;
    try {
      bytes = base58btc.baseDecode(text);
    } catch {
      throw new InvalidPeerId(text, `not base58btc (bad character ${JSON.stringify(firstNonBase58(text))})`);
    }
    const problem = multihashProblem(bytes);
    if (problem !== undefined) throw new InvalidPeerId(text, problem);
    // base58 text with extra leading '1's or other non-canonical spellings would
    // alias another id; a peer has exactly one text form.
    const canonical = base58btc.baseEncode(bytes);
    if (canonical !== text) throw new InvalidPeerId(text, `not canonical base58btc (expected ${canonical})`);
    return new PeerId(bytes, text);
  }

  /** Builds a peer id from canonical multihash bytes, validating them. */
  static fromBytes(bytes: Uint8Array): PeerId {
    const problem = multihashProblem(bytes);
    const copy = Uint8Array.from(bytes);
    const text = base58btc.baseEncode(copy);
    if (problem !== undefined) throw new InvalidPeerId(`0x${hex(copy)}`, problem);
    return new PeerId(copy, text);
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

  /** The multihash code (0x00 identity, 0x12 sha2-256, or another). */
  get code(): number {
    return varint.decode(this.bytes)[0];
  }

  /** The digest bytes after code and length. */
  get digest(): Uint8Array {
    const [, codeLength] = varint.decode(this.bytes);
    const [, sizeLength] = varint.decode(this.bytes, codeLength);
    return this.bytes.subarray(codeLength + sizeLength);
  }

  /** The CIDv1 libp2p-key form in base32 (`bafz...`), as libp2p prints it. */
  toCid(): string {
    return CID.createV1(LIBP2P_KEY_CODEC, Digest.decode(this.bytes)).toString();
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
}

/** What is wrong with `bytes` as a canonical `Multihash<64>`, or undefined when nothing is. */
export function multihashProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return "no bytes";
  let codeLength: number;
  let size: number;
  let sizeLength: number;
  try {
    codeLength = varint.decode(bytes)[1];
  } catch (error) {
    return `bad multihash code varint (${varintReason(error)})`;
  }
  if (codeLength >= bytes.length) return "truncated: no digest length after the code";
  try {
    [size, sizeLength] = varint.decode(bytes, codeLength);
  } catch (error) {
    return `bad digest length varint (${varintReason(error)})`;
  }
  if (size > MAX_DIGEST_BYTES) return `digest of ${size} bytes exceeds the ${MAX_DIGEST_BYTES}-byte limit`;
  const available = bytes.length - codeLength - sizeLength;
  if (available < size) return `truncated: digest length ${size} but ${available} bytes follow`;
  if (available > size) return `${available - size} trailing bytes after the ${size}-byte digest`;
  return undefined;
}

function varintReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/not minimally/i.test(message)) return "not minimally encoded";
  if (/too long/i.test(message)) return "too long";
  return "truncated";
}

// Only multibase prefixes that CID.parse understands by itself; base58btc peer ids
// of the two usual kinds start with '1' (identity) or 'Q' (sha2-256).
function looksLikeCid(text: string): boolean {
  const first = text[0];
  return first === "b" || first === "k" || first === "z";
}

function peerBytesFromCid(text: string): Uint8Array | undefined {
  let cid: CID;
  try {
    cid = CID.parse(text);
  } catch {
    return undefined;
  }
  if (cid.version !== 1) return undefined;
  if (cid.code !== LIBP2P_KEY_CODEC) {
    throw new InvalidPeerId(text, `a CID with codec 0x${cid.code.toString(16)}, not libp2p-key (0x72)`);
  }
  return cid.multihash.bytes;
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
