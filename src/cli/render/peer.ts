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

/** The short form of each of `texts`, unique among `known` (which should include them). */
export function shortPeerNames(texts: readonly string[], known: readonly string[]): Map<string, string> {
  const groups = new Map<string, string[]>();
  for (const text of new Set([...known, ...texts])) {
    if (text.length <= SHORTEST_CUT) continue;
    const key = `${text.slice(0, SHORT_HEAD)}…${text.slice(-SHORT_TAIL)}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [text]);
    else group.push(text);
  }
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
