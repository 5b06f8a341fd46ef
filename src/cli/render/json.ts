/** JSON output: one document, u64 bigints as decimal strings, never colour. */
import { sanitizeJson } from "./sanitize.js";

/** Serializes a `--json` document: 2-space indent, bigints as strings, control and bidi characters as \u escapes, trailing newline. */
export function renderJson(document: unknown): string {
  const json = JSON.stringify(document, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value), 2);
  // JSON.stringify leaves C1 and bidi characters raw; outside strings JSON has none, so this escapes only inside them.
  return `${sanitizeJson(json)}\n`;
}
