/**
 * Eighteenth review, the library from plain JavaScript again: every exported
 * function and method given a wrong value throws the documented
 * InvalidArgument (a BbgovError) saying what it expected, never a bare
 * TypeError from deep inside, and changes nothing.
 */
import { describe, expect, it } from "vitest";
import {
  BackoffTable,
  InvalidArgument,
  PeerGovernor,
  PeerId,
  emptySnapshot,
  encodeSnapshot,
  multihashProblem,
  recordBackoffNotice,
  recordSendFailure,
  recordSendSuccess,
  type PeerState,
} from "../../src/index.js";

const peer = PeerId.fromU64(7n);
/** What plain JavaScript passes where an object of ours belongs. */
const NOT_OBJECTS: readonly unknown[] = [undefined, null, 1, "x", 7n, {}, new Uint8Array(2)];

describe("an engine rule given a state that is not { governor, backoff } is refused before either changes", () => {
  const rules: Record<string, (state: PeerState) => unknown> = {
    recordSendFailure: (state) => recordSendFailure(state, peer, 1n),
    recordSendSuccess: (state) => recordSendSuccess(state, peer, 1n),
    recordBackoffNotice: (state) => recordBackoffNotice(state, peer, 1n, 5n),
  };
  for (const [name, rule] of Object.entries(rules)) {
    it.each(NOT_OBJECTS)(`${name}(%s)`, (bad) => {
      expect(() => rule(bad as PeerState)).toThrow(InvalidArgument);
    });
    it.each(NOT_OBJECTS.filter((bad) => bad !== undefined))(`${name} with backoff %s leaves the governor as it was`, (bad) => {
      const snapshot = emptySnapshot();
      const before = encodeSnapshot(snapshot);
      const state = { governor: snapshot.governor, backoff: bad } as unknown as PeerState;
      expect(() => rule(state)).toThrow(/state\.backoff is .*expected a BackoffTable/);
      expect(encodeSnapshot(snapshot)).toBe(before);
    });
    it(`${name} with a governor that is not a PeerGovernor names it`, () => {
      const state = { governor: {}, backoff: new BackoffTable() } as unknown as PeerState;
      expect(() => rule(state)).toThrow(/state\.governor is a Object, expected a PeerGovernor/);
    });
  }
  it("a real state still works", () => {
    const state = { governor: new PeerGovernor(), backoff: new BackoffTable() };
    expect(recordSendFailure(state, peer, 1n).backoff?.attempts).toBe(1);
  });
});

describe("an object argument of the governor or the table that is not an object is refused", () => {
  const PRIMITIVES = NOT_OBJECTS.filter((bad) => typeof bad !== "object" || bad === null);
  /** Each call, and whether undefined is its default (an optional argument). */
  const objects: Record<string, [(bad: never) => unknown, boolean]> = {
    "new BackoffTable": [(bad) => new BackoffTable(bad), true],
    "backoff.setConfig": [(bad) => new BackoffTable().setConfig(bad), false],
    "backoff.restoreState": [(bad) => new BackoffTable().restoreState(peer, bad), false],
    "governor.restoreHealth": [(bad) => new PeerGovernor().restoreHealth(peer, bad), false],
  };
  const functions: Record<string, [(bad: never) => unknown, boolean]> = {
    "backoff.deferRestore": [(bad) => new BackoffTable().deferRestore(bad), false],
    "backoff.deferRestore's has": [(bad) => new BackoffTable().deferRestore(() => {}, bad), true],
    "backoff.deferRestore's peek": [(bad) => new BackoffTable().deferRestore(() => {}, undefined, bad), true],
    "governor.deferHealthRestore": [(bad) => new PeerGovernor().deferHealthRestore(bad), false],
    "governor.deferHealthRestore's peek": [(bad) => new PeerGovernor().deferHealthRestore(() => {}, undefined, bad), true],
  };
  for (const [given, calls] of [
    [PRIMITIVES, objects],
    [NOT_OBJECTS, functions],
  ] as const) {
    for (const [name, [call, optional]] of Object.entries(calls)) {
      it.each(given.filter((bad) => !(optional && bad === undefined)))(`${name}(%s)`, (bad) => {
        expect(() => call(bad as never)).toThrow(InvalidArgument);
      });
    }
  }
  it("a table left without its entries or a governor without its health says which value is wrong", () => {
    expect(() => new BackoffTable().restoreState(peer, undefined as never)).toThrow(
      "invalid backoff state undefined: expected { attempts, lastAttemptNs, nextRetryNs }",
    );
    expect(() => new PeerGovernor().restoreHealth(peer, null as never)).toThrow(
      "invalid peer health null: expected { consecutiveFailures, lastEventNs, down }",
    );
    expect(() => new BackoffTable(null as never)).toThrow("invalid backoff config null: expected { baseNs?, maxDelayNs? }");
  });
  it("a refused deferred restore keeps the one already deferred", () => {
    const table = new BackoffTable();
    table.deferRestore((t) => t.restoreState(peer, { attempts: 2, lastAttemptNs: 1n, nextRetryNs: 9n }));
    expect(() => table.deferRestore(5 as never)).toThrow(InvalidArgument);
    expect(table.state(peer)?.attempts).toBe(2);
  });
});

describe("PeerId.fromBytesIn and multihashProblem check their bytes and range", () => {
  const bytes = Uint8Array.of(0, 1, 5, 0, 1, 6);
  it.each(NOT_OBJECTS.filter((bad) => !(bad instanceof Uint8Array)))("%s as the bytes", (bad) => {
    expect(() => PeerId.fromBytesIn(bad as Uint8Array, 0, 3)).toThrow(InvalidArgument);
    expect(() => multihashProblem(bad as Uint8Array)).toThrow(/invalid multihash bytes .*expected a Uint8Array/);
  });
  it.each([
    [0, 99],
    [Number.NaN, 3],
    [-1, 3],
    [4, 3],
    [0.5, 3],
    [0, "3"],
  ])("the range %s..%s is refused, not clamped into another peer", (start, end) => {
    expect(() => PeerId.fromBytesIn(bytes, start as number, end as number)).toThrow(
      /invalid range .* of peer id bytes: expected whole numbers 0 <= start <= end <= 6/,
    );
  });
  it("a range inside the bytes is the peer they spell", () => {
    expect(PeerId.fromBytesIn(bytes, 3, 6).equals(PeerId.fromBytes(Uint8Array.of(0, 1, 6)))).toBe(true);
    expect(multihashProblem(bytes.subarray(0, 3))).toBeUndefined();
  });
});

describe("what the governor and the table share with every caller cannot be changed through an answer", () => {
  it("a decision is frozen: setting kind on one allow does not deny every later peer", () => {
    const governor = new PeerGovernor();
    const allow = governor.checkInbound(peer) as { kind: string };
    expect(() => {
      allow.kind = "deny";
    }).toThrow(TypeError);
    governor.block(peer);
    const deny = governor.checkInbound(peer) as { reason: { kind: string } };
    expect(() => {
      deny.reason.kind = "cooldown";
    }).toThrow(TypeError);
    expect(new PeerGovernor().checkInbound(PeerId.fromU64(9n))).toEqual({ kind: "allow" });
    expect(governor.checkInbound(peer)).toEqual({ kind: "deny", reason: { kind: "blocklisted" } });
  });
  it("the schedule config() returns is frozen: only setConfig, which checks, changes it", () => {
    const table = new BackoffTable();
    expect(() => {
      (table.config() as { baseNs: bigint }).baseNs = 0n;
    }).toThrow(TypeError);
    table.setConfig({ baseNs: 0n });
    expect(table.config().baseNs).toBe(1n);
  });
});

describe("the entries and peers the governor and the table hand out are their own, frozen", () => {
  it("a health entry, a backoff entry and a peer cannot be changed past the checks into a file", () => {
    const snapshot = emptySnapshot();
    const other = PeerId.fromU64(8n);
    snapshot.governor.recordFailure(peer, 5n);
    snapshot.governor.restoreHealth(other, { consecutiveFailures: 1, lastEventNs: 1n, down: false });
    snapshot.backoff.recordFailure(peer, 5n);
    snapshot.backoff.restoreState(other, { attempts: 1, lastAttemptNs: 1n, nextRetryNs: 2n });
    snapshot.governor.block(other);
    const before = encodeSnapshot(snapshot);
    const attempts: (() => void)[] = [
      () => Object.assign(snapshot.governor.peerHealth(peer) as object, { consecutiveFailures: -3 }),
      () => Object.assign(snapshot.governor.peerHealth(other) as object, { down: "yes" }),
      () => Object.assign([...snapshot.governor.iterHealth()][0] as object, { lastEventNs: 5 }),
      () => Object.assign(snapshot.backoff.state(peer) as object, { nextRetryNs: -1n }),
      () => Object.assign([...snapshot.backoff.iter()][1] as object, { attempts: 1.5 }),
      () => Object.assign(other, { text: "x" }),
    ];
    for (const attempt of attempts) expect(attempt).toThrow(TypeError);
    expect(encodeSnapshot(snapshot)).toBe(before);
  });
  it("a recorded event still replaces the entry", () => {
    const governor = new PeerGovernor().withFailureThreshold(2);
    governor.recordFailure(peer, 1n);
    expect(governor.recordFailure(peer, 2n)).toBe("went_down");
    expect(governor.recordSuccess(peer, 3n)).toBe("came_up");
    expect(governor.peerHealth(peer)).toEqual({ peer, consecutiveFailures: 0, lastEventNs: 3n, down: false });
  });
});

describe("a peer's multihash code is exact as a u64", () => {
  it.each([
    ["sha2-256", Uint8Array.of(0x12, 0x01, 0x07), 0x12n],
    ["2^53 + 1", Uint8Array.of(0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00), 2n ** 53n + 1n],
    ["u64 max", Uint8Array.of(...new Array(9).fill(0xff), 0x01, 0x00), 2n ** 64n - 1n],
  ])("%s: codeU64 is the code, where code (a number) rounds above 2^53", (_label, bytes, code) => {
    const id = PeerId.fromBytes(bytes);
    expect(id.codeU64).toBe(code);
    expect(id.code).toBe(Number(code));
  });
});
