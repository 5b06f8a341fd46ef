/**
 * Review 16, `apply` as a hostile user: a script that is a JSON document (the snapshot itself, named as the script
 * by mistake) is one clear error naming its first line, not every line of the file listed as an unknown command.
 */
import { describe, expect, it } from "vitest";
import { L, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

describe("apply given a JSON document as its script", () => {
  it("the snapshot file itself: one error line naming line 1, nothing written", async () => {
    const box = sandbox();
    const before = await box.build([`fail ${L}`]);
    const result = await box.run(["apply", "governor.json"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "bbgov: this is a JSON document (a snapshot?), not a script of commands; name the snapshot with -s and give apply a file of command lines (governor.json line 1)\n",
    );
    expect(box.read()).toBe(before);
  });

  it("after blank and comment lines, on standard input, compact JSON: the line named is the document's first", async () => {
    const box = sandbox();
    const before = await box.build();
    const result = await box.run(["apply", "-"], { input: '\n# a note\n{"spec_version":1}\n' });
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("not a script of commands");
    expect(result.stderr).toContain("(standard input line 3)");
    expect(box.read()).toBe(before);
  });

  it("a brace after a first command is an ordinary bad line, listed with the others", async () => {
    const box = sandbox();
    await box.build();
    const result = await box.run(["apply", "-"], { input: `block ${L}\n{\nnope\n` });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "bbgov: unknown command '{' (standard input line 2)\nbbgov: unknown command 'nope' (standard input line 3)\n",
    );
  });
});

describe("apply given a shell's syntax", () => {
  it.each([
    ["block $PEER", "apply runs no shell: \"$PEER\" is not expanded; let the shell expand it (a here-document <<EOF, not <<'EOF')"],
    ['block "${PEER}"', 'apply runs no shell: "${PEER}" is not expanded'],
    ["block $(cat peers)", 'apply runs no shell: "$(cat" is not run'],
    ["threshold 3; threshold 4", 'apply runs no shell: ";" neither chains, pipes nor redirects here; write one command per line'],
    ["threshold 3 && threshold 4", 'apply runs no shell: "&&" neither chains'],
    ["threshold 3 > out.txt", 'apply runs no shell: ">" neither chains'],
  ])("%s: says no shell reads the line, naming it; nothing written", async (line, message) => {
    const box = sandbox();
    const before = await box.build();
    const result = await box.run(["apply", "-"], { input: `block ${L}\n${line}\n` });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`bbgov: ${message}`);
    expect(result.stderr).toMatch(/\(standard input line 2\)\n$/);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(box.read()).toBe(before);
  });

  it("a quoted `$` that is no variable is the argument's own error, as before", async () => {
    const box = sandbox();
    await box.build();
    const result = await box.run(["apply", "-"], { input: "threshold '$5'\n" });
    expect(result.stderr).toBe(
      'bbgov: invalid number "$5": expected a whole number from 0 to 4294967295 (standard input line 1: argument N)\n',
    );
  });
});

describe("apply given UTF-16 or binary data", () => {
  it("UTF-16 with its byte order mark (Notepad's 'Unicode'): says UTF-16 and how to convert it", async () => {
    const box = sandbox();
    const before = await box.build();
    const input = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("threshold 3\r\n", "utf16le")]);
    const result = await box.run(["apply", "-"], { input });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "bbgov: cannot read the script file: not UTF-8 text, but UTF-16; convert it: iconv -f UTF-16 -t UTF-8 (standard input line 1)\n",
    );
    expect(box.read()).toBe(before);
  });

  it("NUL bytes (UTF-16 without a mark, a binary file): one line, not each line an unknown command", async () => {
    const box = sandbox();
    const before = await box.build();
    const input = Buffer.from("\0t\0h\0r\0e\0s\0h\0o\0l\0d\0 \x003\0\n\0n\0o\0p\0e\0\n");
    const result = await box.run(["apply", "-"], { input });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "bbgov: a NUL byte: this is binary data or UTF-16 text, not a script of commands (save it as UTF-8 text) (standard input line 1)\n",
    );
    expect(box.read()).toBe(before);
  });
});

describe("apply given a line that starts with an option", () => {
  it.each([
    ["--threshold 3", "a line starts with its command, not '--threshold' (did you mean threshold?)"],
    ["-x threshold 3", "a line starts with its command, not '-x'"],
    ["-- threshold 3", "a line starts with its command, not '--'"],
    ["-h", "help cannot be used in a script"],
    ["--json", "global options such as --json go on the bbgov apply command line, not in the script"],
  ])("%s: says what is wrong (it called any option a global one)", async (line, message) => {
    const box = sandbox();
    await box.build();
    const result = await box.run(["apply", "-"], { input: `${line}\n` });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`bbgov: ${message} (standard input line 1)\n`);
  });
});
