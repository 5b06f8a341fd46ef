/** `import FILE`: a new version-1 snapshot from the upstream framework snapshot's JSON (serde). */
import { SnapshotError } from "../../snapshot/model.js";
import { decodeUpstream, InvalidUpstreamEntries, type DecodedUpstream } from "../../snapshot/upstream.js";
import type { CommandContext, Report } from "../context.js";
import { report } from "../context.js";
import { formatDuration, formatInstant } from "../render/format.js";
import { renderPairs } from "../render/table.js";

/** Reads the upstream text `main` passes as args[0] into the fresh snapshot `main` provides. */
export function execute(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report {
  const input = args[0] as { text: string; source: string };
  const baseNs = options.backoffBase as bigint | undefined;
  const maxDelayNs = options.backoffMax as bigint | undefined;
  const clockNs = options.clock as bigint | undefined;
  let decoded: DecodedUpstream;
  try {
    decoded = decodeUpstream(input.text, {
      skipInvalid: options.skipInvalid === true,
      backoff: { ...(baseNs === undefined ? {} : { baseNs }), ...(maxDelayNs === undefined ? {} : { maxDelayNs }) },
      ...(clockNs === undefined ? {} : { clockNs }),
    });
  } catch (error) {
    if (error instanceof InvalidUpstreamEntries) {
      throw new SnapshotError(`${error.message}; --skip-invalid drops them as upstream does`, `${input.source}: ${error.path}`);
    }
    if (error instanceof SnapshotError) throw new SnapshotError(error.message, `${input.source}: ${error.path}`);
    throw error;
  }
  const { snapshot } = ctx;
  snapshot.governor = decoded.snapshot.governor;
  snapshot.backoff = decoded.snapshot.backoff;
  snapshot.clockNs = decoded.snapshot.clockNs;

  const warnings = decoded.warnings.map((warning) => `${warning.message} (${input.source}: ${warning.path})`);
  if (baseNs === 0n) warnings.push("a backoff base of 0 becomes 1 ns (the upstream clamp)");
  if (maxDelayNs === 0n) warnings.push("a backoff max of 0 becomes 1 ns (the upstream clamp)");
  const { governor, backoff } = snapshot;
  const config = backoff.config();
  const peers = new Set<string>();
  for (const peer of governor.blocklist()) peers.add(peer.text);
  for (const peer of governor.allowlist() ?? []) peers.add(peer.text);
  for (const entry of governor.iterHealth()) peers.add(entry.peer.text);
  for (const entry of backoff.iter()) peers.add(entry.peer.text);
  const clockSource = clockNs !== undefined ? "--clock" : decoded.latestEventNs !== undefined ? "latest event" : "none";
  const counts = {
    peers: peers.size,
    blocklist: governor.blocklistSize(),
    allowlist: governor.allowlistSize(),
    health: governor.trackedPeers(),
    backoff_table: backoff.len(),
  };
  return report(
    {
      source: input.source,
      from: "framework-json",
      imported: counts,
      skipped: decoded.invalid.map((entry) => ({ path: entry.path, message: entry.message })),
      ignored_fields: decoded.otherKeys,
      failure_threshold: governor.failureThreshold(),
      clock_ns: snapshot.clockNs,
      clock_source: clockSource,
      backoff: { base_ns: config.baseNs, max_delay_ns: config.maxDelayNs },
    },
    (ui) => {
      const form =
        decoded.otherKeys.length === 0
          ? "governor fields only"
          : `framework snapshot, ${decoded.otherKeys.length} other field(s) ignored`;
      const clockNote =
        clockSource === "--clock" ? "" : clockSource === "latest event" ? " (the latest event in the file)" : " (no event in the file)";
      const lines = [
        `${ui.chalk.green("imported")} ${input.source} (${form})`,
        renderPairs(ui, [
          ["peers", `${counts.peers} distinct`],
          ["blocklist", `${counts.blocklist} peer(s)`],
          ["allowlist", counts.allowlist === null ? "open (null)" : `${counts.allowlist} peer(s)`],
          ["health", `${counts.health} entr${counts.health === 1 ? "y" : "ies"}, threshold ${governor.failureThreshold()}`],
          ["backoff", `${counts.backoff_table} entr${counts.backoff_table === 1 ? "y" : "ies"}; schedule base ${formatDuration(config.baseNs)}, max ${formatDuration(config.maxDelayNs)} (not in the upstream snapshot)`],
          ["clock", `${formatInstant(snapshot.clockNs)}${clockNote}`],
        ]),
      ];
      // Each skipped entry is one of the warnings printed after the report.
      const skipped = decoded.invalid.length;
      if (skipped > 0) lines.push(ui.chalk.yellow(`skipped ${skipped} entr${skipped === 1 ? "y" : "ies"} whose peer does not parse (see the warnings)`));
      return lines.join("\n");
    },
    { warnings },
  );
}
