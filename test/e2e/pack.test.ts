/**
 * The package as users get it: install the built tree into an empty project
 * the way a registry tarball installs (`--install-links`: npm packs the folder
 * with the same file list as `npm pack` and unpacks it, no link; dependencies
 * from the npm cache or the registry), then run the installed binary (directly
 * and with npx), import the library by its package name and type-check a
 * consumer against its declarations. One npm run instead of `npm pack` and an
 * install of the tarball: the same files, a second and a half less CPU.
 */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transformSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extraCaCerts } from "../setup.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLE = path.join(ROOT, "fixtures", "example.json");
const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;

const work = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-pack-"));
const project = path.join(work, "project");
const installed = path.join(project, "node_modules", "bbgov");
const binary = path.join(project, "node_modules", ".bin", "bbgov");
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// npm run from `npm test` passes its own settings in npm_config_* variables; these would redirect the install.
// npm may reach the registry: the certificates test/setup.ts takes out of the suite's environment are given back.
const env: NodeJS.ProcessEnv = { ...process.env, ...extraCaCerts(), NO_COLOR: "1" };
for (const name of Object.keys(env)) {
  if (/^npm_config_(prefix|global|location|local_prefix|dry_run|offline|ignore_scripts)$/i.test(name)) delete env[name];
}
delete env.BBGOV_SNAPSHOT;

function run(
  command: string,
  args: readonly string[],
  options: SpawnSyncOptions = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: work, env, encoding: "utf8", timeout: 240_000, ...options });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The TypeScript example of the README's section "The library". */
function readmeLibraryExample(): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## The library\n"));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (block?.[1] === undefined) throw new Error("no ts block in the README's library section");
  return block[1];
}

/** Every file under `dir`, as paths relative to it with forward slashes. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
}

beforeAll(() => {
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, "package.json"), '{ "name": "uses-bbgov", "private": true }\n');
  const install = run("npm", ["install", "--install-links", "--prefer-offline", "--no-audit", "--no-fund", ROOT], { cwd: project });
  expect(install.status, install.stderr).toBe(0);
}, 300_000);

describe("the packed package", { timeout: 300_000 }, () => {
  it("is built by `npm pack` itself: packed from a checkout never built, it held 5 files and no binary", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    // npm runs prepack before it lists the files of `npm pack` and `npm publish` (not for an install of a folder).
    expect(pkg.scripts.prepack).toBe("npm run build");
    expect(pkg.scripts.build).toMatch(/^tsc -p tsconfig\.json && npm run bundle$/);
    // The bundle's first run writes the V8 code cache with what it compiled: an inspect, the usual first command.
    expect(pkg.scripts.bundle).toMatch(/ && node bin\/bbgov\.js -s fixtures\/example\.json inspect > \/dev\/null$/);
  });

  it("holds the binary, the built library with declarations and the schema, and no sources or tests", () => {
    expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
    const files = filesUnder(installed);
    for (const wanted of [
      "package.json",
      "bin/bbgov.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/cli/main.js",
      "dist/bundle/bbgov.cjs",
      "dist/bundle/bbgov.cjs.map",
      "dist/bundle/fleet-worker.cjs",
      "src/snapshot/snapshot.schema.json",
    ]) {
      expect(files).toContain(wanted);
    }
    expect(files.filter((file) => file.startsWith("test/") || file.startsWith("fixtures/") || /^src\/.*\.ts$/.test(file))).toEqual([]);
  });

  it("installs a working bbgov binary", () => {
    const version = run(binary, ["--version"]);
    expect(version).toEqual({ status: 0, stdout: `${VERSION}\n`, stderr: "" });
    const inspect = run(binary, ["-s", EXAMPLE, "inspect"]);
    expect(inspect.stderr).toBe("");
    expect(inspect.status).toBe(0);
    expect(inspect.stdout).toContain("12 known, 11 tracked, 5 down");
    const json = run(binary, ["-s", EXAMPLE, "--json", "check", "16uZAbWC1AJvL"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ peer: "16uZAbWC1AJvL" });
  });

  it("exposes the library by its package name, and the schema file", () => {
    const consumer = path.join(project, "consumer");
    fs.mkdirSync(consumer, { recursive: true });
    fs.writeFileSync(path.join(consumer, "package.json"), '{ "type": "module", "private": true }\n');
    fs.writeFileSync(
      path.join(consumer, "check.mjs"),
      [
        'import { PeerGovernor, PeerId, decodeSnapshot } from "bbgov";',
        'import { createRequire } from "node:module";',
        "const governor = new PeerGovernor();",
        'governor.block(PeerId.parse("16uZAbWC1AJvL"));',
        "const require = createRequire(import.meta.url);",
        'const pkg = require("bbgov/package.json");',
        "console.log(JSON.stringify({",
        "  governor: typeof PeerGovernor, decode: typeof decodeSnapshot, blocked: governor.blocklistSize(), version: pkg.version,",
        "}));",
      ].join("\n"),
    );
    const result = run(process.execPath, ["check.mjs"], { cwd: consumer });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ governor: "function", decode: "function", blocked: 1, version: VERSION });
    // The direct path works too (it is what the issue names).
    const direct = run(process.execPath, [
      "--input-type=module",
      "-e",
      `const m = await import(${JSON.stringify(new URL(`file://${path.join(installed, "dist", "index.js")}`).href)}); console.log(typeof m.PeerGovernor);`,
    ]);
    expect(direct.stdout).toBe("function\n");
    const schema = JSON.parse(fs.readFileSync(path.join(installed, "src", "snapshot", "snapshot.schema.json"), "utf8")) as {
      $schema: string;
    };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  });

  it("ships type declarations that a TypeScript consumer compiles against", () => {
    expect(fs.existsSync(path.join(installed, "dist", "index.d.ts"))).toBe(true);
    const consumer = path.join(project, "typed");
    fs.mkdirSync(consumer, { recursive: true });
    fs.writeFileSync(path.join(consumer, "package.json"), '{ "type": "module", "private": true }\n');
    fs.writeFileSync(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify({
        // bbgov's declarations are checked (skipLibCheck off); TypeScript's own lib files need not be, each time.
        // The language's library only, as a Node project has it: not the DOM's (half of tsc's time here), which
        // bbgov's declarations must not need.
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2022"],
          strict: true,
          noEmit: true,
          types: [],
          skipLibCheck: false,
          skipDefaultLibCheck: true,
        },
        files: ["consumer.ts", "readme.ts"],
      }),
    );
    // The README's library example, as written: it compiled only with a `text` of the reader's own (review 7).
    // This project has no @types/node (tsc's time): node:fs's one function is declared in its place.
    const typed = readmeLibraryExample().replace(
      'import { readFileSync } from "node:fs";',
      'declare function readFileSync(path: string, encoding: "utf8"): string;\ndeclare function readFileSync(path: string): Uint8Array;',
    );
    expect(typed).toContain("declare function readFileSync");
    fs.writeFileSync(path.join(consumer, "readme.ts"), typed);
    fs.writeFileSync(
      path.join(consumer, "consumer.ts"),
      [
        'import { PeerGovernor, PeerId, type Decision } from "bbgov";',
        "const governor: PeerGovernor = new PeerGovernor();",
        "const decision: Decision = governor.checkInbound(PeerId.fromU64(1n));",
        'const kind: "allow" | "deny" = decision.kind;',
        "// @ts-expect-error: the threshold is a number",
        'governor.setFailureThreshold("5");',
        "export { kind };",
      ].join("\n"),
    );
    const result = run(process.execPath, [TSC, "-p", consumer]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
    // And it runs, next to a governor.json, giving what its comments say.
    const { code } = transformSync(readmeLibraryExample(), { loader: "ts", format: "esm" });
    const shown =
      "console.log(JSON.stringify([governor.checkOutbound(peer, backoff, now + 3n), warnings, canonical.includes('\"16uZAbWC1AJvS\"'), " +
      "opened.kind, opened.node?.peerId?.text, nodeBytes.length - bytes.length, openSnapshot(nodeBytes).snapshot.governor.isBlocked(peer)], " +
      "(_k, v) => typeof v === 'bigint' ? `${v}n` : v));";
    fs.writeFileSync(path.join(consumer, "readme.mjs"), `${code}\n${shown}\n`);
    fs.copyFileSync(EXAMPLE, path.join(consumer, "governor.json"));
    fs.copyFileSync(path.join(ROOT, "fixtures", "node", "small.bin"), path.join(consumer, "node.snap"));
    const ran = run(process.execPath, ["readme.mjs"], { cwd: consumer });
    expect(ran.stderr).toBe("");
    // The node's file grew by one blocklist entry (a u64 length and the peer's 38 bytes), and reads back with the peer blocked.
    expect(JSON.parse(ran.stdout)).toEqual([
      { kind: "deny", reason: { kind: "cooldown", retryNs: "1764000000040000002n" } },
      [],
      true,
      "node-snapshot",
      "12D3KooWGmsLTSHwPyiPKZp3dtS7b9NhTJaS6NaBqgsn7wdyEey2",
      46,
      true,
    ]);
  });

  it("runs with npx from a project that depends on it", () => {
    const npx = run("npx", ["--no", "--", "bbgov", "-s", EXAMPLE, "-q", "check", "16uZAbWC1AJvL"], { cwd: project });
    // npm itself may warn about this machine's npm configuration; bbgov says nothing.
    expect(npx.stderr).not.toMatch(/bbgov|Error/);
    expect(npx).toMatchObject({ status: 0, stdout: "" });
  });
});
