/**
 * bin/bbgov.js hands V8 the compiled bundle from dist/.v8cache/ (written by
 * the first run under one Node), for startup time. The cache must never
 * change what bbgov does: a fresh, a reused, a corrupt and an unwritable cache
 * all give the same output as the plain bundle. Runs a copy of bin/ and the
 * bundle in a temporary tree, so the shared build is left alone.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDirs } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const work = tempDirs("bbgov-cache-")();

/** A copy of the installed layout: bin/, dist/bundle/ and a link to node_modules. */
function tree(): string {
  const root = fs.mkdtempSync(path.join(work, "tree-"));
  fs.cpSync(path.join(ROOT, "bin"), path.join(root, "bin"), { recursive: true });
  fs.mkdirSync(path.join(root, "dist", "bundle"), { recursive: true });
  fs.copyFileSync(path.join(ROOT, "dist", "bundle", "bbgov.cjs"), path.join(root, "dist", "bundle", "bbgov.cjs"));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"));
  fs.copyFileSync(path.join(ROOT, "fixtures", "example.json"), path.join(root, "governor.json"));
  return root;
}

function bbgov(root: string, args: readonly string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(root, "bin", "bbgov.js"), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What the plain bundle prints for `args`, run once per argument list (the same in every tree: one fixture, one cwd name). */
const plainRuns = new Map<string, ReturnType<typeof bbgov>>();
function plain(args: readonly string[]): ReturnType<typeof bbgov> {
  const key = JSON.stringify(args);
  let result = plainRuns.get(key);
  if (result === undefined) {
    const root = tree();
    result = bbgov(root, args, { BBGOV_CODE_CACHE: "0" });
    // BBGOV_CODE_CACHE=0 runs the plain bundle and writes no cache.
    expect(cacheFiles(root)).toEqual([]);
    plainRuns.set(key, result);
  }
  return result;
}

const cacheFiles = (root: string): string[] => {
  const dir = path.join(root, "dist", ".v8cache");
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

describe("the V8 code cache of the binary", () => {
  it("a tree never built (no bundle) says so in one line and exits 2, with the cache and without", () => {
    const root = tree();
    fs.rmSync(path.join(root, "dist"), { recursive: true });
    const bundle = path.join(root, "dist", "bundle", "bbgov.cjs");
    const expected = {
      status: 2,
      stdout: "",
      stderr: `bbgov: this bbgov is not built: run \`npm run build\` in its folder (${bundle} is missing)\n`,
    };
    expect(bbgov(root, ["--version"])).toEqual(expected);
    expect(bbgov(root, ["--version"], { BBGOV_CODE_CACHE: "0" })).toEqual(expected);
  });

  it("the bundle holds no dynamic import(), which Node 20 cannot load from a vm.Script", () => {
    expect(fs.readFileSync(path.join(ROOT, "dist", "bundle", "bbgov.cjs"), "utf8")).not.toMatch(/\bimport\(/);
  });

  it("a write (which loads node:crypto) runs the same from the cache", () => {
    const root = tree();
    const args = ["-q", "block", "12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"];
    const uncached = bbgov(root, args, { BBGOV_CODE_CACHE: "0" });
    const after = fs.readFileSync(path.join(root, "governor.json"));
    fs.copyFileSync(path.join(ROOT, "fixtures", "example.json"), path.join(root, "governor.json"));
    bbgov(root, ["inspect"]);
    expect(cacheFiles(root)).toHaveLength(1);
    expect(bbgov(root, args)).toEqual(uncached);
    expect(fs.readFileSync(path.join(root, "governor.json")).equals(after)).toBe(true);
  });

  it("is written by the first run, named by Node version, and changes no output", () => {
    const root = tree();
    const expected = plain(["inspect"]);
    expect(expected.status).toBe(0);
    expect(cacheFiles(root)).toEqual([]);
    const first = bbgov(root, ["inspect"]);
    expect(first).toEqual(expected);
    const written = cacheFiles(root);
    expect(written).toHaveLength(1);
    expect(written[0]?.startsWith(`${process.version}-${process.arch}-`)).toBe(true);
    const again = bbgov(root, ["inspect"]);
    expect(again).toEqual(expected);
    expect(bbgov(root, ["block", "nope"])).toEqual(bbgov(root, ["block", "nope"], { BBGOV_CODE_CACHE: "0" }));
  });

  it("a corrupt cache is rejected and rewritten; a stale one is replaced", () => {
    const root = tree();
    const expected = plain(["--json", "inspect"]);
    bbgov(root, ["inspect"]);
    const [name] = cacheFiles(root);
    const file = path.join(root, "dist", ".v8cache", String(name));
    fs.writeFileSync(file, Buffer.alloc(4096, 7));
    expect(bbgov(root, ["--json", "inspect"])).toEqual(expected);
    expect(fs.readFileSync(file).equals(Buffer.alloc(4096, 7))).toBe(false);
    fs.writeFileSync(path.join(root, "dist", ".v8cache", "v0.0.0-old.bin"), "old");
    bbgov(root, ["--json", "inspect"]);
    expect(bbgov(root, ["--json", "inspect"])).toEqual(expected);
    // A rebuilt bundle (another size) gets a cache of its own; the old one goes.
    fs.appendFileSync(path.join(root, "dist", "bundle", "bbgov.cjs"), "\n// rebuilt\n");
    expect(bbgov(root, ["--json", "inspect"])).toEqual(expected);
    expect(cacheFiles(root)).toHaveLength(1);
    expect(cacheFiles(root)).not.toContain(name);
  });

  it("a cache damaged inside (which V8 does not check) or not a regular file is never handed to V8", () => {
    const root = tree();
    const expected = plain(["--json", "inspect"]);
    bbgov(root, ["inspect"]);
    const [name] = cacheFiles(root);
    const file = path.join(root, "dist", ".v8cache", String(name));
    const damaged = fs.readFileSync(file);
    for (let i = Math.min(50_000, damaged.length - 2_000); i < Math.min(52_000, damaged.length); i++) damaged[i] = i & 0xff;
    fs.writeFileSync(file, damaged);
    // Twice: the first run rewrites it, the second uses the rewritten one.
    expect(bbgov(root, ["--json", "inspect"])).toEqual(expected);
    expect(bbgov(root, ["--json", "inspect"])).toEqual(expected);
    fs.rmSync(file);
    fs.symlinkSync("/dev/zero", file);
    expect(bbgov(root, ["--json", "inspect"])).toEqual(expected);
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(false);
  });

  it("an install it cannot write to runs without a cache, the same", () => {
    const root = tree();
    const expected = plain(["inspect"]);
    fs.writeFileSync(path.join(root, "dist", ".v8cache"), "a file where the folder would be");
    expect(bbgov(root, ["inspect"])).toEqual(expected);
    expect(bbgov(root, ["inspect"])).toEqual(expected);
  });
});
