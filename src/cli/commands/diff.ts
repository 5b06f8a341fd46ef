/** `diff OTHER`: what differs between the snapshot and OTHER, by meaning. */
import { diffSnapshots, type SnapshotChange } from "../../snapshot/diff.js";
import type { CommandContext, Report, Ui } from "../context.js";
import type { CommandArgs } from "../program.js";
import { report } from "../context.js";

/** Compares the loaded snapshot with OTHER (read by `main`); exit 1 when they differ. */
export function execute(ctx: CommandContext, [other]: CommandArgs<"diff">): Report {
  const changes = diffSnapshots(ctx.snapshot, other.snapshot);
  return report(
    { same: changes.length === 0, from: ctx.source, to: other.source, changes },
    (ui) => {
      if (changes.length === 0) return ui.chalk.green(`same: ${ctx.source} and ${other.source} hold the same state`);
      const header = `${ui.chalk.bold(`${changes.length} difference(s)`)} from ${ctx.source} to ${other.source}`;
      return [header, ...changes.map((change) => changeLine(ui, change))].join("\n");
    },
    { exitCode: changes.length === 0 ? 0 : 1 },
  );
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

function show(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? inner.toString() : inner));
}
