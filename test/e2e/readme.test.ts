/** The README's examples are one scripted run in order (test/e2e/readme-run.mjs): each shown output is the real one. */
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain JavaScript script, typed by its use here.
import { differences, run } from "./readme-run.mjs";

interface Example {
  command: string;
  expected: string[];
  actual: string[];
}

describe("README examples", () => {
  it("show the output of one run of every `$` line, in README order", { timeout: 60_000 }, async () => {
    const blocks = (await run()) as { commands: Example[] }[];
    expect(blocks.flatMap((block) => block.commands).length).toBeGreaterThan(30);
    const wrong = (differences(blocks) as Example[]).map((example) => ({
      command: example.command,
      readme: example.expected.join("\n"),
      run: example.actual.join("\n"),
    }));
    expect(wrong).toEqual([]);
  });
});
