/**
 * Review 12, a first-time operator's slips on the command line: a path option given no path takes the next word
 * (an option, or the command's name) for one, and the error then named a missing file or "no command".
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli, EXAMPLE, tempDir } from "./terminal-helpers.js";

const root = tempDir("bbgov-r12-usage-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("a path option followed by another option", () => {
  it.each([
    [
      ["-s", "--json", "inspect"],
      "bbgov: -s needs a file, and the next word is the option --json: put the file after -s (./--json for a file of that name) (-s)\n",
    ],
    [
      ["-s", EXAMPLE, "--dry-run", "-o", "-q", "block", "16uZAbWC1AJvL"],
      "bbgov: -o needs a file, and the next word is the option -q: put the file after -o (./-q for a file of that name) (-o)\n",
    ],
  ])("%j is refused, saying the file is missing", async (args, line) => {
    const result = await cli(args);
    expect(result).toEqual({ status: 2, stdout: "", stderr: line });
  });

  it("./--json still names a file of that name", async () => {
    const result = await cli(["-s", "./--json", "inspect"]);
    expect(result.stderr).toContain("no such file");
  });
});

describe("a path option followed by the command's name", () => {
  it.each([
    [["-s", "inspect"], 'bbgov: no command given: -s took "inspect" as its file; put the file after -s (-s)\n'],
    [["--json", "--out", "block"], 'bbgov: no command given: --out took "block" as its file; put the file after --out (--out)\n'],
  ])("%j says where the command went", async (args, line) => {
    const result = await cli(args);
    expect(result).toEqual({ status: 2, stdout: "", stderr: line });
  });

  it("no command at all is still the plain error", async () => {
    expect((await cli(["-s", path.join(root, "x.json")])).stderr).toBe("bbgov: no command given (see bbgov --help)\n");
  });
});

describe("a file to write named with a trailing / (review 12)", () => {
  it.each([
    ["init", (dir: string) => ["-s", `${dir}/`, "init"]],
    ["import", (dir: string) => ["-s", `${dir}/`, "import", path.resolve("fixtures/node/small.bin")]],
    ["-o on a change", (dir: string) => ["-s", EXAMPLE, "-o", `${dir}/`, "block", "16uZAbWC1AJvL"]],
    ["export -o", (dir: string) => ["-s", EXAMPLE, "export", "-o", `${dir}/`]],
  ])("%s is refused, not written as a file of the folder's name", async (_, args) => {
    const dir = path.join(fs.mkdtempSync(path.join(root, "slash-")), "nodes");
    const result = await cli(args(dir));
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `bbgov: cannot write the snapshot: ${dir}/ names a folder (it ends in /); name the file to write, such as ${dir}/governor.json (${dir}/)\n`,
    );
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
  });
});

describe("a no-break space pasted between two words (review 12)", () => {
  const P = "16uZAbWC1AJvL";
  it("is shown escaped and named, on the command line", async () => {
    const command = await cli(["-s", EXAMPLE, `block\u00a0${P}`]);
    expect(command).toEqual({
      status: 2,
      stdout: "",
      stderr: `bbgov: unknown command 'block\\xa0${P}': a no-break or other odd space joins words there; type a plain space (see bbgov --help)\n`,
    });
    const option = await cli(["-s", EXAMPLE, "--dry-run", "fail", P, "--every\u00a01s"]);
    expect(option.stderr).toBe(
      "bbgov: unknown option '--every\\xa01s': a no-break or other odd space joins words there; type a plain space (see bbgov fail --help)\n",
    );
  });

  it("and in an apply script", async () => {
    const result = await cli(["-s", EXAMPLE, "--dry-run", "apply", "-"], { stdin: `block\u00a0${P}\n` });
    expect(result.stderr).toBe(
      `bbgov: unknown command 'block\\xa0${P}': a no-break or other odd space joins words there; type a plain space (standard input line 1)\n`,
    );
  });
});

describe("a word past a command's arguments (review 12)", () => {
  it.each([
    [["fail", "16uZAbWC1AJvL", "16uZAbWC1AJvM"], 'fail takes one argument, PEER; "16uZAbWC1AJvM" is one too many (see bbgov fail --help)'],
    [["clock", "5s"], 'clock takes no arguments; "5s" is one too many (see bbgov clock --help)'],
    [["advise", "16uZAbWC1AJvL", "1s", "2s"], 'advise takes 2 arguments, PEER DUR; "2s" is one too many (see bbgov advise --help)'],
  ])("%j is named", async (args, message) => {
    const result = await cli(["-s", EXAMPLE, "--dry-run", ...args]);
    expect(result).toEqual({ status: 2, stdout: "", stderr: `bbgov: too many arguments: ${message}\n` });
  });

  it("in an apply script too", async () => {
    const result = await cli(["-s", EXAMPLE, "--dry-run", "apply", "-"], { stdin: "threshold 3 4\n" });
    expect(result.stderr).toBe('bbgov: too many arguments: threshold takes one argument, N; "4" is one too many (standard input line 1)\n');
  });
});

describe("digits other than 0-9 in a number, a DUR or a TIME (review 12)", () => {
  it.each([
    [["advise", "16uZAbWC1AJvL", "１０s"], 'invalid duration "１０s": write the digits in ASCII: 10s (argument DUR)'],
    [["fail", "16uZAbWC1AJvL", "--after", "０．５ｓ"], 'invalid duration "０．５ｓ": write the digits in ASCII: 0.5s (--after)'],
    [["fail", "16uZAbWC1AJvL", "--at", "１７６４"], 'invalid time "１７６４": write the digits in ASCII: 1764 (--at)'],
    [["fail", "16uZAbWC1AJvL", "--times", "٣٠"], 'invalid number "٣٠": write the digits in ASCII: 30 (--times)'],
    [["threshold", "３"], 'invalid number "３": write the digits in ASCII: 3 (argument N)'],
  ])("%j says to write them in ASCII", async (args, message) => {
    const result = await cli(["-s", EXAMPLE, "--dry-run", ...args]);
    expect(result).toEqual({ status: 2, stdout: "", stderr: `bbgov: ${message}\n` });
  });

  it("a Greek mu for micro gets the same hint as the micro sign", async () => {
    const result = await cli(["-s", EXAMPLE, "--dry-run", "advise", "16uZAbWC1AJvL", "5\u03bcs"]);
    expect(result.stderr).toBe('bbgov: invalid duration "5\u03bcs": unknown unit "\u03bcs" (write 5us) (argument DUR)\n');
  });
});

describe("an empty file argument (an unset shell variable, review 12)", () => {
  it.each([
    [["diff", ""], "OTHER"],
    [["--dry-run", "apply", ""], "SCRIPT"],
  ])("%j is named as -s and -o name it, not 'no such file ()'", async (args, name) => {
    const result = await cli(["-s", EXAMPLE, ...args]);
    expect(result).toEqual({
      status: 2,
      stdout: "",
      stderr: `bbgov: an empty path: name a file (is a shell variable unset?) (argument ${name})\n`,
    });
  });

  it("import's too, before anything is written", async () => {
    const made = path.join(fs.mkdtempSync(path.join(root, "import-")), "made.json");
    const result = await cli(["-s", made, "import", ""]);
    expect(result.stderr).toBe("bbgov: an empty path: name a file (is a shell variable unset?) (argument UPSTREAM)\n");
    expect(fs.existsSync(made)).toBe(false);
  });
});

describe("a wrong date is quoted whole in its error (review 12)", () => {
  it("its zone, past the 24th character, is shown", async () => {
    const result = await cli(["-s", EXAMPLE, "check", "16uZAbWC1AJvL", "--at", "2554-07-22T00:34:33.709551616+01:00"]);
    expect(result.stderr).toBe(
      'bbgov: invalid time "2554-07-22T00:34:33.709551616+01:00": after the last u64 nanosecond, 2554-07-21T23:34:33.709551615Z (--at)\n',
    );
  });
});

describe("a fleet's check on a narrow terminal (review 12)", () => {
  it("fits: the node shortened, then each denial said by its reason alone", async () => {
    const dir = fs.mkdtempSync(path.join(root, "fleet-"));
    fs.copyFileSync(path.resolve("fixtures/node/allowlist-some.bin"), path.join(dir, "b.bin"));
    fs.copyFileSync(EXAMPLE, path.join(dir, "c.json"));
    const args = ["--no-color", "-s", dir, "check", "12D3KooWJATkUcKJHbbtK22skXSBCUAtjkCg9z6NVDz3wX4a7Ci4"];
    const narrow = await cli(args, { tty: true, columns: 56 });
    expect(narrow.status).toBe(1);
    const table = narrow.stdout.split("\n").filter((line) => /^[┌│├└]/.test(line));
    for (const line of table) expect([...line].length, line).toBeLessThanOrEqual(56);
    expect(narrow.stdout).toContain("│ not_allowlisted │ not_allowlisted │");
  });
});

describe("a threshold of 1 in words (review 12)", () => {
  it("is '1 consecutive failure', not 'failures'", async () => {
    const made = path.join(fs.mkdtempSync(path.join(root, "one-")), "g.json");
    const init = await cli(["-s", made, "init", "--threshold", "1"]);
    expect(init.stdout).toContain("threshold  1 consecutive failure\n");
    const inspect = await cli(["-s", made, "inspect"]);
    expect(inspect.stdout).toContain("threshold  1 consecutive failure marks a peer down\n");
  });
});

describe("-o naming the snapshot itself, for a command that only reads it (review 12)", () => {
  it.each([
    [["export"], "export"],
    [["completion", "bash"], "completion"],
  ])("%j needs --force: its output would replace the snapshot", async (args, name) => {
    const file = path.join(fs.mkdtempSync(path.join(root, "itself-")), "governor.json");
    fs.copyFileSync(EXAMPLE, file);
    const before = fs.readFileSync(file);
    const result = await cli(["-s", file, "-o", file, ...args]);
    expect(result).toEqual({
      status: 2,
      stdout: "",
      stderr: `bbgov: ${file} is the snapshot itself, which ${name}'s output would replace; add --force to replace it (--out)\n`,
    });
    expect(fs.readFileSync(file)).toEqual(before);
  });

  it("a changing command still writes there in place", async () => {
    const file = path.join(fs.mkdtempSync(path.join(root, "itself-")), "governor.json");
    fs.copyFileSync(EXAMPLE, file);
    expect((await cli(["-q", "-s", file, "-o", file, "block", "16uZAbWC1AJvL"])).status).toBe(0);
  });
});
