/**
 * A reviewer's attacks on the morning's "same output, faster" changes, from the command line: a fleet's
 * NDJSON rows through compactLines (odd node names, an exception while lines are made), and validate's
 * finding paths on a bbgov JSON file whose lists are not in canonical order (lint now places only its
 * findings at canonical indices; validate maps those to the file's own).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { compactLines } from "../../src/cli/render/json.js";
import { encodeSnapshot } from "../../src/snapshot/encode.js";
import { emptySnapshot } from "../../src/snapshot/model.js";
import { cli, tempDirs } from "./helpers.js";

const folders = tempDirs("bbgov-review-");
const replacer = (_key: string, value: unknown): unknown => (typeof value === "bigint" ? value.toString() : value);
const hasOwnToJson = (): boolean => Object.hasOwn(BigInt.prototype, "toJSON");

describe("compactLines when a line cannot be made", () => {
  it("takes BigInt.prototype.toJSON away again after an item throws", () => {
    const throwing = {
      get value(): bigint {
        throw new Error("a getter that throws");
      },
    };
    expect(() => compactLines([{ a: 1n }, throwing])).toThrow("a getter that throws");
    expect(hasOwnToJson()).toBe(false);
    // A toJSON that throws from inside V8's serializer too.
    const bad = { toJSON: (): never => Object.assign([], { length: -1 }) as never };
    expect(() => compactLines([bad])).toThrow(RangeError);
    expect(hasOwnToJson()).toBe(false);
  });

  it("an item whose toJSON makes lines itself: both texts as the replacer gives them, BigInt.prototype left clean", () => {
    const nested = { toJSON: () => compactLines([{ inner: 2n }]) };
    const items = [{ a: 1n, nested }];
    expect(compactLines(items)).toBe(`${JSON.stringify({ a: 1n, nested: `${JSON.stringify({ inner: 2n }, replacer)}\n` }, replacer)}\n`);
    expect(hasOwnToJson()).toBe(false);
  });
});

describe("a fleet's NDJSON rows with odd node names", () => {
  // Characters JSON escapes (quote, backslash, controls), one it does not (U+2028), bidi and a non-BMP one.
  const names = ['q"uote', "back\\slash", "ctl\u0001\u007f\ttab", "nl\nline", "u\u2028sep\u2029", "\u202ebidi", "\u{1F600}emoji"];

  it("every line is JSON.stringify of its row (u64 as strings) and names its node as the file is named", async () => {
    const dir = folders();
    const snapshot = emptySnapshot({ clockNs: 10n });
    const peer = PeerId.fromU64(7n);
    snapshot.governor.restoreHealth(peer, { consecutiveFailures: 2, lastEventNs: (1n << 64n) - 1n, down: false });
    snapshot.backoff.restoreState(peer, { attempts: 1, lastAttemptNs: 5n, nextRetryNs: 1n << 63n });
    for (const name of names) fs.writeFileSync(path.join(dir, `${name}.json`), encodeSnapshot(snapshot));
    const result = await cli(["-s", dir, "inspect", "--format", "ndjson"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(names.length);
    const seen = new Set<string>();
    for (const line of lines) {
      const row = JSON.parse(line) as Record<string, unknown>;
      // The compact text of the parsed row is the line itself: nothing but JSON.stringify's own escapes.
      expect(JSON.stringify(row)).toBe(line);
      expect(row).toMatchObject({ peer: peer.text, last_event_ns: "18446744073709551615", next_retry_ns: "9223372036854775808" });
      seen.add(row.node as string);
    }
    expect([...seen].sort()).toEqual(names.map((name) => `${name}.json`).sort());
    expect(hasOwnToJson()).toBe(false);
  });
});

describe("validate's finding paths on a file whose lists are in its own order", () => {
  it("each finding at a list index names the peer that stands there in the file, more than 16 a list too", async () => {
    const snapshot = emptySnapshot({ clockNs: 5n, backoff: { baseNs: 1n, maxDelayNs: 3n } });
    const peers = [
      ...Array.from({ length: 24 }, (_, i) => PeerId.fromU64(BigInt(i * 7919 + 1))),
      PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"),
      PeerId.parse("12D3KooWEVkTai2Aabvt8QUuN3fgUsbksh3Ru13KXYxKV7go7ktp"),
      PeerId.fromBytes(Uint8Array.from([0, 3, 1, 2, 3])),
    ];
    snapshot.governor.setAllowlist(peers.filter((_, i) => i % 2 === 0));
    peers.forEach((peer, i) => {
      if (i % 4 === 0) snapshot.governor.block(peer);
      snapshot.governor.restoreHealth(peer, { consecutiveFailures: 0, lastEventNs: i % 3 === 0 ? 9n : 1n, down: i % 5 !== 0 });
      snapshot.backoff.restoreState(peer, { attempts: i % 2, lastAttemptNs: 9n, nextRetryNs: i % 3 === 0 ? 1n : 20n });
    });
    // The file's lists reversed: valid, not in canonical order.
    const doc = JSON.parse(encodeSnapshot(snapshot)) as {
      peer_governor: { allowlist: string[]; health: { peer: string }[] };
      backoff_table: { peer: string }[];
    };
    doc.peer_governor.allowlist.reverse();
    doc.peer_governor.health.reverse();
    doc.backoff_table.reverse();
    const dir = folders();
    const file = path.join(dir, "own-order.json");
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    fs.writeFileSync(file, text);
    const result = await cli(["--json", "-s", file, "validate"]);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { findings: { path: string; message: string }[] };
    const inFile: Record<string, string[]> = {
      "peer_governor.allowlist": doc.peer_governor.allowlist,
      "peer_governor.health": doc.peer_governor.health.map((entry) => entry.peer),
      backoff_table: doc.backoff_table.map((entry) => entry.peer),
    };
    const perList = new Map<string, number>();
    for (const finding of report.findings) {
      const match = /^(peer_governor\.allowlist|peer_governor\.health|backoff_table)\[(\d+)\]/.exec(finding.path);
      if (match === null) continue;
      const [, list = "", index = ""] = match;
      expect(finding.message.startsWith((inFile[list] as string[])[Number(index)] as string), finding.path).toBe(true);
      perList.set(list, (perList.get(list) ?? 0) + 1);
    }
    expect(perList.get("peer_governor.health")).toBeGreaterThan(16);
    expect(perList.get("backoff_table")).toBeGreaterThan(16);
    expect(perList.get("peer_governor.allowlist")).toBeGreaterThan(0);
    // The clock's finding points into the file too: the first latest event (9, health before backoff) in canonical order.
    const clock = report.findings.find((finding) => finding.path === "clock_ns");
    const firstLatest = [...snapshot.governor.iterHealth()]
      .filter((entry) => entry.lastEventNs === 9n)
      .map((entry) => entry.peer.text)
      .sort()[0];
    expect(clock?.message).toContain(
      `at peer_governor.health[${inFile["peer_governor.health"]?.indexOf(firstLatest as string)}].last_event_ns`,
    );
    // And the file is left as it was.
    expect(fs.readFileSync(file, "utf8")).toBe(text);
  });
});
