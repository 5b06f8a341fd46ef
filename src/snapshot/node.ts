/**
 * The node-snapshot kind: upstream's bincode `NodeSnapshot`, the file a node
 * writes (reference/NODE_SNAPSHOT.md), over the shared model.
 *
 * Reading validates the whole file (any bad byte is a SnapshotError with the
 * field path and byte offset), builds nothing for the sections bbgov does not
 * edit (they are skipped, measured, and left where they are), and restores
 * the governor part as upstream's `Node::restore` does. Writing replaces only
 * the bytes of `peer_governor` + `backoff_table`: everything before and after
 * them, trailing bytes included, is copied unchanged. Within the governor, a
 * list the model still holds exactly as read (blocklist, allowlist, health,
 * backoff table) is copied byte for byte too, in the file's own order; a
 * changed list is written in canonical order (by peer text, canonical
 * bytes), followed by the entries restore skipped because their peer bytes do
 * not parse, kept as they were. So a change that touches nothing leaves the
 * file byte-identical, and one `block` on a 100k-peer file neither sorts nor
 * re-encodes the health list or the backoff table.
 *
 * The governor lists are read and written by hand over the codec's Reader and
 * Writer (the hot path at 100k peers); they follow PEER_GOVERNOR and
 * BACKOFF_TABLE of node-schema.ts, which the generic codec's tests hold them to.
 */
import { checkedOptions, givenValue, InvalidArgument } from "../core/errors.js";
import { BackoffTable, type BackoffConfig, type BackoffEntry } from "../core/backoff.js";
import { PeerGovernor, type HealthEntry } from "../core/governor.js";
import { PeerId, isShortMultihashAt, multihashProblem, multihashProblemIn } from "../core/peer-id.js";
import { Failure, Reader, Writer, read, skip, toSnapshotError, type Schema } from "./bincode.js";
import { byPeerText, entryPeerText, peerText } from "./canonical.js";
import { AsReadSlot, checkedSnapshot, latestEventNs, SnapshotError, type Snapshot, type SnapshotWarning, type Tallies } from "./model.js";
import { BACKOFF_TABLE, FRAMEWORK, NODE_SNAPSHOT, PEER_GOVERNOR, TRANSIENT } from "./node-schema.js";

/** The node's identity and the shape of the file, for `inspect`. */
export interface NodeInfo {
  readonly incarnation: bigint;
  /** `config.peer_id` (a view into the file's bytes). */
  readonly peerIdBytes: Uint8Array;
  /** undefined when empty or not parsable. */
  readonly peerId: PeerId | undefined;
  /** `transient.framework.spec_version`. */
  readonly specVersion: number;
  /** Sizes of the other sections, for `inspect`: name, element count where it has one, bytes. */
  readonly sections: readonly { readonly name: string; readonly count?: number; readonly bytes: number }[];
  /** [start, end) of peer_governor + backoff_table. */
  readonly governorRange: readonly [number, number];
  readonly trailingBytes: number;
}

/** A node snapshot read as upstream restores it, with what writing it back needs. */
export interface NodeSnapshotRead {
  /** The model as Node::restore leaves it. */
  readonly snapshot: Snapshot;
  /** One per skipped (unparsable) entry and per clamp: path + "at byte N". */
  readonly warnings: readonly SnapshotWarning[];
  readonly node: NodeInfo;
  /** The governor part (peer_governor + backoff_table) of `snapshot` as bytes, deterministic. */
  encodeGovernor(snapshot: Snapshot): Uint8Array;
  /** The whole file with the governor part replaced: bytes before and after (trailing included) copied unchanged. */
  encode(snapshot: Snapshot): Uint8Array;
  /**
   * Where the model's entry of `peer` in a list (the allowlist, the health list, the backoff table) stands in the
   * file: the path of the entry restore kept (a repeated peer's last), with `field` (a bbgov JSON field name, or "")
   * as the file spells it (any spelling of the peer); undefined when no entry in the file is the peer. With no
   * peer, the list's own path.
   */
  entryPath(list: "allowlist" | "health" | "backoff_table", peer: PeerId | undefined, field: string): string | undefined;
}

/** Options of `readNodeSnapshot`: what the file cannot hold. */
export interface NodeReadOptions {
  /** The host's backoff schedule (default upstream's 10 ms / 60 s). */
  readonly backoff?: Partial<BackoffConfig>;
  /** "now"; default the latest event time among the restored entries, else 0. */
  readonly clockNs?: bigint;
  /** Peers made by the reads of other files (a fleet's), reused here and added to. */
  readonly shared?: SharedPeers;
}

/** At most this many peers are kept in a SharedPeers: memory stays bounded whatever the fleet. */
const SHARED_PEERS_MOST = 200_000;

/**
 * Peers made from their bytes, kept across the reads of many files: a
 * fleet's node snapshots mostly name the same peers, and turning a peer's
 * bytes into its base58 text is the dearest step of building a file's lists
 * (2M texts for 200 files of 10k peers, ~4 s). An open-addressing table keyed
 * by a copy of the bytes and PeerCache's hash of them (a string key cost as
 * much as the text it saved); at most `most` peers, then no more are added.
 * Bytes made to collide are only made again, never confused.
 */
export class SharedPeers {
  /** slot -> 1 + index into the arrays below, 0 when empty; kept under half full. */
  private slots = new Int32Array(1024);
  private readonly peers: PeerId[] = [];
  private readonly keys: Uint8Array[] = [];
  private readonly hashes: number[] = [];

  /** `most`: how many peers it keeps at most. */
  constructor(private readonly most = SHARED_PEERS_MOST) {}

  /** The peer made earlier from the bytes `file[from..end)`, whose hash is `hash`, if any. */
  get(file: Uint8Array, from: number, end: number, hash: number): PeerId | undefined {
    const at = this.find(file, from, end, hash);
    return at >= 0 ? this.peers[at] : undefined;
  }

  /** Keeps `peer`, made from the bytes `file[from..end)` whose hash is `hash`, for later reads, while there is room. */
  add(file: Uint8Array, from: number, end: number, hash: number, peer: PeerId): void {
    if (this.peers.length >= this.most) return;
    const mask = this.slots.length - 1;
    let slot = slotOf(hash, mask);
    // Peers of the same hash ahead of it: past a few, bytes were made to collide, and it is not kept.
    let collisions = 0;
    for (let held = (this.slots[slot] as number) - 1; held >= 0; held = (this.slots[slot] as number) - 1) {
      if (this.hashes[held] === hash && ++collisions > MOST_COLLISIONS) return;
      slot = (slot + 1) & mask;
    }
    this.slots[slot] = this.peers.length + 1;
    this.peers.push(peer);
    this.keys.push(file.slice(from, end));
    this.hashes.push(hash);
    if (this.peers.length * 2 > this.slots.length) this.grow();
  }

  /** How many peers are kept. */
  get size(): number {
    return this.peers.length;
  }

  /** Where the bytes' peer is in the arrays, or -1 (also past MOST_COLLISIONS others of its hash: bytes made to collide). */
  private find(file: Uint8Array, from: number, end: number, hash: number): number {
    const mask = this.slots.length - 1;
    let slot = slotOf(hash, mask);
    let collisions = 0;
    for (let held = (this.slots[slot] as number) - 1; held >= 0; held = (this.slots[slot] as number) - 1) {
      if (this.hashes[held] === hash) {
        const key = this.keys[held] as Uint8Array;
        if (key.length === end - from) {
          let i = 0;
          while (i < key.length && key[i] === file[from + i]) i++;
          if (i === key.length) return held;
        }
        if (++collisions > MOST_COLLISIONS) return -1; // bytes made to collide: made afresh
      }
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let index = 0; index < this.peers.length; index++) {
      let slot = slotOf(this.hashes[index] as number, mask);
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = index + 1;
    }
    this.slots = slots;
  }
}

/** A slot of a table of `mask + 1` (a power of two) slots for `hash`: its bits mixed down, so that runs stay short. */
function slotOf(hash: number, mask: number): number {
  return (Math.imul(hash ^ (hash >>> 16), 0x45d9f3b) ^ (hash >>> 11)) & mask;
}

/** The only `spec_version` upstream's restore accepts. */
export const NODE_SPEC_VERSION = 1;

const FRAMEWORK_PATH = "transient.framework";
const GOVERNOR_PATH = `${FRAMEWORK_PATH}.peer_governor`;
const BACKOFF_PATH = `${FRAMEWORK_PATH}.backoff_table`;

/** Entries of one list that restore skips, as their raw encoded bytes in file order. */
interface KeptEntries {
  blocklist: Uint8Array[];
  allowlist: Uint8Array[];
  health: Uint8Array[];
  backoffTable: Uint8Array[];
}

/**
 * Each governor list as read: its bytes in the file ([start, end), length prefix or Option tag
 * included) and the model's view of it then.
 */
interface AsRead {
  /** The model's objects as read: a list whose restore they still defer is the file's list, unchanged. */
  governor: PeerGovernor;
  backoff: BackoffTable;
  blocklist: { range: [number, number]; peers: string[] };
  allowlist: { range: [number, number]; peers: string[] | null };
  health: { range: [number, number]; entries: HealthEntry[] };
  /** The u32 in the file: 0 restores as 1, and is written back as 0 while the model still says 1. */
  failureThreshold: number;
  backoffTable: { range: [number, number]; entries: BackoffEntry[] };
}

/** Where each list stood in the file, and the threshold's raw value, filled in while reading. */
interface Ranges {
  blocklist: [number, number];
  allowlist: [number, number];
  health: [number, number];
  backoffTable: [number, number];
  failureThreshold: number;
  /** True when every kept entry's peer bytes are their own canonical form: a peer is found by comparing bytes. */
  healthShort: boolean;
  backoffTableShort: boolean;
}

/** True when the bytes look like a bincode NodeSnapshot rather than text (cheap check). */
export function looksLikeNodeSnapshot(bytes: Uint8Array): boolean {
  // incarnation (8 bytes), then config.peer_id's u64 length: a real one is
  // small, while text (JSON, say) has printable bytes in its high half.
  if (bytes.length < 16) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(12, true);
  const low = view.getUint32(8, true);
  return high === 0 && low <= bytes.length - 16;
}

/**
 * Decodes a bincode NodeSnapshot and restores its governor part as upstream's `Node::restore` does.
 * `input` is kept, not copied: the lists are built from it on first look and `encode` copies from it,
 * so it must not change afterwards (a reused read buffer would corrupt them).
 */
export function readNodeSnapshot(input: Uint8Array, options: NodeReadOptions = {}): NodeSnapshotRead {
  // A string or an array read as no bytes at all ("truncated ... at byte 0"), undefined as a TypeError.
  if (!(input instanceof Uint8Array))
    throw new InvalidArgument(`readNodeSnapshot reads the file's bytes, a Uint8Array; it was given ${givenValue(input)}`);
  checkedOptions(options, "readNodeSnapshot");
  // A plain Uint8Array over the same memory (a Node Buffer's subclass would make every view a Buffer and the hot loops polymorphic).
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const reader = new Reader(bytes);
  const sections: { name: string; count?: number; bytes: number }[] = [];
  const warnings: SnapshotWarning[] = [];
  const governor = new PeerGovernor();
  const backoff = new BackoffTable(options.backoff ?? {});
  const kept: KeptEntries = { blocklist: [], allowlist: [], health: [], backoffTable: [] };
  const ranges: Ranges = {
    blocklist: [0, 0],
    allowlist: [0, 0],
    health: [0, 0],
    backoffTable: [0, 0],
    failureThreshold: 0,
    healthShort: true,
    backoffTableShort: true,
  };
  const peers = new PeerCache(bytes, warnings, options.shared);
  const latest = new LatestEvent(bytes);
  let incarnation = 0n;
  let peerIdBytes: Uint8Array = new Uint8Array(0);
  let specVersion = 0;
  let governorStart = 0;
  let governorEnd = 0;

  const section = (name: string, schema: Schema): void => {
    const start = reader.offset;
    skip(schema, reader, name);
    const collection = typeof schema === "object" && ("vec" in schema || "map" in schema);
    const count = collection ? Number(new DataView(bytes.buffer, bytes.byteOffset + start, 8).getBigUint64(0, true)) : undefined;
    sections.push(count === undefined ? { name, bytes: reader.offset - start } : { name, count, bytes: reader.offset - start });
  };

  for (const [name, schema] of NODE_SNAPSHOT.struct) {
    if (name === "incarnation") incarnation = read("u64", reader, name) as bigint;
    else if (name === "config") {
      const start = reader.offset;
      const config = read(schema, reader, name) as { peer_id: Uint8Array };
      peerIdBytes = config.peer_id;
      sections.push({ name, bytes: reader.offset - start });
    } else if (name !== "transient") section(name, schema);
    else {
      for (const [field, fieldSchema] of TRANSIENT.struct) {
        const path = `transient.${field}`;
        if (field !== "framework") {
          section(path, fieldSchema);
          continue;
        }
        for (const [part, partSchema] of FRAMEWORK.struct) {
          const partPath = `${FRAMEWORK_PATH}.${part}`;
          if (part === "peer_governor") {
            governorStart = reader.offset;
            readGovernor(reader, peers, governor, kept, warnings, ranges, latest);
          } else if (part === "backoff_table") {
            ranges.backoffTable[0] = reader.offset;
            ranges.backoffTableShort = scanBackoffTable(reader, peers, kept, latest);
            ranges.backoffTable[1] = reader.offset;
            governorEnd = reader.offset;
          } else if (part === "spec_version") specVersion = read("u32", reader, partPath) as number;
          else if (part === "peer_id_bytes" || part === "next_command_id" || part === "next_exec_id") skip(partSchema, reader, partPath);
          else section(partPath, partSchema);
        }
      }
    }
  }
  if (specVersion !== NODE_SPEC_VERSION) {
    throw new SnapshotError(
      `SpecVersionMismatch { got: ${specVersion}, expected: ${NODE_SPEC_VERSION} }: upstream's restore refuses this snapshot`,
      `${FRAMEWORK_PATH}.spec_version`,
    );
  }

  // Health and backoff entries were checked (every bad byte and skipped entry is known now) but are
  // built only when a command looks at them: `block` on 100k peers copies both lists untouched.
  peers.quiet();
  const healthAsRead: { range: [number, number]; entries: HealthEntry[] } = { range: ranges.health, entries: [] };
  const tableAsRead: { range: [number, number]; entries: BackoffEntry[] } = { range: ranges.backoffTable, entries: [] };
  // A few questions about one peer (a command's arguments: is it there, its health, its backoff entry) are
  // answered from the bytes; more build the list.
  let lookups = MAX_BYTE_LOOKUPS;
  const holds =
    (range: readonly [number, number], tail: number, short: boolean) =>
    (peer: PeerId): boolean | undefined =>
      short && lookups-- > 0 ? listHolds(bytes, range, tail, peer.bytes) : undefined;
  // A peer's entry: the values after its peer bytes in the last entry that has them (restore keeps the last).
  const peeks =
    <T>(range: readonly [number, number], tail: number, short: boolean, values: (peer: PeerId, at: number) => T) =>
    (peer: PeerId): T | null | undefined => {
      if (!short || lookups-- <= 0) return undefined;
      const at = lastEntryOf(bytes, range, tail, peer.bytes);
      return at < 0 ? null : values(peer, at);
    };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The snapshot once registered for nodeTallies/nodeKnownTexts (a restore may run before: the clock may need it).
  let registered: Snapshot | undefined;
  governor.deferHealthRestore(
    (restored) => {
      restoreHealthList(bytes, ranges.health[0], peers, restored);
      if (registered !== undefined) AS_READ.forget(registered); // the lists as read are gone: so is this
      healthAsRead.entries = Array.from(restored.iterHealth());
    },
    holds(ranges.health, HEALTH_TAIL, ranges.healthShort),
    peeks(ranges.health, HEALTH_TAIL, ranges.healthShort, (peer, at) => ({
      peer,
      consecutiveFailures: view.getUint32(at, true),
      lastEventNs: view.getBigUint64(at + 4, true),
      down: bytes[at + 12] === 1,
    })),
  );
  backoff.deferRestore(
    (restored) => {
      restoreBackoffTable(bytes, ranges.backoffTable[0], peers, restored);
      if (registered !== undefined) AS_READ.forget(registered); // the lists as read are gone: so is this
      tableAsRead.entries = Array.from(restored.iter());
    },
    holds(ranges.backoffTable, BACKOFF_TAIL, ranges.backoffTableShort),
    peeks(ranges.backoffTable, BACKOFF_TAIL, ranges.backoffTableShort, (peer, at) => ({
      peer,
      attempts: view.getUint32(at, true),
      lastAttemptNs: view.getBigUint64(at + 4, true),
      nextRetryNs: view.getBigUint64(at + 12, true),
    })),
  );
  const latestKnown = latest.value();
  const clockNs = options.clockNs ?? (latestKnown === "unknown" ? latestEventNs({ governor, backoff }) : latestKnown) ?? 0n;
  const snapshot: Snapshot = { clockNs, governor, backoff };
  if (governor.healthRestoreDeferred() && backoff.restoreDeferred()) {
    registered = snapshot;
    AS_READ.keep(snapshot, {
      governor,
      backoff,
      bytes,
      peers,
      health: ranges.health,
      table: ranges.backoffTable,
      // Equal peers have equal bytes only when every peer is in its own canonical form; a skipped entry would have
      // to be told from the kept ones again.
      countable: ranges.healthShort && ranges.backoffTableShort && kept.health.length === 0 && kept.backoffTable.length === 0,
      distinct: undefined,
    });
  }
  let peerId: PeerId | undefined;
  if (peerIdBytes.length > 0 && multihashProblem(peerIdBytes) === undefined) peerId = PeerId.fromBytes(peerIdBytes);
  const node: NodeInfo = {
    incarnation,
    peerIdBytes,
    peerId,
    specVersion,
    sections,
    governorRange: [governorStart, governorEnd],
    trailingBytes: bytes.length - reader.offset,
  };
  const asRead: AsRead = {
    governor,
    backoff,
    blocklist: { range: ranges.blocklist, peers: Array.from(governor.blocklist(), peerText) },
    allowlist: {
      range: ranges.allowlist,
      peers: governor.allowlistSize() === null ? null : Array.from(governor.allowlist() ?? [], peerText),
    },
    health: healthAsRead,
    failureThreshold: ranges.failureThreshold,
    backoffTable: tableAsRead,
  };
  const encodeGovernor = (model: Snapshot): Uint8Array => {
    const writer = new Writer(governorEnd - governorStart + 64);
    writeGovernor(model, bytes, asRead, kept, writer);
    return writer.result();
  };
  return {
    snapshot,
    warnings,
    node,
    encodeGovernor,
    entryPath(list, peer, field) {
      const listPath = list === "backoff_table" ? BACKOFF_PATH : `${GOVERNOR_PATH}.${list}`;
      if (peer === undefined) return `${listPath}${field}`;
      const range = list === "allowlist" ? ranges.allowlist : list === "health" ? ranges.health : ranges.backoffTable;
      if (list === "allowlist" && bytes[range[0]] !== 1) return undefined; // None: no allowlist in the file
      // The entries start after the u64 count (and the allowlist's Option tag before it).
      const first = range[0] + (list === "allowlist" ? 9 : 8);
      const tail = list === "allowlist" ? 0 : list === "health" ? HEALTH_TAIL : BACKOFF_TAIL;
      const index = lastEntry(bytes, first, range[1], tail, peer.bytes, true)?.index;
      if (index === undefined) return undefined;
      // Health entries are tuples (peer, failures, last event, down); backoff entries name their fields.
      const spelled = list === "health" ? (HEALTH_FIELDS[field] ?? field) : field;
      return `${listPath}[${index}]${spelled}`;
    },
    encode(model: Snapshot): Uint8Array {
      checkedSnapshot(model, "encode");
      // One buffer for the whole file: a 100k-peer file is not copied twice.
      const writer = new Writer(bytes.length + 64);
      writer.raw(bytes.subarray(0, governorStart));
      writeGovernor(model, bytes, asRead, kept, writer);
      writer.raw(bytes.subarray(governorEnd));
      return writer.result();
    },
  };
}

/** The list an entry stands in, for the path of a warning. */
type ListKind = "blocklist" | "allowlist" | "health" | "backoff_table";

function entryPath(list: ListKind, index: number): string {
  if (list === "health") return `${GOVERNOR_PATH}.health[${index}][0]`;
  if (list === "backoff_table") return `${BACKOFF_PATH}[${index}].peer`;
  return `${GOVERNOR_PATH}.${list}[${index}]`;
}

function skippedWarning(list: ListKind, index: number, problem: string, at: number): SnapshotWarning {
  return skippedEntryWarning(entryPath(list, index), problem, at);
}

/** What a skipped entry's warning says of restore; --strict's refusal of `import` says it once for all of them. */
export const SKIPPED_AS_RESTORE = ": skipped as upstream's restore skips them";
/** What it says of writing the file back in place; a file written elsewhere (`import`, `export`) holds none of them. */
export const KEPT_ON_WRITE = ", kept as they are on write";

/** The warning for an entry restore skips (at `path`): its peer bytes, the `Vec<u8>` at byte `at`, do not parse. */
export function skippedEntryWarning(path: string, problem: string, at: number): SnapshotWarning {
  return {
    path,
    message: `peer bytes do not parse (${problem})${SKIPPED_AS_RESTORE}${KEPT_ON_WRITE} (at byte ${at})`,
    skippedEntry: true,
  };
}

/** The warning for a failure_threshold of 0 (the u32 at byte `at`), which restore clamps to 1. */
export function thresholdZeroWarning(at: number): SnapshotWarning {
  return {
    path: `${GOVERNOR_PATH}.failure_threshold`,
    message: `failure_threshold 0 loads as 1 (upstream clamps it to at least 1) (at byte ${at})`,
  };
}

/** Distinct byte strings with one lookup's hash beyond which PeerCache keys its peers by all their bytes. */
const MOST_COLLISIONS = 16;
/** Bytes as text, one character each (windows-1252, WHATWG's "latin1", is one to one). */
const BYTE_TEXT = new TextDecoder("latin1");

/**
 * The peers of one file, each made once: a peer usually stands in health and
 * in the backoff table alike, and turning bytes into base58 text is the
 * dearest step of a read. Keyed by a 32-bit hash of the bytes, confirmed by
 * comparing them; nothing is allocated for a peer already seen. A file whose
 * peers were made to share one hash (past MOST_COLLISIONS on one lookup) has
 * them keyed by all their bytes in a Map instead.
 */
class PeerCache {
  /**
   * An open-addressing table: slot -> 1 + index into `made` / `madeAt`, 0
   * when empty; kept under half full. Cheaper than a Map at 100k peers.
   */
  private slots = new Int32Array(1024);
  private readonly made: PeerId[] = [];
  /** Each made peer's hash (to rehash when the table grows) and the length of its bytes in the file. */
  private readonly madeHash: number[] = [];
  private readonly madeLength: number[] = [];
  /** Where each peer of `made` has its bytes in the file. */
  private readonly madeAt: number[] = [];
  private readonly view: DataView;
  /** Set once bytes were made to collide in `slots`: the peers keyed by all their bytes. */
  private byBytes: Map<string, PeerId> | undefined;

  constructor(
    private readonly file: Uint8Array,
    private warnings: SnapshotWarning[],
    private readonly shared?: SharedPeers,
  ) {
    this.view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  }

  /**
   * The peer whose `Vec<u8>` (length prefix included) spans `at..end` of the
   * file, or undefined, with a warning naming the entry and the byte, when
   * upstream's `PeerId::from_bytes` refuses the bytes (restore skips them).
   */
  peer(at: number, end: number, list: ListKind, index: number): PeerId | undefined {
    const from = at + 8;
    if (this.byBytes !== undefined) return this.peerByBytes(at, end, list, index);
    const hash = this.hashOf(from, end);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    let collisions = 0;
    // Probe from the hash's slot to the first empty one; equal bytes are the same peer.
    for (let cached = (this.slots[slot] as number) - 1; cached >= 0; cached = (this.slots[slot] as number) - 1) {
      if (this.madeHash[cached] === hash && this.madeLength[cached] === end - from) {
        if (sameBytesAt(this.file, this.view, this.madeAt[cached] as number, from, end - from)) return this.made[cached];
        // Other bytes with this very hash: by chance a handful at most, so many were made to collide (the hash reads
        // a few fixed words) and each lookup would compare them all. From now on peers are keyed by all their bytes.
        if (++collisions > MOST_COLLISIONS) {
          this.byBytes = new Map(
            this.made.map((peer, made) => {
              const start = this.madeAt[made] as number;
              return [this.key(start, start + (this.madeLength[made] as number)), peer];
            }),
          );
          return this.peerByBytes(at, end, list, index);
        }
      }
      slot = (slot + 1) & mask;
    }
    const peer = this.newPeer(at, from, end, list, index, hash);
    if (peer === undefined) return undefined;
    this.slots[slot] = this.made.length + 1;
    this.made.push(peer);
    this.madeAt.push(from);
    this.madeHash.push(hash);
    this.madeLength.push(end - from);
    if (this.made.length * 2 > this.slots.length) this.grow();
    return peer;
  }

  /**
   * A peer new to this file: the one another file made from the same bytes (SharedPeers), else made here, or
   * undefined with its warning when the bytes do not parse.
   */
  private newPeer(at: number, from: number, end: number, list: ListKind, index: number, hash: number): PeerId | undefined {
    const known = this.shared?.get(this.file, from, end, hash);
    if (known !== undefined) return known; // these very bytes parsed before
    // Checked before it is made: a file of 100k bad entries would otherwise throw and catch 100k errors.
    const problem = multihashProblemIn(this.file, from, end);
    if (problem !== undefined) {
      this.warnings.push(skippedWarning(list, index, problem, at));
      return undefined;
    }
    const peer = PeerId.fromBytesIn(this.file, from, end);
    this.shared?.add(this.file, from, end, hash, peer);
    return peer;
  }

  /** `peer` once bytes were made to collide: a Map keyed by every byte (V8 hashes its keys with a seed per process). */
  private peerByBytes(at: number, end: number, list: ListKind, index: number): PeerId | undefined {
    const byBytes = this.byBytes as Map<string, PeerId>;
    const key = this.key(at + 8, end);
    let peer = byBytes.get(key);
    if (peer !== undefined) return peer;
    const problem = multihashProblemIn(this.file, at + 8, end);
    if (problem !== undefined) {
      this.warnings.push(skippedWarning(list, index, problem, at));
      return undefined;
    }
    peer = PeerId.fromBytesIn(this.file, at + 8, end);
    byBytes.set(key, peer);
    return peer;
  }

  /** The bytes `file[from..end)` as a string, one character a byte (windows-1252 maps each byte to its own). */
  private key(from: number, end: number): string {
    return BYTE_TEXT.decode(this.file.subarray(from, end));
  }

  /**
   * True when upstream's `PeerId::from_bytes` takes the peer whose `Vec<u8>`
   * spans `at..end`; else false, with the warning `peer` would give. Makes no peer.
   */
  valid(at: number, end: number, list: ListKind, index: number): boolean {
    const problem = multihashProblemIn(this.file, at + 8, end);
    if (problem === undefined) return true;
    this.warnings.push(skippedWarning(list, index, problem, at));
    return false;
  }

  /** From now on, refused peers are not reported again (the first read reported each already). */
  quiet(): void {
    this.warnings = [];
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let index = 0; index < this.made.length; index++) {
      let slot = (this.madeHash[index] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = index + 1;
    }
    this.slots = slots;
  }

  private hashOf(from: number, end: number): number {
    return peerBytesHash(this.file, this.view, from, end);
  }
}

/**
 * A hash of a peer's bytes `file[from..end)` from their length and three of
 * their words (the digest's tail and middle, where peers differ), kept to 30
 * bits so that it is a small integer: constant time per entry. Peers that
 * collide are only compared, never confused; bytes made to collide are
 * counted by the tables that use it (MOST_COLLISIONS).
 */
function peerBytesHash(file: Uint8Array, view: DataView, from: number, end: number): number {
  const length = end - from;
  let hash = length;
  if (length < 12) {
    for (let i = from; i < end; i++) hash = Math.imul(hash ^ (file[i] as number), 0x01000193);
    return hash & 0x3fffffff;
  }
  hash = Math.imul(hash ^ view.getInt32(end - 4, true), 0x9e3779b1);
  hash = Math.imul(hash ^ view.getInt32(end - 8, true), 0x85ebca6b);
  return Math.imul(hash ^ view.getInt32(from + (length >> 1) - 2, true), 0xc2b2ae35) & 0x3fffffff;
}

/**
 * Reads `PeerGovernorSnapshot`: the blocklist, allowlist and threshold into
 * `governor`, the health list only checked (see LatestEvent; it is restored
 * later, if a command looks at it). Where a failure happened is
 * tracked in plain variables (no closures, no strings per element) and
 * turned into a path only when one is thrown.
 */
function readGovernor(
  reader: Reader,
  peers: PeerCache,
  governor: PeerGovernor,
  kept: KeptEntries,
  warnings: SnapshotWarning[],
  ranges: Ranges,
  latest: LatestEvent,
): void {
  let list = "blocklist";
  let index = -1;
  let field = "";
  try {
    ranges.blocklist[0] = reader.offset;
    let count = reader.length(8, "peers");
    for (index = 0; index < count; index++) {
      const start = reader.offset;
      reader.skipBytes();
      const peer = peers.peer(start, reader.offset, "blocklist", index);
      if (peer === undefined) kept.blocklist.push(reader.bytes.subarray(start, reader.offset));
      else governor.block(peer);
    }
    ranges.blocklist[1] = reader.offset;
    list = "allowlist";
    index = -1;
    ranges.allowlist[0] = reader.offset;
    if (reader.optionTag()) {
      count = reader.length(8, "peers");
      const allowed: PeerId[] = [];
      for (index = 0; index < count; index++) {
        const start = reader.offset;
        reader.skipBytes();
        const peer = peers.peer(start, reader.offset, "allowlist", index);
        if (peer === undefined) kept.allowlist.push(reader.bytes.subarray(start, reader.offset));
        else allowed.push(peer);
      }
      governor.setAllowlist(allowed);
    }
    ranges.allowlist[1] = reader.offset;
    list = "health";
    index = -1;
    ranges.health[0] = reader.offset;
    count = reader.length(HEALTH_TAIL + 8, "health entries");
    latest.startList();
    for (index = 0; index < count; index++) {
      const start = reader.offset;
      field = "[0]";
      reader.skipBytes();
      const peerEnd = reader.offset;
      field = "[1]";
      reader.skipFixed(4, "a u32");
      field = "[2]";
      const timeAt = reader.offset;
      reader.skipFixed(8, "a u64");
      field = "[3]";
      reader.bool();
      field = "";
      if (peers.valid(start, peerEnd, "health", index)) latest.entry(start, peerEnd, timeAt);
      else kept.health.push(reader.bytes.subarray(start, reader.offset));
    }
    ranges.healthShort = latest.endList(reader.offset, HEALTH_TAIL);
    ranges.health[1] = reader.offset;
    list = "failure_threshold";
    index = -1;
    const at = reader.offset;
    const threshold = reader.u32();
    ranges.failureThreshold = threshold;
    if (threshold === 0) warnings.push(thresholdZeroWarning(at));
    governor.setFailureThreshold(threshold);
  } catch (error) {
    throw located(error, `${GOVERNOR_PATH}.${list}${index >= 0 ? `[${index}]` : ""}${field}`);
  }
}

/** Checks `Vec<BackoffEntry>`: every entry's bounds and peer, the latest attempt; its entries are built later, if asked. */
function scanBackoffTable(reader: Reader, peers: PeerCache, kept: KeptEntries, latest: LatestEvent): boolean {
  let index = -1;
  let field = "";
  try {
    const count = reader.length(BACKOFF_TAIL + 8, "backoff entries");
    latest.startList();
    for (index = 0; index < count; index++) {
      const start = reader.offset;
      field = ".peer";
      reader.skipBytes();
      const peerEnd = reader.offset;
      field = ".attempts";
      reader.skipFixed(4, "a u32");
      field = ".last_attempt_ns";
      const timeAt = reader.offset;
      reader.skipFixed(8, "a u64");
      field = ".next_retry_ns";
      reader.skipFixed(8, "a u64");
      field = "";
      if (peers.valid(start, peerEnd, "backoff_table", index)) latest.entry(start, peerEnd, timeAt);
      else kept.backoffTable.push(reader.bytes.subarray(start, reader.offset));
    }
    return latest.endList(reader.offset, BACKOFF_TAIL);
  } catch (error) {
    throw located(error, `${BACKOFF_PATH}${index >= 0 ? `[${index}]` : ""}${field}`);
  }
}

/** Restores the health list checked by readGovernor (at `at` in the file) into `governor`, the last entry of a repeated peer winning. */
function restoreHealthList(file: Uint8Array, at: number, peers: PeerCache, governor: PeerGovernor): void {
  const reader = new Reader(file, at);
  const count = reader.length(HEALTH_TAIL + 8, "health entries");
  for (let index = 0; index < count; index++) {
    const start = reader.offset;
    reader.skipBytes();
    const peerEnd = reader.offset;
    const consecutiveFailures = reader.u32();
    const lastEventNs = reader.u64();
    const down = reader.bool();
    const peer = peers.peer(start, peerEnd, "health", index);
    if (peer !== undefined) governor.restoreHealth(peer, { consecutiveFailures, lastEventNs, down });
  }
}

/** Restores the backoff table checked by scanBackoffTable (at `at` in the file) into `backoff`, the last entry of a repeated peer winning. */
function restoreBackoffTable(file: Uint8Array, at: number, peers: PeerCache, backoff: BackoffTable): void {
  const reader = new Reader(file, at);
  const count = reader.length(BACKOFF_TAIL + 8, "backoff entries");
  for (let index = 0; index < count; index++) {
    const start = reader.offset;
    reader.skipBytes();
    const peerEnd = reader.offset;
    const attempts = reader.u32();
    const lastAttemptNs = reader.u64();
    const nextRetryNs = reader.u64();
    const peer = peers.peer(start, peerEnd, "backoff_table", index);
    if (peer !== undefined) backoff.restoreState(peer, { attempts, lastAttemptNs, nextRetryNs });
  }
}

/** What `nodeTallies` and `nodeKnownTexts` read: a node snapshot's checked lists, as read. */
interface AsReadSource {
  readonly governor: PeerGovernor;
  readonly backoff: BackoffTable;
  readonly bytes: Uint8Array;
  /** The file's peers, made once: the lists built later reuse them. */
  readonly peers: PeerCache;
  readonly health: readonly [number, number];
  readonly table: readonly [number, number];
  /** Every entry kept by restore, each peer in its own canonical form (equal peers, equal bytes). */
  readonly countable: boolean;
  /** No peer twice in one list: found out on first use. */
  distinct: boolean | undefined;
}

/** A node snapshot's lists as read, kept on the snapshot (see AsReadSlot). */
const AS_READ = new AsReadSlot<AsReadSource>("bbgov.nodeAsRead");

/**
 * How many health entries `snapshot` (read by readNodeSnapshot) has and how
 * many are down, how many backoff entries and how many retry after `nowNs`,
 * counted from the file's checked bytes while both lists are still unmade;
 * undefined when a list was built since, or when restore would not keep
 * every entry as it stands (a peer listed twice, bytes that do not parse or
 * are not their own canonical form): then the model answers. A summary of
 * the whole snapshot needs them even when only one peer is shown.
 */
export function nodeTallies(snapshot: Snapshot, nowNs: bigint): Tallies | undefined {
  const source = AS_READ.of(snapshot);
  if (source === undefined || source.governor !== snapshot.governor || source.backoff !== snapshot.backoff) return undefined;
  if (!source.countable || !source.governor.healthRestoreDeferred() || !source.backoff.restoreDeferred()) return undefined;
  const { bytes, health, table } = source;
  source.distinct ??= distinctPeers(bytes, health, HEALTH_TAIL) && distinctPeers(bytes, table, BACKOFF_TAIL);
  if (!source.distinct) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let tracked = 0;
  let down = 0;
  for (let at = health[0] + 8; at < health[1]; tracked++) {
    const valuesAt = at + 8 + view.getUint32(at, true); // checked while reading: the high word is 0
    if (bytes[valuesAt + 12] === 1) down++; // after consecutive_failures u32 and last_event_ns u64
    at = valuesAt + HEALTH_TAIL;
  }
  // next_retry_ns > nowNs, compared as two u32 words: no bigint per entry.
  const nowHigh = Number(nowNs >> 32n);
  const nowLow = Number(nowNs & 0xffff_ffffn);
  let backoffEntries = 0;
  let coolingDown = 0;
  for (let at = table[0] + 8; at < table[1]; backoffEntries++) {
    const valuesAt = at + 8 + view.getUint32(at, true);
    const high = view.getUint32(valuesAt + 16, true); // after attempts u32 and last_attempt_ns u64
    if (high > nowHigh || (high === nowHigh && view.getUint32(valuesAt + 12, true) > nowLow)) coolingDown++;
    at = valuesAt + BACKOFF_TAIL;
  }
  return { tracked, down, backoffEntries, coolingDown };
}

/**
 * The texts of every peer `snapshot` (read by readNodeSnapshot) knows, on
 * either list, with health or a backoff entry, sorted; undefined once a list
 * was built (then the model answers). Made from the checked bytes with the
 * file's own peers (each made once, and kept for the lists if they are built
 * later), without building the lists: a prefix to resolve or a short name to
 * make on 100k peers.
 */
export function nodeKnownTexts(snapshot: Snapshot): string[] | undefined {
  const source = AS_READ.of(snapshot);
  if (source === undefined || source.governor !== snapshot.governor || source.backoff !== snapshot.backoff) return undefined;
  if (!source.governor.healthRestoreDeferred() || !source.backoff.restoreDeferred()) return undefined;
  const { bytes, peers, health, table } = source;
  // The file's peers are one object per peer (PeerCache): a set of them, not of their texts, needs no string hashing.
  const known = new Set<PeerId>(source.governor.blocklist());
  for (const peer of source.governor.allowlist() ?? []) known.add(peer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const [range, tail, list] of [
    [health, HEALTH_TAIL, "health"],
    [table, BACKOFF_TAIL, "backoff_table"],
  ] as const) {
    let index = 0;
    for (let at = range[0] + 8; at < range[1]; index++) {
      const end = at + 8 + view.getUint32(at, true); // checked while reading: the high word is 0
      // Bytes that do not parse give no peer (restore skips them; the read warned already).
      const peer = peers.peer(at, end, list, index);
      if (peer !== undefined) known.add(peer);
      at = end + tail;
    }
  }
  // Two spellings of one peer (bytes not in their own canonical form) are two objects of one text: kept once.
  const texts = Array.from(known, peerText).sort();
  let kept = 0;
  for (const text of texts) if (kept === 0 || texts[kept - 1] !== text) texts[kept++] = text;
  texts.length = kept;
  return texts;
}

/**
 * True when no two entries of the checked list at `range` (entries of `tail`
 * bytes after their peer) have the same peer bytes; false too when too many
 * peers share a hash to tell cheaply (bytes made to collide), so that the
 * caller asks the model.
 */
function distinctPeers(file: Uint8Array, range: readonly [number, number], tail: number): boolean {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const count = Number(view.getBigUint64(range[0], true));
  let size = 16;
  while (size < count * 2) size *= 2;
  const slots = new Float64Array(size); // 1 + where a peer's bytes start, 0 when empty (a file may pass 2 GiB)
  const hashes = new Int32Array(size); // the hash of each slot's peer
  const mask = size - 1;
  for (let at = range[0] + 8; at < range[1]; ) {
    const length = view.getUint32(at, true);
    const start = at + 8;
    const end = start + length;
    const hash = peerBytesHash(file, view, start, end);
    let slot = slotOf(hash, mask);
    // Only peers of the same hash count as collisions: a run of other peers is linear probing's own clustering.
    let collisions = 0;
    for (let held = (slots[slot] as number) - 1; held >= 0; held = (slots[slot] as number) - 1) {
      if (hashes[slot] === hash) {
        if (view.getUint32(held - 8, true) === length && sameBytesAt(file, view, held, start, length)) return false;
        if (++collisions > MOST_COLLISIONS) return false;
      }
      slot = (slot + 1) & mask;
    }
    slots[slot] = start + 1;
    hashes[slot] = hash;
    at = end + tail;
  }
  return true;
}

/** How many peer lookups a deferred list answers by a walk over its bytes before it is built instead. */
const MAX_BYTE_LOOKUPS = 16;

/** True when the list at `range` (a u64 count, then entries of `tail` bytes after their peer) has an entry for `peer`'s bytes. */
function listHolds(file: Uint8Array, range: readonly [number, number], tail: number, peer: Uint8Array): boolean {
  return lastEntryOf(file, range, tail, peer) >= 0;
}

/**
 * Where the values of the last entry of the checked list at `range` whose
 * peer bytes are `peer` start (restore keeps the last of a repeated peer), or
 * -1 when none is (for a list whose peers are all in their own form).
 */
function lastEntryOf(file: Uint8Array, range: readonly [number, number], tail: number, peer: Uint8Array): number {
  return lastEntry(file, range[0] + 8, range[1], tail, peer, false)?.valuesAt ?? -1;
}

/**
 * The last entry that is `peer` (restore keeps the last of a repeated peer)
 * of the checked list whose entries run from `first` to `end` (each a peer's
 * Vec<u8>, then `tail` bytes): its index and where its values start, or
 * undefined. With `spellings`, an entry spelled otherwise (a long code
 * varint, which restore reads as the same peer) is the peer too.
 */
function lastEntry(
  file: Uint8Array,
  first: number,
  end: number,
  tail: number,
  peer: Uint8Array,
  spellings: boolean,
): { index: number; valuesAt: number } | undefined {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let found: { index: number; valuesAt: number } | undefined;
  for (let at = first, index = 0; at < end; index++) {
    const size = view.getUint32(at, true); // checked while reading: the high word is 0
    const start = at + 8;
    if (size === peer.length) {
      let i = 0;
      while (i < size && file[start + i] === peer[i]) i++;
      if (i === size) found = { index, valuesAt: start + size };
    } else if (spellings && !isShortMultihashAt(file, start, start + size) && spellsPeer(file, start, start + size, peer)) {
      found = { index, valuesAt: start + size };
    }
    at = start + size + tail;
  }
  return found;
}

/** True when `file[start..end)` parses as the peer whose canonical bytes are `peer`. */
function spellsPeer(file: Uint8Array, start: number, end: number, peer: Uint8Array): boolean {
  if (multihashProblemIn(file, start, end) !== undefined) return false;
  const canonical = PeerId.fromBytesIn(file, start, end).bytes;
  return canonical.length === peer.length && canonical.every((byte, i) => byte === peer[i]);
}

/** A health entry's fields as bbgov JSON names them, and as the file's tuple places them. */
const HEALTH_FIELDS: Readonly<Record<string, string>> = {
  ".peer": "[0]",
  ".consecutive_failures": "[1]",
  ".last_event_ns": "[2]",
  ".down": "[3]",
};

/** Bytes of a health entry after its peer: consecutive_failures u32, last_event_ns u64, down bool. */
const HEALTH_TAIL = 4 + 8 + 1;
/** Bytes of a backoff entry after its peer: attempts u32, last_attempt_ns u64, next_retry_ns u64. */
const BACKOFF_TAIL = 4 + 8 + 8;

/**
 * The latest event time of the entries restore keeps, found while checking
 * them (no bigint, no peer made): the snapshot's clock. Restore keeps the
 * last entry of a repeated peer, so the latest entry counts only if no later
 * entry of its list has the same peer bytes (checked once, after the list);
 * otherwise, or when a peer's bytes are not their own canonical form (two
 * spellings of one peer), the answer is "unknown" and the caller asks the
 * restored model instead.
 */
class LatestEvent {
  private high = -1;
  private low = 0;
  /** The list's own latest entry: its time and its peer's bytes. */
  private listHigh = -1;
  private listLow = 0;
  private peerStart = 0;
  private peerEnd = 0;
  /** False once the list has an entry whose peer bytes are not their own canonical form. */
  private listShort = true;
  /** False once the latest time cannot be told from the bytes alone. */
  known = true;
  private readonly view: DataView;

  constructor(private readonly file: Uint8Array) {
    this.view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  }

  startList(): void {
    this.listHigh = -1;
    this.listShort = true;
  }

  /** A kept entry whose peer's `Vec<u8>` spans `start..peerEnd` and whose u64 time is at `timeAt`. */
  entry(start: number, peerEnd: number, timeAt: number): void {
    if (!isShortMultihashAt(this.file, start + 8, peerEnd)) {
      this.known = false;
      this.listShort = false;
    }
    const low = this.view.getUint32(timeAt, true);
    const high = this.view.getUint32(timeAt + 4, true);
    if (high > this.listHigh || (high === this.listHigh && low > this.listLow)) {
      this.listHigh = high;
      this.listLow = low;
      this.peerStart = start + 8;
      this.peerEnd = peerEnd;
    }
  }

  /** Ends a list of entries of `tail` bytes after their peer, ending at `end`; true when all its peers were short multihashes. */
  endList(end: number, tail: number): boolean {
    if (this.listHigh < 0) return this.listShort;
    if (this.repeatedAfter(this.peerEnd + tail, end, tail)) this.known = false;
    if (this.listHigh > this.high || (this.listHigh === this.high && this.listLow > this.low)) {
      this.high = this.listHigh;
      this.low = this.listLow;
    }
    return this.listShort;
  }

  /** The latest time: undefined when no entry holds one, "unknown" when the bytes alone cannot tell. */
  value(): bigint | undefined | "unknown" {
    if (!this.known) return "unknown";
    return this.high < 0 ? undefined : (BigInt(this.high) << 32n) | BigInt(this.low);
  }

  /** True when an entry in `from..end` (entries of `tail` bytes after their peer) has the latest entry's peer bytes. */
  private repeatedAfter(from: number, end: number, tail: number): boolean {
    const length = this.peerEnd - this.peerStart;
    for (let at = from; at < end; ) {
      const size = this.view.getUint32(at, true); // checked while reading: the high word is 0
      const start = at + 8;
      if (size === length && sameBytesAt(this.file, this.view, start, this.peerStart, length)) return true;
      at = start + size + tail;
    }
    return false;
  }
}

/** True when `file` (seen also through `view`) holds the same `length` bytes at `a` and at `b`, compared a word at a time. */
function sameBytesAt(file: Uint8Array, view: DataView, a: number, b: number, length: number): boolean {
  let i = 0;
  for (; i + 4 <= length; i += 4) if (view.getInt32(a + i, true) !== view.getInt32(b + i, true)) return false;
  for (; i < length; i++) if (file[a + i] !== file[b + i]) return false;
  return true;
}

function located(error: unknown, path: string): unknown {
  return error instanceof Failure ? toSnapshotError(error, path) : error;
}

/**
 * True when `peers` are the set `asRead` (distinct texts): restore makes a set of the list, so its order is no
 * change (a peer removed and added again comes last in the model's iteration order).
 */
function samePeers(peers: Iterable<PeerId>, size: number, asRead: readonly string[]): boolean {
  if (size !== asRead.length) return false;
  let i = 0;
  let read: Set<string> | undefined;
  for (const peer of peers) {
    if (read === undefined && peer.text === asRead[i++]) continue;
    read ??= new Set(asRead);
    if (!read.has(peer.text)) return false;
  }
  return true;
}

/**
 * True when `entries` are the entries read (one per peer in both): the very objects, or (the core replaces an entry
 * on every event, also one that leaves its values as they were) the same peer with the same values. Restore makes
 * a map of the list, so its order is no change (a peer's entry removed and made again comes last).
 */
function sameEntries<T extends { readonly peer: PeerId }>(entries: Iterable<T>, size: number, asRead: readonly T[]): boolean {
  if (size !== asRead.length) return false;
  let i = 0;
  let read: Map<string, T> | undefined;
  for (const entry of entries) {
    if (read === undefined && sameEntry(entry, asRead[i++])) continue;
    read ??= new Map(asRead.map((entry) => [entry.peer.text, entry]));
    if (!sameEntry(entry, read.get(entry.peer.text))) return false;
  }
  return true;
}

function sameEntry<T extends { readonly peer: PeerId }>(entry: T, read: T | undefined): boolean {
  if (entry === read) return true;
  if (read === undefined || entry.peer.text !== read.peer.text) return false;
  for (const key of Object.keys(entry) as (keyof T)[]) if (key !== "peer" && entry[key] !== read[key]) return false;
  return true;
}

/**
 * peer_governor + backoff_table of the model: each list still as read is
 * copied from the file; a changed one is written in canonical order, then
 * its kept entries (the allowlist's only while it is still `Some`).
 */
function writeGovernor(snapshot: Snapshot, file: Uint8Array, asRead: AsRead, kept: KeptEntries, writer: Writer): void {
  const { governor, backoff } = snapshot;
  const copy = (range: readonly [number, number]): void => writer.raw(file.subarray(range[0], range[1]));

  if (samePeers(governor.blocklist(), governor.blocklistSize(), asRead.blocklist.peers)) copy(asRead.blocklist.range);
  else {
    const blocklist = byPeerText(governor.blocklist(), peerText);
    writer.count(blocklist.length + kept.blocklist.length);
    for (const peer of blocklist) writer.bytes(peer.bytes);
    for (const raw of kept.blocklist) writer.raw(raw);
  }

  const allowed = governor.allowlist();
  const allowedAsRead = asRead.allowlist.peers;
  if (
    allowed === null ? allowedAsRead === null : allowedAsRead !== null && samePeers(allowed, governor.allowlistSize() ?? 0, allowedAsRead)
  ) {
    copy(asRead.allowlist.range);
  } else if (allowed === null) writer.u8(0);
  else {
    const allowlist = byPeerText(allowed, peerText);
    writer.u8(1);
    writer.count(allowlist.length + kept.allowlist.length);
    for (const peer of allowlist) writer.bytes(peer.bytes);
    for (const raw of kept.allowlist) writer.raw(raw);
  }

  // A list still unmade is the file's only for the model read from it; another model's entries are never
  // those unmade ones (and with none made, `asRead` is empty: an empty model would pass for the file's list).
  if (
    (governor === asRead.governor && governor.healthRestoreDeferred()) ||
    (!asRead.governor.healthRestoreDeferred() && sameEntries(governor.iterHealth(), governor.trackedPeers(), asRead.health.entries))
  ) {
    copy(asRead.health.range);
  } else {
    const health = byPeerText(governor.iterHealth(), entryPeerText);
    writer.count(health.length + kept.health.length);
    for (const entry of health) {
      writer.bytes(entry.peer.bytes);
      writer.u32(entry.consecutiveFailures);
      writer.u64(entry.lastEventNs);
      writer.u8(entry.down ? 1 : 0);
    }
    for (const raw of kept.health) writer.raw(raw);
  }

  const threshold = governor.failureThreshold();
  writer.u32(threshold === Math.max(asRead.failureThreshold, 1) ? asRead.failureThreshold : threshold);

  if (
    (backoff === asRead.backoff && backoff.restoreDeferred()) ||
    (!asRead.backoff.restoreDeferred() && sameEntries(backoff.iter(), backoff.len(), asRead.backoffTable.entries))
  )
    copy(asRead.backoffTable.range);
  else {
    const table = byPeerText(backoff.iter(), entryPeerText);
    writer.count(table.length + kept.backoffTable.length);
    for (const entry of table) {
      writer.bytes(entry.peer.bytes);
      writer.u32(entry.attempts);
      writer.u64(entry.lastAttemptNs);
      writer.u64(entry.nextRetryNs);
    }
    for (const raw of kept.backoffTable) writer.raw(raw);
  }
}

/**
 * Peers a node snapshot's governor lists name more than once (a file upstream
 * did not write so: edited or damaged), as `validate` reports them: each
 * repeat at its path, naming the first. Restore keeps one member of a set
 * and the last entry of the health list and the backoff table; entries whose
 * bytes do not parse are left to the reader's own findings. `governorStart`
 * is where `peer_governor` starts (NodeInfo.governorRange[0]); `restored`,
 * the model read from the file, spares the lists without a repeat.
 */
export function repeatedNodePeers(bytes: Uint8Array, governorStart: number, restored?: Snapshot): SnapshotWarning[] {
  // Restore kept as many peers as each list has entries: no repeat, and no entry to decode (a fleet's validate
  // decoded 18k entries a file of upstream's 10k-peer fixture for nothing: 1.6x the time of the whole command).
  if (restored !== undefined) {
    const [blocked, allowed, health, backoff] = listLengths(bytes, governorStart);
    const { governor } = restored;
    if (
      blocked === governor.blocklistSize() &&
      allowed === (governor.allowlistSize() ?? 0) &&
      health === governor.trackedPeers() &&
      backoff === restored.backoff.len()
    )
      return [];
  }
  const reader = new Reader(bytes, governorStart);
  const governor = read(PEER_GOVERNOR, reader, GOVERNOR_PATH) as {
    blocklist: Uint8Array[];
    allowlist: Uint8Array[] | null;
    health: [Uint8Array, number, bigint, boolean][];
  };
  const table = read(BACKOFF_TABLE, reader, BACKOFF_PATH) as { peer: Uint8Array }[];
  const found: SnapshotWarning[] = [];
  // `restored` (the model restore made of the file) tells a list without a repeat: as many peers as entries that parse.
  const look = (path: string, peers: readonly Uint8Array[], outcome: string, kept: number | undefined): void => {
    // Keyed by canonical bytes (a usual peer's are its own): a peer's base58 text is made only for a repeat.
    const canonicals: (Uint8Array | undefined)[] = peers.map((peerBytes) => {
      if (isShortMultihashAt(peerBytes, 0, peerBytes.length)) return peerBytes;
      return multihashProblem(peerBytes) === undefined ? PeerId.fromBytes(peerBytes).bytes : undefined;
    });
    if (kept !== undefined && canonicals.filter((canonical) => canonical !== undefined).length === kept) return;
    const first = new Map<string, number>();
    canonicals.forEach((canonical, index) => {
      if (canonical === undefined) return;
      const key = BYTE_TEXT.decode(canonical);
      const at = first.get(key);
      if (at === undefined) first.set(key, index);
      else {
        const text = PeerId.fromBytes(canonical).text;
        found.push({
          path: `${path}[${index}]`,
          message: `peer ${text} is repeated (first at ${path}[${at}]): ${outcome}, as upstream restores it`,
        });
      }
    });
  };
  const model = restored?.governor;
  look(`${GOVERNOR_PATH}.blocklist`, governor.blocklist, "it counts once", model?.blocklistSize());
  look(
    `${GOVERNOR_PATH}.allowlist`,
    governor.allowlist ?? [],
    "it counts once",
    model === undefined ? undefined : (model.allowlistSize() ?? 0),
  );
  const health = governor.health.map((entry) => entry[0]);
  look(`${GOVERNOR_PATH}.health`, health, "the last entry wins", model?.trackedPeers());
  const backoff = table.map((entry) => entry.peer);
  look(BACKOFF_PATH, backoff, "the last entry wins", restored?.backoff.len());
  return found;
}

/** How many entries the blocklist, the allowlist, the health list and the backoff table hold: their lengths, no entry read. */
function listLengths(bytes: Uint8Array, governorStart: number): [number, number, number, number] {
  const reader = new Reader(bytes, governorStart);
  const peers = (what: string): number => {
    const count = reader.length(8, what);
    for (let index = 0; index < count; index++) reader.skipBytes();
    return count;
  };
  const blocked = peers("blocklist");
  const allowed = reader.optionTag() ? peers("allowlist") : 0;
  const health = reader.length(8 + HEALTH_TAIL, "health");
  for (let index = 0; index < health; index++) {
    reader.skipBytes();
    reader.skipFixed(HEALTH_TAIL, "a health entry");
  }
  reader.skipFixed(4, "failure_threshold");
  const backoff = reader.length(8 + BACKOFF_TAIL, "backoff_table");
  return [blocked, allowed, health, backoff];
}
