/**
 * inspect's quick way through a fleet's node snapshots (issue 15), shared by
 * the main thread and the worker threads: files taken one at a time from a
 * shared counter, each read into one reused buffer and its governor scanned
 * into the caller's aggregate (snapshot/node-scan.ts). A file that is not a
 * node snapshot, cannot be read, or that the scan refuses is left to the
 * usual way, which reads it again and says what is wrong, by name.
 */
import { detectKind } from "../../snapshot/kinds.js";
import type { SnapshotWarning } from "../../snapshot/model.js";
import { GovernorScan, scanNodeSnapshot } from "../../snapshot/node-scan.js";
import { ReusedBuffer } from "../io/reuse.js";
import type { FleetAggregate } from "./aggregate.js";

/** What scanning one file gave: its load warnings, or undefined when the usual way must read it. */
export interface ScannedFile {
  readonly index: number;
  readonly warnings: readonly SnapshotWarning[] | undefined;
}

/** Scans the files whose indexes `next` hands out (until it gives one past the end) into `aggregate`. */
export function scanFiles(paths: readonly string[], next: () => number, aggregate: FleetAggregate): ScannedFile[] {
  const buffer = new ReusedBuffer();
  const scan = new GovernorScan();
  const scanned: ScannedFile[] = [];
  for (let index = next(); index < paths.length; index = next()) {
    const bytes = buffer.read(paths[index] as string);
    // JSON never holds a NUL byte: only binary files may be node snapshots (detectKind reads no text then).
    if (bytes === undefined || bytes.indexOf(0) === -1 || detectKind({ bytes, text: () => "" }) !== "node-snapshot") {
      scanned.push({ index, warnings: undefined });
      continue;
    }
    try {
      scanNodeSnapshot(bytes, aggregate.table, scan);
    } catch {
      scanned.push({ index, warnings: undefined });
      continue;
    }
    aggregate.addScan(index, scan);
    scanned.push({ index, warnings: scan.warnings });
  }
  return scanned;
}
