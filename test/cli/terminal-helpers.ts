/** In-process runs of bbgov for the terminal-UX tests: argv in, exit code and output out, no spawn. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
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
export const EXAMPLE = new URL("../../fixtures/example.json", import.meta.url).pathname;
