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
