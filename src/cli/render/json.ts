/** JSON output: one document, u64 bigints as decimal strings, never colour. */

/** Serializes a `--json` document: 2-space indent, bigints as strings, trailing newline. */
export function renderJson(document: unknown): string {
  return `${JSON.stringify(document, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value), 2)}\n`;
}
