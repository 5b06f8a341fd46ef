/** validate reports every problem: capped lines with a count of the rest, a --json document, file indices. */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { cli, tempDir } from "./terminal-helpers.js";

const root = tempDir("bbgov-validate-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Writes `document` to a new file and returns its path. */
function write(document: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(root, "t-")), "governor.json");
  fs.writeFileSync(file, typeof document === "string" ? document : `${JSON.stringify(document, null, 2)}\n`);
  return file;
}

const peer = (n: number): string => PeerId.fromU64(BigInt(n)).text;

/** A snapshot with 300 health entries, every third one broken in a different way. */
function manyErrors(): { file: string; broken: number[] } {
  const broken: number[] = [];
  const health = Array.from({ length: 300 }, (_, index) => {
    if (index % 3 !== 1) return { peer: peer(index + 1), consecutive_failures: 1, last_event_ns: "5", down: false };
    broken.push(index);
    return index % 2 === 0
      ? { peer: "not-a-peer!", consecutive_failures: 1, last_event_ns: "5", down: false }
      : { peer: peer(index + 1), consecutive_failures: -1, last_event_ns: "5", down: false };
  });
  return { file: write({ spec_version: 1, clock_ns: "x", peer_governor: { health } }), broken };
}

describe("validate with many errors", () => {
  it("lists the first 50 with the count of the rest, exit 2, file untouched", async () => {
    const { file, broken } = manyErrors();
    const before = fs.readFileSync(file);
    const result = await cli(["-s", file, "validate"]);
    expect(result.status).toBe(2);
    const total = broken.length + 1; // and clock_ns
    expect(result.stdout).toContain(`invalid: ${file}: ${total} error(s)`);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.filter((line) => line.startsWith("  ✗ "))).toHaveLength(50);
    expect(lines.at(-1)).toBe(`  … and ${total - 50} more error(s) (--all or --json lists them)`);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    const all = await cli(["-s", file, "validate", "--all"]);
    expect(all.stdout.split("\n").filter((line) => line.startsWith("  ✗ "))).toHaveLength(total);
  });

  it("names each entry by its index in the file, even after earlier errors", async () => {
    const { file, broken } = manyErrors();
    const doc = JSON.parse((await cli(["-s", file, "--json", "validate"])).stdout) as {
      valid: boolean;
      errors: { path: string }[];
      counts: unknown;
    };
    expect(doc.valid).toBe(false);
    expect(doc.counts).toBeNull();
    expect(doc.errors[0]?.path).toBe("clock_ns");
    const healthPaths = doc.errors.slice(1).map((error) => error.path.replace(/\.(peer|consecutive_failures)$/, ""));
    expect(healthPaths).toEqual(broken.map((index) => `peer_governor.health[${index}]`));
  });

  it("--json prints the document on stdout for an invalid file, exit 2", async () => {
    const result = await cli(["-s", write('{"spec_version": 1, "bogus": 1, "clock_ns": -1}'), "--json", "validate"]);
    expect(result.status).toBe(2);
    const doc = JSON.parse(result.stdout) as { errors: { path: string; message: string }[] };
    expect(doc.errors.map((error) => error.path)).toEqual(["bogus", "clock_ns"]);
  });

  it("stops at errors that leave nothing to check (not JSON, wrong version)", async () => {
    for (const text of ["spec_version: 1", '{"spec_version": 2, "bogus": 1}']) {
      const result = await cli(["-s", write(text), "--json", "validate"]);
      expect(result.status).toBe(2);
      expect((JSON.parse(result.stdout) as { errors: unknown[] }).errors).toHaveLength(1);
    }
  });

  it("reports a duplicate with the file index of its first occurrence", async () => {
    const file = write({ spec_version: 1, peer_governor: { blocklist: ["0OIl", peer(1), peer(1)] } });
    const doc = JSON.parse((await cli(["-s", file, "--json", "validate"])).stdout) as { errors: { path: string; message: string }[] };
    expect(doc.errors[1]).toEqual({ path: "peer_governor.blocklist[2]", message: `duplicate peer "${peer(1)}" (already at index 1)` });
  });
});

describe("validate findings of a valid file", () => {
  it("name the file's own index, not the sorted one", async () => {
    const [high, low] = [peer(3), peer(2)].sort().reverse() as [string, string];
    const file = write({
      spec_version: 1,
      clock_ns: "10",
      backoff_table: [
        { peer: high, attempts: 1, last_attempt_ns: "1", next_retry_ns: "2" },
        { peer: low, attempts: 0, last_attempt_ns: "1", next_retry_ns: "2" },
      ],
    });
    const result = await cli(["-s", file, "validate"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      `${low} has a backoff entry with 0 attempts (upstream creates entries at 1) (backoff_table[1].attempts)`,
    );
  });
});

describe("validate on a node snapshot names each finding where its entry stands in the file", () => {
  it("lint's findings get the file's own paths (its order, skipped entries counted), as restore's warnings do", async () => {
    const { Reader, Writer, read, write } = await import("../../src/snapshot/bincode.js");
    const { NODE_SNAPSHOT } = await import("../../src/snapshot/node-schema.js");
    type Value = Parameters<typeof write>[1];
    const small = fs.readFileSync(path.resolve(__dirname, "../../fixtures/node/small.bin"));
    const value = read(NODE_SNAPSHOT, new Reader(small)) as {
      transient: { framework: { peer_governor: { blocklist: Value[]; allowlist: Value; health: Value[] }; backoff_table: Value[] } };
    };
    const governor = value.transient.framework.peer_governor;
    const bytesOf = (n: number): Uint8Array => PeerId.fromU64(BigInt(n)).bytes;
    // In hash order (not by text), with a skipped entry first in each list; peer 9 is down with 0 failures, peer 8 has
    // a backoff entry of 0 attempts, peer 7 is both blocklisted and allowlisted.
    governor.blocklist = [bytesOf(7)];
    governor.allowlist = [Uint8Array.from([1, 2, 3]), bytesOf(5), bytesOf(7)];
    governor.health = [
      [Uint8Array.from([1]), 1, 5n, false],
      [bytesOf(9), 0, 5n, true],
      [bytesOf(3), 1, 5n, false],
      [bytesOf(9), 0, 6n, true],
    ];
    value.transient.framework.backoff_table = [
      { peer: bytesOf(8), attempts: 0, last_attempt_ns: 5n, next_retry_ns: 6n },
      { peer: bytesOf(2), attempts: 1, last_attempt_ns: 5n, next_retry_ns: 6n },
    ];
    const writer = new Writer();
    write(NODE_SNAPSHOT, value as unknown as Value, writer);
    const file = path.join(fs.mkdtempSync(path.join(root, "n-")), "node.snap");
    fs.writeFileSync(file, writer.result());
    const result = await cli(["--json", "-s", file, "validate"]);
    expect(result.status).toBe(0);
    const { findings } = JSON.parse(result.stdout) as { findings: { path: string; message: string }[] };
    const about = (n: number): string[] => findings.filter((f) => f.message.startsWith(peer(n))).map((f) => f.path);
    expect(about(7)).toEqual(["transient.framework.peer_governor.allowlist[2]"]);
    // A repeated peer: the entry restore keeps (the last).
    expect(about(9)).toEqual(["transient.framework.peer_governor.health[3][3]"]);
    expect(about(8)).toEqual(["transient.framework.backoff_table[0].attempts"]);
  });
});

describe("validate on a node snapshot names a finding about a list itself by the list's path in the file", () => {
  it("an empty allowlist", async () => {
    const result = await cli(["--json", "-s", path.resolve(__dirname, "../../fixtures/node/allowlist-empty.bin"), "validate"]);
    expect(result.status).toBe(0);
    const { findings } = JSON.parse(result.stdout) as { findings: { path: string; message: string }[] };
    expect(findings.filter((f) => f.message.startsWith("the allowlist is empty")).map((f) => f.path)).toEqual([
      "transient.framework.peer_governor.allowlist",
    ]);
  });
});

describe("validate: an invalid file is an error, said in one line on standard error (contract: exit codes, errors)", () => {
  it("names the first error and its path after the report, also under -q and --json; a valid file says nothing there", async () => {
    const file = write('{"spec_version": 1, "bogus": 1, "clock_ns": -1}');
    const line = `bbgov: unknown key "bogus" in the top level (known keys: $schema, spec_version, clock_ns, peer_governor, backoff, backoff_table), and 1 more error(s) (${file}: bogus)\n`;
    for (const globals of [[], ["-q"], ["--json"]]) {
      const result = await cli([...globals, "-s", file, "validate"]);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(line);
    }
    expect((await cli(["-q", "-s", file, "validate"])).stdout).toBe("");
    const one = write({ spec_version: 1, peer_governor: { blocklist: [peer(1), peer(1)] } });
    const single = await cli(["-s", one, "validate"]);
    expect(single.stderr).toBe(`bbgov: duplicate peer "${peer(1)}" (already at index 0) (${one}: peer_governor.blocklist[1])\n`);
    // The same line another command prints for that file.
    expect((await cli(["-s", one, "inspect"])).stderr).toBe(single.stderr);
    const valid = await cli(["-s", write({ spec_version: 1 }), "validate"]);
    expect([valid.status, valid.stderr]).toEqual([0, ""]);
  });
});
