// What a user would write by hand: read, JSON.parse, push, JSON.stringify with indent, write.
import { readFileSync, writeFileSync } from "node:fs";

const [file, peer] = process.argv.slice(2);
const snapshot = JSON.parse(readFileSync(file, "utf8"));
snapshot.peer_governor.blocklist.push(peer);
writeFileSync(file, `${JSON.stringify(snapshot, null, 2)}\n`);
