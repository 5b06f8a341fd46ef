/**
 * Seventh review: the process's standard output (src/cli/io/output.ts) as
 * `inspect --watch` uses it on a terminal. The wrapper had a terminal's
 * columns but not its rows, and kept `resize` listeners to itself: the real
 * binary's watch neither fitted the window's height nor redrew on a resize.
 */
import { EventEmitter } from "node:events";
import fs from "node:fs";
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { StandardOutput } from "../../src/cli/io/output.js";

/** A terminal's stream, as Node's tty.WriteStream shows it to bbgov. */
class FakeTerminal extends EventEmitter {
  readonly isTTY = true;
  readonly columns = 80;
  readonly rows = 24;
  write(): boolean {
    return true;
  }
}

// A descriptor that is no pipe, socket, file or /dev/null (a folder's): StandardOutput hands it to the stream.
let fd: number | undefined;
afterEach(() => {
  if (fd !== undefined) fs.closeSync(fd);
  fd = undefined;
});

function onTerminal(): { out: StandardOutput; terminal: FakeTerminal } {
  fd = fs.openSync(os.tmpdir(), "r");
  const terminal = new FakeTerminal();
  const out = new StandardOutput(
    fd,
    () => terminal as unknown as NodeJS.WriteStream,
    () => {},
  );
  return { out, terminal };
}

describe("standard output on a terminal", () => {
  it("tells the terminal's rows, as it tells its columns (inspect --watch fits the window's height)", () => {
    const { out } = onTerminal();
    expect(out.isTTY).toBe(true);
    expect(out.columns).toBe(80);
    expect(out.rows).toBe(24);
  });

  it("hands a resize listener to the terminal's stream, and takes it back with off", () => {
    const { out, terminal } = onTerminal();
    let resizes = 0;
    const listener = (): void => {
      resizes++;
    };
    out.on("resize", listener);
    terminal.emit("resize");
    expect(resizes).toBe(1);
    out.off("resize", listener);
    terminal.emit("resize");
    expect(resizes).toBe(1);
    expect(terminal.listenerCount("resize")).toBe(0);
  });
});
