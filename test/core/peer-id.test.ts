import { describe, expect, it } from "vitest";
import { CID } from "multiformats/cid";
import { base36 } from "multiformats/bases/base36";
import { base58btc } from "multiformats/bases/base58";
import * as Digest from "multiformats/hashes/digest";
import { BbgovError, InvalidArgument, InvalidPeerId } from "../../src/core/errors.js";
import { IDENTITY_CODE, LIBP2P_KEY_CODEC, MAX_DIGEST_BYTES, PeerId, SHA2_256_CODE, multihashProblem } from "../../src/core/peer-id.js";

const ED25519_ID = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
const SHA256_ID = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";

function bytesOf(...parts: (number | number[])[]): Uint8Array {
  return Uint8Array.from(parts.flat());
}

function filled(length: number, value = 0xab): number[] {
  return new Array<number>(length).fill(value);
}

/** The InvalidPeerId that `fn` throws (fails the test if it throws anything else). */
function invalid(fn: () => unknown): InvalidPeerId {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPeerId);
    return error as InvalidPeerId;
  }
  throw new Error("expected an InvalidPeerId, nothing was thrown");
}

describe("PeerId.fromU64 (upstream PeerId::from(u64))", () => {
  it.each([
    [1n, "16uZAbWC1AJvL"],
    [2n, "16uZAbWC1AJvM"],
    [7n, "16uZAbWC1AJvS"],
    [2n ** 64n - 1n, "17eNgo4qdRyQi"],
  ])("%s -> %s", (n, text) => {
    const peer = PeerId.fromU64(n);
    expect(peer.text).toBe(text);
    expect(peer.code).toBe(IDENTITY_CODE);
    expect(Array.from(peer.bytes.subarray(0, 2))).toEqual([0x00, 8]);
    expect(new DataView(peer.digest.buffer, peer.digest.byteOffset).getBigUint64(0, false)).toBe(n);
    expect(PeerId.parse(text).equals(peer)).toBe(true);
  });

  it("rejects numbers outside u64", () => {
    expect(() => PeerId.fromU64(-1n)).toThrow(InvalidArgument);
    expect(() => PeerId.fromU64(2n ** 64n)).toThrow(InvalidArgument);
  });
});

describe("PeerId.parse of real libp2p ids", () => {
  it("reads an identity multihash (ed25519 key, 36-byte digest)", () => {
    const peer = PeerId.parse(ED25519_ID);
    expect(peer.code).toBe(IDENTITY_CODE);
    expect(peer.digest.length).toBe(36);
    expect(peer.bytes.length).toBe(38);
    expect(peer.text).toBe(ED25519_ID);
  });

  it("reads a sha2-256 multihash (32-byte digest)", () => {
    const peer = PeerId.parse(SHA256_ID);
    expect(peer.code).toBe(SHA2_256_CODE);
    expect(peer.digest.length).toBe(32);
    expect(Array.from(peer.bytes.subarray(0, 2))).toEqual([0x12, 0x20]);
    expect(peer.text).toBe(SHA256_ID);
  });

  it.each([ED25519_ID, SHA256_ID, "16uZAbWC1AJvL", "17eNgo4qdRyQi"])("round-trips %s text -> bytes -> text", (text) => {
    const peer = PeerId.parse(text);
    const again = PeerId.fromBytes(peer.bytes);
    expect(again.text).toBe(text);
    expect(again.equals(peer)).toBe(true);
    expect(base58btc.baseEncode(peer.bytes)).toBe(text);
  });
});

describe("other multihash codes round-trip untouched", () => {
  it.each([
    ["sha2-512 (0x13, 64-byte digest)", bytesOf(0x13, 0x40, filled(64, 0x5a)), 0x13, 64],
    ["blake2b-256 (0xb220, 2-byte varint code)", bytesOf(0xa0, 0xe4, 0x02, 0x20, filled(32, 0x11)), 0xb220, 32],
    ["an empty digest", bytesOf(0x12, 0x00), 0x12, 0],
    ["the 64-byte maximum under identity", bytesOf(0x00, 0x40, filled(64, 0xff)), 0x00, 64],
    ["a 9-byte varint code (2^56)", bytesOf(filled(8, 0x80), 0x01, 0x01, 0x07), 2 ** 56, 1],
    ["a 10-byte varint code (2^63, upstream's u64 varint allows 10 bytes)", bytesOf(filled(9, 0x80), 0x01, 0x00), 2 ** 63, 0],
  ])("%s", (_label, bytes, code, digestLength) => {
    expect(multihashProblem(bytes)).toBeUndefined();
    const peer = PeerId.fromBytes(bytes);
    expect(Array.from(peer.bytes)).toEqual(Array.from(bytes));
    expect(peer.code).toBe(code);
    expect(peer.digest.length).toBe(digestLength);
    expect(peer.text).toBe(base58btc.baseEncode(bytes));
    expect(PeerId.parse(peer.text).equals(peer)).toBe(true);
    expect(PeerId.parse(peer.toCid()).equals(peer)).toBe(true);
  });

  it("a code of 2^64-1 (ten varint bytes) is valid", () => {
    const bytes = bytesOf(filled(9, 0xff), 0x01, 0x01, 0x2a);
    const peer = PeerId.fromBytes(bytes);
    expect(Array.from(peer.bytes)).toEqual(Array.from(bytes));
    expect(PeerId.parse(peer.text).equals(peer)).toBe(true);
  });

  it("a 10-byte varint whose last byte overflows 64 bits is read as upstream does (bits dropped) and re-encoded", () => {
    // unsigned_varint drops the bits shifted past 64: 0x80 x9, 0x02 is code 0; Multihash::to_bytes re-encodes it.
    const bytes = bytesOf(filled(9, 0x80), 0x02, 0x01, 0x2a);
    expect(multihashProblem(bytes)).toBeUndefined();
    const peer = PeerId.fromBytes(bytes);
    expect(Array.from(peer.bytes)).toEqual([0x00, 0x01, 0x2a]);
    expect(peer.code).toBe(0);
    // As text, only the canonical spelling is a peer id.
    const error = invalid(() => PeerId.parse(base58btc.baseEncode(bytes)));
    expect(error.message).toContain(`not canonical (expected ${peer.text})`);
  });
});

describe("rejections, each with its reason", () => {
  it("empty text", () => {
    expect(invalid(() => PeerId.parse("")).message).toMatch(/: empty$/);
  });

  it.each(["0", "O", "I", "l"])("base58 excludes %s", (char) => {
    const text = `16uZAbWC1A${char}vL`;
    const error = invalid(() => PeerId.parse(text));
    expect(error.message).toContain(`not base58btc (bad character "${char}")`);
    expect(error.input).toBe(text);
  });

  it.each([
    ["no bytes", [], /no bytes/],
    ["code only", [0x12], /truncated: no digest length after the code/],
    ["truncated digest", [0x12, 0x20, ...filled(31)], /truncated: digest length 32 but 31 bytes follow/],
    ["trailing bytes", [0x12, 0x20, ...filled(33)], /1 trailing bytes after the 32-byte digest/],
    ["digest length 65", [0x00, 0x41, ...filled(65)], /digest of 65 bytes exceeds the 64-byte limit/],
    ["huge digest length", [0x00, 0xff, 0xff, 0x03], /digest of 65535 bytes exceeds the 64-byte limit/],
    ["non-minimal code varint 0x80 0x00", [0x80, 0x00, 0x00], /bad multihash code varint \(not minimally encoded\)/],
    ["non-minimal length varint", [0x12, 0xa0, 0x00, ...filled(32)], /bad digest length varint \(not minimally encoded\)/],
    ["code varint of 11 bytes", [...filled(10, 0x80), 0x01, 0x00], /bad multihash code varint \(too long\)/],
    ["code varint cut short", [0x80], /bad multihash code varint \(truncated\)/],
    ["length varint cut short", [0x12, 0x80], /bad digest length varint \(truncated\)/],
  ])("%s", (_label, raw, reason) => {
    const bytes = Uint8Array.from(raw);
    expect(multihashProblem(bytes)).toMatch(reason);
    const fromBytes = invalid(() => PeerId.fromBytes(bytes));
    expect(fromBytes.message).toMatch(reason);
    if (bytes.length > 0 && bytes[0] !== 0) {
      // As text too (a leading 0x00 byte is base58 "1", which any text may have).
      expect(invalid(() => PeerId.parse(base58btc.baseEncode(bytes))).message).toMatch(reason);
    }
  });

  it("InvalidPeerId is a BbgovError naming the input", () => {
    const error = invalid(() => PeerId.parse("nope0"));
    expect(error).toBeInstanceOf(BbgovError);
    expect(error.name).toBe("InvalidPeerId");
    expect(error.message).toContain('invalid peer id "nope0"');
  });
});

describe("the CIDv1 libp2p-key text form", () => {
  it.each([ED25519_ID, SHA256_ID, "16uZAbWC1AJvL", "17eNgo4qdRyQi"])("PeerId.parse(p.toCid()) gives p for %s", (text) => {
    const peer = PeerId.parse(text);
    const cid = peer.toCid();
    expect(cid.startsWith("bafz")).toBe(true);
    expect(cid).toBe(CID.createV1(LIBP2P_KEY_CODEC, Digest.decode(peer.bytes)).toString());
    const back = PeerId.parse(cid);
    expect(back.equals(peer)).toBe(true);
    expect(back.text).toBe(text);
  });

  it("accepts the base36 and base58btc multibase spellings of the CID", () => {
    const peer = PeerId.parse(ED25519_ID);
    const cid = CID.createV1(LIBP2P_KEY_CODEC, Digest.decode(peer.bytes));
    expect(PeerId.parse(cid.toString(base36)).equals(peer)).toBe(true);
    expect(PeerId.parse(cid.toString(base58btc)).equals(peer)).toBe(true);
  });

  it("rejects a CID with another codec", () => {
    const peer = PeerId.parse(SHA256_ID);
    const dagPb = CID.createV1(0x70, Digest.decode(peer.bytes)).toString();
    expect(invalid(() => PeerId.parse(dagPb)).message).toContain("a CID with codec 0x70, not libp2p-key (0x72)");
  });

  it("rejects a libp2p-key CID whose multihash upstream would refuse", () => {
    const cid = CID.createV1(LIBP2P_KEY_CODEC, Digest.create(0x00, Uint8Array.from(filled(65))));
    expect(invalid(() => PeerId.parse(cid.toString())).message).toContain("digest of 65 bytes exceeds");
  });

  it("a text that is a valid base58btc multihash is that peer, even when it also reads as a CID", () => {
    // Regression: this base58btc peer id starts with 'z' and is also a valid
    // libp2p-key CIDv1; it used to parse as the CID's (different) peer.
    const text = "zHoDpLgRpNDjvUrW5oezGdovYqxyGAfzQ4utiruCo";
    expect(CID.parse(text).code).toBe(LIBP2P_KEY_CODEC);
    const bytes = base58btc.baseDecode(text);
    expect(multihashProblem(bytes)).toBeUndefined();
    const peer = PeerId.parse(text);
    expect(peer.text).toBe(text);
    expect(peer.equals(PeerId.fromBytes(bytes))).toBe(true);
  });
});

describe("PeerId value behaviour", () => {
  it("fromBytes validates and copies its input", () => {
    const bytes = bytesOf(0x12, 0x20, filled(32, 7));
    const peer = PeerId.fromBytes(bytes);
    bytes[5] = 0;
    expect(peer.digest[3]).toBe(7);
    expect(() => PeerId.fromBytes(bytesOf(0x12, 0x20))).toThrow(InvalidPeerId);
    expect(invalid(() => PeerId.fromBytes(bytesOf(0x12, 0x20))).input).toBe("0x1220");
  });

  it("equals compares canonical bytes, not object identity", () => {
    const a = PeerId.fromU64(7n);
    const b = PeerId.parse("16uZAbWC1AJvS");
    expect(a).not.toBe(b);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(PeerId.fromU64(8n))).toBe(false);
  });

  it("prints as base58btc in toString, template strings and JSON", () => {
    const peer = PeerId.fromU64(1n);
    expect(peer.toString()).toBe("16uZAbWC1AJvL");
    expect(`${peer}`).toBe("16uZAbWC1AJvL");
    expect(peer.toJSON()).toBe("16uZAbWC1AJvL");
    expect(JSON.stringify({ peer })).toBe('{"peer":"16uZAbWC1AJvL"}');
  });

  it("exports the upstream constants", () => {
    expect(IDENTITY_CODE).toBe(0);
    expect(SHA2_256_CODE).toBe(0x12);
    expect(MAX_DIGEST_BYTES).toBe(64);
    expect(LIBP2P_KEY_CODEC).toBe(0x72);
  });
});
