/** End to end: `import` / `export` of the upstream framework snapshot, and CIDv1 peer ids on the command line. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectError, sandboxes, warnings } from "../helpers.js";

const sandbox = sandboxes();
const EXAMPLE = readFileSync(new URL("../../../fixtures/example.json", import.meta.url), "utf8");
const EXAMPLE_CLOCK = "1764000000123456789";

const B1 = "[0,8,0,0,0,0,0,0,0,1]"; // 16uZAbWC1AJvL
const B2 = "[0,8,0,0,0,0,0,0,0,2]"; // 16uZAbWC1AJvM
const B7 = "[0,8,0,0,0,0,0,0,0,7]"; // 16uZAbWC1AJvS

/** An upstream export with u64s a double would corrupt, in canonical (sorted) order. */
const UPSTREAM =
  `{"spec_version":1,"peer_governor":{"blocklist":[${B7}],"allowlist":[${B1},${B2}],` +
  `"health":[[${B1},1,9007199254740993,false],[${B2},6,18446744073709551615,true]],"failure_threshold":3},` +
  `"backoff_table":[{"peer":${B1},"attempts":2,"last_attempt_ns":9007199254740993,"next_retry_ns":18446744073709551615}]}\n`;

/** A complete FrameworkSnapshot around a governor-only export (upstream's defaults for the other fields). */
function complete(governorOnly: string): string {
  const governor = governorOnly.slice(governorOnly.indexOf('"peer_governor":'), governorOnly.lastIndexOf("}"));
  return `{"counters":{},"fired_phases":[],"address_book":[],${governor},"pending_outbound":[],"peer_id_bytes":[],"next_command_id":0,"next_exec_id":0,"spec_version":1}\n`;
}

describe("export", { timeout: 30_000 }, () => {
  it("prints the upstream JSON with exact u64 integers; -o writes it to a file instead", async () => {
    const box = sandbox();
    box.write("governor.json", EXAMPLE);
    const out = await box.ok(["export"]);
    expect(out).toMatch(/^\{"counters":\{\},"fired_phases":\[\],"address_book":\[\],"peer_governor":\{"blocklist":\[\[0,36,8,1,/);
    expect(out.endsWith(',"pending_outbound":[],"peer_id_bytes":[],"next_command_id":0,"next_exec_id":0,"spec_version":1}\n')).toBe(true);
    expect(out).toContain(",7,1763999998123415789,true]");
    expect(JSON.parse(out)).toHaveProperty("backoff_table");
    expect(await box.ok(["export", "--to", "framework-json", "-o", "up.json"])).toBe("");
    expect(box.read("up.json")).toBe(out);
    expect(box.read()).toBe(EXAMPLE);
  });

  it("prints the same with --json (the export is the document); warns that a custom schedule is not exported", async () => {
    const box = sandbox();
    await box.build([], ["--clock", "5", "--backoff-base", "1s"]);
    const result = await box.run(["--json", "export"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      complete('{"spec_version":1,"peer_governor":{"blocklist":[],"allowlist":null,"health":[],"failure_threshold":5},"backoff_table":[]}'),
    );
    expect(warnings(result.stderr)).toEqual([
      "the backoff schedule (base 1 s, max 1 m) is not part of the upstream snapshot and is not exported",
    ]);
  });

  it("--to bbgov-json gives the version-1 snapshot; other kinds are refused", async () => {
    const box = sandbox();
    const before = await box.build();
    expect(await box.ok(["export", "--to", "bbgov-json"])).toBe(before);
    expectError(await box.run(["export", "--to", "yaml"]), "Allowed choices are framework-json, bbgov-json");
  });
});

describe("import", { timeout: 30_000 }, () => {
  it("writes a v1 snapshot with exact u64 strings; the clock defaults to the latest event; export gives the text back", async () => {
    const box = sandbox();
    box.write("up.json", UPSTREAM);
    const out = await box.ok(["import", "up.json"]);
    expect(out).toContain("imported up.json (governor fields only)");
    expect(out).toMatch(/peers\s+3 distinct/);
    expect(out).toMatch(/health\s+2 entries, threshold 3/);
    expect(out).toMatch(/clock\s+18446744073709551615 \(the latest event in the file\)/);
    expect(out).toContain("wrote governor.json");
    const doc = box.doc();
    expect(doc.clock_ns).toBe("18446744073709551615");
    expect(doc.peer_governor.health).toEqual([
      { peer: "16uZAbWC1AJvL", consecutive_failures: 1, last_event_ns: "9007199254740993", down: false },
      { peer: "16uZAbWC1AJvM", consecutive_failures: 6, last_event_ns: "18446744073709551615", down: true },
    ]);
    expect(doc.peer_governor.allowlist).toEqual(["16uZAbWC1AJvL", "16uZAbWC1AJvM"]);
    expect(doc.backoff_table).toEqual([
      { peer: "16uZAbWC1AJvL", attempts: 2, last_attempt_ns: "9007199254740993", next_retry_ns: "18446744073709551615" },
    ]);
    expect(await box.ok(["validate"])).toContain("valid");
    expect(await box.ok(["export"])).toBe(complete(UPSTREAM));
  });

  it("v1 -> export -> import keeps everything but the clock, which --clock restores", async () => {
    const box = sandbox();
    box.write("example.json", EXAMPLE);
    box.write("up.json", await box.ok(["-s", "example.json", "export"]));
    await box.ok(["-q", "import", "up.json"]);
    const differs = await box.run(["diff", "example.json"]);
    expect(differs.status).toBe(1);
    expect(differs.stdout).toContain("clock_ns");
    expect(differs.stdout).toContain("1 difference(s)");
    await box.ok(["-q", "-s", "again.json", "import", "up.json", "--clock", EXAMPLE_CLOCK]);
    expect(box.read("again.json")).toBe(EXAMPLE);
  });

  it("import --clock before the file's latest event warns, as clock --set backwards does; at or after it, no warning", async () => {
    const box = sandbox();
    box.write("example.json", EXAMPLE);
    box.write("up.json", await box.ok(["-s", "example.json", "export"]));
    const latest = BigInt(
      (JSON.parse(await box.ok(["-s", "latest.json", "--json", "import", "up.json", "--dry-run"])) as { clock_ns: string }).clock_ns,
    );
    const early = await box.run(["-s", "early.json", "import", "up.json", "--clock", String(latest - 1_500_000_000n)]);
    expect(early.status).toBe(0);
    expect(early.stderr).toBe(
      "bbgov: warning: --clock is 1.5 s before the latest event in the file: that event is in the snapshot's future\n",
    );
    for (const clock of [latest, latest + 1n]) {
      const fine = await box.run(["-s", `at-${clock}.json`, "import", "up.json", "--clock", String(clock)]);
      expect(fine).toMatchObject({ status: 0, stderr: "" });
    }
  });

  it("export | import - through standard input, and -s - writes the snapshot to standard output", async () => {
    const box = sandbox();
    box.write("example.json", EXAMPLE);
    const exported = await box.ok(["-s", "example.json", "export"]);
    // `bbgov -s example.json export | bbgov import - --clock ...`
    expect((await box.run(["-q", "import", "-", "--clock", EXAMPLE_CLOCK], { input: exported })).status).toBe(0);
    expect(box.read()).toBe(EXAMPLE);
    // `... | bbgov -s - import -`: the snapshot on stdout, the report on stderr.
    const piped = await box.run(["-s", "-", "import", "-", "--clock", EXAMPLE_CLOCK], { input: exported });
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe(EXAMPLE);
    expect(piped.stderr).toContain("imported standard input");
  });

  it("reads a whole framework snapshot, ignoring its other fields", async () => {
    const box = sandbox();
    box.write(
      "framework.json",
      `{"spec_version":1,"node":{"id":[9,9],"epoch":18446744073709551615,"load":0.75},"inbox":[],` +
        `"peer_governor":{"blocklist":[${B7}],"allowlist":null,"health":[],"failure_threshold":5},"backoff_table":[]}`,
    );
    const doc = await box.json<{ imported: Record<string, unknown>; ignored_fields: string[]; clock_source: string; clock_ns: string }>([
      "import",
      "framework.json",
    ]);
    expect(doc.ignored_fields).toEqual(["node", "inbox"]);
    expect(doc.imported).toEqual({ peers: 1, blocklist: 1, allowlist: null, health: 0, backoff_table: 0 });
    expect(doc.clock_source).toBe("none");
    expect(doc.clock_ns).toBe("0");
    expect(box.doc().peer_governor.blocklist).toEqual(["16uZAbWC1AJvS"]);
  });

  it("skips peers whose bytes do not parse, as upstream's restore does, listing each; --strict refuses the file", async () => {
    const box = sandbox();
    box.write(
      "bad.json",
      `{"spec_version":1,"peer_governor":{"blocklist":[[0,5,1],${B7}],"allowlist":null,` +
        `"health":[[${B1},1,10,false],[[18,32,1],2,20,false]],"failure_threshold":5},"backoff_table":[]}`,
    );
    const failed = await box.run(["import", "bad.json", "--strict"]);
    expectError(failed, "2 upstream entries have a peer that does not parse (and 1 more)");
    expect(failed.stderr).toContain(
      "without --strict they are skipped as upstream's restore skips them (bad.json: peer_governor.blocklist[0])",
    );
    expect(box.exists()).toBe(false);

    const skipped = await box.run(["import", "bad.json"]);
    expect(skipped.status).toBe(0);
    expect(skipped.stdout).toContain("skipped 2 entries whose peer does not parse (see the warnings)");
    expect(warnings(skipped.stderr)).toEqual([
      "skipped: peer bytes [0,5,1] are not a multihash: truncated: digest length 5 but 1 bytes follow (bad.json: peer_governor.blocklist[0])",
      "skipped: peer bytes [18,32,1] are not a multihash: truncated: digest length 32 but 1 bytes follow (bad.json: peer_governor.health[1][0])",
    ]);
    expect(box.doc().peer_governor.blocklist).toEqual(["16uZAbWC1AJvS"]);
    expect(box.doc().clock_ns).toBe("10");
  });

  it("type errors name the file and the JSON path; nothing is written", async () => {
    const box = sandbox();
    box.write("bad.json", UPSTREAM.replace("9007199254740993,false", '"9007199254740993",false'));
    expectError(
      await box.run(["import", "bad.json"]),
      'expected a u64 (a JSON integer), got "9007199254740993" (bad.json: peer_governor.health[0][2])',
    );
    box.write("v2.json", UPSTREAM.replace('"spec_version":1', '"spec_version":2'));
    expectError(await box.run(["import", "v2.json"]), "(v2.json: spec_version)");
    expectError(await box.run(["import", "missing.json"]), "missing.json");
    expect(box.exists()).toBe(false);
  });

  it("refuses to replace a snapshot without --force; takes the schedule from options; --from names a known kind", async () => {
    const box = sandbox();
    const before = await box.build();
    box.write("up.json", UPSTREAM);
    expectError(await box.run(["import", "up.json"]), "governor.json already exists; add --force to replace it (import)");
    expect(box.read()).toBe(before);
    await box.ok(["-q", "import", "up.json", "--force", "--backoff-base", "50ms", "--backoff-max", "2m", "--from", "framework-json"]);
    expect(box.doc().backoff).toEqual({ base_ns: "50000000", max_delay_ns: "120000000000" });
    expectError(
      await box.run(["import", "up.json", "--force", "--from", "protobuf"]),
      "Allowed choices are auto, node-snapshot, framework-json",
    );
  });
});

describe("CIDv1 libp2p-key peer ids", { timeout: 30_000 }, () => {
  const ED25519 = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
  const ED25519_CID = "bafzaajaiaejcal72gwuz2or47oyxxn6b3rkwdmmkrxgkjxzy3rqt5kczyn7lcm3l";
  const SHA256 = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
  const SHA256_CID = "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe";

  it("block bafz... stores the base58btc form", async () => {
    const box = sandbox();
    await box.build();
    expect(await box.ok(["block", ED25519_CID, SHA256_CID])).toContain(`${ED25519} blocked`);
    expect(box.doc().peer_governor.blocklist).toEqual([ED25519, SHA256]);
    // The same peer by either spelling.
    expect(await box.ok(["block", ED25519])).toContain("already blocked");
    expect((await box.json<{ inbound: { reason: string } }>(["check", ED25519_CID], 1)).inbound.reason).toBe("blocklisted");
  });

  it("a CID with another codec, or a broken CID, is a one-line error and changes nothing", async () => {
    const box = sandbox();
    const before = await box.build();
    const dagPb = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
    expectError(
      await box.run(["block", dagPb]),
      `invalid peer id "${dagPb}": a CID with codec 0x70, not libp2p-key (0x72) (argument PEER)`,
    );
    expectError(await box.run(["allow", ED25519_CID.slice(0, -1)]), /^bbgov: invalid peer id "bafz[a-z0-9]+": .+ \(argument PEER\)\n$/);
    expectError(await box.run(["fail", "bafz0000"]), 'invalid peer id "bafz0000"');
    expect(box.read()).toBe(before);
  });
});
