/**
 * Seventh review: inputs too large to read are refused with one clear line,
 * not read until memory runs out (`-s /dev/zero`, `yes | bbgov -s -`), nor
 * reported as a raw Node code (`ERR_OUT_OF_RANGE`) or as a bug of bbgov's
 * (a JSON text longer than a JavaScript string).
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { IoError } from "../../src/cli/errors.js";
import { MAX_FILE_BYTES, MAX_STREAM_BYTES, readBytes, textOf } from "../../src/cli/io/store.js";
import { execute, type CliIo } from "../../src/cli/main.js";
import { expectError, sandboxes } from "./helpers.js";

const sandbox = sandboxes();

/** The error `promise` is rejected with. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("not rejected");
}

const noInput = (async function* () {})();

describe("a file larger than one buffer holds", () => {
  it("is refused at once, by its size, with the file untouched", async () => {
    const box = sandbox();
    // Sparse: no byte of it is written, and bbgov must not read one either.
    fs.writeFileSync(box.path("huge.snap"), "");
    fs.truncateSync(box.path("huge.snap"), MAX_FILE_BYTES + 1);
    for (const command of [["inspect"], ["block", "16uZAbWC1AJvL"]]) {
      expectError(
        await box.run(["-s", "huge.snap", ...command]),
        `bbgov: cannot read the snapshot: it is 4.3 GB (4294967296 bytes); bbgov reads files of up to 4294967295 bytes (huge.snap)\n`,
      );
    }
    expect(fs.statSync(box.path("huge.snap")).size).toBe(MAX_FILE_BYTES + 1);
  });
});

describe("a device or standard input that gives more than any snapshot", () => {
  it("stops reading /dev/zero at the bound, with an error that says why", async () => {
    const error = await rejection(readBytes("/dev/zero", noInput, "the snapshot", { maxStreamBytes: 3 << 20 }));
    expect(error).toBeInstanceOf(IoError);
    expect(error.message).toBe(
      "cannot read the snapshot: more than 3145728 bytes from a pipe or a device, larger than any snapshot bbgov reads from one",
    );
    expect((error as IoError).where).toBe("/dev/zero");
  });

  it("stops reading standard input at the bound, and says to use a file", async () => {
    let given = 0;
    const endless = (async function* () {
      const chunk = Buffer.alloc(1 << 16);
      for (;;) {
        given += chunk.length;
        yield chunk;
      }
    })();
    const error = await rejection(readBytes("-", endless, "the snapshot", { maxStreamBytes: 1 << 20 }));
    expect(error.message).toBe(
      "cannot read the snapshot: more than 1048576 bytes from standard input, larger than any snapshot bbgov reads from one;" +
        " save it to a file and give -s FILE",
    );
    expect(given).toBe((1 << 20) + (1 << 16));
  });

  it("reads what is under the bound whole", async () => {
    const input = (async function* () {
      yield Buffer.from('{"spec_version":');
      yield Buffer.from("1}");
    })();
    const { bytes } = await readBytes("-", input, "the snapshot", { maxStreamBytes: 18 });
    expect(Buffer.from(bytes).toString()).toBe('{"spec_version":1}');
  });
});

/**
 * Runs bbgov with a standard input of just over MAX_STREAM_BYTES (1 GiB): one 16 MiB buffer given 65 times, so
 * that nothing near a gibibyte is made or written; what is read past the bound would be held as views of it.
 */
async function runWithHugeInput(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string; given: number }> {
  const piece = Buffer.alloc(1 << 24, "x");
  let given = 0;
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { isTTY: false, write: (chunk: string | Uint8Array) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk: string | Uint8Array) => ((stderr += String(chunk)), true) },
    stdin: (async function* () {
      for (let count = 0; count <= MAX_STREAM_BYTES / piece.length; count++) {
        given += piece.length;
        yield piece;
      }
    })(),
    env: { NO_COLOR: "1" },
  } as unknown as CliIo;
  const status = await execute(args, io);
  return { status, stdout, stderr, given };
}

describe("a command's file argument on standard input, more than any snapshot", () => {
  it("a fleet's apply script: stops at the bound and says it is the script, to be given as a file", async () => {
    const box = sandbox();
    await box.ok(["-q", "-s", "a.json", "init"]);
    await box.ok(["-q", "-s", "b.json", "init"]);
    const before = fs.readFileSync(box.path("a.json"));
    // Was: every byte of standard input kept, without a bound, to run on each file.
    const result = await runWithHugeInput(["-s", box.path("a.json"), "-s", box.path("b.json"), "apply", "-"]);
    expectError(
      { status: result.status, stdout: result.stdout, stderr: result.stderr },
      `bbgov: cannot read the script file: more than ${MAX_STREAM_BYTES} bytes from standard input, more than a fleet holds` +
        " of a script to run on each file; save it to a file and give its name in place of - (standard input)\n",
    );
    expect(result.given).toBe(MAX_STREAM_BYTES + (1 << 24));
    expect(fs.readFileSync(box.path("a.json"))).toEqual(before);
  });

  it("diff's other snapshot: says to give the file's name, not -s FILE (that is the snapshot compared)", async () => {
    const box = sandbox();
    await box.ok(["-q", "-s", "a.json", "init"]);
    const result = await runWithHugeInput(["-s", box.path("a.json"), "diff", "-"]);
    expectError(
      { status: result.status, stdout: result.stdout, stderr: result.stderr },
      `bbgov: cannot read the other snapshot: more than ${MAX_STREAM_BYTES} bytes from standard input, larger than any` +
        " snapshot bbgov reads from one; save it to a file and give its name in place of - (standard input)\n",
    );
  });

  it("a fleet's script from a pipe or a device: says to save it to a file", async () => {
    const error = await rejection(readBytes("/dev/zero", noInput, "the script file", { role: "script", maxStreamBytes: 1 << 20 }));
    expect(error.message).toBe(
      "cannot read the script file: more than 1048576 bytes from a pipe or a device, more than a fleet holds of a script" +
        " to run on each file; save it to a file and give its name",
    );
  });
});

describe("a text longer than a JavaScript string holds", () => {
  it("is an error about the file, not an internal error", () => {
    const bytes = Buffer.from('{"spec_version":1,"$schema":"xxxxxxxx"}');
    let error: unknown;
    try {
      textOf(bytes, "big.json", "the snapshot", 20);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(IoError);
    expect((error as IoError).message).toBe(
      "cannot read the snapshot: 39 B of text is more than the 20 characters a JavaScript string holds",
    );
    expect(textOf(bytes, "big.json", "the snapshot", 39)).toBe(bytes.toString());
  });
});
