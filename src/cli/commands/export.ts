/** `export [--to KIND]`: the snapshot as another kind of file: upstream's framework JSON (serde), or a bbgov snapshot. */
import { DEFAULT_BACKOFF_BASE_NS, DEFAULT_BACKOFF_MAX_DELAY_NS } from "../../core/backoff.js";
import { encodeSnapshot } from "../../snapshot/encode.js";
import { encodeFrameworkSnapshot } from "../../snapshot/framework-json.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandOptions } from "../program.js";
import { report } from "../context.js";
import { formatDuration } from "../render/format.js";

/** Renders the chosen kind as the report's output (stdout, or `--out FILE`). */
export function execute(ctx: CommandContext, _args: readonly [], { to }: CommandOptions<"export">): Report {
  const { snapshot } = ctx;
  if (to === "bbgov-json") {
    const output = encodeSnapshot(snapshot);
    return report({ to, source: ctx.source }, () => output, { output });
  }
  // A complete FrameworkSnapshot: the node's own other fields when the source has them, upstream's defaults otherwise.
  const fields = ctx.frameworkFields?.() ?? {};
  const output = `${encodeFrameworkSnapshot(snapshot, fields)}\n`;
  const config = snapshot.backoff.config();
  const warnings: string[] = [];
  // The runtime takes its schedule from its own config: say so when this one would be lost.
  if (config.baseNs !== DEFAULT_BACKOFF_BASE_NS || config.maxDelayNs !== DEFAULT_BACKOFF_MAX_DELAY_NS) {
    warnings.push(
      `the backoff schedule (base ${formatDuration(config.baseNs)},` +
        ` max ${formatDuration(config.maxDelayNs)}) is not part of the upstream snapshot and is not exported`,
    );
  }
  return report({ to, source: ctx.source, fields_from_source: Object.keys(fields) }, () => output, { warnings, output });
}
