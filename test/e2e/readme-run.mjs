#!/usr/bin/env node
/**
 * The README's examples are one scripted run: every fenced block (plain ```)
 * that starts with a `$ ` line is a sequence of commands, run in README order
 * in one sandbox (a copy of fixtures/example.json as governor.json), each
 * followed by its exact output (standard output and error, as a terminal
 * shows them in order). `echo $?` prints the previous command's exit code.
 *
 *   node test/e2e/readme-run.mjs          check: list every example whose output differs
 *   node test/e2e/readme-run.mjs --write  rewrite the README with the outputs of this run
 *
 * Needs the build (`npm run build`). test/e2e/readme.test.ts runs the check.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
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
      blocks.push({ start: index + 1, end, commands });
    }
    index = end;
  }
  return blocks;
}

/** Runs every example in order in a fresh sandbox; returns the blocks with each command's actual output. */
export function run(readme = path.join(ROOT, "README.md")) {
  const blocks = examples(fs.readFileSync(readme, "utf8"));
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
      for (const example of block.commands) {
        if (example.command === "echo $?") {
          example.actual = [String(status)];
          continue;
        }
        const result = spawnSync("sh", ["-c", `{ ${example.command}\n} 2>&1`], { cwd: sandbox, env, encoding: "utf8" });
        status = result.status ?? 128;
        example.actual = result.stdout
          .replace(/\n$/, "")
          .split("\n")
          .filter((line, i, all) => !(all.length === 1 && line === ""));
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
  const blocks = run(readme);
  if (process.argv.includes("--write")) {
    fs.writeFileSync(readme, rewrite(fs.readFileSync(readme, "utf8"), blocks));
  } else {
    const wrong = differences(blocks);
    for (const example of wrong)
      console.log(`$ ${example.command}\n--- README\n${example.expected.join("\n")}\n--- run\n${example.actual.join("\n")}\n`);
    process.exitCode = wrong.length === 0 ? 0 : 1;
  }
}
