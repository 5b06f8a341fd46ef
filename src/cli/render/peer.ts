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
  const names = shortPeerNameList(texts, known);
  return new Map(texts.map((text, index) => [text, names[index] as string]));
}

/** shortPeerNames as a list in the order of `texts`: a table's column, with no map of 100k names to fill and look up. */
export function shortPeerNameList(texts: readonly string[], known: readonly string[]): string[] {
  // Peers grouped by short form. For a few texts (a heading, a few rows) only the known peers with one of their
  // tails can share a form with them: on 100k known peers the others are skipped, not grouped. A group is found by
  // a hash of the form's characters (no string made per peer) and holds one text, or every text met with that hash
  // once a second one comes (a text listed twice, in both, stays alone: only others count).
  const tails = texts.length <= FEW_TEXTS ? new Set(texts.map((text) => text.slice(-SHORT_TAIL))) : undefined;
  const groups = new Map<number, string | string[]>();
  const add = (text: string): void => {
    if (text.length <= SHORTEST_CUT) return;
    if (tails !== undefined && !tails.has(text.slice(-SHORT_TAIL))) return;
    const hash = shortFormHash(text);
    const group = groups.get(hash);
    if (group === undefined) groups.set(hash, text);
    else if (typeof group !== "string") group.push(text);
    else if (group !== text) groups.set(hash, [group, text]);
  };
  for (const text of known) add(text);
  for (const text of texts) add(text);
  const names: string[] = [];
  for (const text of texts) {
    if (text.length <= SHORTEST_CUT) {
      names.push(text);
      continue;
    }
    const group = groups.get(shortFormHash(text));
    const others =
      typeof group === "string" || group === undefined ? [] : group.filter((other) => other !== text && sameShortForm(other, text));
    let head = SHORT_HEAD;
    // Lengthen the head until no other peer of the group shares it.
    while (others.some((other) => other.startsWith(text.slice(0, head))) && head + SHORT_TAIL < text.length) head++;
    names.push(head + SHORT_TAIL + 1 >= text.length ? text : `${text.slice(0, head)}…${text.slice(-SHORT_TAIL)}`);
  }
  return names;
}

/** A hash of the characters of a text's short form: its first SHORT_HEAD and last SHORT_TAIL. */
function shortFormHash(text: string): number {
  let hash = 0;
  for (let at = 0; at < SHORT_HEAD; at++) hash = (Math.imul(hash, 31) + text.charCodeAt(at)) | 0;
  for (let at = text.length - SHORT_TAIL; at < text.length; at++) hash = (Math.imul(hash, 31) + text.charCodeAt(at)) | 0;
  return hash;
}

/** Whether two texts (longer than SHORTEST_CUT) have the same short form. */
function sameShortForm(a: string, b: string): boolean {
  return a.startsWith(b.slice(0, SHORT_HEAD)) && a.endsWith(b.slice(-SHORT_TAIL));
}
