/** What a command module receives and returns: the contract between `main` and `commands/`. */
import type { ChalkInstance } from "chalk";
import type { FrameworkFields } from "../snapshot/framework-json.js";
import type { Holds, OpenedSnapshot, SnapshotKind } from "../snapshot/kinds.js";
import type { Snapshot } from "../snapshot/model.js";
import type { NodeInfo } from "../snapshot/node.js";
import type { TextChunks } from "./render/json.js";

/** The process surface `execute` uses; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Told the name of each file written, so that a later output fault can say the snapshot was. */
  readonly onWritten?: (file: string) => void;
  /** Ends `inspect --watch` (tests); the real process uses Ctrl-C. */
  readonly stop?: AbortSignal;
}

/** An event time as given on the command line: absolute (`--at`) or relative to the clock (`--after`). */
export type TimeSpec = { readonly kind: "at"; readonly ns: bigint } | { readonly kind: "after"; readonly ns: bigint };

/** Everything a command needs to run against a loaded snapshot. */
export interface CommandContext {
  /** The loaded snapshot; mutating commands change it in place. */
  readonly snapshot: Snapshot;
  /** How the snapshot is named in messages (its path, or "standard input"). */
  readonly source: string;
  /** What the file can store besides the governor (a node snapshot holds no clock and no backoff schedule). */
  readonly holds: Holds;
  /** The kind of file, for messages only: commands behave alike on every kind. */
  readonly kind: SnapshotKind;
  /** Which node the snapshot belongs to, when the file says (a node snapshot). */
  readonly node?: NodeInfo;
  /** The file's own FrameworkSnapshot fields besides the governor (none for a bbgov snapshot), for export. */
  readonly frameworkFields?: () => FrameworkFields;
  /**
   * The Ui the report will be drawn with, when it will be drawn for people (not --json or --quiet): a command
   * whose report shows the state at several moments (apply, line by line) draws each part as it goes.
   */
  readonly drawing?: () => Promise<Ui>;
  /**
   * False when the report's `json` will not be printed (no --json): a command may then leave out of it
   * what only that document needs (apply's per-line documents). Undefined: it may be printed.
   */
  readonly printsJson?: boolean;
  /** Every peer the fleet's files know, when the snapshot is one file of a fleet (apply resolves its script's prefixes against them). */
  readonly fleetPeers?: FleetPeers;
  /** Loads another command's module (apply runs other commands; given by `main` so no command imports the table). */
  loadCommand(name: string): Promise<CommandModule>;
}

/**
 * Every peer a fleet's files know, by text (sorted), for an `apply` script run on each of them: a prefix or a
 * short form in it is resolved against these too, so it names one peer on every node (or is ambiguous on all),
 * as a prefix given to a command across the fleet is.
 */
export interface FleetPeers {
  readonly texts: readonly string[];
  readonly has: (text: string) => boolean;
}

/**
 * The context of a command on a snapshot as opened (or on a fresh one for
 * init, import and completion: a bbgov snapshot that holds everything).
 */
export function commandContext(
  snapshot: Snapshot,
  source: string,
  opened: OpenedSnapshot | undefined,
  loadCommand: (name: string) => Promise<CommandModule>,
  drawing?: () => Promise<Ui>,
  printsJson?: boolean,
): CommandContext {
  return {
    snapshot,
    source,
    holds: opened?.holds ?? { clock: true, backoffSchedule: true },
    kind: opened?.kind ?? "bbgov-json",
    ...(opened?.node === undefined ? {} : { node: opened.node }),
    ...(opened === undefined ? {} : { frameworkFields: () => opened.frameworkFields() }),
    ...(drawing === undefined ? {} : { drawing }),
    ...(printsJson === undefined ? {} : { printsJson }),
    loadCommand,
  };
}

/** How a report is drawn for people. */
export interface Ui {
  readonly chalk: ChalkInstance;
  /** Columns the output may take (the terminal's width); undefined: unlimited (pipes, --no-trunc). */
  readonly width?: number;
  /** Set by `inspect --watch` when it cut the table to the window's height: rows not shown are the window's doing, not --limit's. */
  readonly cutByWindow?: boolean;
}

/** What a command did: data for `--json`, a renderer for people, and its exit code. */
export interface Report {
  /** The body of the `--json` document (bigints become decimal strings). */
  readonly json: Record<string, unknown>;
  /** The human rendering; may be empty. */
  render(ui: Ui): string;
  /** Non-fatal findings, printed on standard error as `bbgov: warning: ...`. */
  readonly warnings: readonly string[];
  /** 0, 1 for a negative answer (`check` denied, `diff` differs), 2 for a report of errors (`validate`). */
  readonly exitCode: 0 | 1 | 2;
  /**
   * With exit 2, the error in one line (`<what> (<where>)`), printed on standard error as `bbgov: ...` after the
   * report, with --quiet and --json too: an error is said on standard error, whatever else the report says.
   */
  readonly error?: string;
  /**
   * The command's product as exact text (an export, a completion script, NDJSON):
   * printed as it is, with or without --json, to standard output or `--out`.
   * A big product comes in pieces (TextChunks), written as they are made.
   */
  readonly output?: string | TextChunks;
  /**
   * Whether a mutating command changed the state (default true). A command that
   * changed nothing leaves the file as it was, even when it is not canonical.
   */
  readonly changed?: boolean;
}

/** A command's implementation, loaded on use. */
export interface CommandModule {
  execute(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report | Promise<Report>;
  /**
   * The checks of `execute` that depend on neither the state nor the lines before (options that go together, what
   * the kind of file can hold); throws a BbgovError. apply runs them on the lines after a failed one, which no longer
   * run, so that every bad line is named at once. `args` are as parsed, peers not yet resolved.
   */
  check?(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): void;
  /**
   * What is wrong with the command's input whatever file it runs on (apply: its script's bad lines), found on no
   * file; throws a BbgovError. A fleet runs it once before it runs the command on each file, so that such an error is
   * said once, not for every file alike.
   */
  checkInput?(args: readonly unknown[], loadCommand: (name: string) => Promise<CommandModule>): Promise<void>;
}

/** Builds a report; `exitCode` defaults to 0 and `warnings` to none. */
export function report(
  json: Record<string, unknown>,
  render: (ui: Ui) => string,
  extra: {
    warnings?: readonly string[];
    exitCode?: 0 | 1 | 2;
    output?: string | TextChunks;
    changed?: boolean;
    error?: string;
  } = {},
): Report {
  // Properties added only when given, without spreading empty objects: apply builds one report per line.
  const built: { -readonly [K in keyof Report]: Report[K] } = {
    json,
    render,
    warnings: extra.warnings ?? NO_WARNINGS,
    exitCode: extra.exitCode ?? 0,
  };
  if (extra.output !== undefined) built.output = extra.output;
  if (extra.changed !== undefined) built.changed = extra.changed;
  if (extra.error !== undefined) built.error = extra.error;
  return built;
}

const NO_WARNINGS: readonly string[] = Object.freeze([]);
