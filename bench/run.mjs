#!/usr/bin/env node
/**
 * bbgov's benchmark: `npm run bench` (after a build). Generates snapshots of
 * 1k, 10k, 100k and 1M peers in bench/data/, then measures, each figure the
 * median of several runs, bbgov against the floor (`node -e 0`), the bare
 * Node round trip of the same file and jq; commands compared with each other
 * run in turns, so a change in the machine's load weighs on all of them
 * alike. Prints a table and writes bench/RESULTS.md. Not a test: nothing
 * here asserts a timing.
 *
 * Node snapshots (issue 10): a bincode NodeSnapshot with the governor of the
 * 100k-peer JSON (lists in hash order, as upstream writes them), made by
 * bbgov's own encoder: `bbgov block` on it against the same block on the
 * bbgov JSON, whole processes; with 1M among the sizes, also the peak RSS of
 * a block on a node snapshot of 1M peers.
 *
 * Options: --sizes 1000,10000 (subset), --runs N (default 5; 3 for 1M),
 * --node-only (only the node-snapshot section, updating it in RESULTS.md),
 * --check (exit 1 when a target is missed: run by hand, never in `npm test`,
 * which holds no timing).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateNodeSnapshot, generateSnapshot, peerText } from "./generate.mjs";

// Node reads the file NODE_EXTRA_CA_CERTS names at every start, TLS or not: on a machine that sets it to the
// system bundle, ~55 ms of CPU on both sides of every ratio, which is neither Node's own start nor bbgov's work
// (this machine sets it; `node -e 0` took 90 ms with it, 36 ms without). Every process timed here runs without it.
const CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
delete process.env.NODE_EXTRA_CA_CERTS;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const BIN = path.join(root, "bin", "bbgov.js");
const DATA = path.join(here, "data");
const ROUNDTRIP = path.join(here, "roundtrip.mjs");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
};
const NODE_ONLY = args.includes("--node-only");
const CHECK = args.includes("--check");
/** Targets missed, for --check. */
const missed = [];
const NODE_SECTION = "## Node snapshots (bincode NodeSnapshot)";
const SIZES = option("--sizes", NODE_ONLY ? "100000" : "1000,10000,100000,1000000")
  .split(",")
  .map(Number);
const RUNS = Number(option("--runs", "5"));
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const JQ = spawnSync("jq", ["--version"], { encoding: "utf8" }).status === 0 ? "jq" : undefined;

mkdirSync(DATA, { recursive: true });

/** Runs a command once; returns wall seconds and peak RSS in bytes (when /usr/bin/time exists). */
function measure(command, commandArgs, options = {}) {
  const start = process.hrtime.bigint();
  const result = TIME
    ? spawnSync(TIME, ["-f", "%M", command, ...commandArgs], { encoding: "utf8", maxBuffer: 1 << 30, ...options })
    : spawnSync(command, commandArgs, { encoding: "utf8", maxBuffer: 1 << 30, ...options });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    throw new Error(`${command} ${commandArgs.join(" ")} failed (${result.status}): ${result.stderr.slice(-500)}`);
  }
  const lines = TIME ? result.stderr.trim().split("\n") : [];
  const rssBytes = TIME ? Number(lines[lines.length - 1]) * 1024 : NaN;
  return { seconds, rssBytes };
}

/**
 * Medians of several commands measured in turns (one run of each, then the
 * next round), so that a change in the machine's load while the benchmark
 * runs weighs on all of them alike rather than on whichever ran then.
 */
function interleaved(runs, commands) {
  const samples = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    commands.forEach(({ once, prepare = () => {} }, c) => {
      prepare(i);
      samples[c].push(once(i));
    });
  }
  return samples.map((list) => {
    const pick = (key) => {
      const values = list.map((s) => s[key]).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)];
    };
    return { seconds: pick("seconds"), rssBytes: pick("rssBytes") };
  });
}

const fmtMs = (s) => `${(s * 1000).toFixed(s < 1 ? 1 : 0)} ms`;
const fmtMb = (b) => `${(b / 1048576).toFixed(1)} MB`;
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;

const rows = [];
/** One row of the table; `met` (true/false) when the row has a target, for --check. */
const record = (what, value, reference, target, met) => {
  const shownTarget = target === undefined || target === "" ? target : `${target}${met === false ? " (missed)" : ""}`;
  rows.push({ what, value, reference, target: shownTarget });
  if (met === false) missed.push(`${what.trim()}: ${value} ${reference ?? ""} (${target})`);
  console.log(`${what.padEnd(58)} ${value.padStart(12)}  ${reference ?? ""}  ${shownTarget ?? ""}`);
};
const perPeer = (seconds, peers) => `${((seconds * 1e6) / peers).toFixed(2)} µs/peer`;

console.log(`bbgov benchmark: node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"} x${os.cpus().length}`);

// Snapshots.
const files = new Map();
for (const size of SIZES) {
  const file = path.join(DATA, `peers-${size}.json`);
  if (!existsSync(file)) {
    const start = Date.now();
    writeFileSync(file, generateSnapshot(size));
    console.log(`generated ${path.relative(root, file)} (${fmtMb(statSync(file).size)}) in ${Date.now() - start} ms`);
  }
  files.set(size, file);
}
if (NODE_ONLY) {
  const nodeRows = await nodeSnapshotSection();
  finishCheck();
  const results = path.join(here, "RESULTS.md");
  const before = existsSync(results) ? readFileSync(results, "utf8") : "# bbgov benchmark results\n";
  const [head] = before.split(/\n(?=## )/);
  writeFileSync(results, `${head.trimEnd()}\n\n${otherSections(nodeRows)}`);
  formatResults();
  console.log(`\nupdated the node-snapshot section of ${path.relative(root, results)}`);
  process.exit(finishCheck());
}

const small = path.join(DATA, "small.json");
copyFileSync(path.join(root, "fixtures", "example.json"), small);

// Startup.
const [floor, startup] = interleaved(RUNS * 2, [
  { once: () => measure(process.execPath, ["-e", "0"]) },
  { once: () => measure(process.execPath, [BIN, "-s", small, "inspect"]) },
]);
record("startup: node -e 0", fmtMs(floor.seconds));
record(
  "startup: bbgov -s small.json inspect",
  fmtMs(startup.seconds),
  ratio(startup.seconds, floor.seconds),
  "target <= 1.2x",
  startup.seconds <= 1.2 * floor.seconds,
);

// Scale: one block on each size, against the bare Node round trip and jq.
const work = path.join(DATA, "work.json");
const NEW_PEER = peerText(99_999_999);
const results = [];
for (const size of SIZES) {
  const file = files.get(size);
  const runs = size >= 1_000_000 ? Math.min(RUNS, 3) : RUNS;
  const fresh = () => copyFileSync(file, work);
  const [block, bare, jq] = interleaved(runs, [
    { once: () => measure(process.execPath, [BIN, "-s", work, "-q", "block", NEW_PEER]), prepare: fresh },
    { once: () => measure(process.execPath, [ROUNDTRIP, work, NEW_PEER]), prepare: fresh },
    ...(JQ
      ? [
          {
            once: () =>
              measure("sh", [
                "-c",
                `jq '.peer_governor.blocklist += ["${NEW_PEER}"]' "${work}" > "${work}.jq" && mv "${work}.jq" "${work}"`,
              ]),
            prepare: fresh,
          },
        ]
      : []),
  ]);
  const bytes = statSync(file).size;
  results.push({ size, bytes, block, bare, jq });
  const label = `${size.toLocaleString("en")} peers (${fmtMb(bytes)})`;
  record(`block, ${label}`, fmtMs(block.seconds), perPeer(block.seconds, size));
  const bareTarget = size >= 1_000_000 ? 1.5 : size >= 100_000 ? 1.1 : undefined;
  record(
    `  bare Node round trip`,
    fmtMs(bare.seconds),
    `bbgov ${ratio(block.seconds, bare.seconds)}; ${perPeer(bare.seconds, size)}`,
    bareTarget === undefined ? "" : `target <= ${bareTarget}x`,
    bareTarget === undefined ? undefined : block.seconds <= bareTarget * bare.seconds,
  );
  if (jq)
    record(
      `  jq 1.6`,
      fmtMs(jq.seconds),
      `bbgov ${ratio(block.seconds, jq.seconds)}`,
      size === 100_000 ? "target <= 0.5x" : "",
      size === 100_000 ? block.seconds <= 0.5 * jq.seconds : undefined,
    );
  // Node alone is ~45 MB, so a per-byte target means something from 100k peers on.
  const rssTarget = size >= 1_000_000 ? 3 : size >= 100_000 ? 4 : undefined;
  record(
    `  peak RSS of bbgov block`,
    fmtMb(block.rssBytes),
    `${(block.rssBytes / bytes).toFixed(2)}x file`,
    rssTarget === undefined ? "" : `target <= ${rssTarget}x`,
    rssTarget === undefined || Number.isNaN(block.rssBytes) ? undefined : block.rssBytes <= rssTarget * bytes,
  );
}

// Batch: 10,000 mixed commands in one apply on a 20-peer snapshot, against one block on it.
const small20 = path.join(DATA, "peers-20.json");
writeFileSync(small20, generateSnapshot(20));
const script = path.join(DATA, "apply-10k.txt");
writeFileSync(script, mixedScript(10_000));
const fresh20 = () => copyFileSync(small20, work);
const [one, batch] = interleaved(RUNS, [
  { once: () => measure(process.execPath, [BIN, "-s", work, "-q", "block", NEW_PEER]), prepare: fresh20 },
  { once: () => measure(process.execPath, [BIN, "-s", work, "-q", "apply", script]), prepare: fresh20 },
]);
record(
  "apply -q of 10,000 mixed commands, 20 peers (one block -q)",
  fmtMs(batch.seconds),
  `${ratio(batch.seconds, one.seconds)} one block`,
  "target <= 1.5x",
  batch.seconds <= 1.5 * one.seconds,
);

// The per-line path: 100,001 lines against 1 line, the difference per line.
const script1 = path.join(DATA, "apply-1.txt");
const script100k = path.join(DATA, "apply-100k.txt");
writeFileSync(script1, `block ${NEW_PEER}\n`);
writeFileSync(script100k, `${mixedScript(100_000, 20)}block ${NEW_PEER}\n`);
const [shortRun, longRun] = interleaved(RUNS, [
  { once: () => measure(process.execPath, [BIN, "-s", work, "-q", "apply", script1]), prepare: fresh20 },
  { once: () => measure(process.execPath, [BIN, "-s", work, "-q", "apply", script100k]), prepare: fresh20 },
]);
const linesPerSecond = 100_000 / Math.max(longRun.seconds - shortRun.seconds, 1e-9);
record(
  "apply, per line (100,001 lines less 1 line)",
  `${Math.round(linesPerSecond).toLocaleString("en")} lines/s`,
  `${(1e6 / linesPerSecond).toFixed(2)} µs/line`,
  "target > 100,000 lines/s",
  linesPerSecond > 100_000,
);

// inspect --json on 100k peers, against the bare round trip of the same file.
if (files.has(100_000)) {
  const file = files.get(100_000);
  const bytes = statSync(file).size;
  const [inspect, bare] = interleaved(RUNS, [
    { once: () => measure("sh", ["-c", `"${process.execPath}" "${BIN}" -s "${file}" --json inspect > /dev/null`]) },
    { once: () => measure(process.execPath, [ROUNDTRIP, work, NEW_PEER]), prepare: () => copyFileSync(file, work) },
  ]);
  record(
    "inspect --json, 100,000 peers",
    fmtMs(inspect.seconds),
    `${ratio(inspect.seconds, bare.seconds)} the bare round trip`,
    "target <= 1.0x",
    inspect.seconds <= bare.seconds,
  );
  record(
    "  peak RSS of inspect --json",
    fmtMb(inspect.rssBytes),
    `${(inspect.rssBytes / bytes).toFixed(2)}x file`,
    "target <= 4x",
    Number.isNaN(inspect.rssBytes) ? undefined : inspect.rssBytes <= 4 * bytes,
  );
}

const nodeRows = await nodeSnapshotSection();
writeResults(nodeRows);
process.exit(finishCheck());

/** With --check: lists the targets missed; the exit code (1 when any was). */
function finishCheck() {
  if (!CHECK) return 0;
  if (missed.length === 0) {
    console.log("\n--check: every target met");
    return 0;
  }
  console.log(`\n--check: ${missed.length} target(s) missed:\n${missed.map((line) => `  ${line}`).join("\n")}`);
  return 1;
}

function mixedScript(count, peers = 5000) {
  const lines = [`# ${count.toLocaleString("en")} mixed commands: the kinds an operator script uses`];
  const texts = Array.from({ length: peers }, (_, i) => peerText(1 + i));
  for (let i = 0; i < count; i++) {
    const peer = texts[i % peers];
    switch (i % 8) {
      case 0:
        lines.push(`block ${peer}`);
        break;
      case 1:
        lines.push(`unblock ${peer}`);
        break;
      case 2:
        lines.push(`fail ${peer} --after ${i}ms`);
        break;
      case 3:
        lines.push(`succeed ${peer}`);
        break;
      case 4:
        lines.push(`advise ${peer} 5s`);
        break;
      case 5:
        lines.push(`fail ${peer} --times 3 --every 100ms`);
        break;
      case 6:
        lines.push(`reset ${peer}`);
        break;
      default:
        lines.push(`clock --advance 1ms`);
        break;
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Lays RESULTS.md's tables out as the project's formatter does, so that `npm run lint` (in `npm test`) stays green. */
function formatResults() {
  const biome = path.join(root, "node_modules", ".bin", "biome");
  if (existsSync(biome)) spawnSync(biome, ["format", "--write", path.join(here, "RESULTS.md")], { stdio: "ignore" });
}

/**
 * The sections of RESULTS.md after the main table: those written by hand
 * (what each gap is made of, the fleet's figures from bench/fleet.mjs) kept
 * as they are, the node-snapshot section replaced by this run's.
 */
function otherSections(nodeRows) {
  const file = path.join(here, "RESULTS.md");
  const sections = existsSync(file)
    ? readFileSync(file, "utf8")
        .split(/\n(?=## )/)
        .slice(1)
    : [];
  const node = nodeSectionText(nodeRows).trim();
  const out = sections.map((section) => (section.startsWith(NODE_SECTION) ? node : section.trim()));
  if (!out.includes(node)) out.push(node);
  return `${out.join("\n\n")}\n`;
}

function writeResults(nodeRows) {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const table = [
    "| measurement | value | compared | target |",
    "|---|---:|---|---|",
    ...rows.map((r) => `| ${r.what.trim()} | ${r.value} | ${r.reference ?? ""} | ${r.target ?? ""} |`),
  ].join("\n");
  const text = `# bbgov benchmark results

Machine: ${cpu}, ${os.cpus().length} cores, ${fmtMb(os.totalmem())} RAM; Node ${process.version}; ${JQ ? execFileSync("jq", ["--version"], { encoding: "utf8" }).trim() : "no jq"}.
Each figure is the median of ${RUNS} runs (3 for 1M peers; startup ${RUNS * 2}), wall time of the whole process, peak RSS from /usr/bin/time; commands compared with each other ran in turns.${CA_CERTS === undefined ? "" : " Every process ran without NODE_EXTRA_CA_CERTS, which this machine sets (Node reads its file at every start: ~55 ms on both sides of each ratio)."}
Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.

${table}

${otherSections(nodeRows)}`;
  writeFileSync(path.join(here, "RESULTS.md"), text);
  formatResults();
  console.log(`\nwrote ${path.relative(root, path.join(here, "RESULTS.md"))}`);
}

/**
 * `bbgov block` on a node snapshot of 100k governor peers against the same
 * block on the equivalent bbgov JSON, whole processes, medians, run in turns;
 * and, when 1M is among the sizes, the peak RSS of a block on a node snapshot
 * of 1M peers (where Node's own ~40 MB no longer dwarfs the file).
 */
async function nodeSnapshotSection() {
  const size = 100_000;
  const json = path.join(DATA, `peers-${size}.json`);
  if (!existsSync(json)) writeFileSync(json, generateSnapshot(size));
  const nodeFile = async (count, order) => {
    const file = path.join(DATA, `node-${count}${order === "canonical" ? "-canonical" : ""}.bin`);
    if (!existsSync(file)) {
      const start = Date.now();
      const source = path.join(DATA, `peers-${count}.json`);
      if (!existsSync(source)) writeFileSync(source, generateSnapshot(count));
      writeFileSync(file, await generateNodeSnapshot(count, { jsonText: readFileSync(source, "utf8"), order }));
      console.log(`generated ${path.relative(root, file)} (${fmtMb(statSync(file).size)}) in ${Date.now() - start} ms`);
    }
    return file;
  };
  const floor = TIME
    ? spawnSync(TIME, ["-f", "%M", process.execPath, "-e", "0"], { encoding: "utf8" }).stderr.trim().split("\n").pop()
    : "NaN";
  const FLOOR_RSS = Number(floor) * 1024;
  const bin = await nodeFile(size, "hash");
  // The same file after bbgov has written it once: lists in canonical order.
  const canonicalBin = await nodeFile(size, "canonical");
  const peer = peerText(99_999_999);
  const workBin = path.join(DATA, "work-node.bin");
  const workJson = path.join(DATA, "work-node.json");
  // Wall time, peak RSS and CPU time (user + system, which the machine's other load disturbs less).
  const once = (file) => () => {
    const argv = [BIN, "-s", file, "block", peer];
    const start = process.hrtime.bigint();
    const result = TIME
      ? spawnSync(TIME, ["-f", "%M %U %S", process.execPath, ...argv], { encoding: "utf8" })
      : spawnSync(process.execPath, argv, { encoding: "utf8" });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.status !== 0) throw new Error(`bbgov block on ${file} failed: ${result.stderr.slice(-500)}`);
    const [rssKb, user, system] = TIME ? result.stderr.trim().split("\n").pop().split(" ").map(Number) : [NaN, NaN, NaN];
    return { seconds, rssBytes: rssKb * 1024, cpuSeconds: user + system };
  };
  const samples = [[], [], []];
  const plan = [
    { run: once(workBin), prepare: () => copyFileSync(bin, workBin) },
    { run: once(workJson), prepare: () => copyFileSync(json, workJson) },
    { run: once(workBin), prepare: () => copyFileSync(canonicalBin, workBin) },
  ];
  for (let i = 0; i < RUNS; i++) {
    plan.forEach(({ run, prepare }, c) => {
      prepare();
      samples[c].push(run());
    });
  }
  const medianOf = (list, key) => list.map((s) => s[key]).sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const [node, jsonEdit, nodeCanonical] = samples.map((list) => ({
    seconds: medianOf(list, "seconds"),
    rssBytes: medianOf(list, "rssBytes"),
    cpuSeconds: medianOf(list, "cpuSeconds"),
  }));
  const fmtCpu = (s) => (Number.isNaN(s) ? "" : `CPU ${fmtMs(s)}`);
  const binBytes = statSync(bin).size;
  const jsonBytes = statSync(json).size;
  const rows = [
    {
      what: `bbgov block on a node snapshot, ${size.toLocaleString("en")} peers (${fmtMb(binBytes)})`,
      value: fmtMs(node.seconds),
      reference: `${ratio(node.seconds, jsonEdit.seconds)} the JSON edit; ${fmtCpu(node.cpuSeconds)}, ${ratio(node.cpuSeconds, jsonEdit.cpuSeconds)}`,
      target: "target <= 0.7x",
    },
    {
      what: `same bbgov block on the bbgov JSON (${fmtMb(jsonBytes)})`,
      value: fmtMs(jsonEdit.seconds),
      reference: fmtCpu(jsonEdit.cpuSeconds),
    },
    {
      what: "block on the node snapshot once bbgov has written it (lists in canonical order)",
      value: fmtMs(nodeCanonical.seconds),
      reference: `${ratio(nodeCanonical.seconds, jsonEdit.seconds)} the JSON edit; ${fmtCpu(nodeCanonical.cpuSeconds)}, ${ratio(nodeCanonical.cpuSeconds, jsonEdit.cpuSeconds)}`,
      target: "target <= 0.7x",
    },
    {
      what: "peak RSS of the node-snapshot block",
      value: fmtMb(node.rssBytes),
      reference: `${(node.rssBytes / binBytes).toFixed(2)}x file; ${((node.rssBytes - FLOOR_RSS) / binBytes).toFixed(2)}x above \`node -e 0\``,
      target: "target <= 3x (Node alone is over 3x this file)",
    },
    {
      what: "peak RSS of the JSON block",
      value: fmtMb(jsonEdit.rssBytes),
      reference: `${(jsonEdit.rssBytes / jsonBytes).toFixed(2)}x file`,
    },
  ];
  const met = [node.seconds <= 0.7 * jsonEdit.seconds, undefined, nodeCanonical.seconds <= 0.7 * jsonEdit.seconds, undefined, undefined];
  if (SIZES.includes(1_000_000) && TIME) {
    const big = await nodeFile(1_000_000, "hash");
    const work = path.join(DATA, "work-node-1m.bin");
    const runs = [];
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      copyFileSync(big, work);
      runs.push(once(work)());
    }
    const rss = medianOf(runs, "rssBytes");
    const bigBytes = statSync(big).size;
    rows.push({
      what: `peak RSS of bbgov block on a node snapshot, 1,000,000 peers (${fmtMb(bigBytes)})`,
      value: fmtMb(rss),
      reference: `${(rss / bigBytes).toFixed(2)}x file; ${fmtMs(medianOf(runs, "seconds"))}`,
      target: "target <= 3x",
    });
    met.push(rss <= 3 * bigBytes);
  }
  rows.forEach((row, i) => {
    if (met[i] !== false) return;
    missed.push(`${row.what}: ${row.value} ${row.reference} (${row.target})`);
    row.target += " (missed)";
  });
  for (const row of rows)
    console.log(`${row.what.padEnd(60)} ${String(row.value).padStart(10)}  ${row.reference ?? ""}  ${row.target ?? ""}`);
  return rows;
}

function nodeSectionText(nodeRows) {
  return `${NODE_SECTION}

Whole \`bbgov -s FILE block PEER\` processes (read, check, block one peer, encode, write durably under the lock), median of ${RUNS} runs in turns; peak RSS and CPU time (user + system) from /usr/bin/time. The node file's lists are in hash order, as upstream writes them; its other sections are upstream's small.bin fixture. Measured on ${new Date().toISOString().slice(0, 10)} with a load average of ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores: wall times carry the machine's other load, CPU times less so.

| measurement | value | compared | target |
|---|---:|---|---|
${nodeRows.map((r) => `| ${r.what} | ${r.value} | ${r.reference ?? ""} | ${r.target ?? ""} |`).join("\n")}
`;
}
