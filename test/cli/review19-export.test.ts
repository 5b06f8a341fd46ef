/** Review 19: what export says of the entries restore skips, which the file it writes does not hold. */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sandboxes, warnings } from "./helpers.js";

const sandbox = sandboxes();
const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/node/${name}`, import.meta.url));

describe("export of a node snapshot with entries restore skips", { timeout: 30_000 }, () => {
  it("says they are not exported (not 'kept as they are on write'), in both kinds; the file written holds none", async () => {
    const box = sandbox();
    writeFileSync(box.path("hand.bin"), fixture("hand-edited.bin"));
    for (const to of ["framework-json", "bbgov-json"]) {
      const result = await box.run(["-s", "hand.bin", "export", "--to", to, "-o", `${to}.json`]);
      expect(result.status, result.stderr).toBe(0);
      const skipped = warnings(result.stderr).filter((line) => line.startsWith("peer bytes do not parse"));
      expect(skipped).toHaveLength(7);
      expect(skipped[0]).toBe(
        "peer bytes do not parse (no bytes): skipped as upstream's restore skips them, not exported (at byte 5528) (hand.bin: transient.framework.peer_governor.blocklist[2])",
      );
      expect(result.stderr).not.toContain("kept as they are on write");
      // What was written is what restore keeps: the same state as the node, by meaning.
      expect((await box.run(["-s", `${to}.json`, "diff", "hand.bin"])).status).toBe(0);
    }
    const doc = JSON.parse(box.read("framework-json.json")) as { peer_governor: { blocklist: unknown[] }; backoff_table: unknown[] };
    expect(doc.peer_governor.blocklist).toHaveLength(2);
    expect(doc.backoff_table).toHaveLength(8);
  });

  it("an edit in place still says they are kept as they are", async () => {
    const box = sandbox();
    writeFileSync(box.path("hand.bin"), fixture("hand-edited.bin"));
    const result = await box.run(["-s", "hand.bin", "block", "16uZAbWC1AJvL"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("skipped as upstream's restore skips them, kept as they are on write (at byte 5528)");
  });
});
