/**
 * serde_json's rendering of a bincode value, given its schema: what
 * upstream's `serde_json::to_string` writes for the same Rust value. Structs
 * become objects with their fields in order, byte vectors arrays of integers,
 * u64 values exact bare integers, maps with string or integer keys objects,
 * enums externally tagged (`"Unit"`, `{"Variant": value}`).
 */
import type { Schema, Value } from "./bincode.js";

/** Compact serde JSON of `value`, read with `schema`. */
export function serdeJson(schema: Schema, value: Value): string {
  if (typeof schema === "string") {
    if (schema === "bytes") return `[${(value as Uint8Array).join(",")}]`;
    if (schema === "string") return JSON.stringify(value as string);
    return String(value as number | bigint | boolean);
  }
  if ("struct" in schema) {
    const record = value as Readonly<Record<string, Value>>;
    return `{${schema.struct.map(([name, field]) => `${JSON.stringify(name)}:${serdeJson(field, record[name] as Value)}`).join(",")}}`;
  }
  if ("tuple" in schema) {
    const items = value as readonly Value[];
    return `[${schema.tuple.map((item, index) => serdeJson(item, items[index] as Value)).join(",")}]`;
  }
  if ("option" in schema) return value === null ? "null" : serdeJson(schema.option, value);
  if ("vec" in schema) return `[${(value as readonly Value[]).map((item) => serdeJson(schema.vec, item)).join(",")}]`;
  if ("map" in schema) {
    const pairs = value as unknown as readonly (readonly [Value, Value])[];
    const key = (item: Value) => (typeof item === "string" ? JSON.stringify(item) : JSON.stringify(String(item as number | bigint)));
    return `{${pairs.map(([k, v]) => `${key(k)}:${serdeJson(schema.map.value, v)}`).join(",")}}`;
  }
  const tagged = value as { readonly variant: string; readonly value: Value };
  const variant = schema.enum.find(([name]) => name === tagged.variant);
  if (variant === undefined || variant[1] === null) return JSON.stringify(tagged.variant);
  return `{${JSON.stringify(tagged.variant)}:${serdeJson(variant[1], tagged.value)}}`;
}
