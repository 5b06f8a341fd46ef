/**
 * The one sanitiser for text from outside (file names, lock file fields,
 * script lines and comments, parse error excerpts, commander's echo of what
 * was typed) on its way to a terminal. A control character (C0 such as ESC,
 * DEL, C1 such as U+009B, a lone CSI introducer to many terminals) or a
 * character that reorders or hides text (bidi overrides and isolates such as
 * U+202E, zero-width marks, line and paragraph separators) is shown escaped,
 * `\x1b` or `\u202e`, so that what is printed is what is there and nothing
 * printed can drive the terminal or disguise a name.
 */

// C0 and DEL, C1, Arabic letter mark, zero-width and directional marks, LS/PS, bidi embeddings and overrides,
// word joiner to the bidi isolates, BOM / zero-width no-break space, interlinear annotation marks.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
// The same less C0, which JSON.stringify already escapes inside strings (a raw newline in its output is layout).
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** `text` with every control and bidi/invisible formatting character shown as an escape (`\x1b`, `\u202e`). */
export function sanitize(text: string): string {
  return text.replace(UNSAFE, escapeCharacter);
}

/** The same characters escaped the JSON way (`\u009b`), for a --json document: the same string to a parser, inert on a terminal. */
export function sanitizeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

// Spaces other than the plain one: no-break (U+00A0, U+202F), ogham, the typographic ones, medium math, ideographic.
const ODD_SPACE = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g;

/**
 * `sanitize`, and every space but the plain one escaped too (`\xa0`): for an error's line, where a word with a
 * no-break space pasted into it (`block\u00a0PEER`, one word to the shell and to apply) must not look like two.
 */
export function sanitizeError(text: string): string {
  return sanitize(text).replace(ODD_SPACE, escapeCharacter);
}

/** Whether `text` holds a space other than the plain one (a no-break space pasted from a web page or a chat). */
export function hasOddSpace(text: string): boolean {
  ODD_SPACE.lastIndex = 0;
  return ODD_SPACE.test(text);
}

function escapeCharacter(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}
