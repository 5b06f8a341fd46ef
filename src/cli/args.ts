/**
 * Parsers for command-line values, shared by the shell and `apply` lines.
 * Each turns text into a typed value or throws a UsageError that names the
 * argument and says what is accepted.
 */
import { U32_MAX } from "../core/u64.js";
import type { TimeSpec } from "./context.js";
import { UsageError } from "./errors.js";
import { asciiDigits, parseDuration, parseTime, WIDE_DIGIT } from "./io/time.js";

/** Trims pasted whitespace and takes the id out of a `/…/p2p/<id>` multiaddr (the last one: a relay's comes first). */
export function tidyPeerText(text: string): string {
  const trimmed = text.trim();
  // Only a multiaddr has a slash; a plain id (every apply line's) skips the regex.
  if (!trimmed.includes("/")) return trimmed;
  // `/p2p/RELAY/p2p-circuit/p2p/TARGET` reaches TARGET through RELAY: the peer is the last id, as libp2p reads it.
  const ids = [...trimmed.matchAll(/\/(?:p2p|ipfs)\/([^/\s]+)/g)];
  return ids.at(-1)?.[1] ?? trimmed;
}

/** A peer argument: tidied text, resolved against the snapshot once it is loaded (commands/resolve.ts). */
export function peerArg(): (text: string) => string {
  return (text) => tidyPeerText(text);
}

/** A variadic peer argument: collects tidied texts into an array. */
export function peersArg(): (text: string, previous: string[] | undefined) => string[] {
  // The list is made by the first value of each parse (commander, and the quick parser, start every parse from
  // undefined), so adding to it in place is safe; a copy per value made a line of n peers cost n²/2 copies: a 1 MB
  // apply line of 300k peers took ten minutes.
  return (text, previous) => {
    if (previous === undefined) return [tidyPeerText(text)];
    previous.push(tidyPeerText(text));
    return previous;
  };
}

/** A DUR value in nanoseconds (a unit required). */
export function durationArg(name: string): (text: string) => bigint {
  return (text) => parseDuration(text, name);
}

/** A TIME value in nanoseconds (nanoseconds, an RFC 3339 date, or now). */
export function timeArg(name: string): (text: string) => bigint {
  return (text) => parseTime(text, name);
}

/** `--at TIME` as an absolute event time. */
export function atArg(text: string): TimeSpec {
  return { kind: "at", ns: parseTime(text, "--at") };
}

/** `--after DUR` as an event time relative to the snapshot clock. */
export function afterArg(text: string): TimeSpec {
  return { kind: "after", ns: parseDuration(text, "--after") };
}

/** A whole number in `min..max` (u32 by default). */
export function integerArg(name: string, min = 0, max = U32_MAX): (text: string) => number {
  return (text) => {
    if (WIDE_DIGIT.test(text))
      throw new UsageError(
        `invalid number ${JSON.stringify(text)}: write the digits in ASCII: ${asciiDigits(text.normalize("NFKC"))}`,
        name,
      );
    if (!isDigits(text, 10) || Number(text) < min || Number(text) > max) {
      throw new UsageError(`invalid number ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`, name);
    }
    return Number(text);
  };
}

/**
 * Whether `text` is 1 to `most` ASCII digits, as /^\d{1,most}$/ says. A loop: in an apply script, `--times 3`
 * cost ~1 µs a line in V8's regular expression engine, which runs a pattern interpreted at first.
 */
function isDigits(text: string, most: number): boolean {
  if (text.length === 0 || text.length > most) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/** `--host-backoff BASE,MAX` (either may be left out: `20ms`, `,30s`): the host's backoff schedule. */
export function hostBackoffArg(text: string): { baseNs?: bigint; maxDelayNs?: bigint } {
  const parts = text.split(",");
  if (parts.length > 2 || parts.every((part) => part.trim() === "")) {
    throw new UsageError(`invalid schedule ${JSON.stringify(text)}: expected BASE,MAX (e.g. 10ms,60s), BASE, or ,MAX`, "--host-backoff");
  }
  const [base = "", max = ""] = parts.map((part) => part.trim());
  return {
    ...(base === "" ? {} : { baseNs: parseDuration(base, "--host-backoff base") }),
    ...(max === "" ? {} : { maxDelayNs: parseDuration(max, "--host-backoff max") }),
  };
}
