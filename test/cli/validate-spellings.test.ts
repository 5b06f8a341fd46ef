/**
 * validate on a node snapshot: a finding about a peer whose kept entry is spelled with a long code varint
 * (restore counts it as the peer) names that entry, not another spelling's, nor an index into the sorted list.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { asBytes, madeUpNode } from "./made-up-nodes.js";
import { cli, tempDir } from "./terminal-helpers.js";

const root = tempDir("bbgov-validate-spellings-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const T = 1_764_000_000_000_000_000n;
const canonical = (n: number): Uint8Array => PeerId.fromU64(BigInt(n)).bytes;
/** The identity code as a 10-byte varint whose low 64 bits are 0: the same peer as `canonical(n)`. */
const long = (n: number): Uint8Array =>
  Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, ...canonical(n).subarray(1)]);

async function attemptsPaths(backoff: { peer: Uint8Array; attempts: number }[]): Promise<string[]> {
  const file = path.join(fs.mkdtempSync(path.join(root, "n-")), "node.bin");
  fs.writeFileSync(
    file,
    madeUpNode(
      {
        blocklist: [],
        allowlist: null,
        health: [],
        threshold: 5,
        backoff: backoff.map((entry) => ({ ...entry, lastNs: T, nextNs: T + 10n })),
      },
      asBytes,
    ),
  );
  const result = await cli(["--json", "-s", file, "validate"]);
  expect(result.status).toBe(0);
  const { findings } = JSON.parse(result.stdout) as { findings: { path: string; message: string }[] };
  return findings.filter((f) => f.message.includes("0 attempts")).map((f) => f.path);
}

describe("validate names the kept entry of a peer spelled two ways", () => {
  it("a repeated peer whose last (kept) entry is the long spelling: that entry, not the canonical one before it", async () => {
    expect(
      await attemptsPaths([
        { peer: canonical(7), attempts: 5 },
        { peer: long(7), attempts: 0 },
      ]),
    ).toEqual(["transient.framework.backoff_table[1].attempts"]);
  });

  it("a peer only spelled long, after others: its own index in the file", async () => {
    const first = PeerId.parse("QmR3WmipGHNYKD7AeqY7xtqMQTAdEwHcTvPLaoC1eWKiTS").bytes;
    expect(
      await attemptsPaths([
        { peer: first, attempts: 1 },
        { peer: canonical(3), attempts: 1 },
        { peer: long(7), attempts: 0 },
      ]),
    ).toEqual(["transient.framework.backoff_table[2].attempts"]);
  });
});
