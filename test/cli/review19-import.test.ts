/** Review 19: `import` of the wrong kind with --from, and what import says of the entries it skips. */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectError, sandboxes, warnings } from "./helpers.js";

const sandbox = sandboxes();
const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/node/${name}`, import.meta.url));
const EXAMPLE = readFileSync(new URL("../../fixtures/example.json", import.meta.url), "utf8");

describe("import --from naming the other kind", { timeout: 30_000 }, () => {
  it("says the file is the other kind, not a length at byte 8 or 'not UTF-8 text'; nothing is written", async () => {
    const box = sandbox();
    writeFileSync(box.path("node.bin"), fixture("small.bin"));
    await box.ok(["-q", "-s", "node.bin", "export", "-o", "framework.json"]);
    box.write("example.json", EXAMPLE);

    const asNode = await box.run(["-s", "out.json", "import", "framework.json", "--from", "node-snapshot"]);
    expectError(
      asNode,
      "this is text (a framework snapshot), not a node snapshot (bincode): leave out --from node-snapshot (framework.json: $)",
    );
    const bbgovAsNode = await box.run(["-s", "out.json", "import", "example.json", "--from", "node-snapshot"]);
    expectError(bbgovAsNode, "this is text, not a node snapshot (bincode)");
    const asFramework = await box.run(["-s", "out.json", "import", "node.bin", "--from", "framework-json"]);
    expectError(
      asFramework,
      "this is a node snapshot (bincode), not a framework snapshot (JSON): leave out --from framework-json (node.bin: $)",
    );
    expect(box.exists("out.json")).toBe(false);

    // The right kind named reads as auto does.
    await box.ok(["-q", "-s", "out.json", "import", "node.bin", "--from", "node-snapshot"]);
    const same = await box.run(["-s", "out.json", "diff", "framework.json"]);
    expect(same.status).toBe(0);
  });

  it("keeps the reader's error for a damaged file of the kind named", async () => {
    const box = sandbox();
    writeFileSync(box.path("cut.bin"), fixture("small.bin").subarray(0, 3000));
    expectError(
      await box.run(["-s", "out.json", "import", "cut.bin", "--from", "node-snapshot"]),
      /exceeds the \d+ bytes left .*\(cut\.bin: /,
    );
    expect(box.exists("out.json")).toBe(false);
  });
});

describe("import of a node snapshot with entries restore skips", { timeout: 30_000 }, () => {
  it("does not say they are kept on write: the imported snapshot holds none of them", async () => {
    const box = sandbox();
    writeFileSync(box.path("hand.bin"), fixture("hand-edited.bin"));
    const result = await box.run(["-s", "out.json", "import", "hand.bin"]);
    expect(result.status).toBe(0);
    const lines = warnings(result.stderr).filter((line) => line.startsWith("peer bytes do not parse"));
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe(
      "peer bytes do not parse (no bytes): skipped as upstream's restore skips them (at byte 5528) (hand.bin: transient.framework.peer_governor.blocklist[2])",
    );
    expect(result.stderr).not.toContain("kept as they are on write");
    const doc = await box.json<{ skipped: { message: string }[] }>(["--dry-run", "-s", "out2.json", "import", "hand.bin"]);
    expect(doc.skipped).toHaveLength(7);
    for (const entry of doc.skipped) expect(entry.message).not.toContain("kept as they are on write");
  });

  it("--strict refuses them without saying they are skipped and kept", async () => {
    const box = sandbox();
    writeFileSync(box.path("hand.bin"), fixture("hand-edited.bin"));
    const refused = await box.run(["-s", "out.json", "import", "hand.bin", "--strict"]);
    expectError(
      refused,
      "the first: peer bytes do not parse (no bytes) (at byte 5528); without --strict they are skipped as upstream's restore skips them (hand.bin: transient.framework.peer_governor.blocklist[2])",
    );
    expect(refused.stderr).not.toContain("kept as they are on write");
    expect(box.exists("out.json")).toBe(false);
  });
});
