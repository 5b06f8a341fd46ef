/** `completion bash|zsh|fish`: print a shell completion script generated from the command table. */
import { completionScript, type Shell } from "../completion.js";
import type { CommandContext, Report } from "../context.js";
import { report } from "../context.js";

/** Returns the script as the report's output (printed as it is). */
export function execute(_ctx: CommandContext, args: readonly unknown[]): Report {
  const shell = args[0] as Shell;
  const output = completionScript(shell);
  return report({ shell }, () => output, { output });
}
