/**
 * Every command and option of bbgov, declared once. The same declarations
 * build the shell's parser, each `apply` line's parser, `--help` and shell
 * completion; `commands/index.ts` maps each name to its module, loaded on
 * use. Actions never run a command: they hand back an Invocation that `main`
 * executes, so parsing stays separate from loading and writing.
 */
import { Argument, Command, type CommanderError, Help, Option } from "commander";
import { afterArg, atArg, durationArg, hostBackoffArg, integerArg, peerArg, peersArg, timeArg } from "./args.js";
import { UsageError } from "./errors.js";
import { hasOddSpace } from "./render/sanitize.js";
import { defineCommand, type ArgsOf, type ArgumentSpec, type CommandSpec, type OptionSpec, type OptionsOf } from "./spec.js";
import { DUR_SYNTAX, TIME_SYNTAX } from "./io/time.js";

export type { ArgumentSpec, CommandSpec, OptionSpec } from "./spec.js";

/** A parsed command line, ready for `main` to execute. */
export interface Invocation {
  readonly spec: CommandSpec;
  readonly args: readonly unknown[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly globals: Readonly<Record<string, unknown>>;
}

/**
 * Whether a changing command is asked only to show (`clock`, `backoff` and `backoff --plan` with nothing to set):
 * it takes no lock, for one file as across a fleet, and writes only a copy asked for with `-o` or `-s -`.
 */
export function showsOnly(invocation: Invocation): boolean {
  const { name } = invocation.spec;
  const { options } = invocation;
  if (name === "clock") return options.set === undefined && options.advance === undefined;
  if (name === "backoff") return options.base === undefined && options.max === undefined;
  return false;
}

const at = {
  flags: "--at <time>",
  description: "when the event happens (absolute TIME)",
  parse: atArg,
  conflicts: ["after"],
} as const satisfies OptionSpec;
const after = {
  flags: "--after <dur>",
  description: "when the event happens: the snapshot clock + DUR",
  parse: afterArg,
} as const satisfies OptionSpec;
const PEER = "a peer id, a unique prefix of a known one, its short form (12D3KooW…a7Ci4) or a /p2p/ address";

/** Sort keys of `inspect --sort`. */
export const SORT_KEYS = ["peer", "failures", "last-event", "next-retry", "attempts"] as const;

// Each command declared once: the literal types kept here are what its `execute` receives (ArgsOf, OptionsOf).
const TABLE = [
  defineCommand({
    name: "init",
    summary: "write a new empty snapshot",
    args: [],
    options: [
      { flags: "--threshold <n>", description: "failure threshold (default 5; 0 becomes 1)", parse: integerArg("--threshold") },
      { flags: "--backoff-base <dur>", description: "backoff base delay (default 10ms)", parse: durationArg("--backoff-base") },
      { flags: "--backoff-max <dur>", description: "backoff maximum delay (default 60s)", parse: durationArg("--backoff-max") },
      { flags: "--clock <time>", description: "the snapshot clock (default 0)", parse: timeArg("--clock") },
      { flags: "--force", description: "replace an existing snapshot" },
    ],
    examples: [
      "bbgov init",
      "bbgov -s node1.json init --threshold 3 --backoff-base 50ms --backoff-max 2m",
      "bbgov -s fresh.json init --clock 2025-11-24T16:00:00Z",
    ],
    mutates: true,
    inApply: false,
    snapshot: "create",
  }),
  defineCommand({
    name: "inspect",
    summary: "show the policy and every peer's health, backoff and decisions (read-only)",
    args: [{ syntax: "[peer...]", description: `only these peers: ${PEER}`, parse: peersArg(), peer: "many" }],
    options: [
      { flags: "--down", description: "only peers marked down" },
      { flags: "--blocked", description: "only blocklisted peers" },
      { flags: "--cooling", description: "only peers backing off (next retry after now)" },
      { flags: "--denied", description: "only peers denied inbound or outbound now" },
      { flags: "--allowlisted", description: "only allowlisted peers" },
      { flags: "--unknown", description: "only the given peers the snapshot has never seen" },
      { flags: "--reverse", description: "reverse the order of the rows" },
      { flags: "--watch", description: "redraw whenever the snapshot file changes (Ctrl-C quits)" },
      {
        flags: "--interval <dur>",
        description: "with --watch: how often to look at the file (default 1s)",
        parse: durationArg("--interval"),
      },
      { flags: "--sort <key>", description: "order of the rows", choices: SORT_KEYS, defaultValue: "peer" },
      { flags: "--limit <n>", description: "at most N rows", parse: integerArg("--limit", 1) },
      { ...at, description: "decisions and times as at TIME instead of the clock" },
      { ...after, description: "decisions and times as at the clock + DUR" },
      {
        flags: "--format <format>",
        description:
          "table, wide (everything: absolute ns times, list flags, whole ids), json (same as --json)," +
          " ndjson (one peer per line) or tsv (tab-separated, for awk and cut);" +
          " a fleet: one row per node and peer with json, ndjson or tsv",
        choices: ["table", "wide", "json", "ndjson", "tsv"],
        defaultValue: "table",
      },
      // Issue 15: the fleet's peers x nodes matrix.
      { flags: "--by-node", description: "a fleet: a peers x nodes matrix (B blocked, D down, c cooling down, . known)" },
    ],
    examples: [
      "bbgov inspect",
      "bbgov inspect --down --sort failures",
      "bbgov -s nodes/ inspect --by-node",
      "bbgov -s 'nodes/*/node.snap' inspect --format ndjson",
      "bbgov --json inspect 16uZAbWC1AJvL | jq '.peers[0].outbound'",
    ],
    mutates: false,
    inApply: false,
  }),
  defineCommand({
    name: "block",
    summary: "add peers to the blocklist",
    args: [{ syntax: "<peer...>", description: PEER, parse: peersArg(), peer: "many" }],
    options: [],
    examples: ["bbgov block QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", "bbgov --dry-run block 16uZAbWC1AJvL 16uZAbWC1AJvM"],
    mutates: true,
    inApply: true,
  }),
  defineCommand({
    name: "unblock",
    summary: "remove peers from the blocklist",
    args: [{ syntax: "[peer...]", description: PEER, parse: peersArg(), peer: "many" }],
    options: [{ flags: "--all", description: "empty the blocklist" }],
    examples: ["bbgov unblock 16uZAbWC1AJvL", "bbgov unblock --all"],
    mutates: true,
    inApply: true,
  }),
  defineCommand({
    name: "allow",
    summary: "add peers to the allowlist (on an open policy only with --restrict)",
    args: [{ syntax: "[peer...]", description: PEER, parse: peersArg(), peer: "many" }],
    options: [
      { flags: "--restrict", description: "create the allowlist on an open policy: every other peer is then denied", conflicts: ["open"] },
      { flags: "--open", description: "drop the allowlist: the open policy admits everyone" },
    ],
    examples: ["bbgov allow --restrict 16uZAbWC1AJvL 16uZAbWC1AJvM", "bbgov allow 16uZAbWC1AJvN", "bbgov allow --open"],
    mutates: true,
    inApply: true,
  }),
  defineCommand({
    name: "disallow",
    summary: "remove peers from the allowlist",
    args: [{ syntax: "[peer...]", description: PEER, parse: peersArg(), peer: "many" }],
    options: [{ flags: "--all", description: "empty the allowlist (nobody is admitted)" }],
    examples: ["bbgov disallow 16uZAbWC1AJvM", "bbgov disallow --all"],
    mutates: true,
    inApply: true,
  }),
  defineCommand({
    name: "fail",
    summary: "record send failures: the failure-streak simulator",
    args: [{ syntax: "<peer>", description: PEER, parse: peerArg(), peer: "one" }],
    options: [
      {
        flags: "--times <n>",
        description: "number of failures (1 to 1000000)",
        parse: integerArg("--times", 1, 1_000_000),
        defaultValue: 1,
      },
      { flags: "--every <dur>", description: "time between failures (default 0)", parse: durationArg("--every") },
      { flags: "--all-rows", description: "on a terminal too, every failure's row (there a long streak shows first, transitions, last)" },
      at,
      after,
    ],
    examples: [
      "bbgov fail 16uZAbWC1AJvL",
      "bbgov fail 16uZAbWC1AJvL --times 6 --every 500ms",
      "bbgov --json fail 16uZAbWC1AJvL --after 2s | jq -r '.events[].transition'",
    ],
    mutates: true,
    inApply: true,
  }),
  defineCommand({
    name: "succeed",
    summary: "record a successful send",
    args: [{ syntax: "<peer>", description: PEER, parse: peerArg(), peer: "one" }],
    options: [at, after],
    examples: ["bbgov succeed 16uZAbWC1AJvL", "bbgov succeed 16uZAbWC1AJvL --after 30s"],
    mutates: true,
    inApply: true,
  }),
  defineCommand({
    name: "advise",
    summary: "record a peer's back-off notice (advisory on the table, failure on the governor)",
    args: [
      { syntax: "<peer>", description: PEER, parse: peerArg(), peer: "one" },
      { syntax: "<dur>", description: "the back-off the peer asks for (capped at the max delay)", parse: durationArg("argument DUR") },
    ],
    options: [at, after],
    examples: ["bbgov advise 16uZAbWC1AJvL 5s", "bbgov advise 16uZAbWC1AJvL 250ms --at 1764000000000000000"],
    mutates: true,
    inApply: true,
  }),
  defineCommand({
    name: "check",
    summary: "would a message pass? exit 0 allowed, 1 denied (read-only)",
    args: [{ syntax: "<peer>", description: PEER, parse: peerArg(), peer: "one" }],
    options: [
      { flags: "--inbound", description: "only the inbound decision", conflicts: ["outbound"] },
      { flags: "--outbound", description: "only the outbound decision" },
      { ...at, description: "the decisions as at TIME instead of the clock" },
      { ...after, description: "the decisions as at the clock + DUR" },
    ],
    examples: [
      "bbgov check 16uZAbWC1AJvL",
      "bbgov check 16uZAbWC1AJvL --outbound --after 1s",
      'if bbgov -q check "$PEER"; then echo allowed; fi',
      "bbgov -s nodes/ check 16uZAbWC1AJvL   # each node: exit 1 if one denies",
    ],
    mutates: false,
    inApply: false,
  }),
  defineCommand({
    name: "threshold",
    summary: "set the failure threshold (0 becomes 1)",
    args: [{ syntax: "<n>", description: "consecutive failures that mark a peer down (0 to 4294967295)", parse: integerArg("argument N") }],
    options: [],
    examples: ["bbgov threshold 3", "bbgov --json threshold 10 | jq .previous", "bbgov -s node1.json --dry-run threshold 1"],
    mutates: true,
    inApply: true,
  }),
  defineCommand({
    name: "backoff",
    summary: "show or set the backoff schedule, or print its plan",
    args: [],
    options: [
      { flags: "--base <dur>", description: "base delay (0 becomes 1 ns)", parse: durationArg("--base") },
      { flags: "--max <dur>", description: "maximum delay (0 becomes 1 ns)", parse: durationArg("--max") },
      { flags: "--plan", description: "print the schedule: attempt, delay, cumulative time" },
      {
        flags: "--attempts <n>",
        description: "rows of the plan (default: until the cap, at most 64)",
        parse: integerArg("--attempts", 1, 10_000),
      },
    ],
    examples: ["bbgov backoff", "bbgov backoff --base 50ms --max 2m", "bbgov backoff --plan --attempts 12"],
    mutates: true,
    inApply: true,
  }),
  defineCommand({
    name: "clock",
    summary: "show or move the snapshot clock",
    args: [],
    options: [
      { flags: "--set <time>", description: "set the clock to TIME", parse: timeArg("--set"), conflicts: ["advance"] },
      { flags: "--advance <dur>", description: "move the clock forward by DUR", parse: durationArg("--advance") },
    ],
    examples: ["bbgov clock", "bbgov clock --advance 90s", "bbgov clock --set 1764000000000000000"],
    mutates: true,
    inApply: true,
  }),
  defineCommand({
    name: "reset",
    summary: "forget peers' health and backoff entries",
    args: [{ syntax: "[peer...]", description: PEER, parse: peersArg(), peer: "many" }],
    options: [{ flags: "--all", description: "forget every peer's health and backoff" }],
    examples: ["bbgov reset 16uZAbWC1AJvL", "bbgov reset --all"],
    mutates: true,
    inApply: true,
  }),
  defineCommand({
    name: "validate",
    summary: "check the snapshot fully and report every problem: exit 0 valid, 2 invalid (read-only)",
    args: [],
    options: [{ flags: "--all", description: "list every error and finding (default: the first 50 of each, and how many more)" }],
    examples: [
      "bbgov -s node1.json validate",
      "bbgov --json validate | jq -r '.errors[].path'",
      "bbgov -s 'snapshots/*.json' validate   # every file, one line each",
    ],
    mutates: false,
    inApply: false,
    snapshot: "raw",
  }),
  defineCommand({
    name: "diff",
    summary: "what differs between the snapshot and OTHER, by meaning: exit 0 same, 1 different (read-only)",
    args: [{ syntax: "<other>", description: "the snapshot file to compare with" }],
    options: [],
    examples: ["bbgov diff governor.json.bak", "bbgov --json -s after.json diff before.json"],
    mutates: false,
    inApply: false,
    fileArg: "snapshot",
  }),
  defineCommand({
    name: "apply",
    summary: "run many commands, one per line, in one load and one write (all or nothing)",
    args: [{ syntax: "[script]", description: "the script file, or - for standard input (the default)" }],
    options: [],
    examples: ["bbgov apply changes.txt", "printf 'block 16uZAbWC1AJvL\\nthreshold 3\\n' | bbgov apply -"],
    mutates: true,
    inApply: false,
    fileArg: "lines",
  }),
  defineCommand({
    name: "import",
    summary: "write a new snapshot from a node's own snapshot (bincode) or upstream's framework snapshot (JSON)",
    args: [{ syntax: "<upstream>", description: "the node snapshot or framework snapshot file, or - for standard input" }],
    options: [
      {
        flags: "--from <kind>",
        description: "the input kind (default: recognised from the content)",
        choices: ["auto", "node-snapshot", "framework-json"],
        defaultValue: "auto",
      },
      {
        flags: "--strict",
        description:
          "refuse a file with entries whose peer bytes do not parse (by default they are skipped," +
          " as upstream's restore does, and reported)",
      },
      { flags: "--skip-invalid", description: "skip entries whose peer bytes do not parse (the default; kept for old scripts)" },
      {
        flags: "--clock <time>",
        description: "the snapshot clock (default: the latest event time in the file)",
        parse: timeArg("--clock"),
      },
      {
        flags: "--backoff-base <dur>",
        description: "backoff base delay, not in the upstream snapshot (default 10ms)",
        parse: durationArg("--backoff-base"),
      },
      {
        flags: "--backoff-max <dur>",
        description: "backoff maximum delay, not in the upstream snapshot (default 60s)",
        parse: durationArg("--backoff-max"),
      },
      { flags: "--force", description: "replace an existing snapshot" },
    ],
    examples: [
      "bbgov -s governor.json import node-7.snap",
      "bbgov -s node1.json import framework-snapshot.json",
      "bbgov -s a.json export | bbgov -s b.json import -",
    ],
    mutates: true,
    inApply: false,
    fileArg: "bytes",
    snapshot: "create",
  }),
  defineCommand({
    name: "export",
    summary: "print the snapshot as upstream's complete FrameworkSnapshot JSON, or as a bbgov snapshot (read-only)",
    args: [],
    options: [
      {
        flags: "--to <kind>",
        description: "framework-json: a complete FrameworkSnapshot (a node's own fields kept); bbgov-json: a version-1 bbgov snapshot",
        choices: ["framework-json", "bbgov-json"],
        defaultValue: "framework-json",
      },
    ],
    examples: [
      "bbgov export -o framework.json",
      "bbgov -s node-7.snap export --to framework-json -o framework.json",
      "bbgov -s node-7.snap export --to bbgov-json -o governor.json",
    ],
    mutates: false,
    inApply: false,
    writesOut: true,
  }),
  defineCommand({
    name: "completion",
    summary: "print a shell completion script (bash, zsh or fish)",
    args: [
      {
        syntax: "<shell>",
        description: "bash, zsh or fish",
        choices: ["bash", "zsh", "fish"],
      },
    ],
    options: [],
    examples: [
      "source <(bbgov completion bash)",
      'bbgov -o "${fpath[1]}/_bbgov" completion zsh',
      "bbgov -o ~/.config/fish/completions/bbgov.fish completion fish",
    ],
    mutates: false,
    inApply: false,
    writesOut: true,
    outName: "the completion script",
    snapshot: "none",
  }),
] as const;

/** Every command of bbgov. */
export const COMMANDS: readonly CommandSpec[] = TABLE;

/** The name of a command of the table. */
export type CommandName = (typeof TABLE)[number]["name"];
/** The declaration of the command `N`. */
type SpecOf<N extends CommandName> = Extract<(typeof TABLE)[number], { readonly name: N }>;
/** The arguments the command `N` receives: parsed, peers resolved, its file read. */
export type CommandArgs<N extends CommandName> = ArgsOf<SpecOf<N>>;
/** The options the command `N` receives, as parsed (its own options; the global ones stay with `main`). */
export type CommandOptions<N extends CommandName> = OptionsOf<SpecOf<N>["options"]>;

/** `--force` of the commands that write: replace an existing file named by --out. */
export const FORCE_OUT: OptionSpec = { flags: "--force", description: "with -o: replace an existing file" };

/** Options a command gets beyond its own: `--force` for every command that can write a file (to replace one in the way). */
export function extraOptions(spec: CommandSpec): OptionSpec[] {
  const writes = spec.mutates || spec.writesOut === true;
  return writes && !spec.options.some((option) => option.flags === "--force") ? [FORCE_OUT] : [];
}

/** The global options, declared once (commander adds `-h, --help`). */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    flags: "-s, --snapshot <file>",
    description:
      "the snapshot (default $BBGOV_SNAPSHOT, else governor.json); - for stdin/stdout. Repeat it," +
      " or give a folder (its *.json, *.snap, *.bin) or a quoted glob, for a fleet of nodes",
    parse: collectSnapshots,
  },
  { flags: "--json", description: "print one JSON document instead of tables" },
  { flags: "--dry-run", description: "do everything but write the snapshot" },
  { flags: "-o, --out <file>", description: "write the result there instead of in place", parse: nonEmptyPath("-o") },
  {
    flags: "--host-backoff <base,max>",
    description: "the host's backoff schedule, for node and framework snapshots, which do not store one (default 10ms,60s)",
    parse: hostBackoffArg,
  },
  {
    flags: "--jobs <n>",
    description: "fleet: files read at once, 1 to 1024 (default: the number of cores)",
    parse: integerArg("--jobs", 1, 1024),
  },
  {
    flags: "--lock-timeout <dur>",
    description: "how long to wait for another writer's lock (default 10s)",
    parse: durationArg("--lock-timeout"),
  },
  { flags: "--no-color", description: "no colours (also NO_COLOR=1)" },
  { flags: "--no-trunc", description: "never shorten to fit the terminal: whole peer ids, every column" },
  { flags: "-q, --quiet", description: "print nothing but errors and the JSON document; exit codes still tell" },
];

/** `-s` may be given several times (a fleet): every value is kept, in order. */
function collectSnapshots(text: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), nonEmptyPath("-s")(text)];
}

/**
 * A path option's value; an empty one (an unset shell variable) is refused: read, it named nothing; written, the
 * folder. So is one that begins with `=`: a short option takes what follows it whole, so `-s=node.json` (as other
 * tools spell `--snapshot=node.json`) named a file `=node.json`, which `init` and `-o` then created.
 */
function nonEmptyPath(name: string): (text: string) => string {
  return (text) => {
    if (text === "") throw new UsageError("an empty path: name a file (is a shell variable unset?)", name);
    // `-s --json inspect`: the file was left out, and the option after it taken for one (a missing file, or
    // for -o and init a file named `--json` created).
    if (/^--[a-z]/i.test(text) || /^-[a-zA-Z]$/.test(text))
      throw new UsageError(
        `${name} needs a file, and the next word is the option ${text}: put the file after ${name} (./${text} for a file of that name)`,
        name,
      );
    if (text.startsWith("="))
      throw new UsageError(
        `${name}${text} names a file "${text}": write ${name} ${text.slice(1)} or ${name === "-s" ? "--snapshot" : "--out"}=${text.slice(1)}` +
          ` (./${text} for a file whose name begins with =)`,
        name,
      );
    return text;
  };
}

const GLOBAL_HELP = `
Times: DUR is ${DUR_SYNTAX}; TIME is ${TIME_SYNTAX}.
Events happen at the snapshot clock unless --at TIME or --after DUR says otherwise.

Exit codes: 0 success, 1 a negative answer (check denied, diff differs), 2 any error.

Examples:
  $ bbgov -s fixtures/example.json inspect
  $ bbgov fail 16uZAbWC1AJvL --times 6 --every 500ms
  $ bbgov --json check 16uZAbWC1AJvL
  $ bbgov -s 'nodes/*.snap' --jobs 4 block 16uZAbWC1AJvL
  $ bbgov apply <<'EOF'
    block 16uZAbWC1AJvM
    threshold 3
    EOF
`;

/** Whether a command has a TIME or DUR value, whose syntax its help then explains. */
function takesTime(spec: CommandSpec): boolean {
  return [...spec.options.map((option) => option.flags), ...spec.args.map((arg) => arg.syntax)].some((text) => /<(dur|time)>/.test(text));
}

const COMMAND_HELP_FOOTER = `
Times: DUR is ${DUR_SYNTAX}; TIME is ${TIME_SYNTAX}.
`;

// Commander wraps a description only when this many columns are left for it; ours are short words.
const MIN_WIDTH_TO_WRAP = 20;

/**
 * A help item as commander lays it out, its description beside its term; where that column would be narrower
 * than MIN_WIDTH_TO_WRAP (a long option in a 40-column terminal), the description goes under the term, wrapped,
 * instead of unwrapped on its line for the terminal to cut mid-word.
 */
function formatItem(term: string, termWidth: number, description: string, helper: Help): string {
  const width = helper.helpWidth ?? 80;
  if (description === "" || width - termWidth - 4 >= MIN_WIDTH_TO_WRAP) {
    return Help.prototype.formatItem.call(helper, term, termWidth, description, helper);
  }
  const under = "      ";
  return `  ${term}\n${under}${helper.boxWrap(description, width - under.length).replaceAll("\n", `\n${under}`)}`;
}

/** The usage line's text, wrapped between words under itself where `Usage: ` and it are too long (41 wide at 40). */
function styleUsage(this: Help, usage: string): string {
  const styled = Help.prototype.styleUsage.call(this, usage);
  const width = this.helpWidth ?? 80;
  // The first line stands after `Usage: `, the others under it.
  return styled.length <= width - USAGE_TITLE.length
    ? styled
    : wrapWords(styled, width, " ".repeat(USAGE_TITLE.length), width - USAGE_TITLE.length);
}

const USAGE_TITLE = "Usage: ";

const HELP_LAYOUT = { minWidthToWrap: MIN_WIDTH_TO_WRAP, formatItem, styleUsage };

/** Where commander's own output (help, version, its errors) goes. */
export interface ProgramOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** Columns help may take (default 80). */
  readonly helpWidth?: number;
}

/**
 * Wraps each paragraph line of `text` at `width` between words; an example's command (`  $ ...`) is continued with
 * ` \` between shell words (wrapExample); other indented lines (a here-document's) stay whole.
 */
export function wrapText(text: string, width: number): string {
  return text
    .split("\n")
    .map((line) => {
      if (line.length <= width) return line;
      if (line.startsWith(EXAMPLE_PROMPT)) return wrapExample(line.slice(EXAMPLE_PROMPT.length), width);
      if (/^\s/.test(line)) return line;
      return wrapWords(line, width, "  ");
    })
    .join("\n");
}

/**
 * `text` wrapped between words: lines of at most `width` (the first at most `firstWidth`), each after the first
 * starting with `indent`; a word longer than a line stays whole.
 */
function wrapWords(text: string, width: number, indent: string, firstWidth = width): string {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    if (current !== "" && current.length + 1 + word.length > (lines.length === 0 ? firstWidth : width)) {
      lines.push(current);
      current = `${indent}${word}`;
    } else current = current === "" ? word : `${current} ${word}`;
  }
  lines.push(current);
  return lines.join("\n");
}

const EXAMPLE_PROMPT = "  $ ";

/**
 * An example's command line after its prompt, continued with ` \` on lines indented under it where it is too long
 * for `width` (examples were 79 wide at 40 columns): split only between shell words, never inside quotes, so that
 * it still runs as pasted; a `# comment` after it goes on a line of its own above it.
 */
export function wrapExample(command: string, width: number): string {
  if (EXAMPLE_PROMPT.length + command.length <= width) return `${EXAMPLE_PROMPT}${command}`;
  const words = shellWords(command);
  const comment = words.findIndex((word) => word.startsWith("#"));
  if (comment > 0) return `  ${words.slice(comment).join(" ")}\n${wrapExample(words.slice(0, comment).join(" "), width)}`;
  const lines: string[] = [];
  let current = `${EXAMPLE_PROMPT}${words[0] ?? ""}`;
  for (const word of words.slice(1)) {
    // Room for the word and, after it, the " \\" of a line that goes on.
    if (current.length + 1 + word.length + 2 > width) {
      lines.push(`${current} \\`);
      current = `${" ".repeat(EXAMPLE_PROMPT.length + 2)}${word}`;
    } else current = `${current} ${word}`;
  }
  lines.push(current);
  return lines.join("\n");
}

/** A command line's words as typed (quotes kept): split at spaces outside single and double quotes. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (const char of command) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === " ") {
      if (current !== "") words.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  if (current !== "") words.push(current);
  return words;
}

/**
 * Builds the parser. `mode: "shell"` is the whole program with its global
 * options; `mode: "apply"` accepts only the commands allowed in a script.
 * Parsing a line calls `onInvoke` with what to run. With `only`, the one
 * command of that name (see `main`: a run that names one command).
 */
export function buildProgram(
  mode: "shell" | "apply",
  version: string,
  output: ProgramOutput,
  onInvoke: (invocation: Invocation) => void,
  only?: string,
): Command {
  const program = new Command(mode === "shell" ? "bbgov" : "");
  const helpWidth = output.helpWidth ?? 80;
  // A program of one command (`only`) is parsed, never shown: main's lean parse writes nothing, and help goes to
  // the whole program. Its help texts (wrapped paragraphs, examples) are left out.
  const showsHelp = only === undefined;
  const outputConfig = { writeOut: output.writeOut, writeErr: output.writeErr, outputError: () => {}, getOutHelpWidth: () => helpWidth };
  program.exitOverride().configureOutput(outputConfig);
  if (mode === "shell") {
    program
      .description("Inspect and edit bytesandbrains PeerGovernor snapshots; simulate failure streaks.")
      .version(version, "-V, --version", "print the version")
      .helpOption("-h, --help", "show help")
      .configureHelp(HELP_LAYOUT)
      .showSuggestionAfterError(true);
    if (showsHelp) program.addHelpText("after", wrapText(GLOBAL_HELP, helpWidth));
    for (const spec of GLOBAL_OPTIONS) program.addOption(toOption(spec));
  }
  for (const spec of COMMANDS) {
    if ((mode === "apply" && !spec.inApply) || (only !== undefined && spec.name !== only)) continue;
    // Words past the arguments are refused in the action, which can name them (commander only counts them).
    const command = program.command(spec.name).description(spec.summary).allowExcessArguments(true);
    command.exitOverride().configureOutput(outputConfig);
    // Command help lists the global options too (-s, --json, ...): they work after the command name.
    if (mode === "shell") command.configureHelp({ ...HELP_LAYOUT, showGlobalOptions: true });
    for (const arg of spec.args) command.addArgument(toArgument(arg));
    for (const option of spec.options) command.addOption(toOption(option));
    if (mode === "shell") for (const option of extraOptions(spec)) command.addOption(toOption(option));
    if (showsHelp) {
      command.addHelpText(
        "after",
        `\nExamples:\n${spec.examples.map((line) => wrapExample(line, helpWidth)).join("\n")}\n` +
          (mode === "shell" && takesTime(spec) ? wrapText(COMMAND_HELP_FOOTER, helpWidth) : ""),
      );
    }
    command.action((...params: unknown[]) => {
      const cmd = params[params.length - 1] as Command;
      const extra = spec.args.some((arg) => arg.syntax.includes("...")) ? undefined : cmd.args[spec.args.length];
      if (extra !== undefined) throw excessArgument(spec, extra, mode === "shell" ? `see bbgov ${spec.name} --help` : undefined);
      onInvoke({
        spec,
        args: params.slice(0, spec.args.length),
        options: cmd.opts(),
        globals: mode === "shell" ? cmd.optsWithGlobals() : {},
      });
    });
  }
  return program;
}

function toArgument(spec: ArgumentSpec): Argument {
  const argument = new Argument(spec.syntax, spec.description);
  if (spec.parse !== undefined) argument.argParser(spec.parse as (value: string, previous: unknown) => unknown);
  if (spec.choices !== undefined) argument.choices(spec.choices);
  return argument;
}

function toOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.parse !== undefined) option.argParser(spec.parse as (value: string, previous: unknown) => unknown);
  if (spec.choices !== undefined) option.choices(spec.choices);
  if (spec.conflicts !== undefined) option.conflicts([...spec.conflicts]);
  if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
  return option;
}

/** `threshold 3 4`, `fail P1 P2`: a word past a command's arguments, named (commander said only "got 2"). */
function excessArgument(spec: CommandSpec, extra: string, where: string | undefined): UsageError {
  const names = spec.args.map((arg) => arg.syntax.replace(/[<>[\]]/g, "").toUpperCase());
  const takes =
    names.length === 0
      ? "takes no arguments"
      : `takes ${names.length === 1 ? "one argument" : `${names.length} arguments`}, ${names.join(" ")}`;
  const shown = extra.length > 60 ? `${JSON.stringify(extra.slice(0, 60)).slice(0, -1)}..."` : JSON.stringify(extra);
  return new UsageError(`too many arguments: ${spec.name} ${takes}; ${shown} is one too many`, where);
}

/** Turns commander's own errors into a UsageError (or undefined for help/version, which end with exit 0). */
export function usageFromCommander(error: CommanderError, where: string): UsageError | undefined {
  if (error.code === "commander.helpDisplayed" || error.code === "commander.version") {
    return undefined;
  }
  // `fail P --every<no-break space>1s`: one word, which its suggestion (`did you mean --every?`) would leave a riddle.
  const typed = /'([^']*)'/.exec(error.message)?.[1] ?? "";
  if ((error.code === "commander.unknownOption" || error.code === "commander.unknownCommand") && hasOddSpace(typed))
    return new UsageError(oddSpaceMessage(error.code === "commander.unknownOption" ? "option" : "command", typed), where);
  const message = error.message
    .replace(/^error: /, "")
    .replace(/\s*\n\s*/g, " ")
    // Worded as bbgov's own suggestion of a command: `(did you mean block?)`.
    .replace("(Did you mean", "(did you mean")
    .trim();
  // `--sort fail`, `--format JSON`: a choice commander only lists, suggested as a command is.
  const choices = /Allowed choices are (.*)\.$/.exec(message)?.[1]?.split(", ");
  const value = /(?:argument|value) '([^']*)' is invalid/.exec(message)?.[1];
  const guesses = choices === undefined || value === undefined ? [] : commandGuesses(value, choices);
  if (guesses.length > 0) return new UsageError(message.replace(". Allowed", ` (did you mean ${guesses.join(" or ")}?). Allowed`), where);
  return new UsageError(message, where);
}

/**
 * `--DOWN`, `--in`: an option commander finds no close spelling for, suggested when it differs from one of the
 * command's (and the global ones, with `globals`) only in case, or is the start of exactly one.
 */
export function optionGuess(commandName: string | undefined, typed: string, globals: boolean): string | undefined {
  const name = (typed.split("=")[0] ?? typed).toLowerCase();
  const flags = optionFlags(commandName, globals);
  // `-v`, `-H`: a short option in the other case (most tools spell version -v; bbgov, as commander, -V).
  if (/^-[a-z]$/.test(name)) return flags.find((flag) => flag !== typed && flag.toLowerCase() === name);
  if (!name.startsWith("--") || name.length < 3) return undefined;
  const long = flags.filter((flag) => flag.startsWith("--"));
  const sameLetters = long.find((flag) => flag.toLowerCase() === name);
  if (sameLetters !== undefined) return sameLetters;
  const starting = long.filter((flag) => flag.startsWith(name));
  return starting.length === 1 ? starting[0] : undefined;
}

/** `check PEER --out` (the global --out, wanting a file): the one option of the command that `typed` starts, if one. */
export function longerOption(commandName: string | undefined, typed: string): string | undefined {
  if (!typed.startsWith("--")) return undefined;
  const longer = optionFlags(commandName, false).filter((flag) => flag.startsWith(typed) && flag !== typed);
  return longer.length === 1 ? longer[0] : undefined;
}

/** Every spelling of the command's options (its --force too), and of the global ones with `globals`. */
function optionFlags(commandName: string | undefined, globals: boolean): string[] {
  const spec = COMMANDS.find((command) => command.name === commandName);
  const declared = [...(globals ? GLOBAL_OPTIONS : []), ...(spec === undefined ? [] : [...spec.options, ...extraOptions(spec)])];
  return [...declared.flatMap((option) => option.flags.split(/[ ,]+/)), ...(globals ? ["--help", "--version", "-h", "-V"] : [])];
}

/** The commands `typed` may have meant, in any case: those it starts, else the closest spellings. */
export function commandGuesses(typed: string, names: readonly string[]): string[] {
  const word = typed.toLowerCase();
  const byPrefix = word === "" ? [] : names.filter((name) => name.startsWith(word));
  const close = names.filter((name) => editDistance(name, word) <= Math.max(1, Math.floor(name.length / 3)));
  return byPrefix.length > 0 ? byPrefix : close;
}

/** Levenshtein distance with transpositions, for command suggestions. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((rows[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** `unknown command 'block\xa0P'`, when a space other than the plain one joined two words into one. */
export function oddSpaceMessage(kind: "command" | "option", typed: string): string {
  return `unknown ${kind} '${typed}': a no-break or other odd space joins words there; type a plain space`;
}
