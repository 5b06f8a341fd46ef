/**
 * bbgov as a library: the sans-IO port of upstream's PeerGovernor and
 * BackoffTable, peer ids, and the version-1 snapshot codec. Importing this
 * module has no side effects; nothing here reads a clock, a file or the console.
 */
export { BbgovError, InvalidArgument, InvalidPeerId } from "./core/errors.js";
export {
  IDENTITY_CODE,
  LIBP2P_KEY_CODEC,
  MAX_DIGEST_BYTES,
  MAX_PEER_TEXT,
  PeerId,
  SHA2_256_CODE,
  multihashProblem,
} from "./core/peer-id.js";
export {
  BackoffTable,
  DEFAULT_BACKOFF_BASE_NS,
  DEFAULT_BACKOFF_MAX_DELAY_NS,
  type BackoffConfig,
  type BackoffEntry,
  type BackoffState,
} from "./core/backoff.js";
export {
  DEFAULT_FAILURE_THRESHOLD,
  PeerGovernor,
  type BlockReason,
  type Decision,
  type HealthEntry,
  type LifecycleTransition,
  type PeerHealth,
} from "./core/governor.js";
export {
  recordBackoffNotice,
  recordSendFailure,
  recordSendSuccess,
  type BackoffNoticeOutcome,
  type EventOutcome,
  type PeerState,
} from "./core/events.js";
export { U32_MAX, U64_MAX, saturatingAdd, saturatingMul } from "./core/u64.js";
export {
  SPEC_VERSION,
  SnapshotError,
  decodeSnapshot,
  emptySnapshot,
  encodeSnapshot,
  lintSnapshot,
  snapshotDocument,
  type DecodeOptions,
  type DecodedSnapshot,
  type Snapshot,
  type SnapshotDocument,
  type SnapshotWarning,
} from "./snapshot/index.js";
export { diffSnapshots, type SnapshotChange } from "./snapshot/diff.js";
export {
  KIND_DESCRIPTIONS,
  KIND_NAMES,
  detectKind,
  openSnapshot,
  type Holds,
  type OpenOptions,
  type OpenedSnapshot,
  type SnapshotInput,
  type SnapshotKind,
} from "./snapshot/kinds.js";
export { readNodeSnapshot, type NodeInfo, type NodeReadOptions, type NodeSnapshotRead } from "./snapshot/node.js";
export {
  FRAMEWORK_FIELDS,
  InvalidUpstreamEntries,
  decodeUpstream,
  encodeFrameworkSnapshot,
  encodeUpstream,
  readFrameworkJson,
  type FrameworkFields,
  type FrameworkJsonRead,
  type DecodedUpstream,
  type InvalidEntry,
  type UpstreamDecodeOptions,
} from "./snapshot/framework-json.js";
