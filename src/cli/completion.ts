/**
 * Shell completion scripts, generated from the command table of program.ts
 * (COMMANDS and GLOBAL_OPTIONS): a command or an option added there is
 * completed without touching this file. What is completed:
 * - command names (with their summaries where the shell shows them);
 * - each command's options, the global options, `-h/--help`, `-V/--version`;
 * - option values: the `choices` of an option (`--sort`), files for an
 *   option whose value is named `<file>` (`-s`, `-o`);
 * - positional arguments: files for a command that reads a file argument
 *   (`fileArg`: diff OTHER, apply SCRIPT, import FILE), the `choices`
 *   attached to an argument's parser (`completion SHELL`), and for a PEER
 *   the snapshot's known peers (asked of bbgov at completion time; with
 *   bash, of the `-s` snapshot on the line).
 */
import { COMMANDS, extraOptions, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from "./program.js";

/** The shells bbgov writes completion scripts for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;
/** One of SHELLS. */
export type Shell = (typeof SHELLS)[number];

/** An option as the generators see it (`-h, --help` is among the global ones). */
interface Flag {
  readonly short: string | undefined;
  readonly long: string | undefined;
  /** The value's name (`file`, `dur`, `key`), or undefined for a switch. */
  readonly value: string | undefined;
  readonly choices: readonly string[] | undefined;
  readonly description: string;
}

/** A command as the generators see it. */
interface Entry {
  readonly name: string;
  readonly summary: string;
  readonly flags: readonly Flag[];
  readonly positionals: readonly Positional[];
}

interface Positional {
  readonly name: string;
  readonly variadic: boolean;
  readonly files: boolean;
  readonly choices: readonly string[] | undefined;
  /** A peer: completed from the snapshot's known peers (bbgov --json inspect). */
  readonly peers: boolean;
}

// The known peers of the snapshot, one per line, each once, for the shells to offer: the `"peer": "…"` lines of
// `--json inspect`, one per peer for a file and for a fleet alike (a fleet's rows of every node and peer, as
// `--format tsv` gives them, were 792 MB and seconds on 200 nodes of 10k peers; its JSON document lists each peer
// once, from the fold). Peer texts are base58, with no quote to escape.
const PEERS_OF_JSON = `awk -F '"' '/^ *"peer": "/ && !seen[$4]++ { print $4 }'`;

// Commander adds these two itself; they are not in the command table.
const HELP: OptionSpec = { flags: "-h, --help", description: "show help" };
const VERSION: OptionSpec = { flags: "-V, --version", description: "print the version" };

/** The completion script for `shell`, from the command table. */
export function completionScript(
  shell: Shell,
  commands: readonly CommandSpec[] = COMMANDS,
  globals: readonly OptionSpec[] = GLOBAL_OPTIONS,
): string {
  const entries = commands.map(toEntry);
  const globalFlags = [...globals, HELP].map(toFlag);
  const versionFlag = toFlag(VERSION);
  switch (shell) {
    case "bash":
      return bashScript(entries, globalFlags, versionFlag);
    case "zsh":
      return zshScript(entries, globalFlags, versionFlag);
    case "fish":
      return fishScript(entries, globalFlags, versionFlag);
  }
}

function toEntry(spec: CommandSpec): Entry {
  return {
    name: word(spec.name),
    summary: spec.summary,
    flags: [...spec.options, ...extraOptions(spec)].map(toFlag),
    positionals: spec.args.map((arg, index) => {
      const name = arg.syntax.replace(/[<>[\].]/g, "");
      return {
        name: word(name),
        variadic: arg.syntax.includes("..."),
        files: index === 0 && spec.fileArg !== undefined,
        choices: arg.choices?.map(word),
        peers: arg.peer !== undefined,
      };
    }),
  };
}

function toFlag(spec: OptionSpec): Flag {
  const parts = spec.flags.split(/[ ,|]+/).filter((part) => part !== "");
  const value = parts.find((part) => /^[<[]/.test(part));
  return {
    short: parts.find((part) => /^-[^-]$/.test(part)),
    long: parts.find((part) => part.startsWith("--")),
    value: value === undefined ? undefined : word(value.replace(/[<>[\].]/g, "")),
    choices: spec.choices?.map(word),
    description: spec.description,
  };
}

/** Names and choices are spliced into scripts unquoted: allow only plain words. */
function word(text: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(text)) throw new Error(`not a plain word for a completion script: ${JSON.stringify(text)}`);
  return text;
}

function names(flag: Flag): string[] {
  return [flag.short, flag.long].filter((name): name is string => name !== undefined);
}

const isFileValue = (flag: Flag): boolean => flag.value === "file";

// ---------------------------------------------------------------- bash

function bashScript(entries: readonly Entry[], globals: readonly Flag[], version: Flag): string {
  const valued = globals.filter((flag) => flag.value !== undefined);
  const globalWords = [...globals, version].flatMap(names).join(" ");
  const out: string[] = [
    "# bash completion for bbgov, generated by `bbgov completion bash` from its command table.",
    "# Load it with: source <(bbgov completion bash)",
    "# or install it: bbgov -o ~/.local/share/bash-completion/completions/bbgov completion bash",
    "",
    "_bbgov_files() {",
    "  local IFS=$'\\n'",
    "  compopt -o filenames 2>/dev/null",
    '  COMPREPLY=($(compgen -f -- "$cur"))',
    "}",
    "",
    "# A word as typed (COMP_WORDS keeps its quotes and backslashes) as the shell will pass it, into $value;",
    "# no eval: nothing on the line runs. ~/ expanded, unquoted; a glob is left for bbgov to expand.",
    "_bbgov_unquote() {",
    '  local word="$1" quote="" c i',
    '  value=""',
    '  [[ $word == "~/"* ]] && value="$HOME/" && word="${word:2}"',
    "  for ((i = 0; i < ${#word}; i++)); do",
    '    c="${word:i:1}"',
    '    if [[ $quote == "\'" ]]; then [[ $c == "\'" ]] && quote="" || value+="$c"',
    '    elif [[ $c == "\\\\" ]]; then ((i++)); value+="${word:i:1}"',
    '    elif [[ -n $quote ]]; then [[ $c == \'"\' ]] && quote="" || value+="$c"',
    '    elif [[ $c == "\'" || $c == \'"\' ]]; then quote="$c"',
    '    else value+="$c"',
    "    fi",
    "  done",
    "}",
    "",
    "# The snapshots named on the line (every -s, before or after the command), for _bbgov_peers.",
    "# Standard input is the terminal: `-s -` would read the keys typed next, so bbgov gets none.",
    "# A FIFO (or a device, a socket) named so has no writer now: reading it hung the prompt until Ctrl-C.",
    "_bbgov_peers() {",
    "  local snap",
    '  for snap in "${snaps[@]:-${BBGOV_SNAPSHOT:-governor.json}}"; do [[ -p $snap || -c $snap || -S $snap ]] && return; done',
    `  bbgov "\${snaps[@]}" --json inspect </dev/null 2>/dev/null | ${PEERS_OF_JSON}`,
    "}",
    "",
    "_bbgov() {",
    '  local cur prev cmd i words choices files peers value dashdash=""',
    "  local -a snaps=()",
    "  COMPREPLY=()",
    '  cur="${COMP_WORDS[COMP_CWORD]}"',
    '  prev="${COMP_WORDS[COMP_CWORD-1]}"',
    // bash splits `--format=tsv` at the `=` (COMP_WORDBREAKS): `--format` `=` `tsv`, and with nothing typed after
    // the `=` the word being completed is the `=` itself. Either way the option is the word before the `=`.
    '  if [[ $cur == "=" && $prev == --* ]]; then cur=""',
    '  elif [[ $prev == "=" && ${COMP_WORDS[COMP_CWORD-2]} == --* ]]; then prev="${COMP_WORDS[COMP_CWORD-2]}"',
    "  fi",
    '  cmd=""',
    "  # The command is the first word that is neither a global option nor its value; -s may follow it too.",
    "  # After `--` every word is an argument: the command if there is none yet, else one of its arguments.",
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    '    if [[ -n $dashdash ]]; then [[ -z $cmd ]] && cmd="${COMP_WORDS[i]}"; continue; fi',
    '    case "${COMP_WORDS[i]}" in',
    "      --) dashdash=1 ;;",
  ];
  out.push(
    '      -s|--snapshot) [[ ${COMP_WORDS[i+1]} == "=" ]] && ((i++)); _bbgov_unquote "${COMP_WORDS[i+1]}"',
    '        snaps+=(-s "$value"); ((i++)) ;;',
  );
  const otherValued = valued.filter((flag) => flag.long !== "--snapshot");
  if (otherValued.length > 0)
    out.push(`      ${otherValued.flatMap(names).join("|")}) [[ \${COMP_WORDS[i+1]} == "=" ]] && ((i++)); [[ -z $cmd ]] && ((i++)) ;;`);
  // The `=` of a command's `--sort=peer`: its value is no command either.
  out.push("      -*) ;;", "      =) ((i++)) ;;", '      *) [[ -z $cmd ]] && cmd="${COMP_WORDS[i]}" ;;', "    esac", "  done", "");
  out.push('  [[ -n $dashdash ]] || case "$prev" in', ...bashValueCases(globals, "    "), "  esac");
  out.push('  [[ -n $dashdash ]] || case "$cmd" in');
  for (const entry of entries) {
    const cases = bashValueCases(entry.flags, "        ");
    if (cases.length === 0) continue;
    out.push(`    ${entry.name})`, '      case "$prev" in', ...cases, "      esac ;;");
  }
  out.push("  esac", "");
  out.push('  case "$cmd" in');
  out.push(`    "") words="${globalWords}"; choices="${entries.map((entry) => entry.name).join(" ")}"; files=""; peers="" ;;`);
  for (const entry of entries) {
    const first = entry.positionals[0];
    const flags = [...entry.flags, ...globals].flatMap(names);
    out.push(
      `    ${entry.name}) words="${unique(flags).join(" ")}"; choices="${first?.choices?.join(" ") ?? ""}";` +
        ` files="${first?.files === true ? "1" : ""}"; peers="${first?.peers === true ? "1" : ""}" ;;`,
    );
  }
  out.push("    *) return 0 ;;", "  esac");
  out.push(
    "  if [[ $cur == -* && -z $dashdash ]]; then",
    '    COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    "  elif [[ -n $files ]]; then",
    "    _bbgov_files",
    "  elif [[ -n $peers ]]; then",
    '    COMPREPLY=($(compgen -W "$(_bbgov_peers)" -- "$cur"))',
    "  elif [[ -n $choices ]]; then",
    '    COMPREPLY=($(compgen -W "$choices" -- "$cur"))',
    "  fi",
    "  return 0",
    "}",
    "",
    "complete -F _bbgov bbgov",
    "",
  );
  return out.join("\n");
}

/** `case "$prev"` branches for the options that take a value. */
function bashValueCases(flags: readonly Flag[], indent: string): string[] {
  return flags
    .filter((flag) => flag.value !== undefined)
    .map((flag) => {
      const pattern = names(flag).join("|");
      if (flag.choices !== undefined)
        return `${indent}${pattern}) COMPREPLY=($(compgen -W "${flag.choices.join(" ")}" -- "$cur")); return 0 ;;`;
      if (isFileValue(flag)) return `${indent}${pattern}) _bbgov_files; return 0 ;;`;
      return `${indent}${pattern}) return 0 ;;`;
    });
}

// ---------------------------------------------------------------- zsh

function zshScript(entries: readonly Entry[], globals: readonly Flag[], version: Flag): string {
  const out: string[] = [
    "#compdef bbgov",
    "# zsh completion for bbgov, generated by `bbgov completion zsh` from its command table.",
    '# Install it: bbgov -o "${fpath[1]}/_bbgov" completion zsh, then restart zsh.',
    "",
    "# The known peers of the snapshots named on the line (every -s, before or after the command).",
    "_bbgov_peers() {",
    "  local -a peers snaps line",
    "  local i value",
    "  line=(${(z)LBUFFER})",
    "  for (( i = 1; i < ${#line}; i++ )); do",
    "    case ${line[i]} in",
    "      -s|--snapshot) value=${line[i+1]} ;;",
    "      --snapshot=*) value=${line[i]#--snapshot=} ;;",
    "      *) continue ;;",
    "    esac",
    "    # Unquoted, ~/ expanded; a glob is left for bbgov to expand (here it made one -s of several words, or an error).",
    "    if [[ $value == '~/'* ]]; then value=$HOME/${(Q)value:2}; else value=${(Q)value}; fi",
    '    snaps+=(-s "$value")',
    "  done",
    "  # A FIFO (or a device, a socket) named so has no writer now: reading it hung the prompt until Ctrl-C.",
    "  for value in ${snaps:-${BBGOV_SNAPSHOT:-governor.json}}; do [[ -p $value || -c $value || -S $value ]] && return 1; done",
    `  peers=(\${(f)"$(bbgov $snaps --json inspect </dev/null 2>/dev/null | ${PEERS_OF_JSON})"})`,
    "  _describe -t peers 'known peer' peers",
    "}",
    "",
    "_bbgov() {",
    '  local curcontext="$curcontext" state line ret=1',
    "  typeset -A opt_args",
    "  local -a globals",
    "  globals=(",
    ...globals.map((flag) => `    ${zshFlag(flag)}`),
    "  )",
    // -A: options after the command are the command's call's to parse (globals too, which it lists): parsed here,
    // `check -s FILE PEER` left the command nothing and completed no PEER.
    // -S: a `--` ends the options (`check -- PEER`), as commander takes it; without it the `--` took the PEER's place.
    '  _arguments -S -C -A "-*" $globals \\',
    `    ${zshFlag(version)} \\`,
    "    '1:command:->command' \\",
    "    '*::argument:->argument' && ret=0",
    "  case $state in",
    "    command)",
    "      local -a commands",
    "      commands=(",
    ...entries.map((entry) => `        ${zshQuote(`${entry.name}:${entry.summary}`)}`),
    "      )",
    "      _describe -t commands 'bbgov command' commands && ret=0",
    "      ;;",
    "    argument)",
    '      curcontext="${curcontext%:*:*}:bbgov-$words[1]:"',
    "      case $words[1] in",
  ];
  for (const entry of entries) {
    const specs = [...entry.flags.map(zshFlag), ...entry.positionals.map(zshPositional)];
    out.push(`        ${entry.name})`, "          _arguments -S $globals \\");
    for (const spec of specs) out.push(`            ${spec} \\`);
    out.push("            && ret=0", "          ;;");
  }
  out.push("      esac", "      ;;", "  esac", "  return ret", "}", "", '_bbgov "$@"', "");
  return out.join("\n");
}

function zshFlag(flag: Flag): string {
  const help = `[${zshBracketText(flag.description)}]`;
  const action = flag.value === undefined ? "" : `:${flag.value}:${zshAction(flag.choices, isFileValue(flag))}`;
  const both = names(flag);
  // `--sort=` : the value either after an `=` in the same word (`--sort=peer`, which commander takes too) or as
  // the next word; without the `=` zsh completed nothing after `--sort=` and took `--snapshot=FILE` for no option.
  const spelled = both.map((name) => (flag.value !== undefined && name.startsWith("--") ? `${name}=` : name));
  // `-s` may be given again (a fleet): `*` instead of the exclusion list, which made zsh take a second `-s` for
  // no option (it offered commands for its file, and no PEER after it).
  const repeat = flag.long === "--snapshot" ? "'*'" : `'(${both.join(" ")})'`;
  if (both.length === 2) return `${repeat}{${spelled.join(",")}}${zshQuote(`${help}${action}`)}`;
  return zshQuote(`${spelled[0] ?? ""}${help}${action}`);
}

function zshPositional(positional: Positional): string {
  const position = positional.variadic ? "*" : "";
  return zshQuote(`${position}:${positional.name}:${positional.peers ? "_bbgov_peers" : zshAction(positional.choices, positional.files)}`);
}

function zshAction(choices: readonly string[] | undefined, files: boolean): string {
  if (choices !== undefined) return `(${choices.join(" ")})`;
  return files ? "_files" : " ";
}

// Inside an _arguments `[...]` explanation, brackets and colons need a backslash.
function zshBracketText(text: string): string {
  return text.replace(/[[\]:\\]/g, (char) => `\\${char}`);
}

function zshQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

// ---------------------------------------------------------------- fish

function fishScript(entries: readonly Entry[], globals: readonly Flag[], version: Flag): string {
  const out: string[] = [
    "# fish completion for bbgov, generated by `bbgov completion fish` from its command table.",
    "# Install it: bbgov -o ~/.config/fish/completions/bbgov.fish completion fish",
    "",
    "# The known peers of the snapshots named on the line (every -s, before or after the command).",
    "function __bbgov_peers",
    "    set -l snaps",
    "    set -l line (commandline -opc)",
    "    for i in (seq 2 (count $line))",
    "        set -l value",
    "        if contains -- $line[(math $i - 1)] -s --snapshot",
    "            set value $line[$i]",
    "        else if string match -q -- '--snapshot=*' $line[$i]",
    "            set value (string sub -s 12 -- $line[$i])",
    "        else",
    "            continue",
    "        end",
    "        string match -q -- '~/*' $value; and set value $HOME/(string sub -s 3 -- $value)",
    "        set -a snaps -s $value",
    "    end",
    "    # A FIFO (or a device, a socket) named so has no writer now: reading it hung the prompt until Ctrl-C.",
    "    set -l looked $snaps",
    "    if test (count $snaps) -eq 0",
    "        set looked governor.json",
    "        set -q BBGOV_SNAPSHOT; and set looked $BBGOV_SNAPSHOT",
    "    end",
    "    for file in $looked",
    "        if test -p $file -o -c $file -o -S $file",
    "            return",
    "        end",
    "    end",
    // Standard input is the terminal: `-s -` would wait for the keys typed next (a hung prompt until Ctrl-C).
    `    bbgov $snaps --json inspect </dev/null 2>/dev/null | ${PEERS_OF_JSON}`,
    "end",
    "",
    "complete -c bbgov -f",
    ...entries.map((entry) => `complete -c bbgov -n __fish_use_subcommand -a ${entry.name} -d ${fishQuote(entry.summary)}`),
    ...globals.map((flag) => `complete -c bbgov ${fishFlag(flag)}`),
    `complete -c bbgov -n __fish_use_subcommand ${fishFlag(version)}`,
  ];
  for (const entry of entries) {
    const when = `-n ${fishQuote(`__fish_seen_subcommand_from ${entry.name}`)}`;
    for (const flag of entry.flags) out.push(`complete -c bbgov ${when} ${fishFlag(flag)}`);
    const first = entry.positionals[0];
    if (first?.choices !== undefined) out.push(`complete -c bbgov ${when} -x -a ${fishQuote(first.choices.join(" "))}`);
    else if (first?.files === true) out.push(`complete -c bbgov ${when} -F`);
    else if (first?.peers === true) out.push(`complete -c bbgov ${when} -x -a '(__bbgov_peers)'`);
  }
  out.push("");
  return out.join("\n");
}

function fishFlag(flag: Flag): string {
  const parts: string[] = [];
  if (flag.short !== undefined) parts.push(`-s ${flag.short.slice(1)}`);
  if (flag.long !== undefined) parts.push(`-l ${flag.long.slice(2)}`);
  if (flag.value !== undefined) {
    if (flag.choices !== undefined) parts.push(`-x -a ${fishQuote(flag.choices.join(" "))}`);
    else if (isFileValue(flag)) parts.push("-r -F");
    else parts.push("-x");
  }
  parts.push(`-d ${fishQuote(flag.description)}`);
  return parts.join(" ");
}

function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, (char) => `\\${char}`)}'`;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
