/**
 * Seventh review, the library from plain JavaScript: a value of the wrong
 * type is refused with the documented InvalidArgument, saying what was
 * expected, instead of being stored or failing deep inside. A peer's text
 * given where a PeerId belongs was the worst: `block("16uZ…")` counted a
 * peer under the key `undefined`, no check ever denied it, and
 * encodeSnapshot wrote "undefined" into the blocklist.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BackoffTable,
  BbgovError,
  decodeSnapshot,
  decodeUpstream,
  detectKind,
  emptySnapshot,
  encodeSnapshot,
  InvalidArgument,
  openSnapshot,
  PeerGovernor,
  PeerId,
  readNodeSnapshot,
  recordSendFailure,
  snapshotDocument,
  type SnapshotInput,
} from "../../src/index.js";

const TEXT = "16uZAbWC1AJvL";
const peer = PeerId.parse(TEXT);
/** What plain JavaScript passes where a PeerId belongs. */
const NOT_PEERS: readonly unknown[] = [TEXT, undefined, null, { text: TEXT }, 7n];

describe("a peer that is not a PeerId is refused, and nothing changes", () => {
  it.each(NOT_PEERS)("%s", (bad) => {
    const state = emptySnapshot();
    const before = encodeSnapshot(state);
    const { governor, backoff } = state;
    const given = bad as PeerId;
    const calls: Record<string, () => unknown> = {
      "governor.block": () => governor.block(given),
      "governor.unblock": () => governor.unblock(given),
      "governor.setAllowlist": () => governor.setAllowlist([peer, given]),
      "governor.allow": () => governor.allow(given),
      "governor.disallow": () => governor.disallow(given),
      "governor.checkInbound": () => governor.checkInbound(given),
      "governor.checkOutbound": () => governor.checkOutbound(given, backoff, 1n),
      "governor.recordFailure": () => governor.recordFailure(given, 1n),
      "governor.recordSuccess": () => governor.recordSuccess(given, 1n),
      "governor.restoreHealth": () => governor.restoreHealth(given, { consecutiveFailures: 1, lastEventNs: 1n, down: false }),
      "governor.peerHealth": () => governor.peerHealth(given),
      "governor.isDown": () => governor.isDown(given),
      "governor.isBlocked": () => governor.isBlocked(given),
      "governor.isAllowlisted": () => governor.isAllowlisted(given),
      "governor.forgetHealth": () => governor.forgetHealth(given),
      "backoff.recordFailure": () => backoff.recordFailure(given, 1n),
      "backoff.recordRemoteAdvisory": () => backoff.recordRemoteAdvisory(given, 1n, 1n),
      "backoff.recordSuccess": () => backoff.recordSuccess(given),
      "backoff.shouldRetry": () => backoff.shouldRetry(given, 1n),
      "backoff.state": () => backoff.state(given),
      "backoff.restoreState": () => backoff.restoreState(given, { attempts: 1, lastAttemptNs: 1n, nextRetryNs: 2n }),
      "backoff.forget": () => backoff.forget(given),
      recordSendFailure: () => recordSendFailure(state, given, 1n),
      "peer.equals": () => peer.equals(given),
    };
    for (const [name, call] of Object.entries(calls)) expect(call, name).toThrow(InvalidArgument);
    expect(encodeSnapshot(state)).toBe(before);
  });

  it("says what it got and how to make a PeerId", () => {
    expect(() => new PeerGovernor().block(TEXT as unknown as PeerId)).toThrow(
      'invalid peer "16uZAbWC1AJvL" (a string): expected a PeerId (PeerId.parse(text) makes one)',
    );
  });

  it("a blocked peer is denied, whichever PeerId object names it", () => {
    const governor = new PeerGovernor();
    governor.block(PeerId.parse(TEXT));
    expect(governor.checkInbound(PeerId.fromU64(1n))).toEqual({ kind: "deny", reason: { kind: "blocklisted" } });
  });
});

describe("other arguments of the wrong type", () => {
  it("checkOutbound wants the table and a u64 time", () => {
    const governor = new PeerGovernor();
    expect(() => governor.checkOutbound(peer, undefined as unknown as BackoffTable, 1n)).toThrow(InvalidArgument);
    expect(() => governor.checkOutbound(peer, new BackoffTable(), 1 as unknown as bigint)).toThrow(InvalidArgument);
    expect(() => new BackoffTable().shouldRetry(peer, -1n)).toThrow(InvalidArgument);
  });

  it("setAllowlist takes PeerIds or null: undefined (meant as open?) and a number were a TypeError", () => {
    const governor = new PeerGovernor();
    for (const bad of [undefined, 5]) expect(() => governor.setAllowlist(bad as unknown as null)).toThrow(InvalidArgument);
    expect(governor.allowlistSize()).toBeNull();
  });

  it('restoreHealth\'s down is a boolean: the string "false" would be a peer that is down', () => {
    const governor = new PeerGovernor();
    expect(() => governor.restoreHealth(peer, { consecutiveFailures: 1, lastEventNs: 1n, down: "false" as unknown as boolean })).toThrow(
      InvalidArgument,
    );
    expect(governor.trackedPeers()).toBe(0);
  });

  it("delayFor takes a u32 count of attempts", () => {
    for (const bad of [Number.NaN, 1.5, -1, 2 ** 32]) expect(() => new BackoffTable().delayFor(bad)).toThrow(InvalidArgument);
    expect(new BackoffTable().delayFor(3)).toBe(40_000_000n);
  });

  it("PeerId's makers refuse what is not their input's type, with the documented classes", () => {
    for (const bad of [-1n, 2n ** 64n, 7]) expect(() => PeerId.fromU64(bad as bigint)).toThrow(InvalidArgument);
    for (const bad of [42, undefined, null]) expect(() => PeerId.parse(bad as unknown as string)).toThrow(InvalidArgument);
    expect(() => PeerId.fromBytes([0, 1, 7] as unknown as Uint8Array)).toThrow(InvalidArgument);
    expect(PeerId.fromBytes(Buffer.from([0, 8, 0, 0, 0, 0, 0, 0, 0, 1])).text).toBe(TEXT);
  });

  it("the decoders read text; a Buffer is refused with the way to read it", () => {
    const bytes = readFileSync(new URL("../../fixtures/example.json", import.meta.url));
    expect(() => decodeSnapshot(bytes as unknown as string)).toThrow(
      'decodeSnapshot reads a snapshot\'s text, a string; it was given a Buffer (read the file as text: readFileSync(path, "utf8"))',
    );
    expect(() => decodeUpstream(bytes as unknown as string)).toThrow(InvalidArgument);
    expect(() => decodeSnapshot(undefined as unknown as string)).toThrow(BbgovError);
    expect(decodeSnapshot(bytes.toString("utf8")).snapshot.governor.blocklistSize()).toBe(2);
  });
});

describe("a snapshot's own fields, assigned by the caller, are checked when it is encoded", () => {
  it.each([-1n, 2n ** 64n, 5, undefined])("clockNs %s: refused, never written as a clock_ns the decoder refuses", (bad) => {
    const snapshot = { ...emptySnapshot(), clockNs: bad as bigint };
    expect(() => encodeSnapshot(snapshot)).toThrow(InvalidArgument);
    expect(() => snapshotDocument(snapshot)).toThrow(InvalidArgument);
  });

  it("a $schema that is not a string, and emptySnapshot's clock, likewise", () => {
    expect(() => encodeSnapshot({ ...emptySnapshot(), schema: 5 as unknown as string })).toThrow(InvalidArgument);
    expect(() => emptySnapshot({ clockNs: -1n })).toThrow(InvalidArgument);
    const edge = { ...emptySnapshot(), clockNs: 2n ** 64n - 1n, schema: "x" };
    expect(decodeSnapshot(encodeSnapshot(edge)).snapshot.clockNs).toBe(2n ** 64n - 1n);
  });
});

describe("openSnapshot and detectKind take a file's bytes or a SnapshotInput, and say so when given something else", () => {
  it.each([
    ["a string", () => "{}", "it was given a string (give the file's bytes: readFileSync(path), without an encoding)"],
    ["bytes without text", () => ({ bytes: new Uint8Array([123, 125]) }), "it was given an object without text (a function)"],
    ["nothing", () => undefined, "it was given undefined"],
  ])("%s", (_name, made, said) => {
    const input = made() as unknown as SnapshotInput;
    expect(() => openSnapshot(input)).toThrow(InvalidArgument);
    expect(() => openSnapshot(input)).toThrow(said);
    expect(() => detectKind(input)).toThrow(InvalidArgument);
  });

  it("readNodeSnapshot takes bytes: a string was read as no bytes at all ('truncated ... at byte 0')", () => {
    for (const bad of ["abc", [0, 1, 2], undefined]) expect(() => readNodeSnapshot(bad as unknown as Uint8Array)).toThrow(InvalidArgument);
  });
});

describe("a PeerId of another copy of bbgov", () => {
  it("is refused with a word on why, not as if it were no PeerId at all", () => {
    class PeerId {
      readonly text = TEXT;
    }
    expect(() => new PeerGovernor().block(new PeerId() as unknown as typeof peer)).toThrow(
      /expected a PeerId of this bbgov \(that one is from another copy of bbgov: is the package installed twice\?\)/,
    );
  });
});
