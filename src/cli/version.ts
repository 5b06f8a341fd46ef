/** bbgov's version, read from its package.json next to the built code. */
import { readFileSync } from "node:fs";

/** The package version, or "unknown" when package.json cannot be read. */
export function packageVersion(): string {
  try {
    const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}
