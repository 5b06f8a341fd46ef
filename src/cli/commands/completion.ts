/** `completion bash|zsh|fish`: print a shell completion script generated from the command table. */
import { completionScript } from "../completion.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs } from "../program.js";
import { report } from "../context.js";

/** Returns the script as the report's output (printed as it is). */
export function execute(_ctx: CommandContext, [shell]: CommandArgs<"completion">): Report {
  const output = completionScript(shell);
  return report({ shell }, () => output, { output });
}
