/** `threshold N`: set the failure threshold. */
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs } from "../program.js";
import { report } from "../context.js";
import { thresholdWarnings } from "./common.js";

/** Sets the threshold (0 becomes 1, with a warning); nobody's down flag is recomputed, as upstream. */
/** Why the down flags stay as they are (upstream does not recompute them either). */
const NOT_RECOMPUTED = "down flags are not recomputed: the next event sets them, as upstream";

export function execute(ctx: CommandContext, [requested]: CommandArgs<"threshold">): Report {
  const { governor } = ctx.snapshot;
  const before = governor.failureThreshold();
  governor.setFailureThreshold(requested);
  const after = governor.failureThreshold();
  const warnings = thresholdWarnings(requested);
  return report(
    { failure_threshold: after, previous: before },
    (ui) =>
      before === after
        ? ui.chalk.dim(`failure threshold was already ${after}`)
        : `${ui.chalk.green("✓")} failure threshold ${before} -> ${after}\n${ui.chalk.dim(NOT_RECOMPUTED)}`,
    { warnings, changed: before !== after },
  );
}
