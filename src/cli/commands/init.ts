/** `init`: a new empty snapshot with the given settings. */
import type { CommandContext, Report } from "../context.js";
import type { CommandOptions } from "../program.js";
import { report } from "../context.js";
import { renderPairs } from "../render/table.js";
import { formatDuration, formatInstant } from "../render/format.js";
import { backoffSettings, baseAboveMax, thresholdWarnings } from "./common.js";

/** Applies `init`'s settings to the fresh snapshot `main` provides. */
export function execute(ctx: CommandContext, _args: readonly [], options: CommandOptions<"init">): Report {
  const { snapshot } = ctx;
  const { threshold } = options;
  if (threshold !== undefined) snapshot.governor.setFailureThreshold(threshold);
  const { schedule, warnings: clamped } = backoffSettings(options.backoffBase, options.backoffMax);
  snapshot.backoff.setConfig(schedule);
  snapshot.clockNs = options.clock ?? 0n;
  const config = snapshot.backoff.config();
  const warnings = [...thresholdWarnings(threshold), ...clamped, ...baseAboveMax(config)];
  return report(
    {
      clock_ns: snapshot.clockNs,
      failure_threshold: snapshot.governor.failureThreshold(),
      backoff: { base_ns: config.baseNs, max_delay_ns: config.maxDelayNs },
    },
    (ui) =>
      `${ui.chalk.green("new snapshot")}\n` +
      renderPairs(ui, [
        [
          "threshold",
          `${snapshot.governor.failureThreshold()} consecutive failure${snapshot.governor.failureThreshold() === 1 ? "" : "s"}`,
        ],
        ["backoff", `base ${formatDuration(config.baseNs)}, max ${formatDuration(config.maxDelayNs)}`],
        ["clock", formatInstant(snapshot.clockNs)],
      ]),
    { warnings },
  );
}
