/** Runs bbgov in process through `execute`, with fake streams: argv in, exit code and output out. */
import { execute, type CliIo } from "../../src/cli/main.js";

/** What a run printed and returned. */
export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `execute` with `stdin` (if any) and an environment of only `env`; nothing is spawned. */
export async function cli(args: readonly string[], stdin?: string | Buffer, env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { isTTY: false, write: (chunk: string | Uint8Array) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk: string | Uint8Array) => ((stderr += String(chunk)), true) },
    stdin: (async function* () {
      if (stdin !== undefined) yield Buffer.from(stdin);
    })(),
    env,
  } as unknown as CliIo;
  const status = await execute(args, io);
  return { status, stdout, stderr };
}
