/**
 * A worker thread of a fleet's quick inspect (bundled apart, as
 * dist/bundle/fleet-worker.cjs): it takes files from the counter it shares
 * with the main thread and the other workers, scans them into its own
 * aggregate, and sends back the counts and, per file, its warnings.
 */
import { parentPort, workerData } from "node:worker_threads";
import { FleetAggregate } from "./aggregate.js";
import { scanFiles } from "./scan-files.js";
import { WasmFold } from "./wasm-fold.js";

/** What the main thread gives each worker. */
export interface ScanWorkerData {
  readonly paths: readonly string[];
  /** One Int32: the next file's index, taken with Atomics.add. */
  readonly counter: SharedArrayBuffer;
  readonly byNode: boolean;
  /** Counts folded in WebAssembly (wasm-fold.ts), as the main thread's. */
  readonly wasm: boolean;
}

const data = workerData as ScanWorkerData;
const counter = new Int32Array(data.counter);
const aggregate = new FleetAggregate(data.paths.length, data.byNode, undefined);
const fold = data.wasm ? new WasmFold(undefined, data.byNode ? data.paths.length : undefined) : undefined;
const scanned = scanFiles(
  data.paths,
  () => Atomics.add(counter, 0, 1),
  aggregate.table,
  (index, scan) => aggregate.addScan(index, scan),
  fold,
);
if (fold !== undefined) aggregate.merge(fold.part());
parentPort?.postMessage({ part: aggregate.part(), scanned });
