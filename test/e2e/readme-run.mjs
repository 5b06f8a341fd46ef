#!/usr/bin/env node
/**
 * The README's examples are one scripted run: every fenced block (plain ```)
 * that starts with a `$ ` line is a sequence of commands, run in README order
 * in one sandbox (a copy of fixtures/example.json as governor.json), each
 * followed by its exact output (standard output and error, as a terminal
 * shows them in order). `echo $?` prints the previous command's exit code.
 * A line that is only `bbgov` and plain words (quoted or not, with
 * `NAME=value` before it and a `# comment` after it) runs in this process
 * through the bundle's `execute`, the function the binary runs with the
 * same arguments, folder and environment; any other line (a pipe, a
 * redirection, another program) runs in `sh`, with `bbgov` the binary.
 * A block right after the comment `<!-- readme-run: hold FILE.lock -->` runs
 * its first command while another process holds the kernel lock on FILE.lock
 * (as a running bbgov would); the sandbox's own path is written `/tmp/rd`.
 *
 *   node test/e2e/readme-run.mjs          check: list every example whose output differs
 *   node test/e2e/readme-run.mjs --write  rewrite the README with the outputs of this run
 *
 * Needs the build (`npm run build`). test/e2e/readme.test.ts runs the check.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// The files the examples read besides the snapshot.
const CHANGES = `# nightly policy refresh
block QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N
threshold 3
fail 16uZAbWC1AJvL --times 3 --every 1s
`;

/** The blocks of `$ ` examples in `text`: line ranges and the commands with their expected output. */
export function examples(text) {
  const lines = text.split("\n");
  const blocks = [];
  for (let index = 0; index < lines.length; index++) {
    if (!lines[index].startsWith("```")) continue;
    const plain = lines[index] === "```";
    let end = index + 1;
    while (end < lines.length && !lines[end].startsWith("```")) end++;
    const body = lines.slice(index + 1, end);
    if (plain && body[0]?.startsWith("$ ")) {
      const commands = [];
      for (const line of body) {
        if (line.startsWith("$ ")) commands.push({ command: line.slice(2), expected: [] });
        else commands[commands.length - 1].expected.push(line);
      }
      const hold = /^<!-- readme-run: hold (\S+) -->$/.exec((lines[index - 1] === "" ? lines[index - 2] : lines[index - 1]) ?? "");
      blocks.push({ start: index + 1, end, commands, ...(hold === null ? {} : { hold: hold[1] }) });
    }
    index = end;
  }
  return blocks;
}

/**
 * The words of a shell line that is `[NAME=value ...] bbgov word...` and nothing else a shell would act on
 * (words in single or double quotes or bare, a trailing `# comment`), as `{ env, args }`; undefined for any
 * other line.
 */
export function plainBbgov(line) {
  const words = [];
  let at = 0;
  while (at < line.length) {
    if (line[at] === " ") {
      at++;
      continue;
    }
    if (line[at] === "#") break;
    let word = "";
    while (at < line.length && line[at] !== " ") {
      const quote = line[at];
      if (quote === "'" || quote === '"') {
        const end = line.indexOf(quote, at + 1);
        const inner = line.slice(at + 1, end);
        if (end === -1 || (quote === '"' && /[$`\\]/.test(inner))) return undefined;
        word += inner;
        at = end + 1;
      } else if (/[|&;<>()$`\\*?[\]{}~!#]/.test(quote)) {
        return undefined;
      } else {
        word += quote;
        at++;
      }
    }
    words.push(word);
  }
  const env = {};
  while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    const [name, ...value] = words.shift().split("=");
    env[name] = value.join("=");
  }
  return words[0] === "bbgov" ? { env, args: words.slice(1) } : undefined;
}

/** Runs `args` through the bundle's `execute` in folder `cwd` with environment `env`: what the binary would print (both streams, in order) and its exit code. */
async function inProcess(execute, cwd, env, args) {
  const chunks = [];
  const write = (chunk) => chunks.push(Buffer.from(chunk)) > 0;
  // Standard output is a pipe to the shell's reader, as when spawned: no terminal, no width but COLUMNS.
  const io = { stdout: { isTTY: false, write }, stderr: { write }, stdin: (async function* () {})(), env };
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    const status = await execute(args, io);
    return { status, output: Buffer.concat(chunks).toString("utf8") };
  } finally {
    process.chdir(previous);
  }
}

/** Another process that takes the kernel lock on `lockPath` as bbgov does, and holds it until killed. */
async function holdLock(lockPath) {
  const native = createRequire(import.meta.url).resolve("fs-native-extensions");
  const script = `
    const native = require(${JSON.stringify(native)});
    const fs = require("node:fs");
    const fd = fs.openSync(process.argv[1], fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    if (!native.tryLock(fd)) process.exit(3);
    process.stdout.write("held\\n");
    setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ["-e", script, lockPath], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    child.stdout.once("data", resolve);
    child.once("exit", (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  return child;
}

/** Runs every example in order in a fresh sandbox; returns the blocks with each command's actual output. */
export async function run(readme = path.join(ROOT, "README.md")) {
  const blocks = examples(fs.readFileSync(readme, "utf8"));
  const { execute } = createRequire(import.meta.url)(path.join(ROOT, "dist/bundle/bbgov.cjs"));
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "bbgov-readme-"));
  try {
    fs.copyFileSync(path.join(ROOT, "fixtures/example.json"), path.join(sandbox, "governor.json"));
    fs.symlinkSync(path.join(ROOT, "fixtures"), path.join(sandbox, "fixtures"));
    fs.writeFileSync(path.join(sandbox, "changes.txt"), CHANGES);
    const shims = path.join(sandbox, ".bin");
    fs.mkdirSync(shims);
    fs.writeFileSync(
      path.join(shims, "bbgov"),
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(ROOT, "bin/bbgov.js"))} "$@"\n`,
      { mode: 0o755 },
    );
    const env = { PATH: `${shims}:${process.env.PATH ?? "/usr/bin:/bin"}`, HOME: sandbox, NO_COLOR: "1", LC_ALL: "C.UTF-8" };
    let status = 0;
    for (const block of blocks) {
      for (const [at, example] of block.commands.entries()) {
        if (example.command === "echo $?") {
          example.actual = [String(status)];
          continue;
        }
        const holder = at === 0 && block.hold !== undefined ? await holdLock(path.join(sandbox, block.hold)) : undefined;
        const plain = plainBbgov(example.command);
        let output;
        if (plain !== undefined) {
          ({ status, output } = await inProcess(execute, sandbox, { ...env, ...plain.env }, plain.args));
        } else {
          const result = spawnSync("sh", ["-c", `{ ${example.command}\n} 2>&1`], { cwd: sandbox, env, encoding: "utf8" });
          status = result.status ?? 128;
          output = result.stdout;
        }
        if (holder !== undefined) {
          holder.kill("SIGKILL");
          await new Promise((resolve) => holder.once("exit", resolve));
        }
        example.actual = output
          .replaceAll(fs.realpathSync(sandbox), "/tmp/rd")
          .replaceAll(sandbox, "/tmp/rd")
          .replace(/\n$/, "")
          .split("\n")
          .filter((line, _i, all) => !(all.length === 1 && line === ""));
      }
    }
  } finally {
    fs.rmSync(sandbox, { recursive: true, force: true });
  }
  return blocks;
}

/** The README text with every example's output replaced by the actual one. */
export function rewrite(text, blocks) {
  const lines = text.split("\n");
  for (const block of [...blocks].reverse()) {
    const body = block.commands.flatMap((example) => [`$ ${example.command}`, ...example.actual]);
    lines.splice(block.start, block.end - block.start, ...body);
  }
  return lines.join("\n");
}

/** Every example whose README output differs from the run's. */
export function differences(blocks) {
  return blocks.flatMap((block) => block.commands.filter((example) => example.expected.join("\n") !== example.actual.join("\n")));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = path.join(ROOT, "README.md");
  const blocks = await run(readme);
  if (process.argv.includes("--write")) {
    fs.writeFileSync(readme, rewrite(fs.readFileSync(readme, "utf8"), blocks));
  } else {
    const wrong = differences(blocks);
    for (const example of wrong)
      console.log(`$ ${example.command}\n--- README\n${example.expected.join("\n")}\n--- run\n${example.actual.join("\n")}\n`);
    process.exitCode = wrong.length === 0 ? 0 : 1;
  }
}
