/**
 * Every command on a node's own snapshot (upstream's bincode NodeSnapshot,
 * the fixtures in fixtures/node made by upstream's code) and on a framework
 * snapshot (serde JSON), in process through `execute`: the same state as the
 * same command on the equivalent bbgov snapshot, every byte outside the
 * governor kept, nothing written when nothing changed, clean refusals.
 */
import { fileURLToPath } from "node:url";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { parse as parseLossless } from "lossless-json";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { cliBytes as run, type BytesResult as Result } from "./helpers.js";
import { PeerId } from "../../src/core/peer-id.js";
import { encodeSnapshot } from "../../src/snapshot/encode.js";
import { openSnapshot } from "../../src/snapshot/kinds.js";
import { readNodeSnapshot } from "../../src/snapshot/node.js";

const FIXTURES = fileURLToDir("../../fixtures/node/");
const RESTORABLE = ["empty", "small", "allowlist-some", "allowlist-empty", "heavy-300k", "hand-edited", "trailing-bytes"];

function fileURLToDir(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

/** Runs `execute` in process with `stdin` and an environment of only `env`. */
function cli(args: readonly string[], stdin?: Uint8Array, env: Record<string, string> = {}, tty = false): Promise<Result> {
  return run(args, { ...(stdin === undefined ? {} : { input: stdin }), env, tty });
}

async function ok(args: readonly string[]): Promise<string> {
  const result = await cli(args);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-node-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let dir = "";
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(root, "t-"));
});

const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, `${name}.bin`));

/** What upstream decoded from a fixture (its JSON rendering), numbers kept exact. */
function rendering(name: string): { governor_bytes: [number, number]; snapshot: Record<string, unknown> } {
  const file = path.join(FIXTURES, `${name}.json`);
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : gunzipSync(fs.readFileSync(`${file}.gz`)).toString("utf8");
  return parseLossless(text) as never;
}

function copy(name: string, as = "node.snap"): string {
  const target = path.join(dir, as);
  fs.writeFileSync(target, fixture(name));
  return target;
}

/**
 * The governor part of any snapshot, as a bbgov snapshot document (for comparing kinds): the file opened
 * as its kind and encoded as `export --to bbgov-json` encodes it (in process: it runs after every command).
 */
async function governorOf(file: string): Promise<unknown> {
  const bytes = fs.readFileSync(file);
  const { snapshot } = openSnapshot({ bytes, text: () => bytes.toString("utf8") });
  const doc = JSON.parse(encodeSnapshot(snapshot)) as Record<string, unknown>;
  return { peer_governor: doc.peer_governor, backoff_table: doc.backoff_table };
}

function expectOutsideKept(before: Buffer, after: Buffer): void {
  const [start, end] = readNodeSnapshot(before).node.governorRange;
  const suffix = before.length - end;
  expect(after.subarray(0, start).equals(before.subarray(0, start))).toBe(true);
  expect(after.subarray(after.length - suffix).equals(before.subarray(end))).toBe(true);
}

const P = "16uZAbWC1AJvL"; // PeerId::from(1), in no fixture
const CHANGES: readonly (readonly string[])[] = [
  ["block", P],
  ["threshold", "2"],
  ["fail", P, "--times", "3", "--every", "1s"],
  ["advise", P, "30s"],
  ["apply", "SCRIPT"],
];

describe("every changing command on a node snapshot", () => {
  for (const name of RESTORABLE) {
    it(`${name}: the same state as on the equivalent bbgov snapshot; bytes outside the governor kept`, async () => {
      const node = copy(name);
      const json = path.join(dir, "governor.json");
      fs.writeFileSync(json, await ok(["-s", node, "export", "--to", "bbgov-json"]));
      fs.writeFileSync(path.join(dir, "script"), `block ${P}\nfail ${P} --times 2\nsucceed ${P}\nthreshold 7\n`);
      const known = [...readNodeSnapshot(fixture(name)).snapshot.governor.iterHealth()].map((entry) => entry.peer.text);
      const peer = known[0] ?? P;
      for (const change of [...CHANGES, ["unblock", peer], ["succeed", peer], ["reset", peer], ["allow", "--open"]]) {
        const args = change.map((word) => (word === "SCRIPT" ? path.join(dir, "script") : word));
        const before = fs.readFileSync(node);
        const onNode = await cli(["-s", node, ...args]);
        const onJson = await cli(["-s", json, ...args]);
        expect([onNode.status, onNode.stderr.includes("bbgov: ") && !onNode.stderr.includes("warning")], args.join(" ")).toEqual([
          onJson.status,
          false,
        ]);
        expect(await governorOf(node), args.join(" ")).toEqual(await governorOf(json));
        expectOutsideKept(before, fs.readFileSync(node));
      }
    });
  }

  it("commands that change nothing leave the file byte-identical", async () => {
    const node = copy("small");
    const before = fs.readFileSync(node);
    const blocked = [...readNodeSnapshot(before).snapshot.governor.blocklist()][0]?.text as string;
    for (const args of [
      ["unblock", P],
      ["block", blocked],
      ["threshold", "5"],
      ["reset", P],
      ["allow", "--open"],
      ["clock"],
      ["backoff"],
    ]) {
      const result = await cli(["-s", node, ...args]);
      expect(result.status, `${args.join(" ")}: ${result.stderr}`).toBe(0);
      expect(result.stdout).not.toContain("wrote");
      expect(fs.readFileSync(node).equals(before), args.join(" ")).toBe(true);
    }
  });

  it("entries restore skips (hand-edited.bin) survive an edit as they were; the last repeated entry wins", async () => {
    const node = copy("hand-edited");
    const skipped = (bytes: Buffer) =>
      readNodeSnapshot(bytes).warnings.filter((w) => w.message.startsWith("peer bytes do not parse")).length;
    const before = fs.readFileSync(node);
    expect(skipped(before)).toBe(7);
    await ok(["-s", node, "-q", "block", P]);
    const after = fs.readFileSync(node);
    expect(skipped(after)).toBe(7);
    expect(readNodeSnapshot(after).snapshot.governor.isBlocked(PeerId.parse(P))).toBe(true);
    expectOutsideKept(before, after);
  });
});

describe("what a node snapshot cannot hold, and files upstream refuses", () => {
  it("clock --set / --advance and backoff --base / --max: exit 2 with the reason; the file untouched", async () => {
    const node = copy("small");
    const before = fs.readFileSync(node);
    for (const args of [
      ["clock", "--set", "5"],
      ["clock", "--advance", "1s"],
      ["backoff", "--base", "20ms"],
      ["backoff", "--max", "1m"],
    ]) {
      const result = await cli(["-s", node, ...args]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^bbgov: a node snapshot holds no (clock|backoff schedule)\b.+\n$/);
      expect(fs.readFileSync(node).equals(before)).toBe(true);
    }
    // Given --host-backoff, the answer still reads right: nothing to set in the file, the host's schedule comes from it.
    const hosted = await cli(["-s", node, "--host-backoff", "20ms,2m", "backoff", "--base", "20ms"]);
    expect(hosted.status).toBe(2);
    expect(hosted.stderr).toBe(
      "bbgov: a node snapshot holds no backoff schedule to set: the schedule is the host's setting, which bbgov takes from --host-backoff BASE,MAX (--base)\n",
    );
  });

  it("--host-backoff gives the host's schedule: a failure's next retry follows it", async () => {
    const node = copy("small");
    const doc = JSON.parse(await ok(["-s", node, "--host-backoff", "1s,1m", "--json", "fail", P, "--times", "2"])) as {
      events: { at_ns: string; backoff: { next_retry_ns: string } }[];
    };
    const delays = doc.events.map((event) => BigInt(event.backoff.next_retry_ns) - BigInt(event.at_ns));
    expect(delays).toEqual([1_000_000_000n, 2_000_000_000n]);
    const inspect = JSON.parse(await ok(["-s", node, "--host-backoff", ",30s", "--json", "inspect"])) as {
      backoff: { base_ns: string; max_delay_ns: string };
    };
    expect(inspect.backoff).toEqual({ base_ns: "10000000", max_delay_ns: "30000000000" });
    const bad = await cli(["-s", node, "--host-backoff", "1s,2s,3s", "inspect"]);
    expect(bad.status).toBe(2);
  });

  it("--host-backoff with a value upstream clamps, or a base above the max: one warning each, once for a fleet", async () => {
    const node = copy("small");
    const clamped = await cli(["-s", node, "--host-backoff", "0,0", "backoff"]);
    expect(clamped.status).toBe(0);
    expect(clamped.stdout.toString()).toContain("backoff base 1 ns (1 ns), max 1 ns (1 ns)");
    expect(clamped.stderr.toString()).toBe(
      "bbgov: warning: --host-backoff: a backoff base of 0 becomes 1 ns (the upstream clamp)\n" +
        "bbgov: warning: --host-backoff: a backoff max of 0 becomes 1 ns (the upstream clamp)\n",
    );
    // The max left out is the host's default (1 m): 2 m is above it.
    const above = await cli(["-s", node, "--host-backoff", "2m", "inspect"]);
    expect(above.stderr.toString()).toBe(
      "bbgov: warning: --host-backoff: the backoff base 2 m is above the max 1 m: every delay is the max\n",
    );
    const fleet = await cli(["-s", node, "-s", copy("allowlist-some", "other.snap"), "--host-backoff", "0", "inspect"]);
    expect(fleet.status).toBe(0);
    expect(fleet.stderr.toString()).toBe("bbgov: warning: --host-backoff: a backoff base of 0 becomes 1 ns (the upstream clamp)\n");
    expect((await cli(["-q", "-s", node, "--host-backoff", "0", "inspect"])).stderr.toString()).toBe("");
    expect((await cli(["-s", node, "--host-backoff", "5ms,1s", "inspect"])).stderr.toString()).toBe("");
  });

  it("--host-backoff's clamp warnings are in the --json document's warnings too, said once on stderr (review 12)", async () => {
    const node = copy("small");
    const result = await cli(["-s", node, "--json", "--dry-run", "--host-backoff", "0,1s", "block", "16uZAbWC1AJvL"]);
    expect(result.status).toBe(0);
    const warning = "--host-backoff: a backoff base of 0 becomes 1 ns (the upstream clamp)";
    expect((JSON.parse(result.stdout.toString()) as { warnings: string[] }).warnings).toEqual([warning]);
    expect(result.stderr.toString()).toBe(`bbgov: warning: ${warning}\n`);
  });

  it("--host-backoff on a file that stores its own schedule is ignored, with a warning that says what to use", async () => {
    const made = path.join(path.dirname(copy("small")), "made.json");
    const imported = await cli(["--host-backoff", "20ms,2m", "-s", made, "import", copy("small")]);
    expect(imported.status).toBe(0);
    expect(imported.stderr).toContain(
      `bbgov: warning: --host-backoff ignored: ${made} stores its own backoff schedule (import takes --backoff-base and --backoff-max)\n`,
    );
    const inspected = await cli(["--host-backoff", "20ms,2m", "-s", made, "inspect"]);
    expect(inspected.stderr).toContain(`--host-backoff ignored: ${made} stores its own backoff schedule (see bbgov backoff)\n`);
  });

  it("validate on a node snapshot uses --host-backoff and does not call it ignored (it said the file stored a schedule)", async () => {
    const node = copy("small");
    const validated = await cli(["--host-backoff", "1m,1s", "-s", node, "validate"]);
    // The host's max of 1 s is what an entry's retry delay is held to.
    expect(validated.stdout.toString()).toContain("exceeds max_delay_ns 1000000000");
    expect(validated.stderr.toString()).toBe(
      "bbgov: warning: --host-backoff: the backoff base 1 m is above the max 1 s: every delay is the max\n",
    );
    // A bbgov snapshot validated does store one: that warning stays.
    const made = path.join(path.dirname(node), "made.json");
    expect((await cli(["-s", made, "import", node])).status).toBe(0);
    expect((await cli(["--host-backoff", "20ms,2m", "-s", made, "validate"])).stderr.toString()).toBe(
      `bbgov: warning: --host-backoff ignored: ${made} stores its own backoff schedule (see bbgov backoff)\n`,
    );
  });

  for (const [name, got] of [
    ["spec-version-2", 2],
    ["default-spec0", 0],
  ] as const) {
    it(`${name}: every command refuses it as upstream's restore does, nothing written`, async () => {
      const node = copy(name);
      const before = fs.readFileSync(node);
      for (const args of [["inspect"], ["block", P]]) {
        const result = await cli(["-s", node, ...args]);
        expect(result.status).toBe(2);
        expect(result.stderr).toBe(
          `bbgov: SpecVersionMismatch { got: ${got}, expected: 1 }: upstream's restore refuses this snapshot (${node}: transient.framework.spec_version)\n`,
        );
      }
      // validate reports the refusal as the file's error, on standard output.
      const validate = await cli(["-s", node, "validate"]);
      expect(validate.status).toBe(2);
      expect(validate.stdout).toContain(
        `SpecVersionMismatch { got: ${got}, expected: 1 }: upstream's restore refuses this snapshot (transient.framework.spec_version)`,
      );
      expect(fs.readFileSync(node).equals(before)).toBe(true);
    });
  }

  it("truncated and damaged files: one clean line, exit 2, the file untouched", async () => {
    const whole = fixture("small");
    for (const cut of [9, 20, 100, 4600, whole.length - 300]) {
      const node = path.join(dir, `cut-${cut}.snap`);
      fs.writeFileSync(node, whole.subarray(0, cut));
      const result = await cli(["-s", node, "block", P]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^bbgov: [^\n]+ \(.+: [^\n]+\)\n$/);
      expect(result.stderr).toMatch(cut < 16 ? /not a snapshot: \d+ bytes of binary data/ : /byte \d+/);
      expect(fs.readFileSync(node).equals(whole.subarray(0, cut))).toBe(true);
    }
    const huge = Buffer.from(whole);
    huge.writeBigUInt64LE(0xffff_ffffn, 8); // config.peer_id's length: far beyond the file
    const node = path.join(dir, "huge.snap");
    fs.writeFileSync(node, huge);
    const result = await cli(["-s", node, "inspect"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("config.peer_id");
  });
});

describe("inspect shows which node it is", () => {
  it("the node's own peer id, incarnation, spec_version and the other sections; the clock is the latest event", async () => {
    const node = copy("small");
    const text = await ok(["-s", node, "inspect"]);
    const read = readNodeSnapshot(fixture("small"));
    expect(text).toMatch(new RegExp(`node +${read.node.peerId?.text}, incarnation 4, spec_version 1`));
    expect(text).toMatch(/holds +1 graph \(1\.2 KB\), 4 components \(1\.8 KB\), other state/);
    expect(text).toMatch(/clock +1764013179194320461 .+\(the latest event in the file\)/);
    const doc = JSON.parse(await ok(["-s", node, "--json", "inspect"])) as Record<string, unknown> & {
      node: { peer_id: string; incarnation: string; spec_version: number; governor_bytes: number[]; sections: { name: string }[] };
    };
    expect(doc.kind).toBe("node-snapshot");
    expect(doc.node.peer_id).toBe(read.node.peerId?.text);
    expect(doc.node.incarnation).toBe("4");
    expect(doc.node.spec_version).toBe(1);
    expect(doc.node.governor_bytes).toEqual(rendering("small").governor_bytes.map(Number));
    expect(doc.node.sections.map((section) => section.name)).toContain("transient.framework.address_book");
    expect(doc.clock_ns).toBe("1764013179194320461");
    const plain = JSON.parse(await ok(["-s", path.join(FIXTURES, "../example.json"), "--json", "inspect"])) as Record<string, unknown>;
    expect([plain.kind, plain.node]).toEqual(["bbgov-json", null]);
  });
});

describe("framework-json files and export / import", () => {
  it("export --to framework-json from a node: a complete FrameworkSnapshot with the node's own fields", async () => {
    const node = copy("small");
    const out = await ok(["-s", node, "export"]);
    const keys = Object.keys(JSON.parse(out) as object);
    expect(keys).toEqual([
      "counters",
      "fired_phases",
      "address_book",
      "peer_governor",
      "backoff_table",
      "pending_outbound",
      "peer_id_bytes",
      "next_command_id",
      "next_exec_id",
      "spec_version",
    ]);
    const framework = (rendering("small").snapshot.transient as Record<string, Record<string, unknown>>).framework as Record<
      string,
      unknown
    >;
    const exported = parseLossless(out) as Record<string, unknown>;
    const plain = (value: unknown): string =>
      JSON.stringify(value, (_key, item: unknown) =>
        typeof item === "object" && item !== null && "isLosslessNumber" in item ? String(item) : item,
      );
    const counters = Object.fromEntries(framework.counters as [string, unknown][]);
    expect(plain(exported.counters)).toBe(plain(counters));
    for (const key of ["fired_phases", "address_book", "pending_outbound", "peer_id_bytes", "next_command_id", "next_exec_id"]) {
      expect(plain(exported[key]), key).toBe(plain(framework[key]));
    }
  });

  it("a framework-json file is edited in place: every other field kept exactly, numbers included", async () => {
    const node = copy("small");
    const exported = (await ok(["-s", node, "export"])).trimEnd();
    const text = `${exported.slice(0, -1)},"future_field":{"ratio":1.50,"big":18446744073709551615, "spaced" : [ 1 ,2 ]}}\n`;
    const file = path.join(dir, "framework.json");
    fs.writeFileSync(file, text);
    const before = fs.readFileSync(file, "utf8");
    await ok(["-s", file, "-q", "block", P]);
    const after = fs.readFileSync(file, "utf8");
    expect(after).not.toBe(before);
    expect(after.slice(after.indexOf(',"pending_outbound"'))).toBe(before.slice(before.indexOf(',"pending_outbound"')));
    expect(after.slice(0, after.indexOf('"peer_governor"'))).toBe(before.slice(0, before.indexOf('"peer_governor"')));
    expect((await cli(["-s", file, "check", P])).status).toBe(1);
    // A no-op on it changes no byte; the clock cannot be set.
    await ok(["-s", file, "-q", "block", P]);
    expect(fs.readFileSync(file, "utf8")).toBe(after);
    expect((await cli(["-s", file, "clock", "--set", "1"])).status).toBe(2);
  });

  it("import reads a node snapshot into a bbgov snapshot: the same state, clock at the latest event", async () => {
    const node = copy("hand-edited");
    const target = path.join(dir, "governor.json");
    const result = await cli(["-s", target, "--json", "import", node]);
    expect(result.status, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { from: string; skipped: unknown[]; written: boolean };
    expect(doc.from).toBe("node-snapshot");
    expect(doc.skipped).toHaveLength(7);
    expect(await governorOf(target)).toEqual(await governorOf(node));
    const strict = await cli(["-s", path.join(dir, "strict.json"), "import", node, "--strict"]);
    expect(strict.status).toBe(2);
    expect(fs.existsSync(path.join(dir, "strict.json"))).toBe(false);
  });

  it("-s - reads a node snapshot from standard input and writes the binary back to standard output", async () => {
    const bytes = fixture("trailing-bytes");
    const result = await cli(["-s", "-", "block", P], bytes);
    expect(result.status, result.stderr).toBe(0);
    const written = result.stdoutBytes;
    expectOutsideKept(bytes, written);
    expect(readNodeSnapshot(written).snapshot.governor.blocklistSize()).toBe(readNodeSnapshot(bytes).snapshot.governor.blocklistSize() + 1);
  });
});

describe("what loading finds, on a file with many entries restore skips", () => {
  // Contract, node snapshots: entries whose peer bytes do not parse are skipped "and reported, with their path and
  // byte offset, as warnings and by validate" (review 15; they were one warning naming neither).
  it("is one warning per skipped entry, with its path and byte, and one per clamp, in the file's order", async () => {
    const node = copy("hand-edited");
    const result = await cli(["-s", node, "inspect"]);
    expect(result.status).toBe(0);
    const warnings = result.stderr.trimEnd().split("\n");
    const skipped = (path: string, byte: number): string =>
      `: skipped as upstream's restore skips them, kept as they are on write (at byte ${byte}) (${node}: transient.framework.${path})`;
    expect(warnings).toHaveLength(8);
    expect(warnings[0]).toBe(`bbgov: warning: peer bytes do not parse (no bytes)${skipped("peer_governor.blocklist[2]", 5528)}`);
    expect(warnings[5]).toMatch(
      /^bbgov: warning: failure_threshold 0 loads as 1 .+ \(at byte 6461\) \(.+: transient\.framework\.peer_governor\.failure_threshold\)$/,
    );
    expect(warnings[7]).toBe(
      `bbgov: warning: peer bytes do not parse (bad digest length varint (not minimally encoded))${skipped("backoff_table[9].peer", 6966)}`,
    );
    expect(warnings.filter((line) => line.includes("peer bytes do not parse"))).toHaveLength(7);
    // --json carries the same lines.
    const doc = JSON.parse((await cli(["--json", "-s", node, "check", "16uZAbWC1AJvL"])).stdout) as object;
    expect(doc).not.toHaveProperty("warnings");
    const events = JSON.parse((await cli(["--json", "--dry-run", "-s", node, "fail", "16uZAbWC1AJvL"])).stdout) as { warnings: string[] };
    expect(events.warnings.map((line) => `bbgov: warning: ${line}`)).toEqual(warnings);
    const validate = await cli(["-s", node, "validate"]);
    expect(validate.stdout.match(/peer bytes do not parse/g)).toHaveLength(7);
  });
});

describe("a node snapshot at 80 columns", () => {
  it("inspect fits every line, the header included (the node's id and the clock's note say less)", async () => {
    const node = copy("small");
    const result = await cli(["-s", node, "inspect"], undefined, { COLUMNS: "80" });
    expect(result.status).toBe(0);
    for (const line of result.stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(result.stdout).toMatch(/node +12D3KooW…\w+, incarnation 4, spec_version 1\n/);
    expect(result.stdout).toMatch(/clock +1764013179194320461 \(2025-11-24 19:39:39\.194 UTC\) \(latest event\)\n/);
    const wide = await cli(["-s", node, "inspect"], undefined, { COLUMNS: "200" });
    expect(wide.stdout).toContain("(the latest event in the file)");
  });
});

describe("hostile and confusing files (found by an adversarial run)", () => {
  const write = (name: string, content: string | Uint8Array): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  it("a JSON object that is no snapshot is refused, not edited, however peer-like its insides", async () => {
    for (const [name, text] of [
      ["deps.json", '{"name":"x","deps":{"peer": [1,2]}}'],
      ["rendering.json", fs.readFileSync(path.join(FIXTURES, "small.json"), "utf8")],
    ] as const) {
      const file = write(name, text);
      for (const args of [["block", P], ["validate"]]) {
        const result = await cli(["-s", file, ...args]);
        expect(result.status, `${name} ${args[0]}`).toBe(2);
      }
      expect(fs.readFileSync(file, "utf8")).toBe(text);
    }
  });

  it("a governor-only upstream document stays upstream's shape when edited, empty lists included", async () => {
    const text =
      '{"spec_version":1,"peer_governor":{"blocklist":[],"allowlist":null,"health":[],"failure_threshold":3},"backoff_table":[]}';
    const file = write("up.json", text);
    expect((await cli(["-s", file, "-q", "block", P])).status).toBe(0);
    expect(fs.readFileSync(file, "utf8")).toBe(
      text.replace('"blocklist":[]', `${`"blocklist":[${[...PeerId.parse(P).bytes].join(",")}]`.replace("[0", "[[0")}]`),
    );
  });

  it("a framework snapshot that upstream's serde refuses is refused: wrong types, a missing field, a duplicate field", async () => {
    const base = JSON.parse((await ok(["-s", copy("small"), "export"])).trimEnd()) as Record<string, unknown>;
    const cases: [Record<string, unknown> | string, RegExp][] = [
      [{ ...base, counters: 5 }, /expected an object of counters \(name: u64\), got 5 \(.*: counters\)/],
      [{ ...base, fired_phases: "x" }, /expected an array of phase names, got "x" \(.*: fired_phases\)/],
      [{ ...base, next_command_id: -1 }, /-1 is not a u64: negative \(.*: next_command_id\)/],
      [{ ...base, peer_id_bytes: [999] }, /999 is not a byte: above 255 \(.*: peer_id_bytes\[0\]\)/],
      [Object.fromEntries(Object.entries(base).filter(([key]) => key !== "address_book")), /missing field `address_book`/],
      [
        JSON.stringify(base).replace('"failure_threshold":5', '"failure_threshold":5,"failure_threshold":7'),
        /duplicate field \(upstream's serde refuses it\) \(.*: peer_governor\.failure_threshold\)/,
      ],
    ];
    for (const [doc, message] of cases) {
      const text = typeof doc === "string" ? doc : JSON.stringify(doc);
      const file = write("fw.json", text);
      const result = await cli(["-s", file, "block", P]);
      expect(result.status, text.slice(0, 80)).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(fs.readFileSync(file, "utf8")).toBe(text);
    }
  });

  /** small.bin with `extra` more blocklist entries of no bytes (which restore skips). */
  const withEmptyBlocklistEntries = (extra: number): Buffer => {
    const bytes = Buffer.from(fixture("small"));
    const [start] = readNodeSnapshot(bytes).node.governorRange;
    const count = bytes.readBigUInt64LE(start);
    const grown = Buffer.concat([bytes.subarray(0, start), Buffer.alloc(8), Buffer.alloc(8 * extra), bytes.subarray(start + 8)]);
    grown.writeBigUInt64LE(count + BigInt(extra), start);
    return grown;
  };

  it("130,000 entries restore skips: the first 10 warned about, the rest counted, no stack overflow", async () => {
    const extra = 130_000;
    const check = await cli(["-s", write("many-bad.snap", withEmptyBlocklistEntries(extra)), "check", P]);
    expect(check.status, check.stderr).toBe(0);
    const lines = check.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(
      /^bbgov: warning: peer bytes do not parse \(no bytes\): .+ \(at byte \d+\) \(.+: transient\.framework\.peer_governor\.blocklist\[0\]\)$/,
    );
    expect(lines[10]).toMatch(
      new RegExp(
        `^bbgov: warning: ${extra - 10} more finding\\(s\\) while loading, ${extra - 10} of them entries whose peer bytes do not parse`,
      ),
    );
  });

  it("validate shows 50 findings and counts the rest (--all lists them)", async () => {
    const file = write("some-bad.snap", withEmptyBlocklistEntries(200));
    const validate = await cli(["-s", file, "validate"]);
    expect(validate.status).toBe(0);
    expect(validate.stdout).toContain("… and 150 more finding(s) (--all or --json lists them)");
    const all = await cli(["-s", file, "validate", "--all"]);
    expect(all.stdout.match(/peer bytes do not parse/g)).toHaveLength(200);
  });

  it("validate shows what a file says through the sanitiser", async () => {
    const base = JSON.parse((await ok(["-s", copy("small"), "export"])).trimEnd()) as { peer_governor: Record<string, unknown> };
    base.peer_governor["\u202e\u009b\u001b[31mX"] = 1;
    const file = write("esc.json", JSON.stringify(base));
    const result = await cli(["-s", file, "validate"]);
    expect(result.stdout).not.toMatch(/[\u001b\u009b\u202e]/);
    expect(result.stdout).toContain("ignored unknown key");
  });

  it("a document nested thousands deep inside an object is a clean error, not an internal one", async () => {
    const file = write("deep.json", `{"spec_version":1,"x":${"[".repeat(8000)}${"]".repeat(8000)}}`);
    const result = await cli(["-s", file, "inspect"]);
    expect(result.status).toBe(2);
    expect(result.stderr).not.toContain("internal error");
  });

  it("a huge length of the node's own peer id is named with its field and byte", async () => {
    const bytes = Buffer.from(fixture("small"));
    bytes.writeBigUInt64LE(1n << 63n, 8);
    const result = await cli(["-s", write("huge-id.snap", bytes), "inspect"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/\(at byte 8\) \(.+: config\.peer_id\)\n$/);
  });

  it("-s - does not pour a binary node snapshot onto a terminal", async () => {
    const result = await cli(["-s", "-", "block", P], fixture("small"), {}, true);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/standard output is a terminal, and a node snapshot is binary/);
    expect(result.stdoutBytes.length).toBe(0);
  });
});

describe("a fleet of node snapshots at 80 columns", () => {
  it("inspect fits every line: short ids first, then the time of day, then the latest event", async () => {
    const a = copy("small", "a.snap");
    const b = copy("allowlist-some", "b.snap");
    const result = await cli(["-s", a, "-s", b, "inspect", "--sort", "failures"], undefined, { COLUMNS: "80" });
    expect(result.status, result.stderr).toBe(0);
    for (const line of result.stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(result.stdout).toMatch(/│ 12D3KooW…\w{5} │/);
    // check and a change name each node in a table and a verdict: fitted too.
    const blocked = [...readNodeSnapshot(fixture("small")).snapshot.governor.blocklist()][0]?.text ?? P;
    for (const args of [
      ["check", blocked],
      ["--dry-run", "block", P],
    ]) {
      const shown = await cli(["-s", a, "-s", b, ...args], undefined, { COLUMNS: "80" });
      for (const line of shown.stdout.split("\n")) expect(line.length, `${args.join(" ")}: ${line}`).toBeLessThanOrEqual(80);
    }
    const wide = await cli(["-s", a, "-s", b, "inspect", "--sort", "failures"], undefined, { COLUMNS: "200" });
    expect(wide.stdout).toMatch(/LATEST EVENT/);
    expect(wide.stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC/);
  });
});

describe("inspect --watch", () => {
  it("is refused when standard output is no terminal (it would redraw into a pipe forever)", async () => {
    const node = copy("small");
    const result = await cli(["-s", node, "inspect", "--watch"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^bbgov: --watch redraws a terminal, and standard output is not one/);
    expect(result.stdoutBytes.length).toBe(0);
  });
});

describe("validate at 80 columns", () => {
  it("wraps each finding under its mark instead of running past the width", async () => {
    const node = copy("hand-edited");
    const result = await cli(["-s", node, "validate"], undefined, { COLUMNS: "80" });
    expect(result.status).toBe(0);
    for (const line of result.stdout.split("\n")) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(result.stdout).toMatch(/\n {2}! peer bytes do not parse/);
    expect(result.stdout).toMatch(/\n {4}\S/);
  });
});
