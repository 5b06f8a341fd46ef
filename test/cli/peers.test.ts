/** Peers as people give them: prefixes, the short form, multiaddrs, pasted whitespace, unknown and cut ids. */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli, EXAMPLE, tempDir } from "./terminal-helpers.js";

const JA = "12D3KooWJATkUcKJHbbtK22skXSBCUAtjkCg9z6NVDz3wX4a7Ci4";
const PF = "12D3KooWPFD849Ph9fecpzZP5fBQjpjaDQJC3xs7ocgFPGmJVCnb";
const QZ = "QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4";
const STRANGER = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

const root = tempDir("bbgov-peers-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A copy of the example snapshot. */
function copy(): string {
  const file = path.join(fs.mkdtempSync(path.join(root, "t-")), "governor.json");
  fs.copyFileSync(EXAMPLE, file);
  return file;
}

/** The blocklist of a snapshot file. */
function blocklist(file: string): string[] {
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { peer_governor: { blocklist: string[] } }).peer_governor.blocklist;
}

describe("a peer given as people type it resolves to the known peer", () => {
  it.each([
    ["a unique prefix", "12D3KooWJA", JA],
    ["a prefix cut to 12 characters", "12D3KooWPFD8", PF],
    ["the short form tables print", "12D3KooW…a7Ci4", JA],
    ["the short form in ASCII", "12D3KooW...a7Ci4", JA],
    ["a /p2p/ multiaddr", `/ip4/10.0.0.7/tcp/4001/p2p/${JA}`, JA],
    // Found by an adversarial run: the relay's id (the first /p2p/) was taken, and the relay blocked.
    ["a relayed multiaddr: the peer behind /p2p-circuit", `/ip4/10.0.0.7/tcp/4001/p2p/${PF}/p2p-circuit/p2p/${JA}`, JA],
    ["pasted whitespace", `  ${QZ}\n`, QZ],
    ["a prefix of a Qm id", "QmZn", QZ],
  ])("%s", async (_, typed, full) => {
    const file = copy();
    const result = await cli(["-s", file, "block", typed]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(full);
    expect(blocklist(file)).toContain(full);
  });

  it("works for read-only commands and in apply scripts", async () => {
    const file = copy();
    const check = await cli(["-s", file, "--json", "check", "12D3KooWJA"]);
    expect(JSON.parse(check.stdout).peer).toBe(JA);
    const applied = await cli(["-s", file, "apply", "-"], { stdin: "block 12D3KooWPFD8\nunblock 12D3KooWPFD…VCnb \n" });
    expect(applied.stderr).toBe("");
    expect(applied.status).toBe(0);
    expect(blocklist(file)).not.toContain(PF);
  });
});

describe("what cannot be resolved is refused with a clear message, the file untouched", () => {
  it.each([
    ["an ambiguous prefix", "12D3KooWJ", 'peer "12D3KooWJ" is ambiguous: it matches 2 peers (12D3KooWJATk'],
    ["a short prefix of many", "12D3KooW", "it matches 8 peers"],
    ["a cut id of nobody", "12D3KooWZZZZ", 'peer id "12D3KooWZZZZ" looks cut: an ed25519 id (12D3KooW…) has 52 characters, this has 12'],
    ["a cut Qm id of nobody", "QmYyQSo1c1Ym7", "looks cut: a sha2-256 id (Qm…) has 46 characters"],
    ["a short form of nobody", "12D3KooW…zzzzz", 'no peer of this snapshot has the short form "12D3KooW…zzzzz"'],
    [
      "a cut id of another kind",
      "16uZAbWC",
      '"16uZAbWC" is not a whole peer id (cut or mistyped?) and no peer of this snapshot starts with it',
    ],
    ["a mistyped id", "1abc", "is not a whole peer id"],
    // Found in review 12: a word that is no id got the multihash details of its base58 bytes.
    ["a word that is no id", "nope", '"nope" is not a whole peer id (cut or mistyped?)'],
    ["another word", "abc", '"abc" is not a whole peer id'],
    ["a name", "peer1", '"peer1" is not a whole peer id'],
    ["an address with no /p2p/ part", "/ip4/10.0.0.7/tcp/4001", '"/ip4/10.0.0.7/tcp/4001" is an address with no /p2p/<id> part'],
    ["a bad character", "12D3KooW0OIl", 'invalid peer id "12D3KooW0OIl": not base58btc (bad character "0")'],
    ["a zero-width space pasted after a prefix", "12D3KooWJATk\u200b", 'not base58btc (bad character "\\u200b")'],
    ["a Cyrillic look-alike in a cut Qm id", "QmZnC2FJ3vHT4mJ\u0422", 'not base58btc (bad character "\u0422")'],
    ["an empty id", "  ", "empty peer id"],
    // Whole ids spelled otherwise than canonically: what is wrong, not "cut or mistyped?" (review 15).
    [
      "a 10-byte code varint (the identity id 15W padded)",
      "3ReWR3uAzjm57vP8p",
      'invalid peer id "3ReWR3uAzjm57vP8p": not canonical (expected 15W)',
    ],
    ["a digest length varint not minimally encoded", "1ApP", 'invalid peer id "1ApP": bad digest length varint (not minimally encoded)'],
  ])("%s", async (_, typed, message) => {
    const file = copy();
    const before = fs.readFileSync(file);
    const result = await cli(["-s", file, "block", typed]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^bbgov: [^\n]+ \(argument PEER\)\n$/);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain("digest of");
    expect(fs.readFileSync(file)).toEqual(before);
  });
});

describe("the same peer named twice (review 12)", () => {
  it("is one peer: one change and one note, not 'was already blocked' for the second naming", async () => {
    const file = copy();
    const twice = await cli(["-s", file, "block", STRANGER, STRANGER]);
    expect(twice.status).toBe(0);
    expect(twice.stdout).toBe(`✓ ${STRANGER} blocked\nnote: ${STRANGER}: not seen in this snapshot before\nwrote ${file}\n`);
    const file2 = copy();
    const prefixAndId = await cli(["-s", file2, "--json", "block", "12D3KooWPFD8", PF]);
    expect((JSON.parse(prefixAndId.stdout) as { changes: unknown[] }).changes).toEqual([{ peer: PF, changed: true, note: "blocked" }]);
  });
});

describe("a full id the snapshot has never seen", () => {
  it("is accepted by a changing command, with a notice", async () => {
    const file = copy();
    const result = await cli(["-s", file, "block", STRANGER]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`note: ${STRANGER}: not seen in this snapshot before`);
    expect(blocklist(file)).toContain(STRANGER);
  });

  it("is flagged by check and inspect", async () => {
    const file = copy();
    const check = await cli(["-s", file, "check", STRANGER]);
    expect(check.status).toBe(0);
    expect(check.stdout).toContain("not seen in this snapshot before");
    const inspect = await cli(["-s", file, "inspect", STRANGER]);
    expect(inspect.stdout).toContain("not seen in this snapshot before");
  });

  it("gets no notice once known", async () => {
    const file = copy();
    await cli(["-s", file, "fail", STRANGER]);
    expect((await cli(["-s", file, "fail", STRANGER])).stdout).not.toContain("not seen");
  });
});

describe("check's heading", () => {
  it("names the peer whole when it fits, by its short name when it does not", async () => {
    const file = copy();
    const wide = await cli(["-s", file, "check", JA], { env: { COLUMNS: "200" } });
    expect(wide.status).toBe(0);
    expect(wide.stdout.split("\n")[0]).toContain(JA);
    const narrow = await cli(["-s", file, "check", JA], { env: { COLUMNS: "40" } });
    expect(narrow.status).toBe(0);
    const heading = narrow.stdout.split("\n")[0] as string;
    expect(heading).not.toContain(JA);
    expect(heading).toMatch(/^12D3KooW(…|\.\.\.)\S*a7Ci4 at /);
  });
});
