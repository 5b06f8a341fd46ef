/**
 * The shape of the command table (`program.ts`) and the types it gives the
 * commands. A command is declared once, with `defineCommand`; from its option
 * and argument specs TypeScript infers what its `execute` receives: an option
 * `--backoff-base <dur>` parsed by `durationArg` is `backoffBase?: bigint`, a
 * flag `--all` is `all?: true`, `--sort <key>` with choices and a default is
 * the union of its choices, a peer argument is a `PeerId`. Types only at run
 * time (besides the identity `defineCommand`), so command modules import them
 * without loading anything.
 */
import type { SharedPeers } from "../snapshot/node.js";
import type { BackoffConfig } from "../core/backoff.js";
import type { PeerId } from "../core/peer-id.js";
import type { Holds, SnapshotInput, SnapshotKind } from "../snapshot/kinds.js";
import type { SnapshotError } from "../snapshot/model.js";
import type { Snapshot } from "../snapshot/model.js";
import type { ScriptLines } from "./io/lines.js";

/** One option of a command, as data. */
export interface OptionSpec {
  readonly flags: string;
  readonly description: string;
  readonly parse?: (text: string, previous: never) => unknown;
  readonly choices?: readonly string[];
  readonly conflicts?: readonly string[];
  readonly defaultValue?: unknown;
}

/** One positional argument of a command, as data. */
export interface ArgumentSpec {
  /** Commander syntax: `<peer>`, `[peer...]`. */
  readonly syntax: string;
  readonly description: string;
  readonly parse?: (text: string, previous: never) => unknown;
  /** The only values accepted (checked by commander, offered by completion). */
  readonly choices?: readonly string[];
  /** A peer (or peers): resolved against the loaded snapshot before the command runs. */
  readonly peer?: "one" | "many";
}

/** One command, as data. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly args: readonly ArgumentSpec[];
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
  /** Changes the snapshot (and so takes the lock and writes it). */
  readonly mutates: boolean;
  /** May be a line of an `apply` script. */
  readonly inApply: boolean;
  /**
   * A positional argument that names a file `main` reads for the command: a snapshot of any kind, text, bytes
   * (an upstream file of any kind, for import), or lines (a script, read one line at a time).
   */
  readonly fileArg?: "snapshot" | "text" | "bytes" | "lines";
  /**
   * Where the command's snapshot comes from: `load` (the default) reads `-s`;
   * `create` starts from an empty one and refuses to replace a file without
   * --force (init, import); `none` needs no snapshot at all (completion);
   * `raw` hands the command the file's content to judge itself (validate).
   */
  readonly snapshot?: "load" | "create" | "none" | "raw";
  /** A read-only command whose product (`Report.output`) `--out` may send to a file (export). */
  readonly writesOut?: boolean;
  /** How an error of that write names what it writes (default "the snapshot"; completion writes a script). */
  readonly outName?: string;
}

/** Declares a command; returns it unchanged, with its literal type kept for the types of its `execute`. */
export function defineCommand<const S extends CommandSpec>(spec: S): S {
  return spec;
}

/** What `main` reads for a `fileArg` and hands the command in place of the file name. */
export interface FileArgValues {
  /** `diff OTHER`: the other snapshot, opened. */
  readonly snapshot: {
    readonly snapshot: Snapshot;
    readonly source: string;
    /** What the other file holds besides the governor (a node snapshot: no clock, no backoff schedule). */
    readonly holds: Holds;
    /** What loading it found (a threshold 0 clamped, entries skipped), one line each, naming the file. */
    readonly warnings: readonly string[];
  };
  readonly text: { readonly text: string; readonly source: string };
  /** `import FILE`: an upstream file of any kind. */
  readonly bytes: SnapshotInput & { readonly source: string };
  /** `apply SCRIPT`: the script, one line at a time. */
  readonly lines: ScriptLines;
}

/** What `validate` (`snapshot: "raw"`) receives before its own arguments: the file as it is, to judge itself. */
export interface RawSnapshot {
  readonly input: SnapshotInput;
  readonly source: string;
  readonly hostBackoff?: Partial<BackoffConfig> | undefined;
  /** The file's kind, recognised once by `main`, or why it is none. */
  readonly kind: SnapshotKind | SnapshotError;
  /** The model, when recognising the kind read it already (a bbgov JSON text in bbgov's own layout). */
  readonly canonical?: Snapshot | undefined;
  /** A fleet's peers, made once for all its files. */
  readonly shared?: SharedPeers | undefined;
}

/** `--backoff-base <dur>` -> `backoff-base`; `-s, --snapshot <file>` -> `snapshot`. */
type LongName<F extends string> = F extends `${string}--${infer Rest}` ? (Rest extends `${infer Name} ${string}` ? Name : Rest) : never;
/** `backoff-base` -> `backoffBase`, as commander names the option's value. */
type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
/** The key of an option's value in the parsed options. */
type OptionKey<O extends OptionSpec> = Camel<LongName<O["flags"]>>;

/** An option's value: what its parser returns, one of its choices, its text, or `true` for a flag. */
type OptionValue<O extends OptionSpec> = O extends { readonly parse: (...params: never[]) => infer V }
  ? V
  : O extends { readonly choices: readonly (infer C)[] }
    ? C
    : O["flags"] extends `${string}<${string}`
      ? string
      : true;

/** The parsed options of a command: present when given, always present when the spec has a default. */
export type OptionsOf<Os extends readonly OptionSpec[]> = {
  readonly [O in Os[number] as O extends { readonly defaultValue: NonNullable<unknown> } ? never : OptionKey<O>]?: OptionValue<O>;
} & {
  readonly [O in Os[number] as O extends { readonly defaultValue: NonNullable<unknown> } ? OptionKey<O> : never]: OptionValue<O>;
};

/** An argument's value once peers are resolved: a peer, peers (none when left out), or what its parser returns. */
type ArgumentValue<A extends ArgumentSpec> = A extends { readonly peer: "one" }
  ? PeerId
  : A extends { readonly peer: "many" }
    ? readonly PeerId[]
    : A extends { readonly parse: (...params: never[]) => infer V }
      ? V
      : A extends { readonly choices: readonly (infer C)[] }
        ? C
        : A["syntax"] extends `${string}...${string}`
          ? readonly string[]
          : A["syntax"] extends `[${string}`
            ? string | undefined
            : string;

/** The values of a list of argument specs, in order. */
type ArgumentValues<As extends readonly ArgumentSpec[]> = { readonly [I in keyof As]: ArgumentValue<As[I]> };

/** Every value but the first of a tuple. */
type Rest<T extends readonly unknown[]> = T extends readonly [unknown, ...infer R] ? R : [];

/** The arguments a command's `execute` receives: its own, with a file argument replaced by what `main` read. */
export type ArgsOf<S extends CommandSpec> = S["snapshot"] extends "raw"
  ? readonly [RawSnapshot, ...ArgumentValues<S["args"]>]
  : S["fileArg"] extends keyof FileArgValues
    ? readonly [FileArgValues[S["fileArg"]], ...Rest<ArgumentValues<S["args"]>>]
    : ArgumentValues<S["args"]>;
