/**
 * A small schema-driven codec for bincode 1.3 as `bincode::serialize` /
 * `deserialize` use it (little-endian fixed-width integers, u64 lengths, u8
 * Option tags, u32 enum indices; see reference/NODE_SNAPSHOT.md). The schema
 * is plain data, in the manner of borsh-js; one walker reads (builds a
 * value), skips (validates and measures without building) and writes.
 *
 * Safety: every length prefix is checked against the bytes left, times the
 * smallest encoding of one element, before anything is allocated or looped
 * over, so a claimed 2^63 fails at once. Every failure is a SnapshotError
 * whose path names the field (`transient.framework.peer_governor.health[3][0]`)
 * and whose message gives the byte offset. Paths are assembled only when a
 * failure unwinds (each level adds its segment), so the good path builds no
 * strings.
 */
import { SnapshotError } from "./model.js";

/** A bincode type, as data. */
export type Schema =
  | "u8"
  | "u32"
  | "u64"
  | "bool"
  | "string"
  | "bytes"
  | { readonly struct: readonly (readonly [string, Schema])[] }
  | { readonly tuple: readonly Schema[] }
  | { readonly option: Schema }
  | { readonly vec: Schema }
  | { readonly map: { readonly key: Schema; readonly value: Schema } }
  | { readonly enum: readonly (readonly [string, Schema | null])[] };

/** A decoded value: u64 as bigint, u8/u32 as number, bytes as Uint8Array, maps as [key, value] pairs in file order. */
export type Value =
  | number
  | bigint
  | boolean
  | string
  | Uint8Array
  | null
  | Value[]
  | { readonly variant: string; readonly value: Value }
  | { [field: string]: Value };

/** An enum value as `read` builds it (a fieldless variant has value null). */
export interface EnumValue {
  readonly variant: string;
  readonly value: Value;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const UTF8_ENCODER = new TextEncoder();
const TWO_POW_32 = 4294967296;

/**
 * A failure on its way up: the message so far and the path segments added by
 * the levels it has passed, innermost first. Callers outside this module only
 * catch it and turn it into a SnapshotError (`toSnapshotError`).
 */
export class Failure {
  readonly segments: string[] = [];
  constructor(readonly message: string) {}
}

/** Turns a Failure unwound to `base` into the SnapshotError callers see; other errors pass. */
export function toSnapshotError(error: unknown, base: string): unknown {
  if (!(error instanceof Failure)) return error;
  let path = base;
  for (let i = error.segments.length - 1; i >= 0; i--) {
    const segment = error.segments[i] as string;
    path = segment.startsWith("[") || path === "" ? path + segment : `${path}.${segment}`;
  }
  return new SnapshotError(error.message, path === "" ? "$" : path);
}

/** Adds a path segment to a Failure passing through; other errors pass untouched. */
export function along(error: unknown, segment: string): unknown {
  if (error instanceof Failure) error.segments.push(segment);
  return error;
}

/** A cursor over bincode bytes: primitive reads with bounds checks that name the byte offset. */
export class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Offset of the next byte, relative to `bytes`. */
  offset: number;
  /** Added to offsets in messages, when `bytes` is a window into a larger file. */
  readonly base: number;

  constructor(bytes: Uint8Array, offset = 0, base = 0) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
    this.base = base;
  }

  /** Bytes not yet read. */
  left(): number {
    return this.bytes.length - this.offset;
  }

  /** A failure at the current offset (or `at`), for the caller to throw. */
  fail(message: string, at = this.offset): Failure {
    return new Failure(`${message} (at byte ${this.base + at})`);
  }

  private need(count: number, what: string): void {
    const left = this.bytes.length - this.offset;
    if (left < count) throw this.fail(`truncated: ${what} needs ${count} byte${count === 1 ? "" : "s"}, ${left} left`);
  }

  /** One byte. */
  u8(): number {
    this.need(1, "a u8");
    return this.bytes[this.offset++] as number;
  }

  /** A little-endian u32. */
  u32(): number {
    this.need(4, "a u32");
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  /** A little-endian u64 as bigint. */
  u64(): bigint {
    this.need(8, "a u64");
    const value = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return value;
  }

  /** Skips `count` bytes of a fixed-size value named `what` ("a u64"), refusing a file cut short in it. */
  skipFixed(count: number, what: string): void {
    this.need(count, what);
    this.offset += count;
  }

  /** A bool: 0 or 1, anything else refused. */
  bool(): boolean {
    this.need(1, "a bool");
    const byte = this.bytes[this.offset] as number;
    if (byte > 1) throw this.fail(`invalid bool ${byte} (0 or 1 expected)`);
    this.offset++;
    return byte === 1;
  }

  /** An Option tag: false for None, true for Some. */
  optionTag(): boolean {
    this.need(1, "an Option tag");
    const byte = this.bytes[this.offset] as number;
    if (byte > 1) throw this.fail(`invalid Option tag ${byte} (0 = None or 1 = Some expected)`);
    this.offset++;
    return byte === 1;
  }

  /**
   * A u64 length prefix of elements at least `minSize` bytes each, checked
   * against the bytes left before the caller allocates or loops.
   */
  length(minSize: number, what: string): number {
    this.need(8, "a length");
    const at = this.offset;
    const low = this.view.getUint32(at, true);
    const high = this.view.getUint32(at + 4, true);
    this.offset += 8;
    const count = high * TWO_POW_32 + low; // exact below 2^53; above, certainly too large anyway
    const left = this.bytes.length - this.offset;
    if (count * Math.max(minSize, 1) > left) {
      const exact = this.view.getBigUint64(at, true);
      const unit = minSize > 1 ? ` of at least ${minSize} bytes each` : minSize === 1 ? "" : " (of at least 1 byte each)";
      throw this.fail(`length ${exact} (${what}${unit}) exceeds the ${left} bytes left`, at);
    }
    return count;
  }

  /** A `Vec<u8>`: a view into the input, not a copy. */
  bytesView(): Uint8Array {
    const length = this.length(1, "bytes");
    const start = this.offset;
    this.offset += length;
    return this.bytes.subarray(start, this.offset);
  }

  /** A `String`: UTF-8, invalid sequences refused. */
  string(): string {
    const at = this.offset;
    const length = this.length(1, "UTF-8 bytes");
    const start = this.offset;
    this.offset += length;
    return decodeUtf8(this.bytes, start, this.offset, () => this.fail("invalid UTF-8 in a string", at));
  }

  /** Skips a `String` after checking its UTF-8. */
  skipString(): void {
    this.string();
  }

  /** Skips a `Vec<u8>`. */
  skipBytes(): void {
    const length = this.length(1, "bytes"); // read first: `length` moves the offset
    this.offset += length;
  }
}

function decodeUtf8(bytes: Uint8Array, start: number, end: number, failure: () => Failure): string {
  // Always the TextDecoder: spreading short ASCII strings into String.fromCharCode was 3-14x slower (8-52 bytes, Node 20).
  try {
    return UTF8.decode(bytes.subarray(start, end));
  } catch {
    throw failure();
  }
}

const minSizes = new WeakMap<object, number>();

/** The fewest bytes any value of the schema encodes to (for the length checks). */
export function minSize(schema: Schema): number {
  switch (schema) {
    case "u8":
    case "bool":
      return 1;
    case "u32":
      return 4;
    case "u64":
    case "string":
    case "bytes":
      return 8;
  }
  const known = minSizes.get(schema);
  if (known !== undefined) return known;
  let size: number;
  if ("struct" in schema) size = schema.struct.reduce((sum, [, field]) => sum + minSize(field), 0);
  else if ("tuple" in schema) size = schema.tuple.reduce((sum, item) => sum + minSize(item), 0);
  else if ("option" in schema) size = 1;
  else if ("vec" in schema) size = 8;
  else if ("map" in schema) size = 8;
  else size = 4 + Math.min(...schema.enum.map(([, fields]) => (fields === null ? 0 : minSize(fields))));
  minSizes.set(schema, size);
  return size;
}

/** Decodes one value of `schema` at the reader's offset; errors name `path` plus the field. */
export function read(schema: Schema, reader: Reader, path = ""): Value {
  try {
    return readValue(schema, reader);
  } catch (error) {
    throw toSnapshotError(error, path);
  }
}

/** Validates one value of `schema` and moves past it without building it; returns its byte length. */
export function skip(schema: Schema, reader: Reader, path = ""): number {
  const start = reader.offset;
  try {
    skipValue(schema, reader);
  } catch (error) {
    throw toSnapshotError(error, path);
  }
  return reader.offset - start;
}

function readValue(schema: Schema, reader: Reader): Value {
  switch (schema) {
    case "u8":
      return reader.u8();
    case "u32":
      return reader.u32();
    case "u64":
      return reader.u64();
    case "bool":
      return reader.bool();
    case "string":
      return reader.string();
    case "bytes":
      return reader.bytesView();
  }
  if ("struct" in schema) {
    const out: { [field: string]: Value } = {};
    for (const [name, field] of schema.struct) {
      try {
        out[name] = readValue(field, reader);
      } catch (error) {
        throw along(error, name);
      }
    }
    return out;
  }
  if ("tuple" in schema) {
    const out: Value[] = [];
    for (let i = 0; i < schema.tuple.length; i++) {
      try {
        out.push(readValue(schema.tuple[i] as Schema, reader));
      } catch (error) {
        throw along(error, `[${i}]`);
      }
    }
    return out;
  }
  if ("option" in schema) return reader.optionTag() ? readValue(schema.option, reader) : null;
  if ("vec" in schema) {
    const count = reader.length(minSize(schema.vec), "elements");
    const out = new Array<Value>(count);
    for (let i = 0; i < count; i++) {
      try {
        out[i] = readValue(schema.vec, reader);
      } catch (error) {
        throw along(error, `[${i}]`);
      }
    }
    return out;
  }
  if ("map" in schema) {
    const { key, value } = schema.map;
    const count = reader.length(minSize(key) + minSize(value), "map entries");
    const out = new Array<Value>(count);
    for (let i = 0; i < count; i++) {
      let k: Value;
      try {
        k = readValue(key, reader);
      } catch (error) {
        throw along(along(error, "[0]"), `[${i}]`);
      }
      try {
        out[i] = [k, readValue(value, reader)];
      } catch (error) {
        throw along(along(error, "[1]"), `[${i}]`);
      }
    }
    return out;
  }
  const [name, fields] = variantAt(schema.enum, reader);
  try {
    return { variant: name, value: fields === null ? null : readValue(fields, reader) };
  } catch (error) {
    throw along(error, name);
  }
}

function skipValue(schema: Schema, reader: Reader): void {
  switch (schema) {
    case "u8":
      reader.u8();
      return;
    case "u32":
      reader.u32();
      return;
    case "u64":
      reader.u64();
      return;
    case "bool":
      reader.bool();
      return;
    case "string":
      reader.skipString();
      return;
    case "bytes":
      reader.skipBytes();
      return;
  }
  if ("struct" in schema) {
    for (const [name, field] of schema.struct) {
      try {
        skipValue(field, reader);
      } catch (error) {
        throw along(error, name);
      }
    }
    return;
  }
  if ("tuple" in schema) {
    for (let i = 0; i < schema.tuple.length; i++) {
      try {
        skipValue(schema.tuple[i] as Schema, reader);
      } catch (error) {
        throw along(error, `[${i}]`);
      }
    }
    return;
  }
  if ("option" in schema) {
    if (reader.optionTag()) skipValue(schema.option, reader);
    return;
  }
  if ("vec" in schema) {
    const element = schema.vec;
    const count = reader.length(minSize(element), "elements");
    if (element === "u8") {
      reader.offset += count;
      return;
    }
    const fixed = fixedSize(element);
    if (fixed !== undefined) {
      reader.offset += count * fixed; // every byte pattern is valid: nothing to check
      return;
    }
    for (let i = 0; i < count; i++) {
      try {
        skipValue(element, reader);
      } catch (error) {
        throw along(error, `[${i}]`);
      }
    }
    return;
  }
  if ("map" in schema) {
    const { key, value } = schema.map;
    const count = reader.length(minSize(key) + minSize(value), "map entries");
    for (let i = 0; i < count; i++) {
      try {
        skipValue(key, reader);
      } catch (error) {
        throw along(along(error, "[0]"), `[${i}]`);
      }
      try {
        skipValue(value, reader);
      } catch (error) {
        throw along(along(error, "[1]"), `[${i}]`);
      }
    }
    return;
  }
  const [name, fields] = variantAt(schema.enum, reader);
  if (fields === null) return;
  try {
    skipValue(fields, reader);
  } catch (error) {
    throw along(error, name);
  }
}

/** The byte size of a schema whose every byte pattern is valid (u8/u32/u64 and structs/tuples of them), else undefined. */
function fixedSize(schema: Schema): number | undefined {
  if (schema === "u8") return 1;
  if (schema === "u32") return 4;
  if (schema === "u64") return 8;
  if (typeof schema === "string") return undefined;
  const parts = "struct" in schema ? schema.struct.map(([, field]) => field) : "tuple" in schema ? schema.tuple : undefined;
  if (parts === undefined) return undefined;
  let size = 0;
  for (const part of parts) {
    const partSize = fixedSize(part);
    if (partSize === undefined) return undefined;
    size += partSize;
  }
  return size;
}

function variantAt(variants: readonly (readonly [string, Schema | null])[], reader: Reader): readonly [string, Schema | null] {
  const at = reader.offset;
  const index = reader.u32();
  const variant = variants[index];
  if (variant === undefined) {
    throw reader.fail(`unknown enum variant ${index} (${variants.length} variants: ${variants.map(([name]) => name).join(", ")})`, at);
  }
  return variant;
}

/** A growable output buffer with little-endian primitive writes. */
export class Writer {
  private buffer: Uint8Array;
  private view: DataView;
  /** Bytes written so far. */
  length = 0;

  constructor(capacity = 256) {
    this.buffer = new Uint8Array(Math.max(capacity, 16));
    this.view = new DataView(this.buffer.buffer);
  }

  /** Makes room for `count` more bytes. */
  reserve(count: number): void {
    const needed = this.length + count;
    if (needed <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  /** One byte. */
  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /** A little-endian u32. */
  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  /** A little-endian u64. */
  u64(value: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, value, true);
    this.length += 8;
  }

  /** A u64 length prefix from a JS count. */
  count(value: number): void {
    this.reserve(8);
    this.view.setUint32(this.length, value >>> 0, true);
    this.view.setUint32(this.length + 4, Math.floor(value / TWO_POW_32), true);
    this.length += 8;
  }

  /** Raw bytes, no prefix. */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** A `Vec<u8>`: length then bytes. */
  bytes(bytes: Uint8Array): void {
    this.count(bytes.length);
    this.raw(bytes);
  }

  /** The bytes written (a view of the internal buffer). */
  result(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

/** Encodes `value` as `schema` onto `writer`; a value of the wrong shape is a SnapshotError naming its path. */
export function write(schema: Schema, value: Value, writer: Writer, path = ""): void {
  try {
    writeValue(schema, value, writer);
  } catch (error) {
    throw toSnapshotError(error, path);
  }
}

/** Encodes `value` as `schema` into fresh bytes. */
export function encode(schema: Schema, value: Value): Uint8Array {
  const writer = new Writer();
  write(schema, value, writer);
  return writer.result().slice();
}

function mismatch(expected: string, value: Value): Failure {
  const got = value === null ? "null" : value instanceof Uint8Array ? "bytes" : Array.isArray(value) ? "an array" : typeof value;
  return new Failure(`cannot write ${got} as ${expected}`);
}

function writeValue(schema: Schema, value: Value, writer: Writer): void {
  switch (schema) {
    case "u8":
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xff) throw mismatch("a u8", value);
      writer.u8(value);
      return;
    case "u32":
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) throw mismatch("a u32", value);
      writer.u32(value);
      return;
    case "u64":
      if (typeof value !== "bigint" || value < 0n || value > 0xffffffffffffffffn) throw mismatch("a u64 (bigint)", value);
      writer.u64(value);
      return;
    case "bool":
      if (typeof value !== "boolean") throw mismatch("a bool", value);
      writer.u8(value ? 1 : 0);
      return;
    case "string":
      if (typeof value !== "string") throw mismatch("a string", value);
      writer.bytes(UTF8_ENCODER.encode(value));
      return;
    case "bytes":
      if (!(value instanceof Uint8Array)) throw mismatch("bytes (Uint8Array)", value);
      writer.bytes(value);
      return;
  }
  if ("struct" in schema) {
    if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof Uint8Array) {
      throw mismatch("a struct", value);
    }
    const fields = value as { [field: string]: Value };
    for (const [name, field] of schema.struct) {
      try {
        const item = fields[name];
        if (item === undefined) throw new Failure("missing field");
        writeValue(field, item, writer);
      } catch (error) {
        throw along(error, name);
      }
    }
    return;
  }
  if ("tuple" in schema) {
    if (!Array.isArray(value) || value.length !== schema.tuple.length) throw mismatch(`a ${schema.tuple.length}-tuple`, value);
    for (let i = 0; i < schema.tuple.length; i++) {
      try {
        writeValue(schema.tuple[i] as Schema, value[i] as Value, writer);
      } catch (error) {
        throw along(error, `[${i}]`);
      }
    }
    return;
  }
  if ("option" in schema) {
    if (value === null) {
      writer.u8(0);
      return;
    }
    writer.u8(1);
    writeValue(schema.option, value, writer);
    return;
  }
  if ("vec" in schema || "map" in schema) {
    if (!Array.isArray(value)) throw mismatch("a list", value);
    writer.count(value.length);
    const element: Schema = "vec" in schema ? schema.vec : { tuple: [schema.map.key, schema.map.value] };
    for (let i = 0; i < value.length; i++) {
      try {
        writeValue(element, value[i] as Value, writer);
      } catch (error) {
        throw along(error, `[${i}]`);
      }
    }
    return;
  }
  if (value === null || typeof value !== "object" || !("variant" in value)) throw mismatch("an enum value", value);
  const { variant, value: inner } = value as EnumValue;
  const index = schema.enum.findIndex(([name]) => name === variant);
  const fields = schema.enum[index]?.[1];
  if (index < 0 || fields === undefined) throw new Failure(`unknown enum variant ${JSON.stringify(variant)}`);
  writer.u32(index);
  if (fields === null) return;
  try {
    writeValue(fields, inner, writer);
  } catch (error) {
    throw along(error, variant);
  }
}
