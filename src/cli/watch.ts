/**
 * `inspect --watch`: redraw the inspect screen whenever the snapshot file
 * changes, fitted to the window. Changes are found by polling the file's
 * identity (inode, size, modification time) every interval, which also sees
 * a host's atomic rename; a resize redraws at once. A file caught half-way
 * or invalid shows its error on the screen and the watch goes on. Ctrl-C
 * (or the signal given) ends it cleanly with exit 0.
 */
import fs from "node:fs/promises";
import { stripVTControlCharacters } from "node:util";
import { BbgovError } from "../core/errors.js";
import type { BackoffConfig } from "../core/backoff.js";
import { hostBackoffWarnings } from "./commands/common.js";
import { loadCommand } from "./commands/index.js";
import { resolvePeerArgs, withNotices } from "./commands/resolve.js";
import { commandContext, type CliIo, type CommandModule } from "./context.js";
import { IoError, UsageError } from "./errors.js";
import { kindOf } from "./io/lock.js";
import { outputWidth } from "./io/terminal.js";
import { readBytes, STDIO } from "./io/store.js";
import type { ArgumentSpec } from "./program.js";
import { colorLevel, makeChalk } from "./render/color.js";
import { errorLine } from "./render/error-line.js";
import { formatDuration } from "./render/format.js";
import { keepEnd, wrapLine } from "./render/fit.js";
import { sanitize } from "./render/sanitize.js";
import { visibleWidth } from "./render/table.js";
import { openFrom } from "./single.js";

/** What a watch needs from the command line. */
export interface WatchRequest {
  readonly file: string;
  readonly source: string;
  readonly args: readonly unknown[];
  /** The command's argument declarations: peers resolve against each new state of the file. */
  readonly argSpecs: readonly ArgumentSpec[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly intervalNs: bigint;
  readonly color: boolean;
  /** `--host-backoff`: the schedule of a node or framework snapshot, which stores none. */
  readonly hostBackoff: Partial<BackoffConfig> | undefined;
  /** False with --no-trunc: nothing is shortened to fit the window. */
  readonly trunc: boolean;
  readonly commandModule: CommandModule;
  /** Ends the watch (Ctrl-C in the real process). */
  readonly stop: AbortSignal;
}

const CLEAR = "\u001b[H\u001b[2J\u001b[3J";
const HIDE_CURSOR = "\u001b[?25l";
const SHOW_CURSOR = "\u001b[?25h";

/** Redraws until `stop` aborts; returns the exit code. */
export async function watch(request: WatchRequest, io: CliIo): Promise<number> {
  if (request.file === STDIO) throw new UsageError("--watch needs a snapshot file, not standard input", "--watch");
  const out = io.stdout as CliIo["stdout"] & {
    rows?: number;
    on?: (event: string, listener: () => void) => unknown;
    off?: (event: string, listener: () => void) => unknown;
  };
  // `-s <(...)`, a FIFO: its bytes come once, and each look would wait for a writer (Ctrl-C could not end that wait).
  const special = await specialFile(request.file);
  if (special !== undefined) {
    throw new UsageError(
      `--watch follows a regular file, and ${request.source} is ${special}; run inspect without --watch to read it once`,
      "--watch",
    );
  }
  const intervalMs = pollMs(request.intervalNs);
  let seen = "";
  let drawn = false;
  let resized = false;
  // Ends the wait for the next look: a resize redraws at once, not after the interval (which may be long).
  let wake: (() => void) | undefined;
  const onResize = (): void => {
    resized = true;
    wake?.();
  };
  out.on?.("resize", onResize);
  // A dumb terminal (TERM=dumb: an editor's shell buffer, a serial console) cannot clear or hide anything: it
  // showed the escapes as text. There every frame follows the last, after a blank line.
  const dumb = io.env.TERM === "dumb";
  if (out.isTTY === true && !dumb) out.write(HIDE_CURSOR);
  try {
    while (!request.stop.aborted) {
      const identity = await fileIdentity(request.file);
      if (identity !== seen || resized || !drawn) {
        seen = identity;
        resized = false;
        out.write(`${dumb ? (drawn ? "\n\n" : "") : CLEAR}${await frame(request, io, out)}`);
        drawn = true;
      }
      if (!resized)
        await sleep(intervalMs, request.stop, (done) => {
          wake = done;
        });
      wake = undefined;
    }
  } finally {
    out.off?.("resize", onResize);
    if (out.isTTY === true && !dumb) out.write(SHOW_CURSOR);
  }
  out.write("\n");
  return 0;
}

/**
 * One screen: the inspect report of the file as it is now (or its error), and a status line. Without --limit the
 * table gets the window's height less every other line: the summary (a node snapshot's is longer), the table's
 * borders and the load warnings, counted on a first drawing of one row (a fixed guess overflowed the window).
 */
async function frame(request: WatchRequest, io: CliIo, out: CliIo["stdout"] & { rows?: number }): Promise<string> {
  const chalk = makeChalk(colorLevel(io.env, request.color, out.isTTY === true));
  const width = request.trunc ? outputWidth(out, io.env) : undefined;
  const ui = { chalk, ...(width === undefined ? {} : { width }) };
  const height = typeof out.rows === "number" && out.rows > 0 ? out.rows : undefined;
  // The window's own width, where a longer line wraps: with --no-trunc, or a table that cannot narrow to the window,
  // a line takes several of the window's lines (outputWidth's least of 40 is not the window's).
  const windowWidth = typeof out.columns === "number" && out.columns > 0 ? out.columns : outputWidth(out, io.env);
  const status = statusLine(request, width);
  let body: string;
  try {
    // A file replaced by a FIFO is not opened: the open would wait for a writer, the screen frozen, Ctrl-C unheard.
    const special = await specialFile(request.file);
    if (special !== undefined) {
      throw new IoError(`cannot read the snapshot: it is now ${special}, not a regular file; waiting for a file there`, request.source);
    }
    const { bytes } = await readBytes(request.file, io.stdin, "the snapshot");
    // Opened as a one-off run opens it: the host's schedule applies, an error names the file; several skipped
    // entries are one warning line here, which the window has to fit beside the table.
    const { opened, warnings } = openFrom(bytes, request.file, { hostBackoff: request.hostBackoff }, false, true);
    const { snapshot } = opened;
    const resolved = resolvePeerArgs(request.argSpecs, request.args, snapshot);
    // What a one-off run says once before its output (a --host-backoff value clamped, or its base above its max).
    const runWarnings = request.hostBackoff === undefined ? [] : hostBackoffWarnings(request.hostBackoff);
    // With a limit of the watch's own (the window's height), rows cut are said to be the window's doing.
    const draw = async (limit: number | undefined): Promise<string> => {
      const options = limit === undefined ? request.options : { ...request.options, limit };
      const report = withNotices(
        await request.commandModule.execute(commandContext(snapshot, request.source, opened, loadCommand), resolved.args, options),
        resolved.notices,
      );
      let text = report.render(limit === undefined ? ui : { ...ui, cutByWindow: true });
      // What a one-off inspect prints on standard error (a threshold 0 clamped, entries skipped) belongs on the screen.
      for (const warning of [...runWarnings, ...warnings, ...report.warnings])
        text += `\n${chalk.yellow(wrapLine(ui, `bbgov: warning: ${sanitize(warning)}`, "bbgov: ".length))}`;
      return text;
    };
    if (height === undefined || request.options.limit !== undefined) body = await draw(undefined);
    else {
      // The window less the blank line and the status line.
      const room = height - 1 - screenLines(status, windowWidth);
      // One row first: every other line (summary, table borders, the "more rows" line, warnings) is then known.
      const one = await draw(1);
      if (screenLines(one, windowWidth) > room) {
        // A window too short for the summary and one row: the summary alone, and how many rows it has no room for
        // (one row kept overflowed the window, its top scrolled away).
        body = await draw(0);
      } else {
        let rowLines = tableLineLines(one, windowWidth);
        let limit = Math.max(1, Math.floor((room - (screenLines(one, windowWidth) - rowLines)) / rowLines));
        body = await draw(limit);
        // More rows can make the table wider (a longer cell), and each of its lines wrap into more: fewer rows then.
        for (let tries = 0, over = screenLines(body, windowWidth) - room; over > 0 && limit > 1 && tries < 3; tries++) {
          rowLines = tableLineLines(body, windowWidth);
          limit = Math.max(1, limit - Math.ceil(over / rowLines));
          body = await draw(limit);
          over = screenLines(body, windowWidth) - room;
        }
      }
    }
  } catch (error) {
    if (!(error instanceof BbgovError)) throw error;
    // The line main would print: sanitised, since a message may quote the file's own bytes.
    // Wrapped between words to the window, as the rest of the screen is fitted to it.
    body = chalk.red(wrapLine(ui, errorLine(error, io.env), "bbgov: ".length));
  }
  return `${body}\n\n${chalk.dim(status)}`;
}

/** The status line under the screen, fitted to `width` (none: whole). */
function statusLine(request: WatchRequest, width: number | undefined): string {
  const rest = ` every ${formatDuration(BigInt(pollMs(request.intervalNs)) * 1_000_000n)}; Ctrl-C quits`;
  const status = `watching ${request.source}${rest}`;
  // A long path gives up its start, not the way out: cut at the end, "Ctrl-C quits" was the first to go.
  const room = width === undefined ? 0 : width - "watching …".length - rest.length;
  return width === undefined || status.length <= width
    ? status
    : room >= 8
      ? `watching ${keepEnd(request.source, room + 1)}${rest}`
      : status.slice(0, width);
}

/**
 * How often the file is looked at, in milliseconds: --interval, at least 10 ms, and at most the longest timer
 * Node keeps (about 24.8 days; a longer one fires at once, with a warning across the screen, and the watch
 * would look at the file every millisecond).
 */
function pollMs(intervalNs: bigint): number {
  const ms = intervalNs / 1_000_000n;
  return ms < 10n ? 10 : ms > MAX_TIMER_MS ? Number(MAX_TIMER_MS) : Number(ms);
}

const MAX_TIMER_MS = 2_147_483_647n;

/** What `file` is (links followed) when it is neither a regular file nor a folder ("a FIFO", "a device"), else undefined. */
async function specialFile(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() || stat.isDirectory() ? undefined : kindOf(stat);
  } catch {
    // Missing or unreadable: the read says so, naming the file.
    return undefined;
  }
}

/** What changes when the file does: a rename gives a new inode, a rewrite a new size or time. */
async function fileIdentity(file: string): Promise<string> {
  try {
    const stat = await fs.stat(file, { bigint: true });
    return `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
  } catch {
    return "missing";
  }
}

/** Waits `ms`, or less: until `stop` aborts or the function given to `onWake` is called. */
function sleep(ms: number, stop: AbortSignal, onWake: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    // Ctrl-C while a frame was drawn has fired already: no abort event is coming, so waiting would take the interval.
    if (stop.aborted) return resolve();
    const timer = setTimeout(done, ms);
    onWake(done);
    function done(): void {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      resolve();
    }
    stop.addEventListener("abort", done, { once: true });
  });
}

/** How many lines of a window `columns` wide (undefined: unknown, no wrapping counted) `text` takes. */
function screenLines(text: string, columns: number | undefined): number {
  let lines = 0;
  for (const line of text.split("\n")) lines += wrappedLines(line, columns);
  return lines;
}

/** The window's lines one line of text takes: a line wider than the window wraps (a character counts one column). */
function wrappedLines(line: string, columns: number | undefined): number {
  return columns === undefined ? 1 : Math.max(1, Math.ceil(visibleWidth(line) / columns));
}

/** The window's lines each line of the table in `text` takes (its lines are all as wide as its top border), or 1. */
function tableLineLines(text: string, columns: number | undefined): number {
  const top = text.split("\n").find((line) => stripVTControlCharacters(line).trimStart().startsWith("┌"));
  return top === undefined ? 1 : wrappedLines(top, columns);
}
