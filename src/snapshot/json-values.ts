/**
 * JSON value helpers shared by the JSON snapshot kinds: lossless parsing
 * (every number kept as the text that was written, so u64 values above 2^53
 * never pass through a double), exact unsigned integers, short renderings of
 * values for messages, a compact writer that prints raw numbers back as they
 * were, and a scanner that finds where each member of the top-level object
 * sits in the text (for edits that must leave every other byte alone).
 */
import { parse as parseLosslessJson } from "lossless-json";
import { truncate } from "../core/errors.js";
import { SnapshotError } from "./model.js";

/** A number exactly as written in the text (slow path). */
export class RawNumber {
  constructor(readonly raw: string) {}
}

/** Stands where lossless-json met the same key twice with different values. */
export class RepeatedKey {
  /** Every value the key was given, in the order of the text (at least two). */
  constructor(readonly values: unknown[]) {}

  get first(): unknown {
    return this.values[0];
  }

  get last(): unknown {
    return this.values[this.values.length - 1];
  }
}

/**
 * Parses JSON keeping each number as written (RawNumber) and marking a key repeated with different
 * values (RepeatedKey); a syntax error is a SnapshotError with line and column.
 */
export function parseLossless(text: string): unknown {
  try {
    return parseLosslessJson(text, null, {
      parseNumber: (raw) => new RawNumber(raw),
      onDuplicateKey: ({ oldValue, newValue }) => {
        if (!(oldValue instanceof RepeatedKey)) return new RepeatedKey([oldValue, newValue]);
        oldValue.values.push(newValue);
        return oldValue;
      },
    });
  } catch (error) {
    if (error instanceof SyntaxError) throw new SnapshotError(`invalid JSON: ${withLineAndColumn(error.message, text)}`, "$");
    throw error;
  }
}

/** Adds the 1-based line and column to lossless-json's "at position N". */
export function withLineAndColumn(message: string, text: string): string {
  const match = / at position (\d+)$/.exec(message);
  if (match === null) return message;
  const position = Number(match[1]);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < position; i = text.indexOf("\n", i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return `${message.slice(0, match.index)} at line ${line}, column ${position - lineStart + 1}`;
}

/** True when the text is only JSON whitespace. */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return false;
  }
  return true;
}

/**
 * True when JSON.parse may have dropped a repeated key: the text has more
 * colons than the tree accounts for, or escaped colons (`\u003a`) could make
 * the two counts agree by accident.
 */
export function hidesRepeatedKeys(text: string, tree: unknown): boolean {
  let textColons = 0;
  for (let i = text.indexOf(":"); i !== -1; i = text.indexOf(":", i + 1)) textColons += 1;
  let keys = 0;
  let colonsInStrings = 0; // in keys and in values, as decoded
  const stack: unknown[] = [tree];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") {
      colonsInStrings += countColons(value);
    } else if (Array.isArray(value)) {
      for (const item of value) if (typeof item === "object" || typeof item === "string") stack.push(item);
    } else if (typeof value === "object" && value !== null) {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        keys += 1;
        colonsInStrings += countColons(key);
        const item = record[key];
        if (typeof item === "object" || typeof item === "string") stack.push(item);
      }
    }
  }
  if (textColons !== keys + colonsInStrings) return true;
  return colonsInStrings > 0 && (text.includes("\\u003a") || text.includes("\\u003A"));
}

/**
 * True when parseLossless's `tree` of `text` may have merged a key given twice with the same value (lossless-json
 * keeps one silently): the text has more colons than the tree's keys (a RepeatedKey's every value counted) and the
 * colons inside its strings, or escaped colons could make the counts agree by accident.
 */
export function mayHideEqualRepeats(text: string, tree: unknown): boolean {
  let accounted = 0;
  let colonsInStrings = 0;
  const stack: unknown[] = [tree];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") colonsInStrings += countColons(value);
    else if (Array.isArray(value)) {
      // Numbers (a peer's bytes) hold no colon: only what may is stacked.
      for (const item of value)
        if (typeof item === "string" || (typeof item === "object" && !(item instanceof RawNumber))) stack.push(item);
    } else if (isObject(value)) {
      for (const key of Object.keys(value)) {
        const item = value[key];
        const values = item instanceof RepeatedKey ? item.values : [item];
        accounted += values.length;
        colonsInStrings += values.length * countColons(key);
        for (const each of values) stack.push(each);
      }
    }
  }
  if (countColons(text) !== accounted + colonsInStrings) return true;
  return colonsInStrings > 0 && (text.includes("\\u003a") || text.includes("\\u003A"));
}

/**
 * The path of the first key given twice in one object of a valid JSON text, among the objects and keys `shape`
 * names: `shape(path)` is the fields of a struct at `path` (a repeat of one of them is found; every member is
 * walked), "walk" for an array or map to walk into, or undefined for a value not looked into. Paths as the
 * readers write them: `key`, `a.b`, `a[3].b`.
 */
export function firstRepeatedField(text: string, shape: (path: string) => readonly string[] | "walk" | undefined): string | undefined {
  const scanner = new Scanner(text);
  try {
    scanner.space();
    return scanner.repeatedField("", shape, 0);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** How many colons a text holds. */
export function countColons(text: string): number {
  let count = 0;
  for (let i = text.indexOf(":"); i !== -1; i = text.indexOf(":", i + 1)) count += 1;
  return count;
}

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** True for a parsed JSON object (not an array, a number or a repeated-key marker). */
export function isObject(value: unknown): value is JsonObject {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof RawNumber) && !(value instanceof RepeatedKey)
  );
}

/** The decimal text of a JSON number as written, or undefined for a non-number. */
export function numberText(value: unknown): string | undefined {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (value instanceof RawNumber) return value.raw;
  return undefined;
}

/** True when a number token is an integer (an optional minus, then digits). */
export function isIntegerText(raw: string): boolean {
  for (let i = raw.charCodeAt(0) === 0x2d ? 1 : 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/** A JSON rendering of a value for a message: short, and safe on huge or deeply nested values. */
export function describe(value: unknown): string {
  return truncate(render(value, 100));
}

/** A JSON rendering of a value cut at about `limit` characters. */
export function render(value: unknown, limit: number): string {
  if (limit <= 0) return "…";
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value.length > limit ? value.slice(0, limit) : value);
  const raw = numberText(value);
  if (raw !== undefined) return raw;
  if (value instanceof RepeatedKey) return render(value.last, limit);
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    let out = "[";
    for (let i = 0; i < items.length && out.length < limit; i++) {
      out += (i > 0 ? "," : "") + render(items[i], limit - out.length - 1);
    }
    return `${out}]`;
  }
  if (isObject(value)) {
    let out = "{";
    for (const key of Object.keys(value)) {
      if (out.length >= limit) break;
      out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:`;
      out += render(value[key], limit - out.length);
    }
    return `${out}}`;
  }
  return String(value);
}

/** Parses JSON text as parseLossless does; every failure is a SnapshotError at `path`. */
export function parseRawJson(text: string, path = "$"): unknown {
  try {
    return parseLossless(text);
  } catch (error) {
    if (error instanceof SnapshotError) throw new SnapshotError(error.message, path);
    if (error instanceof RangeError && /call stack/i.test(error.message)) throw new SnapshotError("nested too deeply to read", path);
    throw error;
  }
}

/** A non-negative JSON integer up to `max`, read from its exact digits; `what` names it in messages ("a u64"). */
export function readUnsigned(value: unknown, path: string, max: bigint, what: string): bigint {
  const raw = numberText(value);
  if (raw === undefined) throw new SnapshotError(`expected ${what} (a JSON integer), got ${describe(value)}`, path);
  if (!/^(0|[1-9][0-9]*)$/.test(raw)) {
    const reason = raw.startsWith("-") ? "negative" : /[eE]/.test(raw) ? "has an exponent" : "not a whole number";
    throw new SnapshotError(`${truncate(raw)} is not ${what}: ${reason}`, path);
  }
  const number = BigInt(raw);
  if (number > max) throw new SnapshotError(`${truncate(raw)} is not ${what}: above ${max}`, path);
  return number;
}

/** Compact JSON of a parsed value, numbers printed exactly as they were read. */
export function stringifyRaw(value: unknown): string {
  const raw = numberText(value);
  if (raw !== undefined) return raw;
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringifyRaw).join(",")}]`;
  if (isObject(value))
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${stringifyRaw(value[key])}`)
      .join(",")}}`;
  return "null";
}

/** Where one member of the top-level object sits: `[start, end)` of its value in the text. */
export interface MemberSpan {
  readonly key: string;
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** The members of a JSON text's top-level object, in text order, and where its closing brace is. */
export interface TopLevelLayout {
  readonly members: readonly MemberSpan[];
  /** Index of the closing `}` of the top-level object. */
  readonly close: number;
}

/**
 * Finds the top-level members of a JSON object text without building values.
 * Returns undefined when the text is not one well-formed object (the caller
 * then parses it to report the error where it is).
 */
export function topLevelLayout(text: string): TopLevelLayout | undefined {
  const scanner = new Scanner(text);
  try {
    scanner.space();
    if (text.charCodeAt(scanner.at) !== 0x7b) return undefined;
    scanner.at += 1;
    const members: MemberSpan[] = [];
    scanner.space();
    if (text.charCodeAt(scanner.at) === 0x7d) {
      const close = scanner.at;
      scanner.at += 1;
      return scanner.onlySpaceLeft() ? { members, close } : undefined;
    }
    for (;;) {
      scanner.space();
      const keyStart = scanner.at;
      scanner.string();
      const key = JSON.parse(text.slice(keyStart, scanner.at)) as string;
      scanner.space();
      if (text.charCodeAt(scanner.at) !== 0x3a) return undefined;
      scanner.at += 1;
      scanner.space();
      const valueStart = scanner.at;
      scanner.value(0);
      members.push({ key, valueStart, valueEnd: scanner.at });
      scanner.space();
      const next = text.charCodeAt(scanner.at);
      scanner.at += 1;
      if (next === 0x2c) continue;
      if (next !== 0x7d) return undefined;
      const close = scanner.at - 1;
      return scanner.onlySpaceLeft() ? { members, close } : undefined;
    }
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

// Deeper documents are left to the parser, which reports them as nested too deeply: this scanner recurses too.
const MAX_DEPTH = 1_000;

/** A forward-only JSON scanner that checks structure and skips values. */
class Scanner {
  at = 0;

  constructor(private readonly text: string) {}

  space(): void {
    const { text } = this;
    for (;;) {
      const code = text.charCodeAt(this.at);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.at += 1;
    }
  }

  onlySpaceLeft(): boolean {
    this.space();
    return this.at === this.text.length;
  }

  string(): void {
    const { text } = this;
    if (text.charCodeAt(this.at) !== 0x22) throw new SyntaxError("expected a string");
    this.at += 1;
    for (;;) {
      const code = text.charCodeAt(this.at);
      if (Number.isNaN(code) || code < 0x20) throw new SyntaxError("unterminated string");
      this.at += 1;
      if (code === 0x22) return;
      if (code === 0x5c) this.at += 1;
    }
  }

  /** Skips a value as `value` does, looking for a repeated field where `shape` says (see firstRepeatedField). */
  repeatedField(path: string, shape: (path: string) => readonly string[] | "walk" | undefined, depth: number): string | undefined {
    const { text } = this;
    const code = text.charCodeAt(this.at);
    const kind = code === 0x7b || code === 0x5b ? shape(path) : undefined;
    if (kind === undefined || depth > MAX_DEPTH) {
      this.value(depth);
      return undefined;
    }
    const close = code === 0x7b ? 0x7d : 0x5d;
    const seen = new Set<string>();
    this.at += 1;
    this.space();
    if (text.charCodeAt(this.at) === close) {
      this.at += 1;
      return undefined;
    }
    for (let index = 0; ; index++) {
      this.space();
      let inner = `${path}[${index}]`;
      if (code === 0x7b) {
        const keyStart = this.at;
        this.string();
        const key = JSON.parse(text.slice(keyStart, this.at)) as string;
        inner = path === "" ? key : `${path}.${key}`;
        if (kind !== "walk" && kind.includes(key)) {
          if (seen.has(key)) return inner;
          seen.add(key);
        }
        this.space();
        this.at += 1; // the colon: the text is valid JSON
        this.space();
      }
      const found = this.repeatedField(inner, shape, depth + 1);
      if (found !== undefined) return found;
      this.space();
      const next = text.charCodeAt(this.at);
      this.at += 1;
      if (next === close) return undefined;
    }
  }

  value(depth: number): void {
    if (depth > MAX_DEPTH) throw new SyntaxError("nested too deeply");
    const { text } = this;
    const code = text.charCodeAt(this.at);
    if (code === 0x22) {
      this.string();
      return;
    }
    if (code === 0x7b || code === 0x5b) {
      const close = code === 0x7b ? 0x7d : 0x5d;
      this.at += 1;
      this.space();
      if (text.charCodeAt(this.at) === close) {
        this.at += 1;
        return;
      }
      for (;;) {
        this.space();
        if (code === 0x7b) {
          this.string();
          this.space();
          if (text.charCodeAt(this.at) !== 0x3a) throw new SyntaxError("expected ':'");
          this.at += 1;
          this.space();
        }
        this.value(depth + 1);
        this.space();
        const next = text.charCodeAt(this.at);
        this.at += 1;
        if (next === close) return;
        if (next !== 0x2c) throw new SyntaxError("expected ',' or a closing bracket");
      }
    }
    const start = this.at;
    while (this.at < text.length && /[-+.0-9a-zA-Z]/.test(text[this.at] as string)) this.at += 1;
    if (this.at === start) throw new SyntaxError("expected a value");
  }
}
