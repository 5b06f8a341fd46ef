/** The CLI's own error classes; `main` maps every one to exit code 2 and one line. */
import { BbgovError } from "../core/errors.js";

/** A command line (or an `apply` line) that does not parse: bad option, argument or value. */
export class UsageError extends BbgovError {}

/** A file that cannot be read or written (missing, a folder, permission, disk full). */
export class IoError extends BbgovError {}

/** The snapshot's lock could not be taken in time. */
export class LockError extends BbgovError {}

/** A line of an `apply` script failed; wraps the line's own error. */
export class ApplyLineError extends BbgovError {
  constructor(
    readonly lineNumber: number,
    readonly lineError: BbgovError,
    source: string,
  ) {
    super(lineError.message, `${source} line ${lineNumber}${lineError.where === undefined ? "" : `: ${lineError.where}`}`);
  }
}

/** Several lines of an `apply` script failed: each is reported, up to a limit, and the rest counted. */
export class ApplyScriptErrors extends BbgovError {
  constructor(
    readonly errors: readonly [ApplyLineError, ...ApplyLineError[]],
    readonly unlisted: number,
    readonly source: string,
  ) {
    super(errors[0].message, errors[0].where);
  }
}

/** Exit codes of the contract. */
export const EXIT = { ok: 0, negative: 1, error: 2 } as const;
