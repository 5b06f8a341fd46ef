/** `backoff [--base DUR] [--max DUR] [--plan [--attempts N]]`: the backoff schedule. */
import { saturatingAdd } from "../../core/u64.js";
import { KIND_NAMES } from "../../snapshot/kinds.js";
import { UsageError } from "../errors.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandOptions } from "../program.js";
import { report } from "../context.js";
import { formatDuration } from "../render/format.js";
import { renderFittedTable } from "../render/fit.js";
import { backoffSettings, baseAboveMax } from "./common.js";

const MAX_PLAN_ROWS = 64;

/** Shows or sets the schedule; with --plan, the delays it gives attempt by attempt. */
export function execute(ctx: CommandContext, _args: readonly [], options: CommandOptions<"backoff">): Report {
  const { backoff } = ctx.snapshot;
  const { base: baseNs, max: maxDelayNs, attempts } = options;
  check(ctx, [], options);
  const before = backoff.config();
  const { schedule, warnings } = backoffSettings(baseNs, maxDelayNs);
  backoff.setConfig(schedule);
  const config = backoff.config();
  const plan = options.plan === true ? planRows(ctx, attempts) : undefined;
  const changed = config.baseNs !== before.baseNs || config.maxDelayNs !== before.maxDelayNs;
  if (changed) warnings.push(...baseAboveMax(config));
  // The schedule before, as threshold's `previous` and clock's `previous_ns`.
  const json: Record<string, unknown> = {
    backoff: { base_ns: config.baseNs, max_delay_ns: config.maxDelayNs },
    previous: { base_ns: before.baseNs, max_delay_ns: before.maxDelayNs },
  };
  if (plan !== undefined)
    json.plan = plan.map((row) => ({ attempt: row.attempt, delay_ns: row.delayNs, cumulative_ns: row.cumulativeNs, capped: row.capped }));
  return report(
    json,
    (ui) => {
      const lines: string[] = [];
      if (changed) {
        lines.push(
          `${ui.chalk.green("✓")} backoff base ${formatDuration(before.baseNs)} -> ${formatDuration(config.baseNs)},` +
            ` max ${formatDuration(before.maxDelayNs)} -> ${formatDuration(config.maxDelayNs)}`,
        );
      } else {
        lines.push(
          `backoff base ${formatDuration(config.baseNs)} (${config.baseNs} ns),` +
            ` max ${formatDuration(config.maxDelayNs)} (${config.maxDelayNs} ns)`,
        );
      }
      if (plan !== undefined) {
        const note = (text: string) => () => plan.map((row) => (row.firstCapped ? ui.chalk.yellow(text) : ""));
        // At 40 columns (half of an 80-column terminal) ATTEMPT becomes #, the note "capped", then CUMULATIVE
        // TOTAL, then the note "max" (under a fleet's node): the table was 52 wide there.
        lines.push(
          renderFittedTable(
            ui,
            [
              { title: "ATTEMPT", short: "#", align: "right", forms: [() => plan.map((row) => String(row.attempt))] },
              {
                title: "DELAY",
                align: "right",
                forms: [() => plan.map((row) => (row.capped ? ui.chalk.yellow(formatDuration(row.delayNs)) : formatDuration(row.delayNs)))],
              },
              { title: "CUMULATIVE", short: "TOTAL", align: "right", forms: [() => plan.map((row) => formatDuration(row.cumulativeNs))] },
              { title: "NOTE", align: "left", forms: [note("<- capped at max"), note("capped"), note("max")] },
            ],
            [{ column: "ATTEMPT", short: true }, { column: "NOTE" }, { column: "CUMULATIVE", short: true }, { column: "NOTE" }],
          ),
        );
      }
      return lines.join("\n");
    },
    { warnings, changed },
  );
}

interface PlanRow {
  attempt: number;
  delayNs: bigint;
  cumulativeNs: bigint;
  capped: boolean;
  firstCapped: boolean;
}

function planRows(ctx: CommandContext, attempts: number | undefined): PlanRow[] {
  const { backoff } = ctx.snapshot;
  const { maxDelayNs } = backoff.config();
  const rows: PlanRow[] = [];
  let cumulativeNs = 0n;
  let sawCap = false;
  for (let attempt = 1; attempt <= (attempts ?? MAX_PLAN_ROWS); attempt++) {
    const delayNs = backoff.delayFor(attempt);
    cumulativeNs = saturatingAdd(cumulativeNs, delayNs);
    const capped = delayNs === maxDelayNs;
    rows.push({ attempt, delayNs, cumulativeNs, capped, firstCapped: capped && !sawCap });
    if (capped && !sawCap && attempts === undefined) {
      sawCap = true;
      break;
    }
    sawCap ||= capped;
  }
  return rows;
}

/** --attempts only with --plan; a file with no schedule of its own (a node snapshot) cannot have one set. */
export function check(ctx: CommandContext, _args: readonly [], options: CommandOptions<"backoff">): void {
  if (options.attempts !== undefined && options.plan !== true) throw new UsageError("--attempts goes with --plan", "backoff");
  if ((options.base !== undefined || options.max !== undefined) && !ctx.holds.backoffSchedule) {
    throw new UsageError(
      `a ${KIND_NAMES[ctx.kind]} holds no backoff schedule to set: the schedule is the host's setting, which bbgov takes from --host-backoff BASE,MAX`,
      options.base !== undefined ? "--base" : "--max",
    );
  }
}
