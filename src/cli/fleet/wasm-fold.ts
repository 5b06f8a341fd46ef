/**
 * A fleet's `inspect` through WebAssembly (issue 15): node snapshots read
 * straight into the module's memory, their governor lists scanned and folded
 * there (src/wasm/fleet-fold.ts), per-peer counts (and, for `--by-node`,
 * each peer's state per node) handed back as an AggregatePart. The JavaScript scan and aggregate (snapshot/node-scan.ts,
 * aggregate.ts) spent ~90 ns an entry, three quarters of a 200-node inspect;
 * the module's loops do the same in about a third of that.
 *
 * What stays here: walking the NodeSnapshot's other sections (the schema
 * skip every read uses), and numbering each new peer byte string: upstream's
 * `PeerId::from_bytes` rules, the peer's text, the PEER arguments' filter.
 * The module declines every file restore would do more than keep (a skipped
 * entry, a repeated peer, a threshold of 0) and refuses every file the
 * JavaScript scan refuses; `fold` then says false, nothing is counted, and the
 * caller scans the same bytes the JavaScript way.
 */
import { randomFillSync } from "node:crypto";
import { closeSync, readSync } from "node:fs";
import { InvalidPeerId } from "../../core/errors.js";
import { multihashProblemIn, PeerId } from "../../core/peer-id.js";
import { GovernorScan, RestoredScan, ScanRefused, walkNodeSnapshot } from "../../snapshot/node-scan.js";
import { openRegularFile } from "../io/reuse.js";
import type { AggregatePart } from "./aggregate.js";
import { FLEET_FOLD_WASM } from "./fleet-fold-wasm.js";

/** The little of the WebAssembly API used here (TypeScript's lib has it only with the DOM's). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => CompiledModule;
  Instance: new (module: CompiledModule, imports: object) => { readonly exports: unknown };
};
interface CompiledModule {
  readonly compiled: unique symbol;
}

/** The module's exports (src/wasm/fleet-fold.ts). */
interface FoldExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  init(): void;
  hashKeyCount(): number;
  setHashKey(index: number, key: bigint): void;
  fileBuffer(length: number): number;
  fileRead(length: number): void;
  pendingStrings(): number;
  pendingString(index: number): number;
  stringAt(index: number): number;
  stringLength(index: number): number;
  setPeer(index: number, peer: number, kept: boolean): void;
  pendingDone(): void;
  peerCounts(): number;
  keepStates(nodes: number): void;
  peerStates(): number;
  collect(): number;
  collected(): number;
  scanGovernor(at: bigint): bigint;
  scanBackoff(at: bigint): bigint;
  fold(node: number): number;
}

/**
 * Files this large or larger are left to the JavaScript scan: the module's allocator gives at most ~1 GiB in one
 * block (src/wasm/fleet-fold.ts FILE_ROOM) and its memory is 32-bit; a fleet's files are ~1 MB.
 */
const LARGEST = 768 << 20;
/** A peer's counts in the module: 48 bytes (see src/wasm/fleet-fold.ts). */
const PEER = 48;

let compiled: CompiledModule | undefined;

/** The per-peer counts of the node snapshots folded in one WebAssembly instance. */
export class WasmFold {
  private readonly module: FoldExports;
  private readonly texts: string[] = [];
  private readonly byText = new Map<string, number>();
  /** Peers' ids, made for the cut-downs as they are first asked for. */
  private readonly ids = new Map<number, PeerId>();
  private fileAt = 0;
  private fileLength = 0;
  /** The module threw (see `guarded`): no file goes through it any more. */
  private broken = false;

  /**
   * `only`: the PEER arguments' filter (undefined: every peer); `byNode`: the fleet's file count, when each peer's
   * state on each node is kept too (`--by-node`).
   */
  constructor(
    private readonly only: ((text: string) => boolean) | undefined,
    private readonly byNode?: number,
  ) {
    compiled ??= new WebAssembly.Module(Buffer.from(FLEET_FOLD_WASM, "base64"));
    this.module = new WebAssembly.Instance(compiled, {}).exports as unknown as FoldExports;
    this.module.init();
    // The hash's keys: random, so that no file can be made to collide in the table.
    const keys = new BigUint64Array(this.module.hashKeyCount());
    // node:crypto's fill (0.1 ms) rather than Web Crypto's (its first use sets it up: ~3 ms).
    randomFillSync(keys);
    keys.forEach((key, index) => {
      this.module.setHashKey(index, key);
    });
    if (byNode !== undefined) this.module.keepStates(byNode);
  }

  /**
   * Reads regular file `file` into the module's memory; its bytes (a view
   * valid until the next call into the module), or undefined when it is not a
   * regular file, cannot be read, is too large, or grew while read (the usual
   * way then reads it and says what is wrong).
   */
  read(file: string): Uint8Array | undefined {
    this.fileLength = 0;
    if (this.broken) return undefined;
    let fd: number | undefined;
    try {
      const opened = openRegularFile(file);
      if (opened === undefined || opened.stat.size >= LARGEST) return undefined;
      fd = opened.fd;
      // One byte more than the size: a read that fills it means the file grew.
      const room = opened.stat.size + 1;
      this.fileAt = this.guarded(() => this.module.fileBuffer(room));
      const into = new Uint8Array(this.module.memory.buffer, this.fileAt, room);
      let length = 0;
      for (let read = -1; read !== 0 && length < room; length += read) read = readSync(fd, into, length, room - length, null);
      if (length === room) return undefined;
      this.module.fileRead(length);
      this.fileLength = length;
      return this.bytes();
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Copies `bytes` into the module's memory, as `read` reads a file; their copy there. */
  load(bytes: Uint8Array): Uint8Array {
    this.fileAt = this.module.fileBuffer(bytes.length);
    new Uint8Array(this.module.memory.buffer, this.fileAt, bytes.length).set(bytes);
    this.module.fileRead(bytes.length);
    this.fileLength = bytes.length;
    return this.bytes();
  }

  /** The bytes of the file read last, as a fresh view (the memory may have grown since). */
  bytes(): Uint8Array {
    return new Uint8Array(this.module.memory.buffer, this.fileAt, this.fileLength);
  }

  /**
   * Counts the node snapshot read last as node `node`: true when it did;
   * false when the module declined or refused it (nothing counted: the
   * JavaScript scan takes the file). Throws nothing.
   */
  fold(node: number): boolean {
    if (this.broken || !this.walk()) return false;
    const module = this.module;
    try {
      return this.guarded(() => {
        this.numberPending();
        return module.fold(node) === 0;
      });
    } catch {
      return false;
    }
  }

  /**
   * The node snapshot read last cut down to the peers `only` keeps (check's
   * and the rows' quick way): their entries as a scan, what restore keeps of
   * it and its clock (the whole file's), and their ids by number; undefined
   * when the module declined or refused the file (the JavaScript scan takes
   * it). Throws nothing.
   */
  cutDown(): { scan: GovernorScan; restored: RestoredScan; ids: ReadonlyMap<number, PeerId> } | undefined {
    if (this.broken || !this.walk()) return undefined;
    const module = this.module;
    let at: number;
    try {
      at = this.guarded(() => {
        this.numberPending();
        return module.collect() === 0 ? module.collected() : -1;
      });
    } catch {
      return undefined;
    }
    if (at < 0) return undefined;
    const view = new DataView(module.memory.buffer, at);
    const scan = new GovernorScan();
    const health = view.getUint32(0, true);
    const backoff = view.getUint32(4, true);
    const blocked = view.getUint32(8, true);
    const allowed = view.getUint32(12, true);
    scan.allowlistSome = view.getUint32(16, true) === 1;
    scan.failureThreshold = view.getUint32(20, true);
    scan.roomForHealth(health);
    scan.roomForBackoff(backoff);
    scan.roomForPeers(Math.max(blocked, allowed));
    const ids = new Map<number, PeerId>();
    const peer = (offset: number): number => {
      const number = view.getInt32(offset, true);
      if (!ids.has(number)) ids.set(number, this.idOf(number));
      return number;
    };
    let offset = 32;
    for (let i = 0; i < health; i++, offset += 20) {
      scan.healthPeer[i] = peer(offset);
      scan.healthFailures[i] = view.getUint32(offset + 4, true);
      scan.healthEventLow[i] = view.getUint32(offset + 8, true);
      scan.healthEventHigh[i] = view.getUint32(offset + 12, true);
      scan.healthDown[i] = view.getUint32(offset + 16, true);
    }
    for (let i = 0; i < backoff; i++, offset += 24) {
      scan.backoffPeer[i] = peer(offset);
      scan.backoffAttempts[i] = view.getUint32(offset + 4, true);
      scan.backoffLastLow[i] = view.getUint32(offset + 8, true);
      scan.backoffLastHigh[i] = view.getUint32(offset + 12, true);
      scan.backoffNextLow[i] = view.getUint32(offset + 16, true);
      scan.backoffNextHigh[i] = view.getUint32(offset + 20, true);
    }
    for (let i = 0; i < blocked; i++, offset += 4) scan.blocked[i] = peer(offset);
    for (let i = 0; i < allowed; i++, offset += 4) scan.allowed[i] = peer(offset);
    scan.healthCount = health;
    scan.backoffCount = backoff;
    scan.blockedCount = blocked;
    scan.allowedCount = allowed;
    const restored = new RestoredScan();
    restored.restore(scan, this.texts.length);
    // The clock is the whole file's, not that of the entries kept here.
    restored.clockLow = view.getUint32(24, true);
    restored.clockHigh = view.getUint32(28, true);
    return { scan, restored, ids };
  }

  /** The id of peer `number` (made once per peer). */
  private idOf(number: number): PeerId {
    let id = this.ids.get(number);
    if (id === undefined) {
      id = PeerId.parse(this.texts[number] as string);
      this.ids.set(number, id);
    }
    return id;
  }

  /** Walks the file read last, its governor parts through the module; false when the module or the walk refused it. */
  private walk(): boolean {
    const module = this.module;
    try {
      walkNodeSnapshot(this.bytes(), {
        governor: (at) => end(this.guarded(() => module.scanGovernor(BigInt(at)))),
        backoffTable: (at) => end(this.guarded(() => module.scanBackoff(BigInt(at)))),
        again: () => this.bytes(),
      });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * `call` into the module; when it throws (a trap: no memory left to grow
   * a table), the module's tables may be half grown, so it is used no more:
   * what it counted stays (each node is counted whole or not at all), and
   * every later file goes the JavaScript way.
   */
  private guarded<T>(call: () => T): T {
    if (this.broken) throw new ScanRefused("the fold stopped");
    try {
      return call();
    } catch (error) {
      this.broken = true;
      throw error;
    }
  }

  /** The counts so far, for FleetAggregate.merge: every peer some folded node knows. */
  part(): AggregatePart {
    const view = new DataView(this.module.memory.buffer, this.module.peerCounts());
    const keep: number[] = [];
    for (let peer = 0; peer < this.texts.length; peer++) if (view.getInt32(peer * PEER, true) > 0) keep.push(peer);
    const column = <T extends Int32Array | Uint32Array | Float64Array | Uint8Array>(
      make: new (length: number) => T,
      get: (at: number) => number,
    ): T => {
      const out = new make(keep.length);
      keep.forEach((peer, k) => {
        out[k] = get(peer * PEER);
      });
      return out;
    };
    return {
      texts: keep.map((peer) => this.texts[peer] as string),
      nodes: column(Int32Array, (at) => view.getInt32(at, true)),
      blocked: column(Int32Array, (at) => view.getInt32(at + 4, true)),
      down: column(Int32Array, (at) => view.getInt32(at + 8, true)),
      cooling: column(Int32Array, (at) => view.getInt32(at + 12, true)),
      worst: column(Float64Array, (at) => view.getUint32(at + 16, true)),
      latestLow: column(Uint32Array, (at) => view.getUint32(at + 24, true)),
      latestHigh: column(Uint32Array, (at) => view.getUint32(at + 28, true)),
      hasLatest: column(Uint8Array, (at) => view.getUint8(at + 33)),
      states: this.byNode === undefined ? [] : this.states(keep, this.byNode),
    };
  }

  /** The kept peers' state bits on each of the `nodes` nodes, copied out of the module. */
  private states(keep: readonly number[], nodes: number): Uint8Array[] {
    const memory = new Uint8Array(this.module.memory.buffer);
    const at = this.module.peerStates();
    return keep.map((peer) => memory.slice(at + peer * nodes, at + (peer + 1) * nodes));
  }

  /** Gives each byte string seen for the first time its peer: parsed as upstream does, numbered by its text. */
  private numberPending(): void {
    const module = this.module;
    const count = module.pendingStrings();
    for (let i = 0; i < count; i++) {
      const string = module.pendingString(i);
      // A fresh view each time: numbering a peer may grow the memory. Only the text is kept, never the view.
      const memory = new Uint8Array(module.memory.buffer);
      const at = module.stringAt(string);
      const end = at + module.stringLength(string);
      let peer = -1;
      let kept = false;
      // Checked first, as the node reader does: PeerId's error would hold the hex of every byte.
      if (multihashProblemIn(memory, at, end) === undefined) {
        try {
          const text = PeerId.fromBytesIn(memory, at, end).text;
          peer = this.byText.get(text) ?? this.texts.length;
          if (peer === this.texts.length) {
            this.texts.push(text);
            this.byText.set(text, peer);
          }
          kept = this.only === undefined || this.only(text);
        } catch (error) {
          if (!(error instanceof InvalidPeerId)) throw error;
        }
      }
      module.setPeer(string, peer, kept);
    }
    module.pendingDone();
  }
}

/** A part's end as the module returns it, or ScanRefused (-1). */
function end(at: bigint): number {
  if (at < 0n) throw new ScanRefused("refused by the fold");
  return Number(at);
}
