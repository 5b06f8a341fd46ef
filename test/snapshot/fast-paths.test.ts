/**
 * The fast paths run: the canonical reader takes a canonical text (and only
 * that), and the encoder copies the entries a snapshot still holds from the
 * text it was read from. Their results equal the general paths' (the property
 * tests check that); these tests check they are taken at all. And a bug under
 * the decoders surfaces as a bug, never as a bad file.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { recordSendFailure } from "../../src/core/events.js";
import { PeerGovernor } from "../../src/core/governor.js";
import { PeerId } from "../../src/core/peer-id.js";
import { canonicalSource } from "../../src/snapshot/decode-canonical.js";
import { encodeSnapshotBytes, lastEncode } from "../../src/snapshot/encode.js";
import { SnapshotError, decodeSnapshot, encodeSnapshot } from "../../src/snapshot/index.js";
import { decodeUpstream, encodeFrameworkSnapshot } from "../../src/snapshot/framework-json.js";
import { detectKind, recognize } from "../../src/snapshot/kinds.js";

const example = readFileSync(new URL("../../fixtures/example.json", import.meta.url), "utf8");
const text = encodeSnapshot(decodeSnapshot(example).snapshot);
const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("utf8");

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the canonical reader", () => {
  it("reads a canonical text, and keeps its source for the encoder", () => {
    const { snapshot } = decodeSnapshot(text);
    const source = canonicalSource(snapshot);
    expect(source?.text).toBe(text);
    // Entries are checked at once but made only when first looked at; then the source holds them as read.
    expect(snapshot.governor.healthRestoreDeferred()).toBe(true);
    expect(snapshot.backoff.restoreDeferred()).toBe(true);
    const tracked = snapshot.governor.trackedPeers();
    const entries = snapshot.backoff.len();
    expect(tracked).toBeGreaterThan(0);
    expect(source?.health.items).toEqual(Array.from(snapshot.governor.iterHealth()));
    expect(source?.health.items.length).toBe(tracked);
    expect(source?.backoffTable.items.length).toBe(entries);
  });

  it("copies lists nobody looked at whole, and answers whether a peer is there without making them", () => {
    const { snapshot } = decodeSnapshot(text);
    const [entry] = decodeSnapshot(text).snapshot.governor.iterHealth();
    if (entry === undefined) throw new Error("the fixture has health entries");
    expect(snapshot.governor.hasHealth(entry.peer)).toBe(true);
    expect(snapshot.governor.hasHealth(PeerId.fromU64(123_456_789n))).toBe(false);
    expect(snapshot.governor.healthRestoreDeferred()).toBe(true);
    snapshot.governor.block(PeerId.fromU64(42n));
    const encoded = utf8(encodeSnapshotBytes(snapshot));
    expect(snapshot.governor.healthRestoreDeferred()).toBe(true);
    expect(snapshot.backoff.restoreDeferred()).toBe(true);
    const expected = decodeSnapshot(text).snapshot;
    expected.governor.trackedPeers(); // the same edit on a model whose lists were made: the same text
    expected.governor.block(PeerId.fromU64(42n));
    expect(encoded).toBe(encodeSnapshot(expected));
  });

  it("gives way for any other layout, and when told to", () => {
    expect(canonicalSource(decodeSnapshot(text, { forceLossless: true }).snapshot)).toBeUndefined();
    expect(canonicalSource(decodeSnapshot(text.replace(/\n {2}/g, "\n    ")).snapshot)).toBeUndefined();
    expect(canonicalSource(decodeSnapshot(JSON.stringify(JSON.parse(text))).snapshot)).toBeUndefined();
  });
});

describe("the copying encoder", () => {
  const items = (count: { copiedItems: number; formattedItems: number }): number => count.copiedItems + count.formattedItems;

  it("copies every entry of an unchanged canonical read and formats none", () => {
    const { snapshot } = decodeSnapshot(text);
    expect(utf8(encodeSnapshotBytes(snapshot))).toBe(text);
    expect(lastEncode.formattedItems).toBe(0);
    expect(lastEncode.copiedItems).toBeGreaterThan(10);
  });

  it("formats only what changed, and everything without a canonical source", () => {
    const { snapshot } = decodeSnapshot(text);
    encodeSnapshotBytes(snapshot);
    const total = items(lastEncode);
    const peer = Array.from(snapshot.governor.iterHealth())[0]?.peer as PeerId;
    expect(snapshot.backoff.state(peer)).toBeDefined();
    recordSendFailure(snapshot, peer, snapshot.clockNs);
    const changed = utf8(encodeSnapshotBytes(snapshot));
    expect(changed).not.toBe(text);
    // The peer's health entry and its backoff entry; the lists keep their length.
    expect({ ...lastEncode }).toEqual({ copiedItems: total - 2, formattedItems: 2 });
    const general = decodeSnapshot(text, { forceLossless: true }).snapshot;
    expect(utf8(encodeSnapshotBytes(general))).toBe(text);
    expect({ ...lastEncode }).toEqual({ copiedItems: 0, formattedItems: total });
  });
});

describe("a bug under the decoders", () => {
  it("escapes decodeSnapshot as it is, on the canonical and the general paths, not as a SnapshotError", () => {
    vi.spyOn(PeerGovernor.prototype, "block").mockImplementation(() => {
      throw new TypeError("simulated bug");
    });
    for (const forceLossless of [false, true]) {
      expect(() => decodeSnapshot(text, { forceLossless })).toThrow(TypeError);
    }
    expect(() => decodeSnapshot(text.replace(/\n {2}/g, "\n    "))).toThrow(TypeError);
  });

  it("escapes decodeUpstream as it is", () => {
    const upstream = `{"spec_version":1,"peer_governor":{"blocklist":[[0,8,0,0,0,0,0,0,0,1]],"allowlist":null,"health":[],"failure_threshold":5},"backoff_table":[]}`;
    expect(decodeUpstream(upstream).snapshot.governor.blocklistSize()).toBe(1);
    vi.spyOn(PeerGovernor.prototype, "block").mockImplementation(() => {
      throw new TypeError("simulated bug");
    });
    expect(() => decodeUpstream(upstream)).toThrow(TypeError);
  });

  it("while a text nested too deeply is still the file's fault", () => {
    expect(() => decodeSnapshot(`${"[".repeat(200_000)}${"]".repeat(200_000)}`)).toThrow(SnapshotError);
  });
});

describe("recognize (the kind of a file `validate` judges)", () => {
  const input = (bytes: Uint8Array) => ({ bytes, text: () => utf8(bytes) });
  const bytesOf = (content: string): Uint8Array => Buffer.from(content, "utf8");

  it("gives a canonical text's model as decodeSnapshot makes it, with no warnings", () => {
    const recognized = recognize(input(bytesOf(text)));
    expect(recognized.kind).toBe("bbgov-json");
    expect(recognized.canonical).toBeDefined();
    const decoded = decodeSnapshot(text);
    expect(decoded.warnings).toEqual([]);
    expect(encodeSnapshot(recognized.canonical as NonNullable<typeof recognized.canonical>)).toBe(encodeSnapshot(decoded.snapshot));
  });

  it("gives every other file detectKind's kind and no model", () => {
    const node = readFileSync(new URL("../../fixtures/node/small.bin", import.meta.url));
    const framework = encodeFrameworkSnapshot(decodeSnapshot(example).snapshot);
    const others = [
      JSON.stringify(JSON.parse(example)), // bbgov JSON, compact
      `\ufeff${text}`, // bbgov JSON behind a byte order mark: the general reader warns about it
      text.replace('"clock_ns"', '"clock_ns" '), // one space off the layout
      framework,
    ].map(bytesOf);
    for (const bytes of [...others, new Uint8Array(node)]) {
      const recognized = recognize(input(bytes));
      expect(recognized.canonical).toBeUndefined();
      expect(recognized.kind).toBe(detectKind(input(bytes)));
    }
    expect(recognize(input(bytesOf(framework))).kind).toBe("framework-json");
    expect(recognize(input(new Uint8Array(node))).kind).toBe("node-snapshot");
  });
});
