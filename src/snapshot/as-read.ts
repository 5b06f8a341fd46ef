/**
 * A snapshot's entries as they stand in the file it was read from, for a
 * reader of every peer (or of a whole snapshot's counts) that need not build
 * the model's lists. A kind whose reader keeps its file's layout offers them
 * (bbgov's own JSON layout, today: decode-canonical.ts); for any other
 * snapshot, or once a list was built, they are undefined and the model
 * answers. Which kind a snapshot is stays the snapshot modules' business.
 */
export {
  ALLOWLISTED,
  BACKOFF_VALUES,
  BLOCKED,
  HEALTH_VALUES,
  canonicalRows as rowsAsRead,
  canonicalTallies as talliesAsRead,
  compareDigits,
  type CanonicalRows as RowsAsRead,
  type Tallies,
} from "./decode-canonical.js";
