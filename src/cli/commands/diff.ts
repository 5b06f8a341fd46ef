/** `diff OTHER`: what differs between the snapshot and OTHER, by meaning. */
import { diffSnapshots, type SnapshotChange } from "../../snapshot/diff.js";
import type { CommandContext, Report, Ui } from "../context.js";
import type { CommandArgs } from "../program.js";
import { report } from "../context.js";

/** Compares the loaded snapshot with OTHER (read by `main`); exit 1 when they differ. */
export function execute(ctx: CommandContext, [other]: CommandArgs<"diff">): Report {
  // A file with no clock or schedule of its own (a node snapshot) has only a stand-in for it: nothing to compare.
  const clock = ctx.holds.clock && other.holds.clock;
  const backoffSchedule = ctx.holds.backoffSchedule && other.holds.backoffSchedule;
  const changes = diffSnapshots(ctx.snapshot, other.snapshot, { clock, backoffSchedule });
  const unheld = [...(clock ? [] : ["clock"]), ...(backoffSchedule ? [] : ["backoff schedule"])];
  const note = unheld.length === 0 ? "" : `\n(${unheld.join(" and ")} not compared: ${whoHoldsNone(ctx, other)})`;
  return report(
    {
      same: changes.length === 0,
      from: ctx.source,
      to: other.source,
      changes,
      // What one of the files does not hold, so was not compared: a script can tell "same" from "same governor".
      not_compared: [...(clock ? [] : ["clock_ns"]), ...(backoffSchedule ? [] : ["backoff"])],
    },
    (ui) => {
      if (changes.length === 0) return ui.chalk.green(`same: ${ctx.source} and ${other.source} hold the same state`) + ui.chalk.dim(note);
      const header = `${ui.chalk.bold(`${changes.length} difference(s)`)} from ${ctx.source} to ${other.source}`;
      return [header, ...changes.map((change) => changeLine(ui, change))].join("\n") + ui.chalk.dim(note);
    },
    { exitCode: changes.length === 0 ? 0 : 1, warnings: other.warnings },
  );
}

/** Which of the two files hold no clock or schedule of their own, for the note under the differences. */
function whoHoldsNone(ctx: CommandContext, other: CommandArgs<"diff">[0]): string {
  const lacking = (holds: CommandContext["holds"]): boolean => !(holds.clock && holds.backoffSchedule);
  if (lacking(ctx.holds) && lacking(other.holds)) return "neither file holds them";
  return `${lacking(ctx.holds) ? ctx.source : other.source} holds none`;
}

function changeLine(ui: Ui, change: SnapshotChange): string {
  switch (change.kind) {
    case "added":
      return `${ui.chalk.green("+")} ${change.path} ${show(change.after)}`;
    case "removed":
      return `${ui.chalk.red("-")} ${change.path} ${show(change.before)}`;
    case "changed":
      return `${ui.chalk.yellow("~")} ${change.path}: ${show(change.before)} -> ${show(change.after)}`;
  }
}

/**
 * A value as the line shows it: an entry as compact JSON with a space after each of its fields (a list's items), so that a line too
 * long for the terminal wraps between fields (`"attempts":8, "last_attempt_ns":"…"`), never inside one.
 */
function show(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value;
  const json = (inner: unknown): string =>
    JSON.stringify(inner, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item));
  // A list (an allowlist that appears or goes) the same way: a space after each id, so it wraps between them.
  if (Array.isArray(value)) return `[${value.map(json).join(", ")}]`;
  if (value === null || typeof value !== "object") return json(value);
  return `{${Object.entries(value)
    .map(([key, inner]) => `${json(key)}:${json(inner)}`)
    .join(", ")}}`;
}
