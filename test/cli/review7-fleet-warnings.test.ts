/**
 * Review 13: a fleet's --json documents list the warnings standard error gives (the run's own, each file's load
 * warnings, each node's command warnings), as one file's document does; they had no `warnings` at all.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sandboxes, T0 } from "./helpers.js";

const sandbox = sandboxes();
const FIXTURES = path.resolve(__dirname, "../../fixtures");

/** A bbgov snapshot with one allowlisted peer, and a node snapshot that loads with warnings. */
async function fleet(): Promise<ReturnType<typeof sandbox>> {
  const box = sandbox();
  fs.mkdirSync(box.path("nodes"));
  await box.ok(["-q", "-s", "nodes/a.json", "init", "--clock", String(T0)]);
  await box.ok(["-q", "-s", "nodes/a.json", "allow", "--restrict", "16uZAbWC1AJvL"]);
  fs.copyFileSync(path.join(FIXTURES, "node/hand-edited.bin"), box.path("nodes/h.bin"));
  return box;
}

const LOAD_WARNING =
  "failure_threshold 0 loads as 1 (upstream clamps it to at least 1) (at byte 6461) (nodes/h.bin: transient.framework.peer_governor.failure_threshold)";

/** The warning lines of standard error, without their `bbgov: warning: `. */
function stderrWarnings(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("bbgov: warning: "))
    .map((line) => line.slice("bbgov: warning: ".length));
}

describe("a fleet's --json documents carry the warnings of standard error", () => {
  it("inspect, inspect --format json, check and validate: the files' load warnings", async () => {
    const box = await fleet();
    for (const args of [["inspect"], ["inspect", "--format", "json"], ["check", "16uZAbWC1AJvL"], ["validate"]]) {
      const result = await box.run(["--json", "-s", "nodes", ...args]);
      const doc = JSON.parse(result.stdout) as { warnings: string[] };
      expect(doc.warnings, args.join(" ")).toEqual(stderrWarnings(result.stderr));
      if (args[0] !== "validate") expect(doc.warnings, args.join(" ")).toContain(LOAD_WARNING);
    }
  });

  it("a change and its dry run: the run's --host-backoff notices, the load warnings and a node's own warning", async () => {
    const box = await fleet();
    for (const dryRun of [["--dry-run"], []]) {
      const result = await box.run(["--json", ...dryRun, "--host-backoff", "0,1s", "-s", "nodes", "disallow", "16uZAbWC1AJvL"]);
      expect(result.status, result.stderr).toBe(0);
      const doc = JSON.parse(result.stdout) as { warnings: string[]; written: string[] };
      expect(doc.warnings).toEqual(stderrWarnings(result.stderr));
      expect(doc.warnings[0]).toBe("--host-backoff: a backoff base of 0 becomes 1 ns (the upstream clamp)");
      expect(doc.warnings).toContain(LOAD_WARNING);
      expect(doc.warnings).toContain("--host-backoff ignored: nodes/a.json stores its own backoff schedule (see bbgov backoff)");
      expect(doc.warnings.some((line) => line.startsWith("a.json: ") && line.includes("allowlist"))).toBe(true);
    }
  });

  it("-q keeps standard error quiet, not the document", async () => {
    const box = await fleet();
    const result = await box.run(["--json", "-q", "-s", "nodes", "inspect"]);
    expect(result.stderr).toBe("");
    expect((JSON.parse(result.stdout) as { warnings: string[] }).warnings).toContain(LOAD_WARNING);
  });
});
