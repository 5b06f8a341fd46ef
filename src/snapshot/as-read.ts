/**
 * A snapshot's entries as they stand in the file it was read from, for a
 * reader of every peer (or of a whole snapshot's counts) that need not build
 * the model's lists. A kind whose reader keeps its file's layout offers them
 * (bbgov's own JSON layout, today: decode-canonical.ts); for any other
 * snapshot, or once a list was built, they are undefined and the model
 * answers. Which kind a snapshot is stays the snapshot modules' business.
 * The counts come from bbgov's own JSON layout and from node snapshots.
 */
import { canonicalRows, canonicalTallies } from "./decode-canonical.js";
import type { Snapshot, Tallies } from "./model.js";
import { nodeKnownTexts, nodeTallies } from "./node.js";

/** A whole snapshot's counts as read (see `canonicalTallies`, `nodeTallies`), or undefined: the model answers. */
export function talliesAsRead(snapshot: Snapshot, nowNs: bigint): Tallies | undefined {
  return canonicalTallies(snapshot, nowNs) ?? nodeTallies(snapshot, nowNs);
}

/** The texts of every peer a snapshot knows, sorted, told from its file without building its lists; or undefined. */
export function knownTextsAsRead(snapshot: Snapshot): string[] | undefined {
  return canonicalRows(snapshot)?.texts() ?? nodeKnownTexts(snapshot);
}

export {
  ALLOWLISTED,
  BACKOFF_VALUES,
  BLOCKED,
  HEALTH_VALUES,
  canonicalRows as rowsAsRead,
  compareDigits,
  type CanonicalRows as RowsAsRead,
} from "./decode-canonical.js";
export type { Tallies } from "./model.js";
