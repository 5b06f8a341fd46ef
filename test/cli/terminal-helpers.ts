/** In-process runs of bbgov for the terminal-UX tests: argv in, exit code and output out, no spawn. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execute, type CliIo } from "../../src/cli/main.js";

/** What one run printed and returned. */
export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Options of a run: environment, standard input, and the terminal it pretends to write to. */
export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  tty?: boolean;
  columns?: number;
}

/** Runs `execute` with fake streams; the environment is only what the test gives. */
export async function cli(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: {
      isTTY: options.tty ?? false,
      ...(options.columns === undefined ? {} : { columns: options.columns }),
      write: (chunk: string | Uint8Array) => ((stdout += String(chunk)), true),
    },
    stderr: { write: (chunk: string | Uint8Array) => ((stderr += String(chunk)), true) },
    stdin: (async function* () {
      if (options.stdin !== undefined) yield Buffer.from(options.stdin);
    })(),
    env: options.env ?? {},
  } as unknown as CliIo;
  const status = await execute(args, io);
  return { status, stdout, stderr };
}

/** A fresh temporary directory, removed by the caller's `cleanup`. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The README's example snapshot: a dozen real-looking peers. */
export const EXAMPLE = fileURLToPath(new URL("../../fixtures/example.json", import.meta.url));

/**
 * A fixture's path as a user names it from the project's folder ("fixtures/example.json"). Tests of line widths
 * name files so: a summary or a "dry run: FILE not written" line shows the path as given, and an absolute one in a
 * deep checkout is longer than a line by itself (a word too long for any line stands whole).
 */
export function asGiven(file: string): string {
  return path.relative(process.cwd(), file);
}
