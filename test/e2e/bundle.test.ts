/**
 * bin/bbgov.js runs the bundled CLI (dist/bundle/bbgov.cjs, one minified file,
 * for startup time); the library and its declarations are tsc's dist/. The two
 * builds of the same sources must behave alike: the same commands on the same
 * files give the same exit codes, output and files, byte for byte.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, L, M, Q } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC_MAIN = path.join(ROOT, "dist", "cli", "main.js");
const BUNDLE = path.join(ROOT, "dist", "bundle", "bbgov.cjs");
const EXAMPLE = path.join(ROOT, "fixtures", "example.json");

const work = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-bundle-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
// What bin/bbgov.js was before the bundle: tsc's build of src/cli/main.ts, run as it is.
const TSC_BIN = path.join(work, "bbgov-tsc.mjs");
fs.writeFileSync(TSC_BIN, `import { run } from ${JSON.stringify(TSC_MAIN)};\nrun(process.argv.slice(2));\n`);

type Build = "bundle" | "tsc";

/** Runs bbgov from one build in its own folder (same relative paths in both), colours as `env` says. */
function run(build: Build, dir: string, args: readonly string[], env: Record<string, string> = {}, input = "") {
  const command = build === "bundle" ? [BIN] : [TSC_BIN];
  const clean: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...env };
  for (const name of ["BBGOV_SNAPSHOT", "BBGOV_DEBUG", "TERM", ...(env.FORCE_COLOR === undefined ? ["FORCE_COLOR"] : [])]) delete clean[name];
  const result = spawnSync(process.execPath, [...command, ...args], { cwd: dir, env: clean, input, encoding: "utf8", timeout: 20_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file of a folder with its bytes. */
function files(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((name) => [name, fs.readFileSync(path.join(dir, name), "latin1")]));
}

const SCRIPT = `# a few changes\nblock ${M}\nfail ${L} --times 3 --every 250ms\nadvise ${Q} 2s\nthreshold 3\nclock --advance 1s\n`;

/** Sequences of commands, each run from the example snapshot (governor.json) in a fresh folder. */
const SCENARIOS: { name: string; steps: { args: string[]; env?: Record<string, string>; input?: string }[] }[] = [
  { name: "read-only views", steps: [{ args: ["inspect"] }, { args: ["inspect", "--down", "--sort", "failures"] }, { args: ["--json", "inspect"] }, { args: ["check", L] }, { args: ["--json", "check", Q, "--outbound"] }, { args: ["validate"] }, { args: ["export"] }, { args: ["backoff", "--plan", "--attempts", "8"] }] },
  { name: "colours", steps: [{ args: ["inspect"], env: { FORCE_COLOR: "3" } }, { args: ["fail", L, "--times", "2"], env: { FORCE_COLOR: "1" } }] },
  { name: "edits", steps: [{ args: ["block", M, Q] }, { args: ["unblock", Q] }, { args: ["allow", "--restrict", L] }, { args: ["disallow", L] }, { args: ["allow", "--open"] }, { args: ["reset", L] }, { args: ["-q", "succeed", M] }, { args: ["--json", "fail", M, "--times", "6", "--every", "1s"] }] },
  { name: "apply, diff and outputs", steps: [{ args: ["apply", "changes.txt"] }, { args: ["diff", "before.json"] }, { args: ["-o", "copy.json", "block", L] }, { args: ["--dry-run", "threshold", "0"] }, { args: ["-s", "-", "block", M], input: fs.readFileSync(EXAMPLE, "utf8") }] },
  { name: "errors and help", steps: [{ args: ["block", "not-a-peer"] }, { args: ["nope"] }, { args: ["fail"] }, { args: ["-s", "missing.json", "inspect"] }, { args: ["apply", "-"], input: "block 0OIl\n" }, { args: ["--help"] }, { args: ["fail", "--help"] }, { args: ["-V"] }, { args: ["completion", "bash"] }] },
  { name: "init", steps: [{ args: ["-s", "new.json", "init", "--threshold", "4", "--clock", "1764000000000000000"] }, { args: ["-s", "new.json", "init"] }, { args: ["-s", "new.json", "inspect"] }] },
];

describe("the bundled bin and tsc's build", () => {
  it("bin/bbgov.js runs the bundle, which is one file", () => {
    expect(fs.readFileSync(BIN, "utf8")).toContain("../dist/bundle/bbgov.cjs");
    expect(fs.statSync(BUNDLE).isFile()).toBe(true);
    expect(fs.readdirSync(path.dirname(BUNDLE))).toEqual(["bbgov.cjs"]);
  });

  it.each(SCENARIOS)("behave the same: $name", ({ name, steps }) => {
    const dirs = { bundle: path.join(work, `bundle-${name}`), tsc: path.join(work, `tsc-${name}`) };
    for (const dir of Object.values(dirs)) {
      fs.mkdirSync(dir);
      fs.copyFileSync(EXAMPLE, path.join(dir, "governor.json"));
      fs.copyFileSync(EXAMPLE, path.join(dir, "before.json"));
      fs.writeFileSync(path.join(dir, "changes.txt"), SCRIPT);
    }
    for (const step of steps) {
      const [bundle, tsc] = (["bundle", "tsc"] as const).map((build) => run(build, dirs[build], step.args, step.env, step.input));
      const label = `bbgov ${step.args.join(" ")}`;
      expect(bundle, label).toEqual(tsc);
      expect(files(dirs.bundle), label).toEqual(files(dirs.tsc));
    }
  });
});
