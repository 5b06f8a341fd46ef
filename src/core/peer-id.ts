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
 *
 * Speed: a snapshot holds one peer id per entry, so `parse` is on the hot path
 * of every load. The usual peer id, a multihash whose code and length are
 * one-byte varints, is recognised from its text alone: the base58 number in
 * floating point, with an error bound, tells its byte length and its two
 * leading bytes, which is all the check needs (`spellsShortMultihash`); its
 * bytes are decoded only if someone asks for them. Anything else, and any
 * case the bound leaves undecided, takes the exact path: base58 decoded here
 * (`decodeBase58Btc`, four characters per step on 24-bit limbs), then the
 * general varint parse. Property tests hold both to multiformats' base58btc.
 */
import { base32 } from "multiformats/bases/base32";
import { base36 } from "multiformats/bases/base36";
import { base58btc } from "multiformats/bases/base58";
import { InvalidArgument, InvalidPeerId, truncate } from "./errors.js";
import { checkedU64, U64_MAX } from "./u64.js";

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
  /** base58btc text of `bytes`: the form bbgov prints and stores. */
  readonly text: string;
  // Undefined until first asked for when `parse` validated the text without decoding it.
  #bytes: Uint8Array | undefined;

  private constructor(bytes: Uint8Array | undefined, text: string) {
    this.#bytes = bytes;
    this.text = text;
    // `text` is the key of every list and entry: `peer.text = "x"` renamed a blocked peer in the file.
    Object.freeze(this);
  }

  /** Canonical multihash bytes: varint(code) ++ varint(length) ++ digest. */
  get bytes(): Uint8Array {
    this.#bytes ??= decodeBase58Btc(this.text) as Uint8Array;
    return this.#bytes;
  }

  /** Parses base58btc text (or a CIDv1 libp2p-key) into a validated peer id. */
  static parse(text: string): PeerId {
    if (typeof text !== "string") throw new InvalidArgument(`invalid peer id text ${shownValue(text)}: expected a string`);
    if (text.length === 0) throw new InvalidPeerId(text, "empty");
    // The longest valid spelling (a 64-byte digest as a base32 CID) is about 125
    // characters; base58 decoding is quadratic, so refuse long input up front.
    if (text.length > MAX_PEER_TEXT) throw new InvalidPeerId(text, `too long (${text.length} characters, at most ${MAX_PEER_TEXT})`);
    // The usual case: one-byte code and length varints (always minimal) and
    // exactly that many digest bytes, which are then their own canonical form.
    if (isCommonKindText(text) || spellsShortMultihash(text)) return new PeerId(undefined, text);
    let problem: string;
    const base58Bytes = decodeBase58Btc(text);
    if (base58Bytes !== undefined && isShortMultihash(base58Bytes)) return new PeerId(base58Bytes, text);
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
    checkedBytes(bytes, "peer id bytes");
    // The usual peer (one-byte varints) is its own canonical form: no BigInt varint parse.
    if (isShortMultihash(bytes)) return new PeerId(bytes.slice(), encodeBase58Btc(bytes));
    const decoded = decodeMultihash(bytes);
    if (typeof decoded === "string") throw new InvalidPeerId(`0x${hex(bytes)}`, decoded);
    return new PeerId(decoded.canonical, base58btc.baseEncode(decoded.canonical));
  }

  /**
   * As `fromBytes(bytes.subarray(start, end))`, but a short multihash (its
   * own canonical form) keeps a view of those bytes rather than a copy: for a
   * reader that holds the whole file anyway and never changes it (node
   * snapshots), one peer per entry.
   */
  static fromBytesIn(bytes: Uint8Array, start: number, end: number): PeerId {
    checkedBytes(bytes, "peer id bytes");
    // subarray clamps a range past the end and reads NaN as 0: a wrong range would make a peer of other bytes.
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > bytes.length)
      throw new InvalidArgument(
        `invalid range ${String(start)}..${String(end)} of peer id bytes: expected whole numbers 0 <= start <= end <= ${bytes.length}`,
      );
    return isShortMultihashIn(bytes, start, end)
      ? new PeerId(bytes.subarray(start, end), encodeBase58Btc(bytes, start, end))
      : PeerId.fromBytes(bytes.subarray(start, end));
  }

  /** Upstream `PeerId::from(u64)`: identity multihash of the 8 big-endian bytes. */
  static fromU64(n: bigint): PeerId {
    checkedU64(n, "PeerId.fromU64 argument");
    const bytes = new Uint8Array(10);
    bytes[0] = IDENTITY_CODE;
    bytes[1] = 8;
    new DataView(bytes.buffer).setBigUint64(2, n, false);
    return new PeerId(bytes, base58btc.baseEncode(bytes));
  }

  /** The multihash code (0x00 identity, 0x12 sha2-256, or another) as a number: exact up to 2^53; `codeU64` is exact for every code. */
  get code(): number {
    return Number(this.decoded().code);
  }

  /** The multihash code as upstream's u64, exact: a code above 2^53 (a valid peer) is rounded by `code`. */
  get codeU64(): bigint {
    return this.decoded().code;
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
    return this.text === checkedPeer(other, "other").text;
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
  private static spelledBy(text: string, spelled: Uint8Array, decoded: DecodedMultihash, canonicalText: string | undefined): PeerId {
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

/**
 * `peer` when it is a PeerId, else an InvalidArgument naming `what`. The
 * governor and the table key their entries by `peer.text`: a peer's text
 * given as a string (plain JavaScript) was stored under `undefined`, counted,
 * never matched by a check, and written into a snapshot as "undefined".
 */
export function checkedPeer(peer: PeerId, what = "peer"): PeerId {
  if (peer instanceof PeerId) return peer;
  const given: unknown = peer;
  const hint =
    typeof given === "string"
      ? " (PeerId.parse(text) makes one)"
      : typeof given === "object" && given !== null && given.constructor?.name === "PeerId"
        ? " of this bbgov (that one is from another copy of bbgov: is the package installed twice?)"
        : "";
  throw new InvalidArgument(`invalid ${what} ${shownValue(peer)}: expected a PeerId${hint}`);
}

/** `bytes` when it is a Uint8Array (a Buffer is one), else an InvalidArgument naming `what`. */
function checkedBytes(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgument(`invalid ${what} ${shownValue(bytes)}: expected a Uint8Array`);
}

/** A value a caller passed, for an error message: a string quoted and shortened, anything else with its type. */
function shownValue(value: unknown): string {
  if (typeof value === "string") return `${JSON.stringify(truncate(value))} (a string)`;
  if (value === null) return "null";
  if (typeof value === "object")
    return `(an object of class ${(value as { constructor?: { name?: string } }).constructor?.name ?? "none"})`;
  if (typeof value === "bigint") return `${value}n`;
  return `${String(value)} (a ${typeof value})`;
}

/**
 * True when `text[start..end)` is the text of a peer id as bbgov writes it
 * (`PeerId.parse` takes it and gives back the very same text), decided for
 * the usual peer without decoding it or making a PeerId.
 */
export function isPeerTextIn(text: string, start: number, end: number): boolean {
  // The usual peer by native comparisons (a slice of a long text is a view, not a copy); then the arithmetic.
  const spelled = text.slice(start, end);
  if (isCommonKindText(spelled) || spellsShortMultihash(text, start, end)) return true;
  try {
    return PeerId.parse(spelled).text === spelled;
  } catch (error) {
    if (error instanceof InvalidPeerId) return false;
    throw error;
  }
}

/** multihashProblem of `bytes[start..end)`, with the usual peer (one-byte varints) accepted without a view or BigInt. */
export function multihashProblemIn(bytes: Uint8Array, start: number, end: number): string | undefined {
  return isShortMultihashIn(bytes, start, end) ? undefined : multihashProblem(bytes.subarray(start, end));
}

/** True when `bytes[start..end)` is a multihash whose varints are one byte each: its own canonical form, checked without BigInt. */
export function isShortMultihashAt(bytes: Uint8Array, start: number, end: number): boolean {
  return isShortMultihashIn(bytes, start, end);
}

/** What is wrong with `bytes` as a `Multihash<64>` (upstream `from_bytes`), or undefined when nothing is. */
export function multihashProblem(bytes: Uint8Array): string | undefined {
  checkedBytes(bytes, "multihash bytes");
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

// True when `bytes` is varint(code) ++ varint(length) ++ digest with both
// varints one byte long and a digest of exactly `length` <= 64 bytes: what
// decodeMultihash accepts unchanged, decided without BigInt.
// isShortMultihash of `bytes[start..end)`, without making a view.
function isShortMultihashIn(bytes: Uint8Array, start: number, end: number): boolean {
  const code = bytes[start];
  const length = bytes[start + 1];
  return code !== undefined && length !== undefined && code < 0x80 && length <= MAX_DIGEST_BYTES && end - start === length + 2;
}

function isShortMultihash(bytes: Uint8Array): boolean {
  const code = bytes[0];
  const length = bytes[1];
  return code !== undefined && length !== undefined && code < 0x80 && length <= MAX_DIGEST_BYTES && bytes.length === length + 2;
}

const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/** Value of each ASCII character in base58btc, -1 for the characters outside the alphabet. */
const BASE58_VALUES = ((): Int8Array => {
  const values = new Int8Array(128).fill(-1);
  for (let i = 0; i < BASE58_ALPHABET.length; i++) values[BASE58_ALPHABET.charCodeAt(i)] = i;
  return values;
})();
// 256^k for k = 0..127, exact in doubles.
const POWERS_OF_256 = Array.from({ length: 128 }, (_, k) => 2 ** (8 * k));
// Texts up to this long make at most 2 x 110 roundings of 2^-53 each in
// spellsShortMultihash: a relative error under 2.5e-14, far inside 2^-40.
const MAX_FLOAT_TEXT = 110;
const FLOAT_MARGIN = 2 ** -40;

/**
 * True when base58btc `text` (or its range start..end) certainly spells a short multihash (as
 * `isShortMultihash(decodeBase58Btc(text))`, without decoding the bytes).
 * False when it does not, or when a character is outside the alphabet, or
 * when the arithmetic cannot be sure: the caller then takes the exact path.
 *
 * The bytes are `zeroes` x 0x00 (one per leading "1") and then the number N
 * the other characters spell, big-endian. N is computed in doubles within a
 * relative error below FLOAT_MARGIN; its byte length and its two leading
 * bytes are read off both ends of that interval and trusted only when they
 * agree (scaling by powers of 256 is exact).
 */
function spellsShortMultihash(text: string, start = 0, end = text.length): boolean {
  if (end - start > MAX_FLOAT_TEXT || end <= start) return false;
  const zeroes = text.charCodeAt(start) === 0x31 ? 1 : 0;
  // Two leading zero bytes leave no room for a digest length: only the exact path can say.
  if (zeroes === 1 && text.charCodeAt(start + 1) === 0x31) return false;
  let value = 0;
  for (let i = start + zeroes; i < end; i++) {
    const digit = base58Digit(text.charCodeAt(i));
    if (digit < 0) return false;
    value = value * 58 + digit;
  }
  // N = 0 (the text "1") is left to the exact path.
  if (value < 1) return false;
  const low = value * (1 - FLOAT_MARGIN);
  const high = value * (1 + FLOAT_MARGIN);
  const size = byteLength(low);
  if (size < 2 || size !== byteLength(high)) return false;
  const scale = POWERS_OF_256[size - 2] as number;
  const leading = Math.floor(low / scale); // the two leading bytes of N
  if (leading !== Math.floor(high / scale)) return false;
  const first = leading >>> 8;
  const second = leading & 0xff;
  // Without a leading zero byte, N's bytes are code, length, digest; with one, N's are length, digest.
  return zeroes === 0 ? first < 0x80 && second <= MAX_DIGEST_BYTES && size === second + 2 : first <= MAX_DIGEST_BYTES && size === first + 1;
}

/**
 * The two kinds nearly every real peer is, as the range of their texts: a sha2-256 multihash
 * (0x12 0x20 and a 32-byte digest, `Qm…`) and an identity multihash of 36 bytes (0x00 0x24 and an
 * ed25519 public key's protobuf, `12D3KooW…`). Every multihash of such a kind is a base58btc text of
 * one length, and texts of one length order as their numbers do (the alphabet is in ASCII order, a
 * leading "1" is the zero byte both identity texts start with), so a text of the alphabet between the
 * spellings of the kind's lowest and highest multihash is one of them. The property test holds both
 * ends to multiformats' encoder.
 */
const COMMON_KINDS: readonly { readonly length: number; readonly low: string; readonly high: string }[] = [
  { length: 46, low: "QmNLei78zWmzUdbeRB3CiUfAizWUrbeeZh5K1rhAQKCh51", high: "QmfZy5bvk7a3DQAjCbGNtmrPXWkyVvPrdnZMyBZ5q5ieKG" },
  {
    length: 52,
    low: "12CyoMMA9gKM9rXvPdsLyLYasy7ArQMLXL1YsnPmGnbExmPU3EDu",
    high: "12EvYXacBXk2NzMW6YSxyHsBetDna44BQ7ecz2YTAnFFMG1Y1gNJ",
  },
];
const BASE58_TEXT = /^[1-9A-HJ-NP-Za-km-z]*$/;

/** True when every character of `text` is of the base58btc alphabet (bbgov's own check, not part of the library's API). */
export function isBase58Text(text: string): boolean {
  return BASE58_TEXT.test(text);
}

/**
 * True when `text` spells a multihash of a COMMON_KINDS kind: two string comparisons and one regular
 * expression, all native. spellsShortMultihash's loop over the characters ran interpreted for most of
 * the 5,000 new peers an apply script named (~1.2 µs a peer, against ~0.1 µs). Exported for its
 * property test, not part of the library's API.
 */
export function isCommonKindText(text: string): boolean {
  for (let at = 0; at < COMMON_KINDS.length; at++) {
    const kind = COMMON_KINDS[at] as (typeof COMMON_KINDS)[number];
    if (text.length === kind.length && text >= kind.low && text <= kind.high) return BASE58_TEXT.test(text);
  }
  return false;
}

/** The value of a base58btc letter, or -1 for any other character (of any code point). */
function base58Digit(code: number): number {
  return code < 128 ? (BASE58_VALUES[code] as number) : -1;
}

/** Bytes in the integer part of `x` >= 1 (which is below 256^127). */
function byteLength(x: number): number {
  let size = Math.max(1, Math.ceil(Math.log2(x) / 8));
  while (size < 127 && (POWERS_OF_256[size] as number) <= x) size++;
  while (size > 1 && (POWERS_OF_256[size - 1] as number) > x) size--;
  return size;
}

const LIMB = 0x1000000; // 2^24: a limb times 58^4 plus a carry stays below 2^53.
const BASE58_POWERS = [1, 58, 58 * 58, 58 * 58 * 58, 58 * 58 * 58 * 58] as const;
/** Reused limbs, enough for MAX_PEER_TEXT characters (only limbs below `used` are ever read). */
const SCRATCH_LIMBS = new Float64Array(Math.ceil((MAX_PEER_TEXT * 0.74) / 3) + 2);

/**
 * base58btc text -> bytes, or undefined when a character is outside the
 * alphabet; the same bytes as multiformats' `base58btc.baseDecode` (each
 * leading "1" is a zero byte, the rest a big-endian number without leading
 * zeros) for every text of the alphabet. Unlike multiformats, which lets a
 * character above U+00FF through as a strange digit, it refuses them all.
 * Exported for its property test, not part of the library's API.
 */
export function decodeBase58Btc(text: string): Uint8Array | undefined {
  const length = text.length;
  let zeroes = 0;
  while (zeroes < length && text.charCodeAt(zeroes) === 0x31) zeroes++;
  // The number as little-endian 24-bit limbs; `used` of them are in play.
  // 58 < 2^5.86, so each character adds under 0.74 bytes; 3 bytes per limb.
  const needed = Math.ceil(((length - zeroes) * 0.74) / 3) + 2;
  const limbs = needed <= SCRATCH_LIMBS.length ? SCRATCH_LIMBS : new Float64Array(needed);
  let used = 0;
  for (let start = zeroes; start < length; start += 4) {
    // Up to four characters at a time: their value is below 58^4 < 2^24.
    const end = Math.min(start + 4, length);
    let carry = 0;
    for (let i = start; i < end; i++) {
      const digit = base58Digit(text.charCodeAt(i));
      if (digit < 0) return undefined;
      carry = carry * 58 + digit;
    }
    const multiplier = BASE58_POWERS[end - start] as number;
    for (let j = 0; j < used; j++) {
      const product = (limbs[j] as number) * multiplier + carry;
      carry = Math.floor(product / LIMB);
      limbs[j] = product - carry * LIMB;
    }
    while (carry > 0) {
      limbs[used++] = carry % LIMB;
      carry = Math.floor(carry / LIMB);
    }
  }
  // Bytes of the number, big-endian, without leading zeros.
  const top = used === 0 ? 0 : (limbs[used - 1] as number);
  const topBytes = top >= 0x10000 ? 3 : top >= 0x100 ? 2 : top > 0 ? 1 : 0;
  const size = used === 0 ? 0 : (used - 1) * 3 + topBytes;
  const bytes = new Uint8Array(zeroes + size);
  let at = bytes.length;
  for (let j = 0; j < used; j++) {
    let limb = limbs[j] as number;
    for (let k = 0; k < 3 && at > zeroes; k++) {
      bytes[--at] = limb & 0xff;
      limb >>>= 8;
    }
  }
  return bytes;
}

const ENCODE_LIMB = 58 ** 4; // four base58 digits per limb; a limb times 2^24 plus a carry stays below 2^53
const ENCODE_LIMB_INVERSE = 1 / ENCODE_LIMB; // a multiplication where the hot loop would divide
const BASE58_CODES = Uint8Array.from(BASE58_ALPHABET, (char) => char.charCodeAt(0));
/** Reused limbs and output characters for encodeBase58Btc (grown when a longer input comes). */
let encodeLimbs = new Float64Array(64);
let encodeChars = new Uint8Array(128);
/** The characters' text: a TextDecoder takes a few times less than `String.fromCharCode.apply` on 52 codes. */
const ASCII_TEXT = new TextDecoder();

/**
 * bytes -> base58btc text, the same as multiformats' `base58btc.baseEncode`
 * (each leading zero byte is a "1"), three bytes per step on base-58^4 limbs,
 * into a reused character buffer: reading a node snapshot turns every peer's
 * bytes into its text. `start`/`end` pick a range without making a view.
 */
export function encodeBase58Btc(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let first = start; // the first byte that is not a leading zero
  while (first < end && bytes[first] === 0) first++;
  const zeroes = first - start;
  const neededLimbs = Math.ceil(((end - first) * 1.37) / 4) + 2; // log58(256) < 1.37 digits per byte
  if (encodeLimbs.length < neededLimbs) encodeLimbs = new Float64Array(neededLimbs);
  if (encodeChars.length < zeroes + neededLimbs * 4) encodeChars = new Uint8Array(zeroes + neededLimbs * 4);
  const limbs = encodeLimbs;
  const chars = encodeChars;
  let used = 0;
  for (let chunk = first; chunk < end; chunk += 3) {
    const chunkEnd = Math.min(chunk + 3, end);
    let carry = 0;
    let multiplier = 1;
    for (let i = chunk; i < chunkEnd; i++) {
      carry = carry * 256 + (bytes[i] as number);
      multiplier *= 256;
    }
    for (let j = 0; j < used; j++) {
      // product < 2^48: the reciprocal's quotient is off by at most one, which the remainder shows.
      const product = (limbs[j] as number) * multiplier + carry;
      let quotient = Math.floor(product * ENCODE_LIMB_INVERSE);
      let remainder = product - quotient * ENCODE_LIMB;
      if (remainder < 0) {
        quotient -= 1;
        remainder += ENCODE_LIMB;
      } else if (remainder >= ENCODE_LIMB) {
        quotient += 1;
        remainder -= ENCODE_LIMB;
      }
      limbs[j] = remainder;
      carry = quotient;
    }
    while (carry > 0) {
      const quotient = Math.floor(carry / ENCODE_LIMB);
      limbs[used++] = carry - quotient * ENCODE_LIMB;
      carry = quotient;
    }
  }
  let n = 0;
  for (let i = 0; i < zeroes; i++) chars[n++] = 0x31;
  for (let j = used - 1; j >= 0; j--) {
    const limb = limbs[j] as number;
    const q1 = Math.floor(limb / 58);
    const q2 = Math.floor(q1 / 58);
    const d0 = Math.floor(q2 / 58);
    const d1 = q2 - d0 * 58;
    const d2 = q1 - q2 * 58;
    // The top limb without its leading zero digits; the others all four.
    const top = j === used - 1;
    if (!top || d0 > 0) chars[n++] = BASE58_CODES[d0] as number;
    if (!top || d0 + d1 > 0) chars[n++] = BASE58_CODES[d1] as number;
    if (!top || d0 + d1 + d2 > 0) chars[n++] = BASE58_CODES[d2] as number;
    chars[n++] = BASE58_CODES[limb - q1 * 58] as number;
  }
  return ASCII_TEXT.decode(chars.subarray(0, n));
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

function firstNonBase58(text: string): string {
  for (const char of text) if (!BASE58_ALPHABET.includes(char)) return char;
  return "";
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
