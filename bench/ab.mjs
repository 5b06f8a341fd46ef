// A/B of this checkout's bbgov against another revision's, on one command: whole processes taken in turns
// (A B, A B, ...), so that a busy moment slows both a little rather than one a lot; medians of wall time, and of
// CPU (user + system) and peak RSS from /usr/bin/time when it is there. The other revision is built into a
// temporary git worktree (its bundle only; node_modules is this checkout's), removed at the end.
//
//   node bench/ab.mjs --base REV [--runs N] [--prepare 'SHELL COMMAND'] -- BBGOV_ARGS...
//
// --prepare runs before every run of either build (a command that writes: copy a fresh snapshot into place).
// Example: node bench/ab.mjs --base HEAD~5 -- -s fixtures/node/peers-10k.bin validate
// Needs `npm run build` (or `npm run bundle`) here first. A regression a session's bench table hid in its noise
// (a fleet's validate 1.6x slower) showed at once this way.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Node reads the file NODE_EXTRA_CA_CERTS names at every start, TLS or not: on a machine that sets it to the
// system bundle, ~55 ms of CPU on both sides of every ratio, which is neither Node's own start nor bbgov's work
// (this machine sets it; `node -e 0` took 90 ms with it, 36 ms without). Every process timed here runs without it.
delete process.env.NODE_EXTRA_CA_CERTS;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const dash = argv.indexOf("--");
const own = dash === -1 ? argv : argv.slice(0, dash);
const command = dash === -1 ? [] : argv.slice(dash + 1);
const option = (name) => {
  const at = own.indexOf(name);
  return at === -1 ? undefined : own[at + 1];
};
const base = option("--base");
const runs = Number(option("--runs") ?? 9);
const prepare = option("--prepare");
if (base === undefined || command.length === 0 || !Number.isInteger(runs) || runs < 1) {
  console.error("usage: node bench/ab.mjs --base REV [--runs N] [--prepare 'SHELL COMMAND'] -- BBGOV_ARGS...");
  process.exit(2);
}
const here = path.join(ROOT, "bin", "bbgov.js");
if (!existsSync(path.join(ROOT, "dist", "bundle", "bbgov.cjs"))) {
  console.error("bench/ab.mjs: this checkout is not built: run npm run build");
  process.exit(2);
}

const tree = path.join(mkdtempSync(path.join(os.tmpdir(), "bbgov-ab-")), "base");
const git = (...args) =>
  execFileSync("git", ["-C", ROOT, ...args], { stdio: ["ignore", "pipe", "inherit"] })
    .toString()
    .trim();
const revision = git("rev-parse", "--short", base);
git("worktree", "add", "--detach", tree, revision);
try {
  symlinkSync(path.join(ROOT, "node_modules"), path.join(tree, "node_modules"), "dir");
  execFileSync("npm", ["run", "bundle"], { cwd: tree, stdio: ["ignore", "ignore", "inherit"] });
  const timer = existsSync("/usr/bin/time") ? ["/usr/bin/time", "-f", "%M %U %S"] : [];
  const once = (bin) => {
    if (prepare !== undefined) execFileSync("sh", ["-c", prepare], { cwd: ROOT, stdio: "inherit" });
    const [program, ...rest] = [...timer, process.execPath, bin, ...command];
    const start = process.hrtime.bigint();
    const result = spawnSync(program, rest, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (timer.length === 0) return { ms, status: result.status };
    const [rssKb, user, system] = result.stderr.trim().split("\n").at(-1).split(" ").map(Number);
    return { ms, cpuMs: (user + system) * 1000, rssMb: rssKb / 1024, status: result.status };
  };
  const builds = [
    { name: `${revision} (--base)`, bin: path.join(tree, "bin", "bbgov.js"), samples: [] },
    { name: "this checkout", bin: here, samples: [] },
  ];
  for (let run = 0; run < runs; run++) for (const build of builds) build.samples.push(once(build.bin));
  const median = (values) => {
    const sorted = values.filter((value) => value !== undefined && !Number.isNaN(value)).sort((a, b) => a - b);
    return sorted.length === 0 ? undefined : sorted[Math.floor(sorted.length / 2)];
  };
  const cell = (value, digits = 0) => (value === undefined ? "-" : value.toFixed(digits));
  console.log(
    `bbgov ${command.join(" ")}: ${runs} runs each, in turns; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}\n`,
  );
  console.log("| build | wall ms (median) | wall ms (min) | CPU ms | max RSS MB | exit codes |\n|---|---:|---:|---:|---:|---|");
  for (const { name, samples } of builds) {
    const codes = [...new Set(samples.map((sample) => sample.status))].join(", ");
    const walls = samples.map((sample) => sample.ms);
    console.log(
      `| ${name} | ${cell(median(walls), 1)} | ${cell(Math.min(...walls), 1)} | ${cell(median(samples.map((s) => s.cpuMs)))} | ${cell(median(samples.map((s) => s.rssMb)))} | ${codes} |`,
    );
  }
} finally {
  execFileSync("git", ["-C", ROOT, "worktree", "remove", "--force", tree], { stdio: "ignore" });
  rmSync(path.dirname(tree), { recursive: true, force: true });
}
