/** Base class of every error bbgov raises on purpose; anything else is a bug. */
export class BbgovError extends Error {
  /** Where the problem is (a JSON path, an argument, a file, a line), shown in brackets. */
  readonly where: string | undefined;

  constructor(message: string, where?: string) {
    super(message);
    this.name = new.target.name;
    this.where = where;
  }
}

/** A peer id that is not a valid base58btc multihash (or CIDv1 libp2p-key). */
export class InvalidPeerId extends BbgovError {
  /** The text that was given. */
  readonly input: string;

  constructor(input: string, reason: string, where?: string) {
    super(`invalid peer id ${JSON.stringify(truncate(input))}: ${reason}`, where);
    this.input = input;
  }
}

/** An argument outside what upstream's type can hold (a time that is not a u64 bigint, a threshold that is not a u32 integer). */
export class InvalidArgument extends BbgovError {}

/** Shortens a user-supplied value so one error stays one readable line. */
export function truncate(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * `text` when it is a string, else an InvalidArgument saying what `reader` reads: a Buffer from
 * `readFileSync(path)` without an encoding failed deep inside with "text.charCodeAt is not a function".
 */
export function checkedText(text: string, reader: string): string {
  if (typeof text === "string") return text;
  const value: unknown = text;
  const given = givenValue(value);
  const hint = value instanceof Uint8Array ? ' (read the file as text: readFileSync(path, "utf8"))' : "";
  throw new InvalidArgument(`${reader} reads a snapshot's text, a string; it was given ${given}${hint}`);
}

/** What a library caller passed where another thing was expected, for an error message: `a Buffer`, `undefined`, `42`. */
export function givenValue(value: unknown): string {
  return value === null || typeof value !== "object" ? String(value) : `a ${value.constructor?.name ?? "object"}`;
}

/** `value` when it is an object (not null), else an InvalidArgument: `what` is the argument, `expected` what it should hold. */
export function checkedObject<T extends object>(value: T, what: string, expected: string): T {
  const given: unknown = value;
  if (typeof given !== "object" || given === null) throw new InvalidArgument(`invalid ${what} ${givenValue(given)}: expected ${expected}`);
  return value;
}

/** `options` when it is an options object or undefined (its default), else an InvalidArgument: null was read as `null.field`. */
export function checkedOptions<T>(options: T, reader: string): T {
  const given: unknown = options;
  if (given !== undefined && (typeof given !== "object" || given === null))
    throw new InvalidArgument(`invalid options for ${reader}: ${givenValue(given)}; expected an object, or nothing for the defaults`);
  return options;
}

/** `value` when it is a function (or undefined and `optional`), else an InvalidArgument naming `what`. */
export function checkedFunction<T>(value: T, what: string, optional = false): T {
  if (typeof value === "function" || (optional && value === undefined)) return value;
  throw new InvalidArgument(`invalid ${what} ${givenValue(value)}: expected a function`);
}
