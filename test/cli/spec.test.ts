/**
 * Typed commands: the command table's declarations give each command's
 * `execute` its arguments and options, inferred (checked by `npm run
 * typecheck`, which compiles this file), and the declarations stay plain data
 * at run time.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { PeerId } from "../../src/core/peer-id.js";
import type { Snapshot } from "../../src/snapshot/model.js";
import type { Holds } from "../../src/snapshot/kinds.js";
import type { TimeSpec } from "../../src/cli/context.js";
import type { ScriptLines } from "../../src/cli/io/lines.js";
import { COMMANDS, type CommandArgs, type CommandName, type CommandOptions } from "../../src/cli/program.js";
import { defineCommand, type ArgsOf, type OptionsOf, type RawSnapshot } from "../../src/cli/spec.js";
import { durationArg, integerArg } from "../../src/cli/args.js";

describe("the command table's types", () => {
  it("options: a parsed value, true for a flag, the choices of --sort, required when there is a default", () => {
    expectTypeOf<CommandOptions<"fail">>().toEqualTypeOf<
      {
        readonly at?: TimeSpec | undefined;
        readonly after?: TimeSpec | undefined;
        readonly every?: bigint | undefined;
        readonly allRows?: true | undefined;
      } & { readonly times: number }
    >();
    expectTypeOf<CommandOptions<"inspect">["sort"]>().toEqualTypeOf<"peer" | "failures" | "last-event" | "next-retry" | "attempts">();
    expectTypeOf<CommandOptions<"inspect">["format"]>().toEqualTypeOf<"table" | "wide" | "json" | "ndjson" | "tsv">();
    expectTypeOf<CommandOptions<"import">["backoffBase"]>().toEqualTypeOf<bigint | undefined>();
    expectTypeOf<CommandOptions<"import">["from"]>().toEqualTypeOf<"auto" | "node-snapshot" | "framework-json">();
    expectTypeOf<CommandOptions<"export">["to"]>().toEqualTypeOf<"framework-json" | "bbgov-json">();
    expectTypeOf<keyof CommandOptions<"export">>().toEqualTypeOf<"to">();
    expectTypeOf<CommandOptions<"unblock">["all"]>().toEqualTypeOf<true | undefined>();
  });

  it("arguments: peers resolved, values parsed, files read by main", () => {
    expectTypeOf<CommandArgs<"advise">>().toEqualTypeOf<readonly [PeerId, bigint]>();
    expectTypeOf<CommandArgs<"block">>().toEqualTypeOf<readonly [readonly PeerId[]]>();
    expectTypeOf<CommandArgs<"threshold">>().toEqualTypeOf<readonly [number]>();
    expectTypeOf<CommandArgs<"completion">>().toEqualTypeOf<readonly ["bash" | "zsh" | "fish"]>();
    expectTypeOf<CommandArgs<"diff">>().toEqualTypeOf<
      readonly [
        {
          readonly snapshot: Snapshot;
          readonly source: string;
          readonly holds: Holds;
          readonly warnings: readonly string[];
        },
      ]
    >();
    expectTypeOf<CommandArgs<"apply">>().toEqualTypeOf<readonly [ScriptLines]>();
    expectTypeOf<CommandArgs<"validate">>().toEqualTypeOf<readonly [RawSnapshot]>();
    expectTypeOf<CommandArgs<"clock">>().toEqualTypeOf<readonly []>();
  });

  it("the names of the table are the command names", () => {
    expectTypeOf<"fail">().toMatchTypeOf<CommandName>();
    expectTypeOf<"frobnicate">().not.toMatchTypeOf<CommandName>();
    const names: readonly string[] = COMMANDS.map((spec) => spec.name);
    expect(names).toContain("fail");
    expect(names).toHaveLength(20);
  });

  it("defineCommand infers any new command's types from its specs and returns the spec itself", () => {
    const spec = {
      name: "demo",
      summary: "a command made up for this test",
      args: [
        { syntax: "<n>", description: "a number", parse: integerArg("argument N") },
        { syntax: "[rest...]", description: "words" },
      ],
      options: [
        { flags: "--every-so-often <dur>", description: "a duration", parse: durationArg("--every-so-often") },
        { flags: "--mode <mode>", description: "a choice", choices: ["fast", "slow"], defaultValue: "fast" },
        { flags: "--label <text>", description: "free text" },
        { flags: "-v, --verbose", description: "a flag with a short form" },
      ],
      examples: [],
      mutates: false,
      inApply: false,
    } as const;
    const declared = defineCommand(spec);
    expect(declared).toBe(spec);
    type Options = OptionsOf<(typeof declared)["options"]>;
    expectTypeOf<Options["everySoOften"]>().toEqualTypeOf<bigint | undefined>();
    expectTypeOf<Options["mode"]>().toEqualTypeOf<"fast" | "slow">();
    expectTypeOf<Options["label"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Options["verbose"]>().toEqualTypeOf<true | undefined>();
    expectTypeOf<ArgsOf<typeof declared>>().toEqualTypeOf<readonly [number, readonly string[]]>();
  });
});
