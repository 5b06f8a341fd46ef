// The fleet (issue 15): a folder of N node snapshots of 10k peers each (copies of
// fixtures/node/peers-10k.bin), inspected by bbgov against reading the same files with bare Node.
// Each run is a whole process (start-up included), timed from outside; max RSS from /usr/bin/time
// when it is there. Prints a Markdown table.
// Usage: node bench/fleet.mjs [--nodes 200] [--runs 3] [--inspect-only]   (needs `npm run build`)
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Node reads the file NODE_EXTRA_CA_CERTS names at every start, TLS or not: on a machine that sets it to the
// system bundle, ~55 ms of CPU on both sides of every ratio, which is neither Node's own start nor bbgov's work
// (this machine sets it; `node -e 0` took 90 ms with it, 36 ms without). Every process timed here runs without it.
delete process.env.NODE_EXTRA_CA_CERTS;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "bin", "bbgov.js");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const nodes = option("--nodes", 200);
const runs = option("--runs", 3);
const PEER = "12D3KooWEVkTai2Aabvt8QUuN3fgUsbksh3Ru13KXYxKV7go7ktp";

const dir = mkdtempSync(path.join(os.tmpdir(), "bbgov-fleet-bench-"));
const fleet = path.join(dir, "nodes");
spawnSync("mkdir", [fleet]);
for (let i = 0; i < nodes; i++)
  copyFileSync(path.join(ROOT, "fixtures/node/peers-10k.bin"), path.join(fleet, `node-${String(i).padStart(4, "0")}.bin`));

const BARE = `const fs = require("node:fs"); let n = 0; for (const f of fs.readdirSync(process.argv[1])) n += fs.readFileSync(process.argv[1] + "/" + f).length; process.stdout.write(String(n));`;
const timer = existsSync("/usr/bin/time") ? ["/usr/bin/time", "-f", "%M %U %S"] : [];

/** One whole-process run: wall ms, and CPU ms (user + system) and max RSS when /usr/bin/time is there. */
function once(argv, env) {
  const start = process.hrtime.bigint();
  const [command, ...rest] = [...timer, process.execPath, ...argv];
  const result = spawnSync(command, rest, {
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    maxBuffer: 1 << 30,
    env: { ...process.env, ...env },
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (timer.length === 0) return { ms };
  const [rssKb, user, system] = result.stderr.trim().split("\n").at(-1).split(" ").map(Number);
  return { ms, cpuMs: (user + system) * 1000, rssMb: rssKb / 1024 };
}

const median = (values) => {
  const sorted = values.filter((value) => value !== undefined).sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor(sorted.length / 2)];
};

const SLOW = { BBGOV_FLEET_SCAN: "0" };
const cases = [
  ["bare Node: read every file", ["-e", BARE, fleet]],
  ["bbgov inspect (table)", [BIN, "-s", fleet, "inspect"]],
  ["bbgov inspect --jobs 1", [BIN, "-s", fleet, "--jobs", "1", "inspect"]],
  ["bbgov inspect, counted in JavaScript (BBGOV_FLEET_WASM=0)", [BIN, "-s", fleet, "inspect"], { BBGOV_FLEET_WASM: "0" }],
  ["bbgov inspect, every file through its model (BBGOV_FLEET_SCAN=0)", [BIN, "-s", fleet, "inspect"], SLOW],
  ["bbgov --json inspect", [BIN, "--json", "-s", fleet, "inspect"]],
  ["bbgov inspect --by-node", [BIN, "-s", fleet, "inspect", "--by-node"]],
  ["bbgov inspect --format ndjson", [BIN, "-s", fleet, "inspect", "--format", "ndjson"]],
  ["bbgov inspect --format ndjson, through each model (BBGOV_FLEET_SCAN=0)", [BIN, "-s", fleet, "inspect", "--format", "ndjson"], SLOW],
  ["bbgov inspect --format tsv", [BIN, "-s", fleet, "inspect", "--format", "tsv"]],
  ["bbgov inspect --format json", [BIN, "-s", fleet, "inspect", "--format", "json"]],
  ["bbgov inspect PEER --format ndjson", [BIN, "-s", fleet, "inspect", PEER, "--format", "ndjson"]],
  ["bbgov check PEER", [BIN, "-s", fleet, "check", PEER]],
  ["bbgov validate", [BIN, "-s", fleet, "validate"]],
  ["bbgov --dry-run block PEER", [BIN, "-s", fleet, "--dry-run", "block", PEER]],
  ["bbgov inspect, one file", [BIN, "-s", path.join(fleet, "node-0000.bin"), "inspect"]],
];
const only = process.argv.includes("--inspect-only")
  ? cases.filter(([name]) => /bare|inspect( \(table\)| --jobs 1|, every|, counted)/.test(name))
  : cases;
const loads = () =>
  os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(" ");
console.log(
  `Fleet of ${nodes} node snapshots of 10k peers (${nodes} x 979 KB), median of ${runs} whole-process runs taken in turns ` +
    `(each case once per round), ${os.availableParallelism()} cores, Node ${process.version}; load average before: ${loads()}\n`,
);
// In turns (A B C, A B C, ...): a busy moment slows every case a little rather than one case a lot.
const samples = only.map(() => []);
for (let run = 0; run < runs; run++) {
  only.forEach(([, argv, env], index) => {
    samples[index].push(once(argv, env));
  });
}
console.log("| run | wall ms | x bare | CPU ms | max RSS MB |\n|---|---:|---:|---:|---:|");
let bare;
only.forEach(([name], index) => {
  const ms = median(samples[index].map((sample) => sample.ms));
  const cpuMs = median(samples[index].map((sample) => sample.cpuMs));
  const rssMb = median(samples[index].map((sample) => sample.rssMb));
  bare ??= ms;
  const cell = (value) => (value === undefined ? "-" : value.toFixed(0));
  console.log(`| ${name} | ${ms.toFixed(0)} | ${(ms / bare).toFixed(1)} | ${cell(cpuMs)} | ${cell(rssMb)} |`);
});
console.log(`\nload average after: ${loads()}`);
rmSync(dir, { recursive: true, force: true });
