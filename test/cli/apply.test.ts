/**
 * `apply`, in process: every bad line listed before anything is written,
 * each line's report drawn with the state after that line, a byte order
 * mark, and a long script streamed with a bounded report.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { LISTED_ERRORS, SHOWN_LINES } from "../../src/cli/commands/apply.js";
import { cli } from "./run.js";

const P = "16uZAbWC1AJvL";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-apply-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let file = "";
beforeEach(async () => {
  file = path.join(fs.mkdtempSync(path.join(root, "t-")), "governor.json");
  expect((await cli(["-s", file, "-q", "init"])).status).toBe(0);
});

describe("apply", () => {
  it("lists every bad line, parse and run errors alike, and writes nothing", async () => {
    const before = fs.readFileSync(file, "utf8");
    const script = [
      `block ${P}`,
      "block not-a-peer",
      "# fine",
      "nope",
      `fail ${P} --times 0`,
      `threshold 3`,
      "clock --set 1 --advance 1s",
    ].join("\n");
    const result = await cli(["-s", file, "apply", "-"], script);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.map((line) => /\(standard input line (\d+)/.exec(line)?.[1])).toEqual(["2", "4", "5", "7"]);
    for (const line of lines) expect(line).toMatch(/^bbgov: [^\n]+ \(standard input line \d+[^\n]*\)$/);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it("one bad line is one line, as before", async () => {
    const result = await cli(["-s", file, "apply", "-"], `block ${P}\nnope\n`);
    expect(result).toEqual({ status: 2, stdout: "", stderr: "bbgov: unknown command 'nope' (standard input line 2)\n" });
  });

  it("suggests a command or an option typed in the wrong case (review 12)", async () => {
    expect((await cli(["-s", file, "apply", "-"], `BLOCK ${P}\n`)).stderr).toBe(
      "bbgov: unknown command 'BLOCK' (did you mean block?) (standard input line 1)\n",
    );
    expect((await cli(["-s", file, "apply", "-"], `fail ${P} --TIMES 3\n`)).stderr).toBe(
      "bbgov: unknown option '--TIMES' (did you mean --times?) (standard input line 1)\n",
    );
  });

  it("lists the first bad lines and counts the rest", async () => {
    const result = await cli(["-s", file, "apply", "-"], "nope\n".repeat(LISTED_ERRORS + 7));
    expect(result.status).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(LISTED_ERRORS + 1);
    expect(lines.at(-1)).toBe("bbgov: 7 more bad line(s) not listed (standard input)");
  });

  it("draws each line's report with the state after that line", async () => {
    const result = await cli(["-s", file, "apply", "-"], `fail ${P} --after 1s\nfail ${P} --after 1s\n`);
    expect(result.status).toBe(0);
    const moved = result.stdout.split("\n").filter((line) => line.includes("clock moved to"));
    expect(moved.map((line) => line.trim())).toEqual(["clock moved to 1000000000", "clock moved to 2000000000"]);
  });

  it("a script that starts with a byte order mark works", async () => {
    const result = await cli(
      ["-s", file, "-q", "apply", "-"],
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`block ${P}\n`)]),
    );
    expect(result).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(fs.readFileSync(file, "utf8")).toContain(P);
    const scriptFile = path.join(path.dirname(file), "bom.txt");
    fs.writeFileSync(scriptFile, `\ufeffunblock ${P}\n`);
    expect((await cli(["-s", file, "-q", "apply", scriptFile])).status).toBe(0);
    expect(fs.readFileSync(file, "utf8")).not.toContain(P);
  });

  it("a long script runs with a bounded report: the first lines shown, the rest counted", async () => {
    const count = SHOWN_LINES + 2_500;
    const result = await cli(["--json", "-s", file, "apply", "-"], `fail ${P}\n`.repeat(count));
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as { lines: unknown[]; lines_not_shown: number; written: boolean };
    expect(document.lines).toHaveLength(SHOWN_LINES);
    expect(document.lines_not_shown).toBe(2_500);
    expect(document.written).toBe(true);
    const health = (JSON.parse(fs.readFileSync(file, "utf8")) as { peer_governor: { health: { consecutive_failures: number }[] } })
      .peer_governor.health;
    expect(health[0]?.consecutive_failures).toBe(count);
  });

  it("a peer named again is resolved against its own line's state: new again once it is forgotten", async () => {
    const result = await cli(["-s", file, "apply", "-"], `block ${P}\nunblock ${P}\nblock ${P}\n`);
    expect(result.status, result.stderr).toBe(0);
    const lineOfNote = result.stdout
      .split("\n")
      .map((line, index, all) =>
        line.includes("not seen in this snapshot before") ? /^(\d+):/.exec(all[index - 2] ?? "")?.[1] : undefined,
      )
      .filter((line) => line !== undefined);
    expect(lineOfNote).toEqual(["1", "3"]);
  });

  it("past the shown lines, the drawn report counts the rest (as the --json document does)", async () => {
    const result = await cli(["-s", file, "apply", "-"], `succeed ${P}\n`.repeat(SHOWN_LINES + 3));
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.filter((line) => /^\d+: succeed /.test(line))).toHaveLength(SHOWN_LINES);
    expect(lines.at(-3)).toBe("... and 3 more line(s), not shown");
    expect(lines.at(-2)).toBe(`✓ applied ${SHOWN_LINES + 3} command(s) from standard input`);
  });

  it("a script file read in pieces: characters and lines cut at a piece's end are whole, bad bytes name their line", async () => {
    // A regular file is read 64 KiB at a time into one reused buffer: an "é" (2 bytes) and a line cross each boundary.
    const lines: string[] = [];
    let bytes = 0;
    let number = 0;
    const commands: { line: number; text: string }[] = [];
    const boundaries = [65_536, 131_072, 196_608];
    while (bytes < 200_000) {
      number++;
      let text = number % 50 === 0 ? `${number % 100 === 0 ? "unblock" : "block"} ${P}` : `# ${"é".repeat(number % 37)}x`;
      // Lines are under 100 bytes: near a boundary, a comment whose "é" starts one byte before it.
      const boundary = boundaries[0];
      if (boundary !== undefined && bytes + 100 >= boundary) {
        text = `# ${"x".repeat(boundary - 3 - bytes)}ééé`;
        boundaries.shift();
      }
      if (!text.startsWith("#")) commands.push({ line: number, text });
      lines.push(text);
      bytes += Buffer.byteLength(text) + 1;
    }
    const script = Buffer.from(`${lines.join("\n")}\n`);
    // The test's premise: each piece ends inside a character, between its two bytes.
    for (const boundary of [65_536, 131_072, 196_608]) expect(script[boundary]! & 0xc0).toBe(0x80);
    const scriptFile = path.join(path.dirname(file), "pieces.txt");
    fs.writeFileSync(scriptFile, script);
    const result = await cli(["--json", "-s", file, "apply", scriptFile]);
    expect(result.status, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout) as { lines: { line: number; text: string }[] };
    expect(document.lines.map(({ line, text }) => ({ line, text }))).toEqual(commands);
    const at = script.indexOf("\n", 150_000) + 1;
    const badLine = script.subarray(0, at).filter((byte) => byte === 0x0a).length + 1;
    fs.writeFileSync(scriptFile, Buffer.concat([script.subarray(0, at), Buffer.from([0x23, 0xff, 0x0a]), script.subarray(at)]));
    const before = fs.readFileSync(file);
    expect(await cli(["-s", file, "apply", scriptFile])).toEqual({
      status: 2,
      stdout: "",
      stderr: `bbgov: cannot read the script file: not UTF-8 text (${scriptFile} line ${badLine})\n`,
    });
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it("bad UTF-8 in a script names its line", async () => {
    const result = await cli(["-s", file, "apply", "-"], Buffer.concat([Buffer.from(`block ${P}\nblock `), Buffer.from([0xff, 0x0a])]));
    expect(result).toEqual({
      status: 2,
      stdout: "",
      stderr: "bbgov: cannot read the script file: not UTF-8 text (standard input line 2)\n",
    });
  });
});

describe("apply at 80 columns", () => {
  it("each line's report is fitted to the width it has under its line", async () => {
    const script = `fail ${P} --times 6 --every 1s\nadvise ${P} 30s\n`;
    const result = await cli(["-s", file, "apply", "-"], script, { COLUMNS: "80" });
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.some((line) => line.startsWith("   ┌"))).toBe(true);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});

describe("apply that leaves the snapshot as it was", () => {
  it("says the file was not written, under the lines' reports; a changing script says it wrote it", async () => {
    expect((await cli(["-s", file, "-q", "block", P])).status).toBe(0);
    const before = fs.readFileSync(file, "utf8");
    const name = path.basename(file);
    const same = await cli(["-s", file, "apply", "-"], `unblock ${P}\nblock ${P}\n`);
    expect(same.status).toBe(0);
    expect(same.stdout.trimEnd().split("\n").at(-1)).toMatch(new RegExp(`${name} not written: the script leaves it as it was$`));
    expect(fs.readFileSync(file, "utf8")).toBe(before);
    const changing = await cli(["-s", file, "apply", "-"], `unblock ${P}\n`);
    expect(changing.stdout.trimEnd().split("\n").at(-1)).toMatch(new RegExp(`wrote .*${name}$`));
    expect(changing.stdout).not.toContain("not written");
    // --json says it with "written": false, as before; -q prints nothing.
    const json = JSON.parse((await cli(["--json", "-s", file, "apply", "-"], `unblock ${P}\n`)).stdout) as { written: boolean };
    expect(json.written).toBe(false);
    expect((await cli(["-q", "-s", file, "apply", "-"], `unblock ${P}\n`)).stdout).toBe("");
  });
});
