// One `block` in process, as the CLI will do it, on a bbgov JSON or a node snapshot:
// read the file, decode, block a peer, encode, write. Prints the in-process milliseconds.
// Usage: node bench/node-edit.mjs json|node FILE PEER   (needs `npm run build`)
import { readFileSync, writeFileSync } from "node:fs";
import { PeerId } from "../dist/core/peer-id.js";
import { decodeSnapshot } from "../dist/snapshot/decode.js";
import { encodeSnapshotBytes } from "../dist/snapshot/encode.js";
import { readNodeSnapshot } from "../dist/snapshot/node.js";

const [kind, file, peer] = process.argv.slice(2);
const start = performance.now();
const bytes = readFileSync(file);
let out;
if (kind === "node") {
  const read = readNodeSnapshot(bytes);
  read.snapshot.governor.block(PeerId.parse(peer));
  out = read.encode(read.snapshot);
} else {
  const { snapshot } = decodeSnapshot(bytes.toString("utf8"));
  snapshot.governor.block(PeerId.parse(peer));
  out = encodeSnapshotBytes(snapshot);
}
writeFileSync(file, out);
console.log(JSON.stringify({ ms: performance.now() - start }));
