/**
 * The folders tell the truth: imports go one way, core <- snapshot <- cli
 * (the library entry `src/index.ts` may use core and snapshot), `render/`
 * never imports `commands/`, and no module imports itself through others.
 * Every import counts, static, dynamic and type-only, so the graph a reader
 * sees is the graph that is checked.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

type Graph = ReadonlyMap<string, readonly string[]>;

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(path);
    return entry.isFile() && entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Relative module specifiers of a source text: imports, re-exports and dynamic imports. */
function relativeSpecifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*["'](\.[^"']*)["']/g,
    /\bimport\s*["'](\.[^"']*)["']/g,
    /\bimport\s*\(\s*["'](\.[^"']*)["']\s*\)/g,
  ];
  return patterns.flatMap((pattern) => Array.from(source.matchAll(pattern), (match) => match[1] as string));
}

/** The import graph of src/: each file (relative to the root, `.ts`) to the files it imports. */
function sourceGraph(): Graph {
  const graph = new Map<string, string[]>();
  for (const file of tsFilesUnder(join(ROOT, "src"))) {
    const targets = relativeSpecifiers(readFileSync(file, "utf8"))
      .filter((specifier) => specifier.endsWith(".js"))
      .map((specifier) => relative(ROOT, resolve(dirname(file), specifier)).replace(/\.js$/, ".ts"));
    graph.set(relative(ROOT, file), targets);
  }
  return graph;
}

/** Rank of a file's layer: an import may only go to the same rank or a lower one. */
function layer(file: string): number {
  if (file.startsWith("src/core/")) return 0;
  if (file.startsWith("src/snapshot/")) return 1;
  if (file === "src/index.ts") return 2;
  if (file.startsWith("src/cli/")) return 3;
  // AssemblyScript compiled apart (src/wasm/build.mjs); it imports nothing.
  if (file.startsWith("src/wasm/")) return 0;
  throw new Error(`no layer for ${file}`);
}

/** Imports against the direction core <- snapshot <- cli, and from render/ into commands/. */
export function layerViolations(graph: Graph): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      if (to === "src/index.ts" && from !== to) found.push(`${from} -> ${to} (the library entry is for users)`);
      else if (layer(to) > layer(from)) found.push(`${from} -> ${to}`);
      else if (from.startsWith("src/cli/render/") && to.startsWith("src/cli/commands/"))
        found.push(`${from} -> ${to} (render/ draws, commands/ decide)`);
    }
  }
  return found;
}

/** Every import cycle, each as the path from its first file back to it (depth-first search). */
export function importCycles(graph: Graph): string[] {
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].join(" -> "));
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return cycles;
}

describe("the checks themselves", () => {
  const graph: Graph = new Map([
    ["src/core/a.ts", ["src/snapshot/b.ts"]],
    ["src/snapshot/b.ts", ["src/cli/c.ts", "src/core/a.ts"]],
    ["src/cli/c.ts", ["src/cli/d.ts", "src/index.ts"]],
    ["src/cli/d.ts", ["src/cli/c.ts"]],
    ["src/cli/render/e.ts", ["src/cli/commands/f.ts"]],
    ["src/cli/commands/f.ts", ["src/core/a.ts"]],
    ["src/index.ts", ["src/core/a.ts"]],
  ]);

  it("find each import against the direction", () => {
    expect(layerViolations(graph)).toEqual([
      "src/core/a.ts -> src/snapshot/b.ts",
      "src/snapshot/b.ts -> src/cli/c.ts",
      "src/cli/c.ts -> src/index.ts (the library entry is for users)",
      "src/cli/render/e.ts -> src/cli/commands/f.ts (render/ draws, commands/ decide)",
    ]);
  });

  it("find each cycle", () => {
    expect(importCycles(graph).sort()).toEqual([
      "src/cli/c.ts -> src/cli/d.ts -> src/cli/c.ts",
      "src/core/a.ts -> src/snapshot/b.ts -> src/cli/c.ts -> src/index.ts -> src/core/a.ts",
      "src/core/a.ts -> src/snapshot/b.ts -> src/core/a.ts",
    ]);
  });
});

describe("src/", () => {
  const graph = sourceGraph();

  it("reads every import of the codebase", () => {
    expect(graph.get("src/cli/main.ts")).toContain("src/cli/program.ts");
    expect(graph.get("src/cli/commands/index.ts")).toContain("src/cli/commands/apply.ts");
    for (const targets of graph.values()) for (const target of targets) expect(graph.has(target), target).toBe(true);
  });

  it("imports only along core <- snapshot <- cli, and render/ never from commands/", () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it("has no import cycle", () => {
    expect(importCycles(graph)).toEqual([]);
  });
});
