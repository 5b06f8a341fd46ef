/**
 * bin/bbgov.js runs the bundled CLI (dist/bundle/bbgov.cjs, one minified file,
 * for startup time); the library and its declarations are tsc's dist/. The
 * bundle must behave as the sources do: the same commands on the same files
 * give the same exit codes, output and files, byte for byte. The bundle's own
 * `execute` runs in process for most scenarios (the bundled code, without a
 * process start each); one scenario (init) runs the binary as a process.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Sandbox, type Entry } from "../cli/helpers.js";
import { BIN, L, M, Q, spawnBbgov, tempDirs } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUNDLE = path.join(ROOT, "dist", "bundle", "bbgov.cjs");
const EXAMPLE = path.join(ROOT, "fixtures", "example.json");

const work = tempDirs("bbgov-bundle-")();

/** The bundle's `execute`, loaded as the binary loads it (CommonJS require). */
const bundled = (createRequire(import.meta.url)(BUNDLE) as { execute: Entry }).execute;

type Build = "binary" | "bundle" | "sources";

/** Runs bbgov from one build in its own folder (same relative paths in both), colours as `env` says. */
async function run(build: Build, dir: string, args: readonly string[], env: Record<string, string> = {}, input = "") {
  const options = { env, input };
  if (build === "binary") return spawnBbgov(dir, args, options);
  return new Sandbox(dir, build === "bundle" ? bundled : undefined).run(args, options);
}

/** Every file of a folder with its bytes. */
function files(dir: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((name) => [name, fs.readFileSync(path.join(dir, name), "latin1")]),
  );
}

const SCRIPT = `# a few changes\nblock ${M}\nfail ${L} --times 3 --every 250ms\nadvise ${Q} 2s\nthreshold 3\nclock --advance 1s\n`;

/** Sequences of commands, each run from the example snapshot (governor.json) in a fresh folder. */
const SCENARIOS: { name: string; asProcess?: boolean; steps: { args: string[]; env?: Record<string, string>; input?: string }[] }[] = [
  {
    name: "read-only views",
    steps: [
      { args: ["inspect"] },
      { args: ["inspect", "--down", "--sort", "failures"] },
      { args: ["--json", "inspect"] },
      { args: ["check", L] },
      { args: ["--json", "check", Q, "--outbound"] },
      { args: ["validate"] },
      { args: ["export"] },
      { args: ["backoff", "--plan", "--attempts", "8"] },
    ],
  },
  {
    name: "colours",
    steps: [
      { args: ["inspect"], env: { FORCE_COLOR: "3" } },
      { args: ["fail", L, "--times", "2"], env: { FORCE_COLOR: "1" } },
    ],
  },
  {
    name: "edits",
    steps: [
      { args: ["block", M, Q] },
      { args: ["unblock", Q] },
      { args: ["allow", "--restrict", L] },
      { args: ["disallow", L] },
      { args: ["allow", "--open"] },
      { args: ["reset", L] },
      { args: ["-q", "succeed", M] },
      { args: ["--json", "fail", M, "--times", "6", "--every", "1s"] },
    ],
  },
  {
    name: "apply, diff and outputs",
    steps: [
      { args: ["apply", "changes.txt"] },
      { args: ["diff", "before.json"] },
      { args: ["-o", "copy.json", "block", L] },
      { args: ["--dry-run", "threshold", "0"] },
      { args: ["-s", "-", "block", M], input: fs.readFileSync(EXAMPLE, "utf8") },
    ],
  },
  {
    name: "errors and help",
    steps: [
      { args: ["block", "not-a-peer"] },
      { args: ["nope"] },
      { args: ["fail"] },
      { args: ["-s", "missing.json", "inspect"] },
      { args: ["apply", "-"], input: "block 0OIl\n" },
      { args: ["--help"] },
      { args: ["fail", "--help"] },
      { args: ["-V"] },
      { args: ["completion", "bash"] },
    ],
  },
  {
    name: "init",
    asProcess: true,
    steps: [
      { args: ["-s", "new.json", "init", "--threshold", "4", "--clock", "1764000000000000000"] },
      { args: ["-s", "new.json", "init"] },
      { args: ["-s", "new.json", "inspect"] },
    ],
  },
];

describe("the bundled bin and the sources", () => {
  it("bin/bbgov.js runs the bundle, which is one file (and the fleet's worker thread, another)", () => {
    expect(fs.readFileSync(BIN, "utf8")).toContain("../dist/bundle/bbgov.cjs");
    expect(fs.statSync(BUNDLE).isFile()).toBe(true);
    expect(fs.readdirSync(path.dirname(BUNDLE))).toEqual(["bbgov.cjs", "bbgov.cjs.map", "fleet-worker.cjs"]);
  });

  it("the bundle is ASCII, so that V8 holds its source one byte a character", () => {
    // esbuild escapes non-ASCII characters in strings but not in regular expressions: write those as \u escapes.
    const text = fs.readFileSync(BUNDLE, "latin1");
    const at = text.search(/[^\x00-\x7f]/);
    expect(at, at < 0 ? "" : text.slice(Math.max(0, at - 40), at + 40)).toBe(-1);
  });

  it("loads no more of Node's modules than the few its start needs (node:fs/promises cost every run ~1.5 ms)", () => {
    const dir = path.join(work, "modules");
    fs.mkdirSync(dir);
    fs.copyFileSync(EXAMPLE, path.join(dir, "governor.json"));
    fs.copyFileSync(path.join(ROOT, "fixtures", "node", "small.bin"), path.join(dir, "small.bin"));
    // Preloaded: Node's modules loaded from then on, said at exit.
    const preload = path.join(dir, "modules.cjs");
    fs.writeFileSync(
      preload,
      'const base = new Set(process.moduleLoadList);\nprocess.on("exit", () => process._rawDebug("MODULES " + process.moduleLoadList.filter((m) => !base.has(m)).join(",")));\n',
    );
    // The code cache (vm), Module.wrap and createRequire (module, and what it loads), process.
    const allowed = new Set([
      "NativeModule vm",
      "NativeModule module",
      "NativeModule process",
      "NativeModule internal/modules/esm/assert",
      "NativeModule internal/modules/esm/loader",
      "NativeModule internal/source_map/source_map",
    ]);
    for (const args of [["inspect"], ["-s", "small.bin", "inspect"], ["--dry-run", "block", M]]) {
      const result = spawnBbgov(dir, args, { env: { NODE_OPTIONS: `--require=${preload}` } });
      expect(result.status, result.stderr).toBe(0);
      const loaded = /^MODULES (.*)$/m.exec(result.stderr)?.[1]?.split(",") ?? ["(no report)"];
      expect(
        loaded.filter((name) => !allowed.has(name)),
        args.join(" "),
      ).toEqual([]);
    }
  });

  it("under BBGOV_DEBUG=1 the trace names the real functions and source files; without it, one line", () => {
    const dir = path.join(work, "debug");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "broken.json"), "[]");
    const plain = spawnBbgov(dir, ["-s", "broken.json", "inspect"]);
    expect(plain.stderr).toBe("bbgov: the top level must be a JSON object, got [] (broken.json: $)\n");
    const debug = spawnBbgov(dir, ["-s", "broken.json", "inspect"], { env: { BBGOV_DEBUG: "1" } });
    expect(debug.status).toBe(2);
    expect(debug.stderr.startsWith(plain.stderr)).toBe(true);
    expect(debug.stderr).toMatch(/\n\s+at openFrom \(.*src\/cli\/single\.ts:\d+:\d+\)\n/);
    expect(debug.stderr).toMatch(/\n\s+at (async )?runInvocation \(.*src\/cli\/main\.ts:\d+:\d+\)\n/);
  });

  it.each(SCENARIOS)("behave the same: $name", async ({ name, steps, asProcess }) => {
    const build: Build = asProcess === true ? "binary" : "bundle";
    const dirs = { bundle: path.join(work, `bundle-${name}`), sources: path.join(work, `sources-${name}`) };
    for (const dir of Object.values(dirs)) {
      fs.mkdirSync(dir);
      fs.copyFileSync(EXAMPLE, path.join(dir, "governor.json"));
      fs.copyFileSync(EXAMPLE, path.join(dir, "before.json"));
      fs.writeFileSync(path.join(dir, "changes.txt"), SCRIPT);
    }
    for (const step of steps) {
      const bundle = await run(build, dirs.bundle, step.args, step.env, step.input);
      const sources = await run("sources", dirs.sources, step.args, step.env, step.input);
      const label = `bbgov ${step.args.join(" ")}`;
      expect(bundle, label).toEqual(sources);
      expect(files(dirs.bundle), label).toEqual(files(dirs.sources));
    }
  });
});

describe("the bundle under frozen intrinsics (--frozen-intrinsics, a lockdown)", () => {
  it("prints the same JSON documents and NDJSON rows: bigints are written without BigInt.prototype.toJSON", () => {
    const dir = path.join(work, "frozen");
    fs.mkdirSync(dir);
    const fleet = path.join(dir, "fleet");
    fs.mkdirSync(fleet);
    fs.copyFileSync(EXAMPLE, path.join(fleet, "a.json"));
    fs.copyFileSync(path.join(ROOT, "fixtures", "node", "small.bin"), path.join(fleet, "b.bin"));
    const frozen = { NODE_OPTIONS: "--frozen-intrinsics --no-warnings" };
    // A fleet's document and a fleet's rows: the two writers that put BigInt.prototype.toJSON in place.
    for (const args of [
      ["-s", fleet, "--json", "inspect"],
      ["-s", fleet, "inspect", "--format", "ndjson"],
    ]) {
      const plain = spawnBbgov(dir, args);
      expect(plain.status, plain.stderr).toBe(0);
      expect(spawnBbgov(dir, args, { env: frozen })).toEqual(plain);
    }
  });
});
