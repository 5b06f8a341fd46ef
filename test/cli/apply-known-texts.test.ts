/**
 * apply keeps the sorted list of known peers across its lines (KnownTexts, src/cli/commands/resolve.ts) instead
 * of building it for every line that names a short id not seen before: 10k lines of `block <new short id>` took
 * 10-15 s, 0.2 s with it. Peers resolve against the state the lines before left, so the list must follow every
 * line: held here to running each line alone (its own apply, which builds the list afresh), on random scripts of
 * short ids, their prefixes and the commands that add, remove or drop peers. No timing.
 */
import fs from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PeerId } from "../../src/core/peer-id.js";
import { type Sandbox, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

/** Short ids (identity multihashes: 15S, 15TJUr, 15VzsJ), each one's cut prefixes, and "15" that starts them all. */
const IDS = [[1], [1, 2, 3], [9, 9, 9]].map((digest) => PeerId.fromBytes(Uint8Array.from([0x00, digest.length, ...digest])).text);
const WORDS = [...new Set([...IDS, ...IDS.map((text) => text.slice(0, 4)), "15"])];

const line = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom("block", "unblock", "reset", "fail", "succeed"), fc.constantFrom(...WORDS))
      .map(([command, peer]) => `${command} ${peer}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom("allow", "disallow", "allow --restrict"), fc.constantFrom(...WORDS))
      .map(([command, peer]) => `${command} ${peer}`),
  },
  { weight: 1, arbitrary: fc.constantFrom("unblock --all", "reset --all", "allow --open", "threshold 3", `block ${IDS[0]} ${IDS[2]}`) },
);

/** Runs `lines` as one script and each line alone from the same file: the same outcome, the same bytes. */
async function sameAsAlone(box: Sandbox, alone: Sandbox, start: string, lines: readonly string[]): Promise<void> {
  fs.writeFileSync(box.path(), start);
  const whole = await box.run(["-q", "apply", "-"], { input: `${lines.join("\n")}\n` });
  fs.writeFileSync(alone.path(), start);
  let failedAt: number | undefined;
  for (let at = 0; at < lines.length && failedAt === undefined; at++) {
    const result = await alone.run(["-q", "apply", "-"], { input: `${lines[at]}\n` });
    if (result.status !== 0) failedAt = at + 1;
  }
  if (failedAt === undefined) {
    expect(whole.stderr).toBe("");
    expect(whole.status).toBe(0);
    expect(box.read()).toBe(alone.read());
  } else {
    expect(whole.status, lines.join("; ")).toBe(2);
    expect(whole.stderr.split("\n")[0]).toContain(`(standard input line ${failedAt}`);
    expect(box.read()).toBe(start);
  }
}

describe("apply's list of known peers, kept across lines", () => {
  it("a peer the script made unknown again is no prefix's match any more", async () => {
    const box = sandbox();
    await box.build();
    // 15S is new (the list is made for it), 15TJUr joins the list and leaves it: 15TJ then names no peer.
    const lines = ["block 15S", "block 15TJUr", "unblock 15TJUr", "block 15TJ"];
    const result = await box.run(["-q", "apply", "-"], { input: `${lines.join("\n")}\n` });
    expect(result.stderr).toContain("no peer of this snapshot starts with it (standard input line 4");
    expect(result.status).toBe(2);
    // And one it made known is: 15TJ names 15TJUr, blocked once.
    await box.ok(["-q", "apply", "-"], { input: "block 15S\nfail 15TJUr\nblock 15TJ\n" });
    expect(box.doc().peer_governor?.blocklist).toEqual(["15S", "15TJUr"]);
    // After unblock --all (peers it does not name), the list is made again.
    await box.ok(["-q", "apply", "-"], { input: "block 15VzsJ\nunblock --all\nreset 15TJUr\nblock 15S\n" });
    expect((await box.run(["-q", "apply", "-"], { input: "block 15S\nunblock --all\nblock 15Vz\n" })).status).toBe(2);
  });

  it("resolves every line as that line run alone would", async () => {
    const box = sandbox();
    await box.build();
    const start = box.read();
    const alone = sandbox();
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 10 }), (lines) => sameAsAlone(box, alone, start, lines)),
      { numRuns: 60 },
    );
  });
});
