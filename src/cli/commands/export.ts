/** `export`: the snapshot's governor state as the upstream framework snapshot's JSON (serde), for a Rust host. */
import { DEFAULT_BACKOFF_BASE_NS, DEFAULT_BACKOFF_MAX_DELAY_NS } from "../../core/backoff.js";
import { encodeUpstream } from "../../snapshot/upstream.js";
import type { CommandContext, Report } from "../context.js";
import { report } from "../context.js";
import { formatDuration } from "../render/format.js";

/** Renders the upstream JSON as the report's output (stdout, or `--out FILE`). */
export function execute(ctx: CommandContext): Report {
  const { snapshot } = ctx;
  const output = `${encodeUpstream(snapshot)}\n`;
  const config = snapshot.backoff.config();
  const warnings: string[] = [];
  // The runtime takes its schedule from its own config: say so when this one would be lost.
  if (config.baseNs !== DEFAULT_BACKOFF_BASE_NS || config.maxDelayNs !== DEFAULT_BACKOFF_MAX_DELAY_NS) {
    warnings.push(
      `the backoff schedule (base ${formatDuration(config.baseNs)}, max ${formatDuration(config.maxDelayNs)}) is not part of the upstream snapshot and is not exported`,
    );
  }
  return report({ to: "framework-json", source: ctx.source }, () => output, { warnings, output });
}
