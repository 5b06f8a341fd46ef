/** `init`: a new empty snapshot with the given settings. */
import type { CommandContext, Report } from "../context.js";
import { report } from "../context.js";
import { renderPairs } from "../render/table.js";
import { formatDuration, formatInstant } from "../render/format.js";

/** Applies `init`'s settings to the fresh snapshot `main` provides. */
export function execute(ctx: CommandContext, _args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report {
  const { snapshot } = ctx;
  const warnings: string[] = [];
  const threshold = options.threshold as number | undefined;
  if (threshold !== undefined) {
    if (threshold === 0) warnings.push("a failure threshold of 0 becomes 1 (the upstream clamp)");
    snapshot.governor.setFailureThreshold(threshold);
  }
  const baseNs = options.backoffBase as bigint | undefined;
  const maxDelayNs = options.backoffMax as bigint | undefined;
  if (baseNs === 0n) warnings.push("a backoff base of 0 becomes 1 ns (the upstream clamp)");
  if (maxDelayNs === 0n) warnings.push("a backoff max of 0 becomes 1 ns (the upstream clamp)");
  snapshot.backoff.setConfig({ ...(baseNs === undefined ? {} : { baseNs }), ...(maxDelayNs === undefined ? {} : { maxDelayNs }) });
  snapshot.clockNs = (options.clock as bigint | undefined) ?? 0n;
  const config = snapshot.backoff.config();
  return report(
    {
      clock_ns: snapshot.clockNs,
      failure_threshold: snapshot.governor.failureThreshold(),
      backoff: { base_ns: config.baseNs, max_delay_ns: config.maxDelayNs },
    },
    (ui) =>
      `${ui.chalk.green("new snapshot")}\n` +
      renderPairs(ui, [
        ["threshold", `${snapshot.governor.failureThreshold()} consecutive failures`],
        ["backoff", `base ${formatDuration(config.baseNs)}, max ${formatDuration(config.maxDelayNs)}`],
        ["clock", formatInstant(snapshot.clockNs)],
      ]),
    { warnings },
  );
}
