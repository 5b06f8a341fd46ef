/**
 * The quick way through a fleet's node snapshots (issue 15), shared by
 * inspect, check and the worker threads: files taken one at a time from a
 * shared counter, each read into one reused buffer and its governor scanned
 * (snapshot/node-scan.ts) for the caller to use. A file that is not a
 * node snapshot, cannot be read, or that the scan refuses is left to the
 * usual way, which reads it again and says what is wrong, by name.
 */
import { detectKind } from "../../snapshot/kinds.js";
import type { SnapshotWarning } from "../../snapshot/model.js";
import { GovernorScan, type PeerTable, scanNodeSnapshot } from "../../snapshot/node-scan.js";
import { ReusedBuffer } from "../io/reuse.js";
import type { WasmFold } from "./wasm-fold.js";

/** What scanning one file gave: its load warnings, or undefined when the usual way must read it. */
export interface ScannedFile {
  readonly index: number;
  readonly warnings: readonly SnapshotWarning[] | undefined;
}

/**
 * Scans the files whose indexes `next` hands out (until it gives one past the end), their peers numbered by
 * `peers`, handing each scan to `use` (the scan is reused for the next file). Given `fold`, each file is read
 * into it and handed to `take` (by default the fold's count, inspect's), which may take it (`use` is then not
 * called for it).
 */
export function scanFiles(
  paths: readonly string[],
  next: () => number,
  peers: PeerTable,
  use: (index: number, scan: GovernorScan) => void,
  fold?: WasmFold,
  take: (index: number) => boolean = (index) => fold?.fold(index) === true,
): ScannedFile[] {
  const scanner = new FileScanner();
  const scanned: ScannedFile[] = [];
  for (let index = next(); index < paths.length; index = next())
    scanned.push(scanner.scanFile(index, paths[index] as string, peers, use, fold, take));
  return scanned;
}

/** Scans files one at a time (scanFiles' loop, or a caller that takes them as they come), reusing one buffer and one scan. */
export class FileScanner {
  private readonly buffer = new ReusedBuffer();
  private readonly scan = new GovernorScan();

  /** Scans file `index` at `path` as scanFiles does each of its files (see there). */
  scanFile(
    index: number,
    path: string,
    peers: PeerTable,
    use: (index: number, scan: GovernorScan) => void,
    fold?: WasmFold,
    take: (index: number) => boolean = (index) => fold?.fold(index) === true,
  ): ScannedFile {
    const scan = this.scan;
    const inFold = fold?.read(path);
    const bytes = inFold ?? this.buffer.read(path);
    // JSON never holds a NUL byte: only binary files may be node snapshots (detectKind reads no text then).
    let node = false;
    let folded = false;
    if (bytes !== undefined && bytes.indexOf(0) !== -1) {
      try {
        node = detectKind({ bytes, text: () => "" }) === "node-snapshot";
        folded = node && inFold !== undefined && take(index);
        // A file the fold declined: its bytes again, as the fold's memory may have grown.
        if (node && !folded) scanNodeSnapshot((inFold === undefined ? undefined : fold?.bytes()) ?? bytes, peers, scan);
      } catch {
        node = false; // not a snapshot, or one the scan refuses: the usual way says what is wrong
      }
    }
    if (!node) return { index, warnings: undefined };
    // The fold takes only files that load without a warning.
    if (folded) return { index, warnings: [] };
    use(index, scan);
    return { index, warnings: scan.warnings };
  }
}
