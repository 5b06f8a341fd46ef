/**
 * Short forms of peer ids for narrow terminals: `12D3KooW…a7Ci4`, the first 8
 * and last 5 characters, with a longer head where two known peers would
 * otherwise look alike. bbgov reads the same form back (commands/resolve.ts).
 */

/** Characters kept at the start and at the end of a shortened id. */
export const SHORT_HEAD = 8;
export const SHORT_TAIL = 5;
// An id this short is shown whole: shortening would not save anything.
const SHORTEST_CUT = SHORT_HEAD + SHORT_TAIL + 3;
/** Up to this many texts, only the known peers that share a tail with one of them are grouped. */
const FEW_TEXTS = 64;

/** The short form of each of `texts`, unique among `known` (which should include them). */
export function shortPeerNames(texts: readonly string[], known: readonly string[]): Map<string, string> {
  // Peers grouped by short form. For a few texts (a heading, a few rows) only the known peers with one of their
  // tails can share a form with them: on 100k known peers the others are skipped, not grouped. A text listed twice
  // (in both) is harmless: only others in its group count.
  const tails = texts.length <= FEW_TEXTS ? new Set(texts.map((text) => text.slice(-SHORT_TAIL))) : undefined;
  const groups = new Map<string, string[]>();
  const add = (text: string): void => {
    if (text.length <= SHORTEST_CUT) return;
    const tail = text.slice(-SHORT_TAIL);
    if (tails !== undefined && !tails.has(tail)) return;
    const key = `${text.slice(0, SHORT_HEAD)}…${tail}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [text]);
    else group.push(text);
  };
  for (const text of known) add(text);
  for (const text of texts) add(text);
  const names = new Map<string, string>();
  for (const text of texts) {
    if (text.length <= SHORTEST_CUT) {
      names.set(text, text);
      continue;
    }
    const tail = text.slice(-SHORT_TAIL);
    const group = groups.get(`${text.slice(0, SHORT_HEAD)}…${tail}`) ?? [text];
    let head = SHORT_HEAD;
    // Lengthen the head until no other peer of the group shares it.
    while (group.some((other) => other !== text && other.startsWith(text.slice(0, head))) && head + SHORT_TAIL < text.length) head++;
    names.set(text, head + SHORT_TAIL + 1 >= text.length ? text : `${text.slice(0, head)}…${tail}`);
  }
  return names;
}
