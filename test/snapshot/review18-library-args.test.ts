/**
 * Eighteenth review: the codec's functions that take a Snapshot, or an
 * options object, refuse from plain JavaScript what is not one with the
 * documented InvalidArgument naming the function and what it takes; before,
 * `encodeSnapshot(undefined)`, `lintSnapshot({})` or `decodeSnapshot(text,
 * null)` failed deep inside with "Cannot read properties of undefined".
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BackoffTable,
  InvalidArgument,
  PeerGovernor,
  diffSnapshots,
  decodeSnapshot,
  detectKind,
  emptySnapshot,
  encodeFrameworkSnapshot,
  encodeSnapshot,
  encodeUpstream,
  lintSnapshot,
  openSnapshot,
  readFrameworkJson,
  readNodeSnapshot,
  snapshotDocument,
  type Snapshot,
} from "../../src/index.js";

const NOT_SNAPSHOTS: readonly unknown[] = [
  undefined,
  null,
  1,
  "{}",
  {},
  new Uint8Array(2),
  { clockNs: 0n, governor: {}, backoff: new BackoffTable() },
  { clockNs: 0n, governor: new PeerGovernor(), backoff: null },
];

const readers: Record<string, (snapshot: Snapshot) => unknown> = {
  encodeSnapshot,
  snapshotDocument,
  lintSnapshot,
  encodeUpstream,
  encodeFrameworkSnapshot: (snapshot) => encodeFrameworkSnapshot(snapshot),
  diffSnapshots: (snapshot) => diffSnapshots(emptySnapshot(), snapshot),
  "diffSnapshots (first)": (snapshot) => diffSnapshots(snapshot, emptySnapshot()),
};

describe("a value that is not a Snapshot is refused by every function that reads one", () => {
  for (const [name, read] of Object.entries(readers)) {
    it.each(NOT_SNAPSHOTS)(`${name}(%s)`, (bad) => {
      expect(() => read(bad as Snapshot)).toThrow(InvalidArgument);
    });
  }
  it("the message names the function and the field", () => {
    expect(() => encodeSnapshot(undefined as never)).toThrow(
      "encodeSnapshot takes a Snapshot ({ clockNs, governor, backoff }, as decodeSnapshot or emptySnapshot makes one); it was given undefined",
    );
    const modified = { ...emptySnapshot(), backoff: { baseNs: 1n } } as unknown as Snapshot;
    expect(() => lintSnapshot(modified)).toThrow("lintSnapshot: snapshot.backoff is a Object, expected a BackoffTable");
  });
  it("a real snapshot, with its fields replaced by real ones, still encodes", () => {
    const snapshot = emptySnapshot();
    snapshot.governor = new PeerGovernor().withFailureThreshold(3);
    expect(encodeSnapshot(snapshot)).toContain('"failure_threshold": 3');
  });
});

describe("an options argument of null is refused, not read as null.field", () => {
  const text = encodeSnapshot(emptySnapshot());
  const calls: Record<string, () => unknown> = {
    decodeSnapshot: () => decodeSnapshot(text, null as never),
    diffSnapshots: () => diffSnapshots(emptySnapshot(), emptySnapshot(), null as never),
    encodeFrameworkSnapshot: () => encodeFrameworkSnapshot(emptySnapshot(), null as never),
    emptySnapshot: () => emptySnapshot(null as never),
  };
  for (const [name, call] of Object.entries(calls)) {
    it(name, () => {
      expect(call).toThrow(new InvalidArgument(`invalid options for ${name}: null; expected an object, or nothing for the defaults`));
    });
  }
  it("undefined is still the defaults", () => {
    expect(decodeSnapshot(text, undefined).snapshot.clockNs).toBe(0n);
    expect(emptySnapshot(undefined).clockNs).toBe(0n);
  });
});

describe("opening a file of any kind: a SnapshotInput's text, the options and the model encoded back are checked", () => {
  const node = readFileSync(new URL("../../fixtures/node/small.bin", import.meta.url));
  const framework = new TextEncoder().encode(encodeFrameworkSnapshot(emptySnapshot()));
  const bbgov = new TextEncoder().encode(encodeSnapshot(emptySnapshot()));

  it.each([5, undefined, node])("a SnapshotInput whose text() gives %s is refused, not read as no framework JSON", (bad) => {
    const input = { bytes: bbgov, text: () => bad as unknown as string };
    expect(() => openSnapshot(input)).toThrow("a SnapshotInput's text() gives the file's text, a string; it gave");
    expect(() => detectKind(input)).toThrow(InvalidArgument);
  });
  it("options of null are refused", () => {
    expect(() => openSnapshot(bbgov, null as never)).toThrow("invalid options for openSnapshot: null");
    expect(() => readNodeSnapshot(node, null as never)).toThrow("invalid options for readNodeSnapshot: null");
    expect(() => readFrameworkJson("{}", null as never)).toThrow("invalid options for readFrameworkJson: null");
  });
  it.each([
    ["a node snapshot", node],
    ["framework JSON", framework],
    ["bbgov JSON", bbgov],
  ])("%s: encode() of a model whose governor or table was replaced by another value says so", (_kind, bytes) => {
    for (const [field, value, message] of [
      ["governor", {}, /snapshot\.governor is a Object, expected a PeerGovernor/],
      ["backoff", null, /snapshot\.backoff is null, expected a BackoffTable/],
    ] as const) {
      const opened = openSnapshot(bytes);
      Object.assign(opened.snapshot, { [field]: value });
      expect(() => opened.encode()).toThrow(InvalidArgument);
      expect(() => opened.encode()).toThrow(message);
    }
  });
});
