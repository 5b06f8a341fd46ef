/** `import FILE`: a new version-1 snapshot from a node's own snapshot (bincode) or upstream's framework snapshot JSON (serde). */
import { decodeSnapshot } from "../../snapshot/decode.js";
import { detectKind, KIND_NAMES, refuseCompressed, type SnapshotInput, type SnapshotKind } from "../../snapshot/kinds.js";
import { latestEventNs, SnapshotError, type Snapshot, type SnapshotWarning } from "../../snapshot/model.js";
import { KEPT_ON_WRITE, readNodeSnapshot, SKIPPED_AS_RESTORE } from "../../snapshot/node.js";
import { decodeUpstream, InvalidUpstreamEntries } from "../../snapshot/framework-json.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs, CommandOptions } from "../program.js";
import { report } from "../context.js";
import { formatDuration, formatInstant } from "../render/format.js";
import { renderPairs } from "../render/table.js";
import { backoffSettings, baseAboveMax, knownPeers } from "./common.js";

/** What was read from the upstream file. */
interface Imported {
  readonly kind: SnapshotKind;
  readonly snapshot: Snapshot;
  readonly warnings: readonly SnapshotWarning[];
  /** Paths and reasons of the entries skipped because their peer does not parse. */
  readonly skipped: readonly { path: string; message: string }[];
  readonly latestEventNs: bigint | undefined;
  /** What the file holds besides the governor, in words. */
  readonly form: string;
  /** The file's other fields or sections, which a bbgov snapshot does not hold. */
  readonly otherFields: readonly string[];
}

/** Reads the upstream file `main` passes as args[0] into the fresh snapshot `main` provides. */
export function execute(ctx: CommandContext, [input]: CommandArgs<"import">, options: CommandOptions<"import">): Report {
  const { clock: clockNs } = options;
  const { schedule, warnings: clamped } = backoffSettings(options.backoffBase, options.backoffMax);
  let decoded: Imported;
  try {
    decoded = readUpstream(input, options.from, options.strict === true, schedule, clockNs);
  } catch (error) {
    if (options.from !== "auto" && error instanceof Error) {
      const wrongKind = otherKind(input, options.from);
      if (wrongKind !== undefined) throw new SnapshotError(wrongKind, `${input.source}: $`);
    }
    if (error instanceof InvalidUpstreamEntries) {
      throw new SnapshotError(
        `${error.message}; without --strict they are skipped as upstream's restore skips them`,
        `${input.source}: ${error.path}`,
      );
    }
    if (error instanceof SnapshotError) throw new SnapshotError(error.message, `${input.source}: ${error.path}`);
    throw error;
  }
  const { snapshot } = ctx;
  snapshot.governor = decoded.snapshot.governor;
  snapshot.backoff = decoded.snapshot.backoff;
  snapshot.clockNs = decoded.snapshot.clockNs;

  const warnings = [
    ...decoded.warnings.map((warning) => `${warning.message} (${input.source}: ${warning.path})`),
    ...clamped,
    ...baseAboveMax(snapshot.backoff.config()),
  ];
  // As `clock --set` warns of a clock moved backwards: events after the clock are in the snapshot's future.
  const { latestEventNs } = decoded;
  if (clockNs !== undefined && latestEventNs !== undefined && clockNs < latestEventNs)
    warnings.push(
      `--clock is ${formatDuration(latestEventNs - clockNs)} before the latest event in the file: that event is in the snapshot's future`,
    );
  const { governor, backoff } = snapshot;
  const config = backoff.config();
  const clockSource = clockNs !== undefined ? "--clock" : decoded.latestEventNs !== undefined ? "latest event" : "none";
  const counts = {
    peers: knownPeers(snapshot).length,
    blocklist: governor.blocklistSize(),
    allowlist: governor.allowlistSize(),
    health: governor.trackedPeers(),
    backoff_table: backoff.len(),
  };
  return report(
    {
      source: input.source,
      from: decoded.kind,
      imported: counts,
      skipped: decoded.skipped,
      ignored_fields: decoded.otherFields,
      failure_threshold: governor.failureThreshold(),
      clock_ns: snapshot.clockNs,
      clock_source: clockSource,
      backoff: { base_ns: config.baseNs, max_delay_ns: config.maxDelayNs },
    },
    (ui) => {
      const { form } = decoded;
      const clockNote =
        clockSource === "--clock" ? "" : clockSource === "latest event" ? " (the latest event in the file)" : " (no event in the file)";
      const lines = [
        `${ui.chalk.green("imported")} ${input.source} (${form})`,
        renderPairs(ui, [
          ["peers", `${counts.peers} distinct`],
          ["blocklist", `${counts.blocklist} peer(s)`],
          ["allowlist", counts.allowlist === null ? "open (null)" : `${counts.allowlist} peer(s)`],
          ["health", `${counts.health} entr${counts.health === 1 ? "y" : "ies"}, threshold ${governor.failureThreshold()}`],
          [
            "backoff",
            `${counts.backoff_table} entr${counts.backoff_table === 1 ? "y" : "ies"};` +
              ` schedule base ${formatDuration(config.baseNs)}, max ${formatDuration(config.maxDelayNs)} (not in the upstream snapshot)`,
          ],
          ["clock", `${formatInstant(snapshot.clockNs)}${clockNote}`],
        ]),
      ];
      // Each skipped entry is one of the warnings printed after the report.
      const skipped = decoded.skipped.length;
      if (skipped > 0)
        lines.push(ui.chalk.yellow(`skipped ${skipped} entr${skipped === 1 ? "y" : "ies"} whose peer does not parse (see the warnings)`));
      return lines.join("\n");
    },
    { warnings },
  );
}

function readUpstream(
  input: SnapshotInput,
  from: CommandOptions<"import">["from"],
  strict: boolean,
  backoff: { baseNs?: bigint; maxDelayNs?: bigint },
  clockNs: bigint | undefined,
): Imported {
  if (from !== "auto") refuseCompressed(input.bytes);
  const kind = from === "auto" ? detectKind(input) : from;
  const options = { backoff, ...(clockNs === undefined ? {} : { clockNs }) };
  if (kind === "bbgov-json") throw notUpstream(input);
  if (kind === "node-snapshot") {
    const read = readNodeSnapshot(input.bytes, options);
    // The reader's words are for a file edited in place, whose skipped entries stay in it; the snapshot import
    // writes holds none of them, and --strict refuses them.
    const warnings = read.warnings.map((warning) => ({ ...warning, message: warning.message.replace(KEPT_ON_WRITE, "") }));
    const skipped = warnings.filter((warning) => warning.message.startsWith("peer bytes do not parse"));
    if (strict && skipped.length > 0) {
      throw new InvalidUpstreamEntries(
        skipped.map((warning) => ({ path: warning.path, message: warning.message.replace(SKIPPED_AS_RESTORE, "") })),
      );
    }
    const sections = read.node.sections.length;
    return {
      kind,
      snapshot: read.snapshot,
      warnings,
      skipped: skipped.map((warning) => ({ path: warning.path, message: warning.message })),
      latestEventNs: latestEventNs(read.snapshot),
      form: `${KIND_NAMES[kind]}, incarnation ${read.node.incarnation}; ${sections} other section(s) not imported`,
      otherFields: read.node.sections.map((section) => section.name),
    };
  }
  const decoded = decodeUpstream(input.text(), { ...options, skipInvalid: !strict });
  return {
    kind,
    snapshot: decoded.snapshot,
    warnings: decoded.warnings,
    skipped: decoded.invalid.map((entry) => ({ path: entry.path, message: entry.message })),
    latestEventNs: decoded.latestEventNs,
    form:
      decoded.otherKeys.length === 0
        ? "governor fields only"
        : `${KIND_NAMES[kind]}, ${decoded.otherKeys.length} other field(s) not imported`,
    otherFields: decoded.otherKeys,
  };
}

/**
 * When `--from KIND` failed to read a file that is plainly the other kind (JSON text read as bincode, binary data
 * read as JSON), says so instead of the reader's error (a length at byte 8, "not UTF-8 text"); otherwise undefined.
 */
function otherKind(input: SnapshotInput, from: "node-snapshot" | "framework-json"): string | undefined {
  let detected: SnapshotKind;
  try {
    detected = detectKind(input);
  } catch {
    return undefined;
  }
  if (from === "node-snapshot" && detected !== "node-snapshot")
    return `this is text${detected === "framework-json" ? " (a framework snapshot)" : ""}, not a node snapshot (bincode): leave out --from node-snapshot`;
  if (from === "framework-json" && detected === "node-snapshot")
    return "this is a node snapshot (bincode), not a framework snapshot (JSON): leave out --from framework-json";
  return undefined;
}

/**
 * Why a file that is neither kind of upstream snapshot cannot be imported: a bbgov snapshot is used as it is; text
 * that is not JSON says so; anything else (empty, `{}`, a list) is not what import reads.
 */
function notUpstream(input: SnapshotInput): SnapshotError {
  const expected = "expected a node snapshot (bincode) or upstream's framework snapshot (serde JSON)";
  if (input.bytes.length === 0) return new SnapshotError(`the file is empty: ${expected}`, "$");
  try {
    decodeSnapshot(input.text());
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    if (error.message.startsWith("invalid JSON")) return error;
    return new SnapshotError(`not an upstream snapshot: ${expected}`, "$");
  }
  return new SnapshotError("this is already a bbgov snapshot: use it as it is (bbgov -s FILE ...)", "$");
}
