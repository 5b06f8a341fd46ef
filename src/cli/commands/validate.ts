/** `validate`: the snapshot loaded (format checks passed in `main`); add the semantic checks. */
import { lintSnapshot } from "../../snapshot/lint.js";
import type { CommandContext, Report } from "../context.js";
import { report } from "../context.js";

/** Reports the load and lint findings; exit 0 (an invalid file never gets here: it exits 2 on load). */
export function execute(ctx: CommandContext): Report {
  const { governor, backoff } = ctx.snapshot;
  // What loading found (a clamp, entries upstream's restore skips), then what the lint finds in the model.
  const findings = [...ctx.loadFindings, ...lintSnapshot(ctx.snapshot)];
  const counts = {
    blocked: governor.blocklistSize(),
    allowlisted: governor.allowlistSize(),
    tracked: governor.trackedPeers(),
    backoff_entries: backoff.len(),
  };
  return report(
    { valid: true, source: ctx.source, counts, findings: findings.map((f) => ({ path: f.path, message: f.message })) },
    (ui) => {
      const head = `${ui.chalk.green("valid")}: ${ctx.source} (${counts.tracked} tracked, ${counts.blocked} blocked, ${counts.backoff_entries} backoff entries)`;
      const notes = findings.map((f) => `  ${ui.chalk.yellow("!")} ${f.message} (${f.path})`);
      return [head, ...(findings.length > 0 ? [`${findings.length} finding(s):`, ...notes] : [])].join("\n");
    },
  );
}
