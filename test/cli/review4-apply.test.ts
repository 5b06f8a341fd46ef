/**
 * Third review of `apply`: once a line fails, the later lines no longer run,
 * but a peer that no snapshot could ever resolve (a character no base58btc id
 * has, an empty text) is still a bad line, listed with its number, as the
 * README promises ("lists every bad line"). A peer that only the state can
 * judge (a prefix, a short form) is not listed: the lines before it did not run.
 */
import { describe, expect, it } from "vitest";
import { L, M, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

/** The line numbers named by apply's error lines. */
function badLines(stderr: string): string[] {
  return stderr
    .trimEnd()
    .split("\n")
    .map((line) => /\(standard input line (\d+)/.exec(line)?.[1] ?? line);
}

describe("apply after a failed line", () => {
  it("still lists the later lines whose peer can never be resolved, and writes nothing", async () => {
    const box = sandbox();
    const before = await box.build([`fail ${L}`]);
    const script = [
      `block ${M}`,
      "block 16uZAbWC1AJv0", // 2: runs and fails
      "fail 16uZAbWC1AJvO", // 3: an O is in no base58btc id
      "block 16uZAbWC1A", // 4: a prefix: only the state can tell
      "unblock 16uZAb…1AJvL", // 5: a short form, likewise
      'reset ""', // 6: empty
      `allow --restrict ${L} 16uZAbWC1AJvI`, // 7: an I is in no base58btc id
      `succeed /ip4/1.2.3.4/tcp/1/p2p/${L}`, // 8: fine
    ].join("\n");
    const result = await box.run(["apply", "-"], { input: script });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(badLines(result.stderr)).toEqual(["2", "3", "6", "7"]);
    expect(result.stderr).toContain(
      'bbgov: invalid peer id "16uZAbWC1AJvO": not base58btc (bad character "O") (standard input line 3: argument PEER)',
    );
    expect(result.stderr).toContain("bbgov: empty peer id (standard input line 6: argument PEER)");
    expect(box.read()).toBe(before);
  });

  it("the same bad peer on many lines is listed on each", async () => {
    const box = sandbox();
    await box.build();
    const result = await box.run(["apply", "-"], { input: "fail nonsense!\n".repeat(3) });
    expect(badLines(result.stderr)).toEqual(["1", "2", "3"]);
  });
});
