/** The version-1 snapshot codec: model, decoding with JSON paths, canonical encoding, full checks. */
export { SPEC_VERSION, SnapshotError, emptySnapshot, type Snapshot, type SnapshotWarning } from "./model.js";
export { decodeSnapshot, type DecodeOptions, type DecodedSnapshot } from "./decode.js";
export {
  encodeSnapshot,
  snapshotDocument,
  type BackoffEntryDocument,
  type HealthDocument,
  type SnapshotDocument,
} from "./encode.js";
export { lintSnapshot } from "./lint.js";
