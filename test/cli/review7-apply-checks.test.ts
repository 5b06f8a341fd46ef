/**
 * Review 9b: after a failed line, apply named later lines' bad peers and bad
 * words only; a later line wrong whatever the state (`unblock` with neither
 * peers nor --all, `clock --set` on a node snapshot) went unnamed until the
 * next run.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { L, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

describe("apply: every line wrong whatever the state is named at once", () => {
  it("list edits with neither peers nor their flag, or both, and --attempts without --plan", async () => {
    const box = sandbox();
    const before = await box.build();
    const script = ["unblock", `unblock --all ${L}`, "backoff --attempts 3", "disallow", "allow", "reset", `block ${L}`, ""];
    const result = await box.run(["apply", "-"], { input: script.join("\n") });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      [
        "bbgov: name at least one PEER, or --all (standard input line 1: unblock)",
        "bbgov: give peers or --all, not both (standard input line 2: unblock)",
        "bbgov: --attempts goes with --plan (standard input line 3: backoff)",
        "bbgov: name at least one PEER, or --all (standard input line 4: disallow)",
        "bbgov: name at least one PEER, or --open (standard input line 5: allow)",
        "bbgov: name at least one PEER, or --all (standard input line 6: reset)",
        "",
      ].join("\n"),
    );
    expect(box.read()).toBe(before);
  });

  it("what a node snapshot cannot hold, on every line that sets it", async () => {
    const box = sandbox();
    fs.copyFileSync(path.resolve("fixtures/node/small.bin"), box.path("node.snap"));
    fs.chmodSync(box.path("node.snap"), 0o644);
    const before = fs.readFileSync(box.path("node.snap"));
    const script = ["clock --set 5", `block ${L}`, "backoff --base 1s", "clock --advance 1s", "backoff --max 1s", "clock", "backoff", ""];
    const result = await box.run(["-s", "node.snap", "apply", "-"], { input: script.join("\n") });
    expect(result.status).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.map((line) => /\(standard input line (\d+): (--\w+)\)$/.exec(line)?.slice(1).join(" "))).toEqual([
      "1 --set",
      "3 --base",
      "4 --advance",
      "5 --max",
    ]);
    expect(fs.readFileSync(box.path("node.snap")).equals(before)).toBe(true);
  });
});

describe("apply: a line of invisible blanks", () => {
  it("is blank (a form feed, a vertical tab, a no-break space), not an unknown command", async () => {
    const box = sandbox();
    await box.build();
    const result = await box.run(["-q", "apply", "-"], { input: `\f\n\v\n\u00a0 \t\n \u3000\r\nblock ${L}\n` });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(box.doc().peer_governor.blocklist).toEqual([L]);
  });
});

describe("apply: a CRLF script's line ending with a backslash", () => {
  it("says so, as an LF script's does, not that a peer id is empty", async () => {
    const box = sandbox();
    const before = await box.build();
    const result = await box.run(["apply", "-"], { input: `block ${L} \\\r\nthreshold 3\r\n` });
    expect(result.stderr).toBe("bbgov: a line cannot end with a backslash (standard input line 1)\n");
    expect(result.status).toBe(2);
    expect(box.read()).toBe(before);
  });
});

describe("apply across a fleet", () => {
  it("names every bad line of the script, not only the first, once: they are wrong on any file (review 7 fixes)", async () => {
    const box = sandbox();
    const before = await box.build();
    fs.mkdirSync(box.path("nodes"));
    box.write("nodes/a.json", before);
    box.write("nodes/b.json", before);
    const result = await box.run(["-s", "nodes", "apply", "-"], { input: `unblock\nnope\nblock ${L}\n` });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      [
        "bbgov: name at least one PEER, or --all (standard input line 1: unblock)",
        "bbgov: unknown command 'nope' (standard input line 2)",
        "",
      ].join("\n"),
    );
    expect(box.read("nodes/a.json")).toBe(before);
  });
});
