/** `clock [--set TIME | --advance DUR]`: show or move the snapshot clock. */
import { saturatingAdd } from "../../core/u64.js";
import { KIND_NAMES } from "../../snapshot/kinds.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandOptions } from "../program.js";
import { UsageError } from "../errors.js";
import { report } from "../context.js";
import { formatDuration, formatInstant } from "../render/format.js";

/** Shows the clock, sets it, or moves it forward (saturating at 2^64-1). */
export function execute(ctx: CommandContext, _args: readonly [], { set, advance }: CommandOptions<"clock">): Report {
  const { snapshot } = ctx;
  const before = snapshot.clockNs;
  check(ctx, [], { set, advance });
  if (set !== undefined) snapshot.clockNs = set;
  if (advance !== undefined) snapshot.clockNs = saturatingAdd(before, advance);
  const after = snapshot.clockNs;
  const warnings = after < before ? [`the clock moved backwards by ${formatDuration(before - after)}`] : [];
  return report(
    { clock_ns: after, previous_ns: before },
    (ui) => {
      if (set === undefined && advance === undefined) return `clock ${formatInstant(after)}`;
      if (after === before) return ui.chalk.dim(`clock unchanged at ${formatInstant(after)}`);
      const delta = after > before ? `+${formatDuration(after - before)}` : `-${formatDuration(before - after)}`;
      return `${ui.chalk.green("✓")} clock ${formatInstant(before)} -> ${formatInstant(after)} (${delta})`;
    },
    { warnings, changed: after !== before },
  );
}

/** A file with no clock of its own (a node snapshot) cannot have it set or moved. */
export function check(ctx: CommandContext, _args: readonly [], { set, advance }: CommandOptions<"clock">): void {
  if ((set !== undefined || advance !== undefined) && !ctx.holds.clock) {
    throw new UsageError(
      `a ${KIND_NAMES[ctx.kind]} holds no clock: its "now" is the latest event time in the file;` +
        ` give a command its time with --at or --after`,
      set !== undefined ? "--set" : "--advance",
    );
  }
}
