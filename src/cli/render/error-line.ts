/** The one-line message of an error, as `main` prints it. */
import { BbgovError } from "../../core/errors.js";
import type { CliIo } from "../context.js";
import { ApplyScriptErrors } from "../errors.js";
import { sanitize, sanitizeError } from "./sanitize.js";

/**
 * The one-line message for an error: `bbgov: <what> (<where>)`, or an internal error for a bug; the stack only
 * under BBGOV_DEBUG=1. What and where go through the sanitiser: both may quote a file name, a lock file, a script
 * line or input.
 */
export function errorLine(error: unknown, env: CliIo["env"]): string {
  const debug = env.BBGOV_DEBUG === "1";
  if (error instanceof ApplyScriptErrors) {
    // One line per bad line of the script, each in the usual form.
    const lines = error.errors.map((lineError) => errorLine(lineError, env));
    if (error.unlisted > 0) lines.push(`bbgov: ${error.unlisted} more bad line(s) not listed (${sanitize(error.source)})`);
    return lines.join("\n");
  }
  if (error instanceof BbgovError) {
    const where = error.where === undefined ? "" : ` (${sanitize(error.where)})`;
    return `bbgov: ${sanitizeError(error.message)}${where}${debug && error.stack ? `\n${error.stack}` : ""}`;
  }
  // Anything else is a bug in bbgov (a TypeError, a broken invariant), never the user's file: say so, and how to see where.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const detail = debug && error instanceof Error && error.stack ? `\n${error.stack}` : "";
  return (
    `bbgov: internal error: ${sanitize(message.split("\n")[0] ?? "")} (a bug in bbgov;` +
    ` rerun with BBGOV_DEBUG=1 for the stack trace)${detail}`
  );
}
