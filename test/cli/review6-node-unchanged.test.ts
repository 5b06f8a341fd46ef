/**
 * Sixth review: a command that changes nothing leaves a node snapshot byte-identical (CONTRACT §4), also when the
 * core records an event that gives a peer the very health it had: `succeed` at the moment of a peer's last event,
 * when it already had no failures. The entry is a new object with the same values; the health list was rewritten
 * in canonical order (upstream writes hash order) and the command said "wrote".
 */
import fs from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { tempDirs } from "./helpers.js";
import { cli } from "./run.js";

const SMALL = path.resolve(__dirname, "../../fixtures/node/small.bin");
// In small.bin: 0 consecutive failures, last event at this time, no backoff entry.
const UP_PEER = "16uZAbWC1CaiP";
const UP_PEER_LAST_EVENT = "1764011253556424510";

const freshDir = tempDirs("bbgov-review6-");
let dir: string;
beforeEach(() => {
  dir = freshDir();
});

describe("a node snapshot's health set to what it already was", () => {
  it("succeed at the peer's last event, no failures: the file is byte-identical and not written", async () => {
    const file = path.join(dir, "node.bin");
    fs.copyFileSync(SMALL, file);
    const result = await cli(["--json", "-s", file, "succeed", UP_PEER, "--at", UP_PEER_LAST_EVENT]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ command: "succeed", written: false });
    expect(fs.readFileSync(file).equals(fs.readFileSync(SMALL))).toBe(true);
  });

  it("an apply script whose lines end where the file began: byte-identical", async () => {
    const file = path.join(dir, "node.bin");
    fs.copyFileSync(SMALL, file);
    const script = `fail ${UP_PEER} --at ${UP_PEER_LAST_EVENT}\nsucceed ${UP_PEER} --at ${UP_PEER_LAST_EVENT}\nreset 16uZAbWC1AJvL\n`;
    // fail leaves a backoff entry that succeed clears: the health and the table end as read.
    const result = await cli(["-s", file, "apply", "-"], script);
    expect(result.status).toBe(0);
    expect(fs.readFileSync(file).equals(fs.readFileSync(SMALL))).toBe(true);
  });

  it("reset a peer, then fail it at its last event: its entries come back as they were, at the end of the lists", async () => {
    // In small.bin: 1 failure and 1 attempt at this time, next retry 10 ms later: exactly one failure from nothing.
    const file = path.join(dir, "node.bin");
    fs.copyFileSync(SMALL, file);
    const script = "reset 16uZAbWC1E1bt\nfail 16uZAbWC1E1bt --at 1764012218668392929\n";
    const result = await cli(["--json", "-s", file, "apply", "-"], script);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ written: false });
    expect(fs.readFileSync(file).equals(fs.readFileSync(SMALL))).toBe(true);
  });

  it("a real change still writes: succeed at a later time moves the last event", async () => {
    const file = path.join(dir, "node.bin");
    fs.copyFileSync(SMALL, file);
    const later = (BigInt(UP_PEER_LAST_EVENT) + 1n).toString();
    const result = await cli(["--json", "-s", file, "succeed", UP_PEER, "--at", later]);
    expect(JSON.parse(result.stdout)).toMatchObject({ written: true });
    expect(fs.readFileSync(file).equals(fs.readFileSync(SMALL))).toBe(false);
  });
});

describe("a node snapshot's blocklist or allowlist back to the set it was", () => {
  // small.bin blocks these two, in this order in the file; hand-edited.bin allows three peers.
  const FIRST_BLOCKED = "12D3KooWAMiYAWLguvPxv6yUVVJ2nWwt6aVwmjs78iLxFPcPmGWF";
  const SECOND_BLOCKED = "12D3KooWKwcbkY9uPRDbu8nyXz8hbkz3MJi8NPaNVp16r9P84CNv";

  it.each([
    ["unblock then block the first blocked peer", `unblock ${FIRST_BLOCKED}\nblock ${FIRST_BLOCKED}\n`],
    ["unblock then block the second blocked peer", `unblock ${SECOND_BLOCKED}\nblock ${SECOND_BLOCKED}\n`],
  ])("%s: the file is byte-identical and not written", async (_name, script) => {
    const file = path.join(dir, "node.bin");
    // The blocklist in the reverse order of the peers' texts, as a node's hash order may have it.
    fs.copyFileSync(SMALL, file);
    const bytes = fs.readFileSync(file);
    const one = bytes.indexOf(Buffer.from("002408011220", "hex"), 4531 + 8);
    swapBlocklist(bytes, one);
    fs.writeFileSync(file, bytes);
    const result = await cli(["--json", "-s", file, "apply", "-"], script);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ written: false });
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
  });

  it("disallow then allow a peer of hand-edited.bin's allowlist: byte-identical", async () => {
    const file = path.join(dir, "node.bin");
    fs.copyFileSync(path.resolve(__dirname, "../../fixtures/node/hand-edited.bin"), file);
    const before = fs.readFileSync(file);
    const script = `disallow ${"12D3KooWLKRQFhuVgZ7sUNCKdes5SWZHdmToion66Bm4EiJKSVNu"}\nallow ${"12D3KooWLKRQFhuVgZ7sUNCKdes5SWZHdmToion66Bm4EiJKSVNu"}\n`;
    const result = await cli(["--json", "-s", file, "apply", "-"], script);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ written: false });
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

/** Swaps small.bin's two blocklist entries (each a u64 length 38 and 38 bytes, the first at `first`). */
function swapBlocklist(bytes: Buffer, first: number): void {
  const entry = 38;
  expect(bytes.readBigUInt64LE(first - 8)).toBe(BigInt(entry));
  expect(bytes.readBigUInt64LE(first + entry)).toBe(BigInt(entry));
  const a = Buffer.from(bytes.subarray(first, first + entry));
  const b = Buffer.from(bytes.subarray(first + entry + 8, first + 2 * entry + 8));
  b.copy(bytes, first);
  a.copy(bytes, first + entry + 8);
}
