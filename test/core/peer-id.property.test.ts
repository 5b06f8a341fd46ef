/**
 * peer-id.ts decodes base58btc itself and recognises the usual peer id from
 * its text with floating-point arithmetic (for speed). Both are held here to
 * multiformats' base58btc and to the exact multihash rules, on random input
 * and on the values right at the edges the arithmetic has to get right.
 */
import fc from "fast-check";
import { base58btc } from "multiformats/bases/base58";
import { describe, expect, it } from "vitest";
import { InvalidPeerId } from "../../src/core/errors.js";
import {
  decodeBase58Btc,
  encodeBase58Btc,
  isCommonKindText,
  isPeerTextIn,
  MAX_DIGEST_BYTES,
  multihashProblem,
  PeerId,
} from "../../src/core/peer-id.js";

const RUNS = Number(process.env.BBGOV_PROPERTY_RUNS ?? 100) * 10;
const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** multiformats' decoding, or undefined where it refuses the text. */
function reference(text: string): Uint8Array | undefined {
  try {
    return base58btc.baseDecode(text);
  } catch {
    return undefined;
  }
}

/** PeerId.parse as a value: the peer's bytes and text, or the refusal's message. */
function parsed(text: string): { bytes: number[]; text: string } | { error: string } {
  try {
    const peer = PeerId.parse(text);
    return { bytes: Array.from(peer.bytes), text: peer.text };
  } catch (error) {
    if (error instanceof InvalidPeerId) return { error: error.message };
    throw error;
  }
}

/** Whether `bytes` are a canonical multihash, by the exact path alone (PeerId.fromBytes re-encodes them). */
function canonical(bytes: Uint8Array): boolean {
  if (multihashProblem(bytes) !== undefined) return false;
  return PeerId.fromBytes(bytes).text === base58btc.baseEncode(bytes);
}

/**
 * The checks of the properties below, each run thousands of times: a plain comparison first, and `expect` (which
 * fails with its message and diff) only when that comparison fails, as `expect` costs more than most of what it
 * checks here (a quarter of the file's time went to building expectations that held).
 */
function same(actual: unknown, expected: unknown): void {
  if (actual !== expected) expect(actual).toBe(expected);
}

/** Equal bytes (or both undefined), as `same` does it. */
function sameBytes(actual: Uint8Array | undefined, expected: Uint8Array | undefined): void {
  if (actual === undefined || expected === undefined ? actual !== expected : Buffer.compare(actual, expected) !== 0)
    expect(actual === undefined ? actual : Array.from(actual)).toEqual(expected === undefined ? expected : Array.from(expected));
}

/** `run()` throws an invalid peer id, as `same` does it. */
function throwsInvalid(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidPeerId && /invalid peer id/.test(error.message)) return;
  }
  expect(run).toThrow(/invalid peer id/);
}

/** Parse must give exactly the peer of canonical bytes; otherwise refuse, or read the text as some other peer's CID. */
function expectParseOf(bytes: Uint8Array): void {
  const text = base58btc.baseEncode(bytes);
  const result = parsed(text);
  if (canonical(bytes)) {
    if ("error" in result || result.text !== text || Buffer.compare(Uint8Array.from(result.bytes), bytes) !== 0)
      expect(result).toEqual({ bytes: Array.from(bytes), text });
  } else if (!("error" in result) && result.text === text) expect(result.text).not.toBe(text);
}

const base58Text = fc
  .tuple(fc.nat({ max: 4 }), fc.array(fc.constantFrom(...ALPHABET), { maxLength: 120 }))
  .map(([ones, chars]) => "1".repeat(ones) + chars.join(""));

/** Bytes shaped like a multihash: code and length bytes near the limits, digests of zeros, 0xff or noise. */
const multihashLike = fc
  .tuple(
    fc.constantFrom(0x00, 0x01, 0x12, 0x7f, 0x80, 0xff),
    fc.integer({ min: 0, max: MAX_DIGEST_BYTES + 2 }),
    fc.integer({ min: -2, max: 2 }),
    fc.constantFrom("zeros", "ones", "noise"),
    fc.uint8Array({ minLength: MAX_DIGEST_BYTES + 4, maxLength: MAX_DIGEST_BYTES + 4 }),
  )
  .map(([code, length, skew, fill, noise]) => {
    const digestLength = Math.max(0, length + skew);
    const digest = Array.from({ length: digestLength }, (_, i) => (fill === "zeros" ? 0 : fill === "ones" ? 0xff : (noise[i] as number)));
    return Uint8Array.from([code, length & 0xff, ...digest]);
  });

describe("decodeBase58Btc", () => {
  it("decodes every base58btc text to the bytes multiformats gives", () => {
    fc.assert(
      fc.property(base58Text, (text) => {
        sameBytes(decodeBase58Btc(text) ?? new Uint8Array(), reference(text) ?? new Uint8Array());
      }),
      { numRuns: RUNS },
    );
  });

  it("round-trips any bytes through multiformats' encoding", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        sameBytes(decodeBase58Btc(base58btc.baseEncode(bytes)), bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it("encodes any bytes (leading zeros, long runs of 0xff included) as multiformats does", () => {
    const runs = fc
      .tuple(fc.nat({ max: 4 }), fc.uint8Array({ maxLength: 80 }), fc.constantFrom(0, 0xff, -1))
      .map(([zeroes, body, fill]) =>
        Uint8Array.from([...new Array<number>(zeroes).fill(0), ...body.map((byte) => (fill < 0 ? byte : fill))]),
      );
    fc.assert(
      fc.property(runs, (bytes) => {
        same(encodeBase58Btc(bytes), base58btc.baseEncode(bytes));
      }),
      { numRuns: RUNS },
    );
  });

  it("gives a peer from bytes the text multiformats gives", () => {
    fc.assert(
      fc.property(multihashLike, (bytes) => {
        if (multihashProblem(bytes) === undefined) same(PeerId.fromBytes(bytes).text, base58btc.baseEncode(PeerId.fromBytes(bytes).bytes));
      }),
      { numRuns: RUNS },
    );
  });

  it("reads a range of a larger buffer as the same bytes on their own", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), multihashLike, fc.uint8Array({ maxLength: 8 }), (before, bytes, after) => {
        const buffer = Uint8Array.from([...before, ...bytes, ...after]);
        const end = before.length + bytes.length;
        same(encodeBase58Btc(buffer, before.length, end), base58btc.baseEncode(bytes));
        const problem = multihashProblem(bytes);
        if (problem !== undefined) {
          throwsInvalid(() => PeerId.fromBytesIn(buffer, before.length, end));
          return;
        }
        const peer = PeerId.fromBytesIn(buffer, before.length, end);
        same(peer.text, PeerId.fromBytes(bytes).text);
        sameBytes(peer.bytes, PeerId.fromBytes(bytes).bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses any character outside the alphabet, wherever it stands", () => {
    const latin1 = fc.constantFrom("0", "O", "I", "l", " ", "+", "/", "\u00e9", "\u00ff", "\n", "\u0000", "\u007f", "\u0080");
    // multiformats' decoder lets these through (and the peer's text would keep them): we refuse them too.
    const beyond = fc.constantFrom("\u0100", "\u{1f600}", "\ud800", "\uffff");
    fc.assert(
      fc.property(base58Text, fc.oneof(latin1, beyond), fc.nat(), (text, char, at) => {
        const i = at % (text.length + 1);
        const spoiled = text.slice(0, i) + char + text.slice(i);
        same(decodeBase58Btc(spoiled), undefined);
        throwsInvalid(() => PeerId.parse(spoiled));
      }),
      { numRuns: RUNS },
    );
  });
});

describe("PeerId.parse on base58btc text", () => {
  it("accepts exactly the canonical multihashes, with their bytes", () => {
    fc.assert(fc.property(multihashLike, expectParseOf), { numRuns: RUNS });
  });

  it("decides right at the edges of every byte length, where the arithmetic is tightest", () => {
    for (let length = 0; length <= MAX_DIGEST_BYTES + 1; length++) {
      for (const code of [0x00, 0x01, 0x12, 0x7e, 0x7f, 0x80]) {
        for (const lengthByte of [length - 1, length, length + 1]) {
          for (const [first, rest] of [
            [0, 0],
            [0xff, 0xff],
            [0, 0xff],
            [0xff, 0],
          ]) {
            const digest = Array.from({ length }, (_, i) => (i === 0 ? first : rest) as number);
            expectParseOf(Uint8Array.from([code, lengthByte & 0xff, ...digest]));
          }
        }
      }
    }
  });

  it("agrees with the exact path on random texts of any shape", () => {
    fc.assert(
      fc.property(base58Text, (text) => {
        const bytes = reference(text);
        if (bytes !== undefined && base58btc.baseEncode(bytes) === text) expectParseOf(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it("isPeerTextIn says, of a range of a longer text, whether parse gives back that very text", () => {
    const peerish = fc.oneof(
      base58Text,
      fc.uint8Array({ minLength: 36, maxLength: 36 }).map((key) => base58btc.baseEncode(Uint8Array.from([0x00, 0x24, ...key]))),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((digest) => base58btc.baseEncode(Uint8Array.from([0x12, 0x20, ...digest]))),
      // Of the usual peers' lengths and first letters, mostly not a peer (or not spelled canonically).
      fc
        .tuple(
          fc.constantFrom("Qm", "Qn", "QmN", "12D3KooW", "12C", "12E", "11", "1"),
          fc.constantFrom(45, 46, 47, 51, 52, 53),
          fc.array(fc.constantFrom(...ALPHABET), { minLength: 53, maxLength: 53 }),
        )
        .map(([prefix, length, chars]) => (prefix + chars.join("")).slice(0, length)),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), peerish, fc.string({ maxLength: 8 }), (before, text, after) => {
        const result = parsed(text);
        const expected = !("error" in result) && result.text === text;
        same(isPeerTextIn(`${before}${text}${after}`, before.length, before.length + text.length), expected);
      }),
      { numRuns: RUNS },
    );
  });

  it("decodes the bytes of a peer recognised from its text when asked, once", () => {
    const peer = PeerId.parse("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
    expect(peer.bytes).toBe(peer.bytes);
    expect(Array.from(peer.bytes)).toEqual(Array.from(base58btc.baseDecode(peer.text)));
    expect(PeerId.parse(peer.text).equals(peer)).toBe(true);
  });
});

describe("isCommonKindText: the usual peers told by the range of their texts", () => {
  const sha256 = (digest: number[]): Uint8Array => Uint8Array.from([0x12, 0x20, ...digest]);
  const identity36 = (digest: number[]): Uint8Array => Uint8Array.from([0x00, 0x24, ...digest]);
  const text = (bytes: Uint8Array): string => base58btc.baseEncode(bytes);

  it("takes the lowest and highest multihash of each kind and refuses the numbers just outside", () => {
    for (const [make, length] of [
      [sha256, 32],
      [identity36, 36],
    ] as const) {
      expect(isCommonKindText(text(make(new Array<number>(length).fill(0))))).toBe(true);
      expect(isCommonKindText(text(make(new Array<number>(length).fill(0xff))))).toBe(true);
    }
    // One below the lowest and one above the highest of each kind.
    expect(isCommonKindText(text(Uint8Array.from([0x12, 0x1f, ...new Array<number>(32).fill(0xff)])))).toBe(false);
    expect(isCommonKindText(text(Uint8Array.from([0x12, 0x21, ...new Array<number>(32).fill(0)])))).toBe(false);
    expect(isCommonKindText(text(Uint8Array.from([0x00, 0x23, ...new Array<number>(36).fill(0xff)])))).toBe(false);
    expect(isCommonKindText(text(Uint8Array.from([0x00, 0x25, ...new Array<number>(36).fill(0)])))).toBe(false);
  });

  it("takes every sha2-256 and 36-byte identity multihash", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ minLength: 36, maxLength: 36 }), (isSha, digest) => {
        const bytes = isSha ? sha256(Array.from(digest.subarray(0, 32))) : identity36(Array.from(digest));
        same(isCommonKindText(text(bytes)), true);
        expectParseOf(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it("on texts of the alphabet shaped like them, says yes exactly for those kinds' multihashes", () => {
    // Mostly letters of the alphabet; a quarter of them get one character outside it, somewhere.
    const shaped = fc
      .tuple(
        fc.constantFrom<[string, number]>(
          ["Qm", 46],
          ["QmN", 46],
          ["Qmf", 46],
          ["Qn", 46],
          ["Ql", 46],
          ["12C", 52],
          ["12D3KooW", 52],
          ["12E", 52],
          ["12B", 52],
          ["12F", 52],
          ["11", 52],
          ["Qm", 45],
          ["12D", 51],
        ),
        fc.array(fc.constantFrom(...ALPHABET), { minLength: 52, maxLength: 52 }),
        fc.option(fc.tuple(fc.nat({ max: 51 }), fc.constantFrom("0", "O", "I", "l", "_", "\u00e9")), { freq: 3 }),
      )
      .map(([[prefix, length], chars, spoil]) => {
        const candidate = (prefix + chars.join("")).slice(0, length);
        if (spoil === null) return candidate;
        const at = spoil[0] % length;
        return candidate.slice(0, at) + spoil[1] + candidate.slice(at + 1);
      });
    fc.assert(
      fc.property(shaped, (candidate) => {
        const bytes = reference(candidate);
        const isKind =
          bytes !== undefined &&
          text(bytes) === candidate &&
          ((bytes.length === 34 && bytes[0] === 0x12 && bytes[1] === 0x20) ||
            (bytes.length === 38 && bytes[0] === 0x00 && bytes[1] === 0x24));
        same(isCommonKindText(candidate), isKind);
        if (bytes !== undefined && text(bytes) === candidate) expectParseOf(bytes);
      }),
      { numRuns: RUNS },
    );
  });
});
