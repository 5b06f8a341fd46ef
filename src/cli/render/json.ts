/**
 * JSON output: one document, u64 bigints as decimal strings, never colour.
 *
 * The document is written in pieces of about CHUNK characters, each ending
 * between two array items, rather than as one string: `inspect --json` on
 * 100k peers is ~60 MB of text, which as one string, its sanitized copy and
 * the bytes written came to three times that. The text is exactly
 * `JSON.stringify(document, bigints as strings, 2)` with the sanitizer's
 * escapes (test/cli/json-stream.property.test.ts holds the two together); it
 * is built here rather than by JSON.stringify with a replacer, V8's slow path,
 * which took a third of `inspect --json`.
 */
import { sanitizeJson } from "./sanitize.js";

/**
 * A value that writes its own JSON text: exactly what JSON.stringify gives for
 * its own enumerable properties (bigints as strings), at `indent` with a
 * 2-space gap, or compact when `indent` is undefined, which spares the
 * generic serializer its work. Only PeerJson has one now, and no document
 * holds a PeerJson: inspect's rows are written by their list (OWN_ITEMS),
 * and the tests hold that text to PeerJson's. A property test holds each to JSON.stringify.
 */
export const OWN_JSON: unique symbol = Symbol("bbgov.ownJson");

/** See OWN_JSON. */
export interface OwnJson {
  [OWN_JSON](indent: string | undefined): string;
}

/**
 * A long array that writes its items' text itself, in pieces, straight from
 * where they come from (inspect's rows from a snapshot's text, 60 MB at 100k
 * peers): exactly what JSON.stringify gives for the items, and text that
 * needs no sanitizing (the writer hands its pieces on as they are). Its
 * toJSON gives the items for any other serializer.
 */
export const OWN_ITEMS: unique symbol = Symbol("bbgov.ownItems");

/** See OWN_ITEMS. */
export interface OwnItems {
  readonly length: number;
  /**
   * The items at `indent` (compact when undefined), `first` before the first one, `between` between two, `last`
   * after the last; in pieces of about `size` characters. Only called when there is at least one item.
   */
  [OWN_ITEMS](indent: string | undefined, first: string, between: string, last: string, size: number): Iterable<string>;
}

function isOwnItems(value: unknown): value is OwnItems {
  return typeof value === "object" && value !== null && typeof (value as Partial<OwnItems>)[OWN_ITEMS] === "function";
}

/** The whole text of `items`, as `json` would write the array at `indent` (compact when `gap` is undefined). */
function ownItemsText(items: OwnItems, indent: string, gap: string | undefined): string {
  if (items.length === 0) return "[]";
  const inner = gap === undefined ? undefined : `${indent}${gap}`;
  const pieces =
    inner === undefined
      ? items[OWN_ITEMS](undefined, "[", ",", "]", CHUNK)
      : items[OWN_ITEMS](inner, `[\n${inner}`, `,\n${inner}`, `\n${indent}]`, CHUNK);
  return Array.from(pieces).join("");
}

/** The items of `items` as plain values (their compact text parsed): what JSON.stringify may serialize. */
export function ownItemsValues(items: OwnItems): unknown[] {
  return JSON.parse(ownItemsText(items, "", undefined)) as unknown[];
}

function ownJson(value: unknown, indent: string | undefined): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const write = (value as Partial<OwnJson>)[OWN_JSON];
  return typeof write === "function" ? write.call(value, indent) : undefined;
}

/** Characters gathered before a piece is handed on. */
export const CHUNK = 1 << 16;

/** Text produced in pieces: `chunks()` may be iterated once per call, each time from the start. */
export interface TextChunks {
  chunks(): Iterable<string>;
}

/** Serializes a `--json` document: 2-space indent, bigints as strings, control and bidi characters as \u escapes, trailing newline. */
export function renderJson(document: unknown): string {
  return [...jsonChunks(document)].join("");
}

/** The same text as `renderJson`, in pieces of about 64k characters. */
export function jsonChunks(document: unknown): Iterable<string> {
  return {
    [Symbol.iterator]() {
      return withBigIntText(
        (function* () {
          const out = new Pieces(true);
          yield* structure(prepared(document, ""), "", out, 0);
          out.push("\n");
          yield out.take();
        })(),
      );
    },
  };
}

/** NDJSON: one compact document per item, each on its line, in pieces (not sanitized, as before). */
export function ndjsonChunks(items: readonly unknown[] | OwnItems): Iterable<string> {
  return {
    *[Symbol.iterator]() {
      if (isOwnItems(items)) {
        if (items.length > 0) yield* items[OWN_ITEMS](undefined, "", "\n", "\n", CHUNK);
        return;
      }
      const out = new Pieces(false);
      for (const item of items) {
        out.push(ownJson(item, undefined) ?? json(item, "", undefined, "") ?? "undefined");
        out.push("\n");
        if (out.size >= CHUNK) yield out.take();
      }
      yield out.take();
    },
  };
}

/** Gathers text pieces; `take` joins them (sanitized when asked). */
class Pieces {
  private parts: string[] = [];
  size = 0;

  constructor(private readonly sanitized: boolean) {}

  push(text: string): void {
    this.parts.push(text);
    this.size += text.length;
  }

  take(): string {
    const joined = this.parts.join("");
    const text = this.sanitized ? sanitizeJson(joined) : joined;
    this.parts = [];
    this.size = 0;
    return text;
  }
}

// Arrays and objects this close to the top are walked by the generator, so that a piece may end between their
// items; deeper values (a peer's row) are serialized in one go.
const STREAMED_DEPTH = 2;

/** Writes `value` (toJSON and the replacer already applied) at `indent`. */
function* structure(value: unknown, indent: string, out: Pieces, depth: number): Generator<string> {
  if (depth >= STREAMED_DEPTH || !isWalked(value)) {
    out.push(json(value, indent, "  ", "", true) ?? "undefined");
    return;
  }
  yield* walk(value as object, indent, out, depth);
}

function* walk(value: object, indent: string, out: Pieces, depth: number): Generator<string> {
  const inner = `${indent}  `;
  if (isOwnItems(value)) {
    if (value.length === 0) return out.push("[]");
    // What came before is sanitized and handed on; the items' own pieces need no sanitizing.
    out.push("[");
    yield out.take();
    yield* value[OWN_ITEMS](inner, `\n${inner}`, `,\n${inner}`, `\n${indent}]`, CHUNK);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return out.push("[]");
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      out.push(i === 0 ? `\n${inner}` : `,\n${inner}`);
      const item = isOwnItems(value[i]) ? value[i] : prepared(value[i], String(i));
      if (isWalked(item)) {
        if (depth + 1 >= STREAMED_DEPTH) out.push(ownJson(item, inner) ?? deep(item as object, inner));
        else yield* walk(item as object, inner, out, depth + 1);
      } else out.push(json(item, inner, "  ", String(i), true) ?? "null");
      if (out.size >= CHUNK) yield out.take();
    }
    out.push(`\n${indent}]`);
    return;
  }
  let first = true;
  for (const name of Object.keys(value as object)) {
    const raw = (value as Record<string, unknown>)[name];
    const item = isOwnItems(raw) ? raw : prepared(raw, name);
    const text = isWalked(item) ? undefined : json(item, inner, "  ", name, true);
    if (!isWalked(item) && text === undefined) continue;
    out.push(first ? `{\n${inner}${JSON.stringify(name)}: ` : `,\n${inner}${JSON.stringify(name)}: `);
    first = false;
    if (text !== undefined) out.push(text);
    else if (depth + 1 >= STREAMED_DEPTH) out.push(deep(item as object, inner));
    else yield* walk(item as object, inner, out, depth + 1);
    if (out.size >= CHUNK) yield out.take();
  }
  out.push(first ? "{}" : `\n${indent}}`);
}

/** A value below the streamed depth, in one piece: its own items' text, or V8's. */
function deep(value: object, indent: string): string {
  return isOwnItems(value) ? ownItemsText(value, indent, "  ") : native(value, indent);
}

/** A plain array or object, walked by `structure`. */
function isWalked(value: unknown): boolean {
  return typeof value === "object" && value !== null && !isBoxed(value);
}

function isBoxed(value: object): boolean {
  return value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt;
}

/** JSON.stringify's first steps for one property: its toJSON, then our replacer (bigints become strings). */
function prepared(value: unknown, key: string): unknown {
  let result = value;
  if ((typeof result === "object" && result !== null) || typeof result === "bigint") {
    const toJSON = (result as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") result = (toJSON as (key: string) => unknown).call(result, key);
  }
  return typeof result === "bigint" ? result.toString() : result;
}

const replacer = (_key: string, value: unknown): unknown => (typeof value === "bigint" ? value.toString() : value);

/**
 * One array or object (toJSON and the replacer applied to it already) at
 * `indent`, by V8's own JSON.stringify without a replacer, its fast path; a
 * bigint inside becomes its decimal string through the BigInt.prototype.toJSON
 * that `withBigIntText` puts in place for one step of the writer. A raw
 * newline in JSON text is always layout, so indenting is a replace.
 */
function native(value: object, indent: string): string {
  if (!bigintTextInPlace) return json(value, indent, "  ", "", true) ?? "undefined";
  return (JSON.stringify(value, null, 2) as string).replaceAll("\n", `\n${indent}`);
}

let bigintTextInPlace = false;

/**
 * Runs the steps of `steps` with BigInt.prototype.toJSON giving a bigint's
 * decimal text, and without it between steps, so that no other code ever sees
 * it (see withBigIntToJson; where it cannot be put there, `native` is not used).
 */
function* withBigIntText(steps: Iterator<string>): Generator<string> {
  for (;;) {
    const step = withBigIntToJson((native) => {
      bigintTextInPlace = native;
      try {
        return steps.next();
      } finally {
        bigintTextInPlace = false;
      }
    });
    if (step.done === true) return;
    yield step.value;
  }
}

/**
 * Runs `run` with BigInt.prototype.toJSON giving a bigint's decimal text
 * (`native` true: JSON.stringify needs no replacer, its fast path), then takes
 * it away. Where some other code put its own there (it stays) or the
 * prototype is frozen (--frozen-intrinsics, a lockdown: the assignment is
 * refused, silently in the bundle's sloppy mode), `native` is false and the
 * caller serializes bigints itself.
 */
function withBigIntToJson<T>(run: (native: boolean) => T): T {
  const proto = BigInt.prototype as { toJSON?: (this: bigint) => string };
  if (Object.hasOwn(proto, "toJSON") || !Reflect.set(proto, "toJSON", bigintText)) return run(false);
  try {
    return run(true);
  } finally {
    delete proto.toJSON;
  }
}

/**
 * Each of `items` as JSON.stringify's compact text (bigints as decimal
 * strings), each followed by a newline: NDJSON lines from V8's fast path
 * (withBigIntToJson), rather than a replacer's slow path (a third of a fleet's rows).
 */
export function compactLines(items: readonly object[]): string {
  return withBigIntToJson((native) => {
    let text = "";
    if (native) for (const item of items) text += `${JSON.stringify(item)}\n`;
    else for (const item of items) text += `${JSON.stringify(item, replacer)}\n`;
    return text;
  });
}

function bigintText(this: bigint): string {
  return this.toString();
}

/**
 * The JSON text of one value at `indent` (its inner lines at indent + gap),
 * or undefined where JSON.stringify leaves a property out. With `gap`
 * undefined, compact (NDJSON). `ready`: toJSON and the replacer were applied.
 */
function json(raw: unknown, indent: string, gap: string | undefined, key: string, ready = false): string | undefined {
  if (isOwnItems(raw)) return ownItemsText(raw, indent, gap);
  const value = ready ? raw : prepared(raw, key);
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      return undefined;
  }
  if (value === null) return "null";
  if (isBoxed(value)) return JSON.stringify(value, replacer);
  const own = ownJson(value, gap === undefined ? undefined : indent);
  if (own !== undefined) return own;
  const inner = gap === undefined ? "" : `${indent}${gap}`;
  const open = gap === undefined ? "" : `\n${inner}`;
  const separator = gap === undefined ? "," : `,\n${inner}`;
  const close = gap === undefined ? "" : `\n${indent}`;
  const colon = gap === undefined ? ":" : ": ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    let text = "[";
    for (let i = 0; i < value.length; i++) {
      text += (i === 0 ? open : separator) + (json(value[i], inner, gap, String(i)) ?? "null");
    }
    return `${text}${close}]`;
  }
  let text = "";
  for (const name of Object.keys(value)) {
    const item = json((value as Record<string, unknown>)[name], inner, gap, name);
    if (item === undefined) continue;
    text += (text === "" ? `{${open}` : separator) + JSON.stringify(name) + colon + item;
  }
  return text === "" ? "{}" : `${text}${close}}`;
}
