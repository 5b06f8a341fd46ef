/**
 * The core and the codec are pure: no Node builtin imported, no clock, no
 * console, no process; and importing the library entry has no side effects.
 * Scans whatever .ts files exist under src/core and src/snapshot.
 */
import { readFileSync, readdirSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PURE_DIRS = ["src/core", "src/snapshot"];

function tsFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFilesUnder(path));
    else if (entry.isFile() && entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

const files = PURE_DIRS.flatMap((dir) => tsFilesUnder(join(ROOT, dir)));
const BUILTINS = new Set(builtinModules.map((name) => name.replace(/^node:/, "")));

/** Every module specifier in a source text: static/dynamic imports, re-exports, require. */
function specifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((pattern) => Array.from(source.matchAll(pattern), (match) => match[1] as string));
}

function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith("node:")) return true;
  return BUILTINS.has(specifier.split("/")[0] as string);
}

const FORBIDDEN_MENTIONS: [string, RegExp][] = [
  ["process.", /\bprocess\s*\./],
  ["console.", /\bconsole\s*\./],
  ["Date.now", /\bDate\s*\.\s*now\b/],
  ["performance.now", /\bperformance\s*\.\s*now\b/],
];

describe("src/core and src/snapshot are pure", () => {
  it("finds the core files", () => {
    const names = files.map((file) => relative(ROOT, file).replaceAll("\\", "/"));
    for (const name of ["errors", "u64", "peer-id", "backoff", "governor"]) {
      expect(names).toContain(`src/core/${name}.ts`);
    }
  });

  it.each(files.map((file) => [relative(ROOT, file), file]))("%s imports no Node builtin", (_name, file) => {
    const offending = specifiers(readFileSync(file, "utf8")).filter(isNodeBuiltin);
    expect(offending).toEqual([]);
  });

  it.each(files.map((file) => [relative(ROOT, file), file]))("%s mentions no process, console or clock", (_name, file) => {
    const source = readFileSync(file, "utf8");
    const found = FORBIDDEN_MENTIONS.filter(([, pattern]) => pattern.test(source)).map(([label]) => label);
    expect(found).toEqual([]);
  });

  it("the scanner itself recognises what it must reject", () => {
    const sample = [
      'import { readFileSync } from "node:fs";',
      'import * as path from "path";',
      'export { x } from "os";',
      'const cp = await import("child_process");',
      'import "node:process";',
      'const fs = require("fs/promises");',
      'import { CID } from "multiformats/cid";',
    ].join("\n");
    expect(specifiers(sample).filter(isNodeBuiltin).sort()).toEqual(
      ["child_process", "fs/promises", "node:fs", "node:process", "os", "path"].sort(),
    );
    expect(isNodeBuiltin("multiformats/cid")).toBe(false);
    expect(isNodeBuiltin("./u64.js")).toBe(false);
  });
});

describe("importing the library", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("has no side effects: no output, no exit code, no listeners, no globals", async () => {
    const stdout = vi.spyOn(process.stdout, "write");
    const stderr = vi.spyOn(process.stderr, "write");
    const consoleSpies = (["log", "info", "warn", "error", "debug", "trace"] as const).map((method) => vi.spyOn(console, method));
    const exitCode = process.exitCode;
    const events = ["exit", "beforeExit", "uncaughtException", "unhandledRejection", "SIGINT", "SIGTERM"] as const;
    const listenersBefore = events.map((event) => process.listenerCount(event));
    const globalsBefore = Object.keys(globalThis).sort();

    vi.resetModules();
    const library = await import("../src/index.js");

    expect(stdout).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
    for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled();
    expect(process.exitCode).toBe(exitCode);
    expect(events.map((event) => process.listenerCount(event))).toEqual(listenersBefore);
    expect(Object.keys(globalThis).sort()).toEqual(globalsBefore);

    // And it is the library: the public API is there.
    expect(typeof library.PeerGovernor).toBe("function");
    expect(typeof library.BackoffTable).toBe("function");
    expect(library.PeerId.fromU64(1n).text).toBe("16uZAbWC1AJvL");
  });
});
