/**
 * The node-snapshot kind against upstream's own files: every fixture decodes
 * to what upstream decoded from it, restores as upstream's restore leaves it,
 * and survives edits with every byte outside the governor unchanged.
 */
import { describe, expect, it } from "vitest";
import { PeerId, multihashProblem } from "../../src/core/peer-id.js";
import { Reader, Writer, read, skip, write, type Value } from "../../src/snapshot/bincode.js";
import { canonicalLists } from "../../src/snapshot/canonical.js";
import { SnapshotError, type Snapshot } from "../../src/snapshot/model.js";
import { BACKOFF_TABLE, FRAMEWORK, NODE_SNAPSHOT, PEER_GOVERNOR, TRANSIENT } from "../../src/snapshot/node-schema.js";
import { looksLikeNodeSnapshot, readNodeSnapshot } from "../../src/snapshot/node.js";
import {
  FIXTURE_NAMES,
  REFUSED,
  expectEqualValue,
  loadFixture,
  restoredOf,
  toValue,
  type FixtureName,
  type Restored,
} from "./node-fixtures.js";

const ACCEPTED = FIXTURE_NAMES.filter((name) => !REFUSED.includes(name));

const decodedValues = new Map<FixtureName, Value>();
/**
 * What upstream decoded from a fixture, as the generic codec's value: made once per fixture (the big ones' take a
 * quarter of a second) for the tests that read it; none of them changes it.
 */
function decodedValue(name: FixtureName): Value {
  let value = decodedValues.get(name);
  if (value === undefined) {
    value = toValue(NODE_SNAPSHOT, loadFixture(name).snapshot);
    decodedValues.set(name, value);
  }
  return value;
}

/** Where peer_governor starts, by skipping what comes before it with the generic codec. */
function governorStart(bytes: Uint8Array): number {
  const reader = new Reader(bytes);
  for (const [name, schema] of NODE_SNAPSHOT.struct) {
    if (name !== "transient") skip(schema, reader, name);
  }
  for (const [name, schema] of TRANSIENT.struct) {
    if (name === "framework") break;
    skip(schema, reader, name);
  }
  for (const [name, schema] of FRAMEWORK.struct) {
    if (name === "peer_governor") break;
    skip(schema, reader, name);
  }
  return reader.offset;
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("the generic codec on upstream's files", () => {
  it.each(FIXTURE_NAMES)("%s: read gives exactly what upstream decoded, and skip measures the same bytes", (name) => {
    const fixture = loadFixture(name);
    const reader = new Reader(fixture.bytes);
    const value = read(NODE_SNAPSHOT, reader);
    expectEqualValue(value, decodedValue(name));
    expect(Array.from(fixture.bytes.subarray(reader.offset))).toEqual(fixture.trailing);
    const skipper = new Reader(fixture.bytes);
    expect(skip(NODE_SNAPSHOT, skipper)).toBe(reader.offset);
    // The governor part is where the rendering says.
    const start = governorStart(fixture.bytes);
    const governor = new Reader(fixture.bytes, start);
    skip(PEER_GOVERNOR, governor);
    skip(BACKOFF_TABLE, governor);
    expect([start, governor.offset]).toEqual(fixture.governorBytes);
  });

  it.each(FIXTURE_NAMES)("%s: write(read(x)) gives back the file's bytes, trailing bytes aside", (name) => {
    const fixture = loadFixture(name);
    const reader = new Reader(fixture.bytes);
    const value = read(NODE_SNAPSHOT, reader);
    const writer = new Writer();
    write(NODE_SNAPSHOT, value, writer);
    expect(Buffer.from(writer.result()).equals(Buffer.from(fixture.bytes.subarray(0, reader.offset)))).toBe(true);
  });
});

describe("readNodeSnapshot", () => {
  it.each(ACCEPTED)("%s: restores exactly what upstream's restore leaves", (name) => {
    const fixture = loadFixture(name);
    const { snapshot, node } = readNodeSnapshot(fixture.bytes);
    expectEqualValue(restoredOf(snapshot), fixture.restored);
    expect(node.governorRange).toEqual(fixture.governorBytes);
    expect(node.trailingBytes).toBe(fixture.trailing.length);
    const decoded = decodedValue(name) as {
      incarnation: bigint;
      config: { peer_id: Uint8Array };
      transient: { framework: { spec_version: number } };
    };
    expect(node.incarnation).toBe(decoded.incarnation);
    expect(Array.from(node.peerIdBytes)).toEqual(Array.from(decoded.config.peer_id));
    expect(node.specVersion).toBe(1);
    if (decoded.config.peer_id.length === 0) expect(node.peerId).toBeUndefined();
    else expect(node.peerId?.text).toBe(PeerId.fromBytes(decoded.config.peer_id).text);
  });

  it.each(REFUSED)("%s: refused as upstream refuses it, naming spec_version", (name) => {
    const fixture = loadFixture(name);
    const expected = (fixture.restored as { error: string }).error;
    const error = errorOf(() => readNodeSnapshot(fixture.bytes));
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).message).toContain(expected);
    expect((error as SnapshotError).path).toBe("transient.framework.spec_version");
  });

  it("names the node and measures every other section for inspect", () => {
    const { node } = readNodeSnapshot(loadFixture("small").bytes);
    expect(node.peerId?.text).toMatch(/^12D3KooW/);
    const names = node.sections.map((section) => section.name);
    expect(names).toEqual([
      "config",
      "graphs",
      "components",
      "transient.frontier",
      "transient.slot_table",
      "transient.pending_async",
      "transient.execution_state",
      "transient.framework.counters",
      "transient.framework.fired_phases",
      "transient.framework.address_book",
      "transient.framework.pending_outbound",
      "transient.bus",
      "transient.ingress",
      "transient.wire_states",
      "transient.pending_completions",
    ]);
    const decoded = decodedValue("small") as { graphs: Value[]; transient: { ingress: Value[] } };
    expect(node.sections.find((section) => section.name === "graphs")?.count).toBe(decoded.graphs.length);
    expect(node.sections.find((section) => section.name === "transient.ingress")?.count).toBe(decoded.transient.ingress.length);
    expect(node.sections.find((section) => section.name === "config")?.count).toBeUndefined();
    // Sections, governor, the few scalars and nothing else make up the file.
    const scalars = 8 + 8 + 8 + 8 + 4; // incarnation, peer_id_bytes' length, the two id counters, spec_version
    const framework = toValue(FRAMEWORK, (loadFixture("small").snapshot as { transient: { framework: unknown } }).transient.framework) as {
      peer_id_bytes: Uint8Array;
    };
    const sum = node.sections.reduce((total, section) => total + section.bytes, 0);
    const governor = node.governorRange[1] - node.governorRange[0];
    expect(sum + governor + scalars + framework.peer_id_bytes.length).toBe(loadFixture("small").bytes.length);
  });

  it("takes the clock from the latest event in the file unless one is given, and the host's schedule", () => {
    const fixture = loadFixture("small");
    const restored = fixture.restored as Exclude<Restored, { error: string }>;
    const times = [
      ...restored.health.map((entry) => BigInt(entry.last_event_ns)),
      ...restored.backoff_table.map((entry) => BigInt(entry.last_attempt_ns)),
    ];
    const latest = times.reduce((a, b) => (a > b ? a : b));
    expect(readNodeSnapshot(fixture.bytes).snapshot.clockNs).toBe(latest);
    expect(readNodeSnapshot(fixture.bytes, { clockNs: 42n }).snapshot.clockNs).toBe(42n);
    expect(readNodeSnapshot(loadFixture("empty").bytes).snapshot.clockNs).toBe(0n);
    expect(readNodeSnapshot(fixture.bytes).snapshot.backoff.config()).toEqual({ baseNs: 10_000_000n, maxDelayNs: 60_000_000_000n });
    expect(readNodeSnapshot(fixture.bytes, { backoff: { baseNs: 5n } }).snapshot.backoff.config()).toEqual({
      baseNs: 5n,
      maxDelayNs: 60_000_000_000n,
    });
  });

  it("warns that threshold 0 loads as 1", () => {
    const { warnings, snapshot } = readNodeSnapshot(loadFixture("empty").bytes);
    expect(snapshot.governor.failureThreshold()).toBe(1);
    expect(warnings).toEqual([
      { path: "transient.framework.peer_governor.failure_threshold", message: expect.stringMatching(/0 loads as 1.*\(at byte \d+\)$/) },
    ]);
  });

  it("hand-edited: one warning per entry whose peer bytes do not parse, with its path and byte offset", () => {
    const fixture = loadFixture("hand-edited");
    const { warnings } = readNodeSnapshot(fixture.bytes);
    const framework = toValue(FRAMEWORK, (fixture.snapshot as { transient: { framework: unknown } }).transient.framework) as {
      peer_governor: { blocklist: Uint8Array[]; allowlist: Uint8Array[] | null; health: [Uint8Array, ...Value[]][] };
      backoff_table: { peer: Uint8Array }[];
    };
    const governor = framework.peer_governor;
    const bad = (peers: Uint8Array[], path: (i: number) => string): { path: string; peer: Uint8Array }[] =>
      peers.flatMap((peer, i) => (multihashProblem(peer) === undefined ? [] : [{ path: path(i), peer }]));
    const expected = [
      ...bad(governor.blocklist, (i) => `transient.framework.peer_governor.blocklist[${i}]`),
      ...bad(governor.allowlist ?? [], (i) => `transient.framework.peer_governor.allowlist[${i}]`),
      ...bad(
        governor.health.map((entry) => entry[0]),
        (i) => `transient.framework.peer_governor.health[${i}][0]`,
      ),
      ...bad(
        framework.backoff_table.map((entry) => entry.peer),
        (i) => `transient.framework.backoff_table[${i}].peer`,
      ),
    ];
    expect(expected).toHaveLength(7); // as the fixture's README says: 2 + 1 + 2 + 2
    const entryWarnings = warnings.filter((warning) => !warning.path.endsWith("failure_threshold"));
    expect(entryWarnings.map((warning) => warning.path)).toEqual(expected.map((entry) => entry.path));
    const view = new DataView(fixture.bytes.buffer, fixture.bytes.byteOffset);
    entryWarnings.forEach((warning, i) => {
      const at = Number(/\(at byte (\d+)\)$/.exec(warning.message)?.[1]);
      const peer = expected[i]?.peer as Uint8Array;
      // The offset is where the entry's peer bytes (their length prefix) stand in the file.
      expect(view.getBigUint64(at, true)).toBe(BigInt(peer.length));
      expect(Array.from(fixture.bytes.subarray(at + 8, at + 8 + peer.length))).toEqual(Array.from(peer));
      expect(warning.message).toContain("do not parse");
    });
    expect(warnings.some((warning) => warning.path === "transient.framework.peer_governor.failure_threshold")).toBe(true);
  });

  it("tells a node snapshot from text", () => {
    for (const name of FIXTURE_NAMES) expect(looksLikeNodeSnapshot(loadFixture(name).bytes)).toBe(true);
    const text = new TextEncoder().encode('{\n  "spec_version": 1,\n  "clock_ns": "0"\n}\n');
    expect(looksLikeNodeSnapshot(text)).toBe(false);
    expect(looksLikeNodeSnapshot(new Uint8Array(3))).toBe(false);
  });
});

/** A change to a model, and what it should leave. */
interface Edit {
  readonly name: string;
  apply(snapshot: Snapshot): void;
}

const NEW_PEER = PeerId.parse("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");

const EDITS: readonly Edit[] = [
  { name: "block a new peer", apply: (s) => s.governor.block(NEW_PEER) },
  {
    name: "unblock every blocked peer",
    apply: (s) => {
      for (const peer of Array.from(s.governor.blocklist())) s.governor.unblock(peer);
    },
  },
  { name: "allow a peer", apply: (s) => s.governor.allow(NEW_PEER) },
  { name: "open the allowlist", apply: (s) => s.governor.setAllowlist(null) },
  { name: "set the threshold", apply: (s) => s.governor.setFailureThreshold(9) },
  {
    name: "fail a peer (health and backoff)",
    apply: (s) => {
      s.governor.recordFailure(NEW_PEER, s.clockNs + 1n);
      s.backoff.recordFailure(NEW_PEER, s.clockNs + 1n);
    },
  },
  {
    name: "a success for every tracked peer",
    apply: (s) => {
      for (const entry of Array.from(s.governor.iterHealth())) {
        s.governor.recordSuccess(entry.peer, s.clockNs);
        s.backoff.recordSuccess(entry.peer);
      }
    },
  },
];

describe("encode after a change", () => {
  // Every edit on every file; the 10k-peer file (slow to re-read) takes two of them.
  const cases = ACCEPTED.flatMap((name) =>
    EDITS.filter((_edit, i) => name !== "peers-10k" || i === 0 || i === EDITS.length - 1).map((edit) => [name, edit.name, edit] as const),
  );

  it.each(cases)("%s, %s: bytes outside the governor unchanged, the governor re-reads as the model", (name, _label, edit) => {
    const fixture = loadFixture(name);
    const first = readNodeSnapshot(fixture.bytes);
    edit.apply(first.snapshot);
    const expected = restoredOf(first.snapshot);
    const out = first.encode(first.snapshot);
    const [start, end] = first.node.governorRange;
    const after = fixture.bytes.length - end;
    expect(Buffer.from(out.subarray(0, start)).equals(Buffer.from(fixture.bytes.subarray(0, start)))).toBe(true);
    expect(Buffer.from(out.subarray(out.length - after)).equals(Buffer.from(fixture.bytes.subarray(end)))).toBe(true);
    const again = readNodeSnapshot(out);
    expectEqualValue(restoredOf(again.snapshot), expected);
    expect(again.node.governorRange[0]).toBe(start);
    expect(again.node.trailingBytes).toBe(fixture.trailing.length);
    // The generic codec still reads the whole file.
    expect(skip(NODE_SNAPSHOT, new Reader(out))).toBe(out.length - fixture.trailing.length);
  });

  it.each(ACCEPTED)("%s: encodeGovernor is deterministic and a rewrite of its own output is a fixed point", (name) => {
    const first = readNodeSnapshot(loadFixture(name).bytes);
    const once = first.encodeGovernor(first.snapshot);
    expect(Buffer.from(first.encodeGovernor(first.snapshot)).equals(Buffer.from(once))).toBe(true);
    const out = first.encode(first.snapshot);
    const second = readNodeSnapshot(out);
    expect(Buffer.from(second.encode(second.snapshot)).equals(Buffer.from(out))).toBe(true);
  });

  it("hand-edited: entries that do not parse survive a change of every list, after the model's, in file order", () => {
    const fixture = loadFixture("hand-edited");
    const first = readNodeSnapshot(fixture.bytes);
    const badPaths = first.warnings.filter((w) => !w.path.endsWith("failure_threshold")).map((w) => w.path);
    first.snapshot.governor.block(NEW_PEER);
    first.snapshot.governor.allow(NEW_PEER);
    first.snapshot.governor.recordFailure(NEW_PEER, 1n);
    first.snapshot.backoff.recordFailure(NEW_PEER, 1n);
    const out = first.encode(first.snapshot);
    const again = readNodeSnapshot(out);
    const lists = canonicalLists(again.snapshot);
    const sizes = {
      blocklist: lists.blocklist.length,
      allowlist: lists.allowlist?.length ?? 0,
      health: lists.health.length,
      backoff: lists.backoffTable.length,
    };
    // The same 7 bad entries, each now after the model's entries of its list.
    const expectedPaths = badPaths.map((path) => {
      const list = /peer_governor\.(\w+)\[|backoff_table\[/.exec(path);
      const key = list?.[1] ?? "backoff";
      const kind = key as keyof typeof sizes;
      const rank = badPaths.filter((p) => p.includes(key === "backoff" ? "backoff_table[" : `.${key}[`)).indexOf(path);
      return path.replace(/\[\d+\]/, `[${sizes[kind] + rank}]`);
    });
    expect(again.warnings.map((w) => w.path).filter((path) => !path.endsWith("failure_threshold"))).toEqual(expectedPaths);
    // Their bytes are exactly the file's.
    const raw = (bytes: Uint8Array, at: number): number[] => {
      const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at, true));
      return Array.from(bytes.subarray(at, at + 8 + length));
    };
    const offsets = (warnings: readonly { message: string }[]): number[] =>
      warnings.flatMap((w) =>
        /do not parse.*\(at byte (\d+)\)$/.exec(w.message) ? [Number(/\(at byte (\d+)\)$/.exec(w.message)?.[1])] : [],
      );
    const before = offsets(first.warnings).map((at) => raw(fixture.bytes, at));
    const now = offsets(again.warnings).map((at) => raw(out, at));
    expect(now).toEqual(before);
    // Threshold 0 (restored as 1) is written back as the 0 it was.
    expect(again.snapshot.governor.failureThreshold()).toBe(1);
    expect(again.warnings.some((w) => w.path.endsWith("failure_threshold"))).toBe(true);
  });

  it.each(ACCEPTED)("%s: a model unchanged since it was read encodes to the very same file", (name) => {
    const fixture = loadFixture(name);
    const first = readNodeSnapshot(fixture.bytes);
    expect(Buffer.from(first.encode(first.snapshot)).equals(Buffer.from(fixture.bytes))).toBe(true);
    // Changing something and changing it back is no change either.
    first.snapshot.governor.setFailureThreshold(first.snapshot.governor.failureThreshold() + 1);
    first.snapshot.governor.setFailureThreshold(first.snapshot.governor.failureThreshold() - 1);
    expect(Buffer.from(first.encode(first.snapshot)).equals(Buffer.from(fixture.bytes))).toBe(true);
  });

  it("a list left alone is copied byte for byte (file order, duplicates and bad entries included); a changed one is canonical", () => {
    const fixture = loadFixture("hand-edited");
    const first = readNodeSnapshot(fixture.bytes);
    first.snapshot.governor.block(NEW_PEER);
    const out = first.encode(first.snapshot);
    const [start, end] = first.node.governorRange;
    const oldGovernor = fixture.bytes.subarray(start, end);
    const newGovernor = out.subarray(start, out.length - (fixture.bytes.length - end));
    const view = new DataView(oldGovernor.buffer, oldGovernor.byteOffset);
    let blocklistEnd = 8;
    for (let i = 0, n = Number(view.getBigUint64(0, true)); i < n; i++) blocklistEnd += 8 + Number(view.getBigUint64(blocklistEnd, true));
    // Everything after the blocklist (allowlist, health, threshold, backoff table) is as it was.
    const grown = newGovernor.length - oldGovernor.length;
    expect(Buffer.from(newGovernor.subarray(blocklistEnd + grown)).equals(Buffer.from(oldGovernor.subarray(blocklistEnd)))).toBe(true);
    // The blocklist itself: the model's peers by text, then the two entries that do not parse.
    const again = readNodeSnapshot(out);
    const blocked = canonicalLists(again.snapshot).blocklist.length;
    expect(again.warnings.filter((w) => w.path.includes("blocklist")).map((w) => w.path)).toEqual([
      `transient.framework.peer_governor.blocklist[${blocked}]`,
      `transient.framework.peer_governor.blocklist[${blocked + 1}]`,
    ]);
    const reader = new Reader(out, start);
    const rawBlocklist = read(PEER_GOVERNOR, reader) as { blocklist: Uint8Array[] };
    const texts = rawBlocklist.blocklist.slice(0, blocked).map((peer) => PeerId.fromBytes(peer).text);
    expect(texts).toEqual([...texts].sort());
  });

  it("hand-edited: opening the allowlist drops its bad entries with it (None has no entries)", () => {
    const first = readNodeSnapshot(loadFixture("hand-edited").bytes);
    first.snapshot.governor.setAllowlist(null);
    const again = readNodeSnapshot(first.encode(first.snapshot));
    expect(again.snapshot.governor.allowlist()).toBeNull();
    expect(again.warnings.some((w) => w.path.includes("allowlist"))).toBe(false);
    expect(again.warnings.filter((w) => w.message.includes("do not parse"))).toHaveLength(6);
  });

  it("peers whose bytes differ only where the read's hash does not look are still two peers", () => {
    const first = readNodeSnapshot(loadFixture("empty").bytes);
    const digest = (byte: number): Uint8Array =>
      Uint8Array.from([0x12, 0x20, ...Array.from({ length: 32 }, (_, i) => (i === 3 ? byte : 7))]);
    const one = PeerId.fromBytes(digest(1));
    const two = PeerId.fromBytes(digest(2));
    first.snapshot.governor.block(one);
    first.snapshot.governor.block(two);
    first.snapshot.governor.recordFailure(two, 5n);
    first.snapshot.governor.recordFailure(one, 6n);
    const again = readNodeSnapshot(first.encode(first.snapshot));
    expect(restoredOf(again.snapshot)).toEqual(restoredOf(first.snapshot));
    expect(again.snapshot.governor.peerHealth(one)?.lastEventNs).toBe(6n);
    expect(again.snapshot.governor.peerHealth(two)?.lastEventNs).toBe(5n);
  });

  it("allowlist-empty: Some([]) stays closed and admits nobody", () => {
    const first = readNodeSnapshot(loadFixture("allowlist-empty").bytes);
    const again = readNodeSnapshot(first.encode(first.snapshot));
    expect(again.snapshot.governor.allowlistSize()).toBe(0);
    expect(again.snapshot.governor.checkInbound(NEW_PEER)).toEqual({ kind: "deny", reason: { kind: "not_allowlisted" } });
  });

  it("a repeated peer: the last entry wins, and is written once", () => {
    const fixture = loadFixture("hand-edited");
    const first = readNodeSnapshot(fixture.bytes);
    const again = readNodeSnapshot(first.encode(first.snapshot));
    const restored = fixture.restored as Exclude<Restored, { error: string }>;
    expect(restoredOf(again.snapshot)).toEqual({ ...restored, failure_threshold: "1" });
    expect(canonicalLists(again.snapshot).health).toHaveLength(restored.health.length);
  });
});

describe("errors name the field and the byte", () => {
  const small = (): Uint8Array => loadFixture("small").bytes.slice();

  it("a truncated file: the field that runs out and where", () => {
    const bytes = small().subarray(0, 4528);
    const error = errorOf(() => readNodeSnapshot(bytes));
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).message).toMatch(/^truncated: .* needs \d+ bytes?, \d+ left \(at byte \d+\)$/);
  });

  it("a length of 2^63 fails at once, before anything is allocated", () => {
    const bytes = small();
    const [start] = readNodeSnapshot(bytes).node.governorRange;
    new DataView(bytes.buffer).setBigUint64(start, 1n << 63n, true); // the blocklist's count
    const error = errorOf(() => readNodeSnapshot(bytes)) as SnapshotError;
    expect(error).toBeInstanceOf(SnapshotError);
    expect(error.path).toBe("transient.framework.peer_governor.blocklist");
    expect(error.message).toBe(
      `length 9223372036854775808 (peers of at least 8 bytes each) exceeds the ${bytes.length - start - 8} bytes left (at byte ${start})`,
    );
  });

  it("a bad bool, Option tag or enum index inside the governor and elsewhere", () => {
    const bytes = small();
    const [start] = readNodeSnapshot(bytes).node.governorRange;
    const view = new DataView(bytes.buffer);
    const blocked = Number(view.getBigUint64(start, true));
    let at = start + 8;
    for (let i = 0; i < blocked; i++) at += 8 + Number(view.getBigUint64(at, true));
    const optionTag = bytes.slice();
    optionTag[at] = 2;
    const error = errorOf(() => readNodeSnapshot(optionTag)) as SnapshotError;
    expect(error.path).toBe("transient.framework.peer_governor.allowlist");
    expect(error.message).toBe(`invalid Option tag 2 (0 = None or 1 = Some expected) (at byte ${at})`);
    // health[0][3], the down flag: after the allowlist's None tag and health's count.
    const healthAt = at + 1 + 8;
    const peerLength = Number(view.getBigUint64(healthAt, true));
    const downAt = healthAt + 8 + peerLength + 4 + 8;
    const badBool = bytes.slice();
    badBool[downAt] = 7;
    const boolError = errorOf(() => readNodeSnapshot(badBool)) as SnapshotError;
    expect(boolError.path).toBe("transient.framework.peer_governor.health[0][3]");
    expect(boolError.message).toBe(`invalid bool 7 (0 or 1 expected) (at byte ${downAt})`);
  });
});
