/**
 * Seventh review: inputs too large to read are refused with one clear line,
 * not read until memory runs out (`-s /dev/zero`, `yes | bbgov -s -`), nor
 * reported as a raw Node code (`ERR_OUT_OF_RANGE`) or as a bug of bbgov's
 * (a JSON text longer than a JavaScript string).
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { IoError } from "../../src/cli/errors.js";
import { MAX_FILE_BYTES, readBytes, textOf } from "../../src/cli/io/store.js";
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
    const error = await rejection(readBytes("/dev/zero", noInput, "the snapshot", false, 3 << 20));
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
    const error = await rejection(readBytes("-", endless, "the snapshot", false, 1 << 20));
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
    const { bytes } = await readBytes("-", input, "the snapshot", false, 18);
    expect(Buffer.from(bytes).toString()).toBe('{"spec_version":1}');
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
