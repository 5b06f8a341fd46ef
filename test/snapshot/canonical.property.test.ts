/**
 * The codec's canonical path: decodeSnapshot reads a text in exactly the
 * layout encodeSnapshot writes with a recognizer of its own, and
 * encodeSnapshot copies the entries of such a text that the model still holds
 * instead of formatting them again. Both are shortcuts: here they must give
 * what the general path (forceLossless) and the plain JSON.stringify form give,
 * for canonical texts, for texts one step away from canonical, and after any
 * sequence of changes to a decoded model.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { encodeSnapshotBytes } from "../../src/snapshot/encode.js";
import { SnapshotError, decodeSnapshot, encodeSnapshot, snapshotDocument, type Snapshot } from "../../src/snapshot/index.js";
import { peerArb, plain, snapshotArb, u32Arb, u64Arb } from "./helpers.js";

const RUNS = Number(process.env.BBGOV_PROPERTY_RUNS ?? 100);

/** The canonical text by its definition (the snapshot format in README.md), with no shortcut. */
const reference = (snapshot: Snapshot): string => `${JSON.stringify(snapshotDocument(snapshot), null, 2)}\n`;

/** Outcome of decoding: the canonical text and warnings, or the error's path and message. */
function outcome(text: string, forceLossless: boolean): string {
  try {
    const { snapshot, warnings } = decodeSnapshot(text, { forceLossless });
    return `${reference(snapshot)}${JSON.stringify(warnings)}`;
  } catch (error) {
    if (error instanceof SnapshotError) return `error ${error.path}: ${error.message}`;
    throw error;
  }
}

/** The order each map holds its items in (insertion order): what iteration shows. */
function mapOrder(snapshot: Snapshot): unknown {
  const allowlist = snapshot.governor.allowlist();
  return {
    blocklist: Array.from(snapshot.governor.blocklist(), (peer) => peer.text),
    allowlist: allowlist === null ? null : Array.from(allowlist, (peer) => peer.text),
    health: Array.from(snapshot.governor.iterHealth(), (entry) => entry.peer.text),
    backoff: Array.from(snapshot.backoff.iter(), (entry) => entry.peer.text),
  };
}

describe("the canonical recognizer", () => {
  it("reads a canonical text into the model the general path builds, maps in the same order", () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const text = encodeSnapshot(snapshot);
        const quick = decodeSnapshot(text);
        const general = decodeSnapshot(text, { forceLossless: true });
        expect(plain(quick.snapshot)).toEqual(plain(general.snapshot));
        expect(mapOrder(quick.snapshot)).toEqual(mapOrder(general.snapshot));
        expect(quick.warnings).toEqual(general.warnings);
      }),
      { numRuns: RUNS },
    );
  });

  /** Edits that keep a text almost canonical: the recognizer must leave each to the general path, or agree with it. */
  const nearMiss = fc.oneof(
    // Two neighbouring lines swapped: entries out of order, keys out of order.
    fc.nat().map((pick) => (text: string) => {
      const lines = text.split("\n");
      const i = 1 + (pick % Math.max(lines.length - 3, 1));
      [lines[i], lines[i + 1]] = [lines[i + 1] as string, lines[i] as string];
      return lines.join("\n");
    }),
    // One value replaced by another spelling or an edge value.
    fc
      .tuple(
        fc.nat(),
        fc.constantFrom(
          "0",
          '"0"',
          "007",
          '"007"',
          "4294967296",
          '"18446744073709551616"',
          '"18446744073709551615"',
          "-0",
          "1.0",
          "true",
          '""',
          '"1"',
          '"\\u0031"',
          "null",
        ),
      )
      .map(([pick, value]) => (text: string) => {
        const spots = Array.from(text.matchAll(/: ("[^"\n]*"|[^,\n[{]+)(,?)$/gm));
        const spot = spots[pick % Math.max(spots.length, 1)];
        if (spot === undefined || spot.index === undefined) return text;
        return `${text.slice(0, spot.index)}: ${value}${spot[2]}${text.slice(spot.index + spot[0].length)}`;
      }),
    // A peer spelled with an escaped, or replaced by another peer's text (a repeat, or out of order).
    fc.tuple(fc.nat(), fc.nat(), fc.boolean()).map(([pick, other, escaped]) => (text: string) => {
      const peers = Array.from(text.matchAll(/"(?:peer": )?"?([1-9A-HJ-NP-Za-km-z]{6,})"/g));
      const spot = peers[pick % Math.max(peers.length, 1)];
      if (spot === undefined || spot.index === undefined) return text;
      const value = spot[1] as string;
      const replacement = escaped
        ? `\\u00${value.charCodeAt(0).toString(16)}${value.slice(1)}`
        : ((peers[other % peers.length] as RegExpMatchArray)[1] as string);
      const at = spot.index + spot[0].lastIndexOf(value);
      return text.slice(0, at) + replacement + text.slice(at + value.length);
    }),
    // A whole entry written twice.
    fc.nat().map((pick) => (text: string) => {
      const entries = Array.from(text.matchAll(/\n( +)\{\n[^}]*\n\1\}/g));
      const entry = entries[pick % Math.max(entries.length, 1)];
      if (entry === undefined || entry.index === undefined) return text;
      const end = entry.index + entry[0].length;
      return `${text.slice(0, end)},${entry[0]}${text.slice(end)}`;
    }),
    // Whitespace that JSON allows and the layout does not.
    fc.tuple(fc.nat(), fc.constantFrom(" ", "\t", "\r\n", "\n")).map(([pick, space]) => (text: string) => {
      const commas = Array.from(text.matchAll(/,\n/g));
      const comma = commas[pick % Math.max(commas.length, 1)];
      if (comma === undefined || comma.index === undefined) return text;
      return text.slice(0, comma.index + 1) + space + text.slice(comma.index + 1);
    }),
  );

  it("gives the general path's result or error for texts one step away from canonical", () => {
    fc.assert(
      fc.property(snapshotArb, fc.array(nearMiss, { minLength: 1, maxLength: 3 }), (snapshot, edits) => {
        const text = edits.reduce((current, edit) => edit(current), encodeSnapshot(snapshot));
        expect({ text, outcome: outcome(text, false) }).toEqual({ text, outcome: outcome(text, true) });
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

/** One change to a model, through the core's own operations (what commands do). */
type Change = (snapshot: Snapshot, peers: readonly PeerId[]) => void;

const somePeer = (peers: readonly PeerId[], pick: number, fresh: PeerId, useFresh: boolean): PeerId =>
  useFresh || peers.length === 0 ? fresh : (peers[pick % peers.length] as PeerId);

const changeArb: fc.Arbitrary<Change> = fc
  .tuple(
    fc.constantFrom(
      "block",
      "unblock",
      "allow",
      "disallow",
      "open",
      "fail",
      "succeed",
      "advise",
      "forget",
      "restore",
      "clock",
      "threshold",
      "schema",
    ),
    fc.nat(),
    peerArb,
    fc.boolean(),
    u64Arb,
    u32Arb,
  )
  .map(([kind, pick, fresh, useFresh, ns, count]) => (snapshot, peers) => {
    const peer = somePeer(peers, pick, fresh, useFresh);
    const { governor, backoff } = snapshot;
    switch (kind) {
      case "block":
        return governor.block(peer);
      case "unblock":
        return governor.unblock(peer);
      case "allow":
        return governor.allow(peer);
      case "disallow":
        return governor.disallow(peer);
      case "open":
        return governor.setAllowlist(null);
      case "fail":
        governor.recordFailure(peer, ns);
        backoff.recordFailure(peer, ns);
        return;
      case "succeed":
        governor.recordSuccess(peer, ns);
        backoff.recordSuccess(peer);
        return;
      case "advise":
        governor.recordFailure(peer, ns);
        backoff.recordRemoteAdvisory(peer, ns, BigInt(count));
        return;
      case "forget":
        governor.forgetHealth(peer);
        backoff.forget(peer);
        return;
      case "restore":
        // The same values again, as new objects: must still be written as they are.
        governor.restoreHealth(peer, governor.peerHealth(peer) ?? { consecutiveFailures: count, lastEventNs: ns, down: false });
        return;
      case "clock":
        snapshot.clockNs = ns;
        return;
      case "threshold":
        return governor.setFailureThreshold(count);
      default:
        snapshot.schema = pick % 2 === 0 ? undefined : `https://example.org/${pick}.json`;
        return;
    }
  });

describe("encodeSnapshot after a canonical read", () => {
  it("writes exactly the JSON.stringify form, whatever changed since the read", () => {
    fc.assert(
      fc.property(snapshotArb, fc.array(changeArb, { maxLength: 12 }), (original, changes) => {
        const text = encodeSnapshot(original);
        const quick = decodeSnapshot(text).snapshot;
        const general = decodeSnapshot(text, { forceLossless: true }).snapshot;
        const peers = Array.from(quick.governor.iterHealth(), (entry) => entry.peer).concat(Array.from(quick.governor.blocklist()));
        for (const change of changes) {
          change(quick, peers);
          change(general, peers);
        }
        const written = encodeSnapshot(quick);
        expect(written).toBe(reference(quick));
        expect(written).toBe(encodeSnapshot(general));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("writes the same bytes into a buffer given to reuse, whatever its size and old contents", () => {
    fc.assert(
      fc.property(
        snapshotArb,
        fc.array(changeArb, { maxLength: 6 }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        (original, changes, ratio) => {
          const text = encodeSnapshot(original);
          const snapshot = decodeSnapshot(text).snapshot;
          const peers = Array.from(snapshot.governor.iterHealth(), (entry) => entry.peer);
          for (const change of changes) change(snapshot, peers);
          const scratch = new Uint8Array(Math.floor(text.length * ratio)).fill(0x7b);
          expect(new TextDecoder().decode(encodeSnapshotBytes(snapshot, scratch))).toBe(reference(snapshot));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("grows its buffer when the entries are longer than it reckoned", () => {
    const snapshot = decodeSnapshot(encodeSnapshot(fc.sample(snapshotArb, { numRuns: 1, seed: 11 })[0] as Snapshot)).snapshot;
    const widest = (i: number): PeerId =>
      PeerId.fromBytes(Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...new Array<number>(30).fill(0xff), i >> 8, i & 0xff]));
    for (let i = 0; i < 3000; i++) {
      const peer = widest(i);
      snapshot.governor.restoreHealth(peer, { consecutiveFailures: 4294967295, lastEventNs: 18446744073709551615n, down: false });
      snapshot.backoff.restoreState(peer, {
        attempts: 4294967295,
        lastAttemptNs: 18446744073709551615n,
        nextRetryNs: 18446744073709551615n,
      });
    }
    expect(encodeSnapshot(snapshot)).toBe(reference(snapshot));
    expect(new TextDecoder().decode(encodeSnapshotBytes(snapshot, new Uint8Array(10)))).toBe(reference(snapshot));
  });

  it("never meets a peer text that needs escaping: PeerId.parse takes only base58 letters", () => {
    for (const text of [
      "\u{1f600}QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",
      "\ud800QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",
      'Qm"Yy',
    ]) {
      expect(() => PeerId.parse(text)).toThrow(/not base58btc \(bad character/);
    }
  });

  it("writes a large canonical text back unchanged, and with one change only that change", () => {
    const snapshot = fc.sample(snapshotArb, { numRuns: 1, seed: 7 })[0] as Snapshot;
    for (let i = 0; i < 2000; i++) {
      const peer = PeerId.fromU64(BigInt(i) * 7919n);
      snapshot.governor.recordFailure(peer, BigInt(i));
      snapshot.backoff.recordFailure(peer, BigInt(i));
    }
    const text = encodeSnapshot(snapshot);
    const decoded = decodeSnapshot(text).snapshot;
    expect(encodeSnapshot(decoded)).toBe(text);
    decoded.governor.block(PeerId.fromU64(42n));
    expect(encodeSnapshot(decoded)).toBe(reference(decoded));
  });
});
