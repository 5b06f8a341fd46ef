/**
 * shortPeerNames groups only the known peers that share a tail with the wanted texts (64 or fewer): the names
 * must be those of grouping every known peer (the former way, kept here as the reference), on texts made to
 * share heads and tails, with texts repeated, texts missing from `known`, short ones, and more than 64 texts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SHORT_HEAD, SHORT_TAIL, shortPeerNames } from "../../src/cli/render/peer.js";

/** Every known peer grouped by its short form: the names before groups were cut down to the wanted tails. */
function everyPeerGrouped(texts: readonly string[], known: readonly string[]): Map<string, string> {
  const shortest = SHORT_HEAD + SHORT_TAIL + 3;
  const groups = new Map<string, string[]>();
  for (const text of new Set([...known, ...texts])) {
    if (text.length <= shortest) continue;
    const key = `${text.slice(0, SHORT_HEAD)}…${text.slice(-SHORT_TAIL)}`;
    groups.set(key, [...(groups.get(key) ?? []), text]);
  }
  const names = new Map<string, string>();
  for (const text of texts) {
    if (text.length <= shortest) {
      names.set(text, text);
      continue;
    }
    const tail = text.slice(-SHORT_TAIL);
    const group = groups.get(`${text.slice(0, SHORT_HEAD)}…${tail}`) ?? [text];
    let head = SHORT_HEAD;
    while (group.some((other) => other !== text && other.startsWith(text.slice(0, head))) && head + SHORT_TAIL < text.length) head++;
    names.set(text, head + SHORT_TAIL + 1 >= text.length ? text : `${text.slice(0, head)}…${tail}`);
  }
  return names;
}

// Few letters, so that heads and tails are shared often; lengths around the shortest cut (16) and peer-id sizes.
const text = fc
  .tuple(
    fc.constantFrom("12D3KooW", "QmYyQSo1", "12D3Koo", "16uZAbWC"),
    fc.string({ unit: fc.constantFrom("a", "b", "c"), minLength: 0, maxLength: 40 }),
    fc.constantFrom("a7Ci4", "a7Ci5", "b7Ci4", ""),
  )
  .map(([head, middle, tail]) => `${head}${middle}${tail}`);

describe("shortPeerNames, cut down to the wanted tails, names as grouping every known peer does", () => {
  it("on texts made to collide, few texts and many", () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 80 }), fc.array(text, { maxLength: 120 }), fc.boolean(), (known, wanted, include) => {
        const all = include ? [...known, ...wanted] : known;
        expect(shortPeerNames(wanted, all)).toEqual(everyPeerGrouped(wanted, all));
      }),
      { numRuns: 400 },
    );
  });
});
