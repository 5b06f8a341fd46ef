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

/** What scanning one file gave: its load warnings, or undefined when the usual way must read it. */
export interface ScannedFile {
  readonly index: number;
  readonly warnings: readonly SnapshotWarning[] | undefined;
}

/**
 * Scans the files whose indexes `next` hands out (until it gives one past the end), their peers numbered by
 * `peers`, handing each scan to `use` (the scan is reused for the next file).
 */
export function scanFiles(
  paths: readonly string[],
  next: () => number,
  peers: PeerTable,
  use: (index: number, scan: GovernorScan) => void,
): ScannedFile[] {
  const buffer = new ReusedBuffer();
  const scan = new GovernorScan();
  const scanned: ScannedFile[] = [];
  for (let index = next(); index < paths.length; index = next()) {
    const bytes = buffer.read(paths[index] as string);
    // JSON never holds a NUL byte: only binary files may be node snapshots (detectKind reads no text then).
    let node = false;
    if (bytes !== undefined && bytes.indexOf(0) !== -1) {
      try {
        node = detectKind({ bytes, text: () => "" }) === "node-snapshot";
        if (node) scanNodeSnapshot(bytes, peers, scan);
      } catch {
        node = false; // not a snapshot, or one the scan refuses: the usual way says what is wrong
      }
    }
    if (!node) {
      scanned.push({ index, warnings: undefined });
      continue;
    }
    use(index, scan);
    scanned.push({ index, warnings: scan.warnings });
  }
  return scanned;
}
