/** The pieces several commands share: peers or a flag, the clamp warnings of settings, every peer a snapshot knows. */
import { describe, expect, it } from "vitest";
import { PeerId } from "../../../src/core/peer-id.js";
import { emptySnapshot } from "../../../src/snapshot/model.js";
import { backoffSettings, byPeerText, eventTime, knownPeers, peersOrFlag, thresholdWarnings } from "../../../src/cli/commands/common.js";
import { knownPeerTexts } from "../../../src/cli/commands/resolve.js";
import { UsageError } from "../../../src/cli/errors.js";

const A = PeerId.parse("12D3KooWJATkUcKJHbbtK22skXSBCUAtjkCg9z6NVDz3wX4a7Ci4");
const B = PeerId.parse("QmNVm9nn9RKXEuuKKsX2RWd66nqK4FedXehVffiUVnLrtT");
const C = PeerId.parse("12D3KooWP4h1eBk3xVcfThQ2sJcvanmnJRjWuNbP2waTLbxWhdok");
const D = PeerId.parse("QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4");

describe("peersOrFlag", () => {
  it("takes peers or the flag, refusing both and neither with the command as the place", () => {
    expect(() => peersOrFlag([A], false, "--all", "reset")).not.toThrow();
    expect(() => peersOrFlag([], true, "--all", "reset")).not.toThrow();
    expect(() => peersOrFlag([A], true, "--all", "reset")).toThrow(new UsageError("give peers or --all, not both", "reset"));
    expect(() => peersOrFlag([], false, "--open", "allow")).toThrow(new UsageError("name at least one PEER, or --open", "allow"));
    const thrown = (() => {
      try {
        peersOrFlag([], false, "--all", "unblock");
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(UsageError);
    expect(thrown).toMatchObject({ where: "unblock", message: "name at least one PEER, or --all" });
  });
});

describe("settings and their clamp warnings", () => {
  it("backoffSettings sets only what was given and warns for each 0", () => {
    expect(backoffSettings(undefined, undefined)).toEqual({ schedule: {}, warnings: [] });
    expect(backoffSettings(5n, undefined)).toEqual({ schedule: { baseNs: 5n }, warnings: [] });
    expect(backoffSettings(0n, 0n)).toEqual({
      schedule: { baseNs: 0n, maxDelayNs: 0n },
      warnings: ["a backoff base of 0 becomes 1 ns (the upstream clamp)", "a backoff max of 0 becomes 1 ns (the upstream clamp)"],
    });
    expect(backoffSettings(undefined, 0n).warnings).toEqual(["a backoff max of 0 becomes 1 ns (the upstream clamp)"]);
  });

  it("thresholdWarnings warns for 0 only", () => {
    expect(thresholdWarnings(0)).toEqual(["a failure threshold of 0 becomes 1 (the upstream clamp)"]);
    expect(thresholdWarnings(1)).toEqual([]);
    expect(thresholdWarnings(undefined)).toEqual([]);
  });
});

describe("knownPeers", () => {
  it("every peer once (health, backoff, both lists); tracked ones only with a health or backoff entry", () => {
    const snapshot = emptySnapshot();
    snapshot.governor.recordFailure(A, 1n);
    snapshot.backoff.recordFailure(A, 1n);
    snapshot.backoff.recordFailure(B, 2n);
    snapshot.governor.block(C);
    snapshot.governor.block(A);
    snapshot.governor.allow(D);
    snapshot.governor.allow(B);
    expect(knownPeers(snapshot).map((peer) => peer.text)).toEqual([A.text, B.text, C.text, D.text]);
    expect(knownPeers(snapshot, "tracked").map((peer) => peer.text)).toEqual([A.text, B.text]);
    expect(knownPeerTexts(snapshot)).toEqual([A.text, C.text, B.text, D.text]);
    expect([C, D, A, B].sort(byPeerText)).toEqual([A, C, B, D]);
    expect(knownPeers(emptySnapshot())).toEqual([]);
  });
});

describe("eventTime", () => {
  it("--at, the clock + --after (saturating), or the clock", () => {
    const snapshot = emptySnapshot({ clockNs: 100n });
    expect(eventTime(snapshot, {})).toBe(100n);
    expect(eventTime(snapshot, { at: { kind: "at", ns: 7n } })).toBe(7n);
    expect(eventTime(snapshot, { after: { kind: "after", ns: 5n } })).toBe(105n);
    expect(eventTime(emptySnapshot({ clockNs: 2n ** 64n - 2n }), { after: { kind: "after", ns: 5n } })).toBe(2n ** 64n - 1n);
  });
});
