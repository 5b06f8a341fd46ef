import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/errors.js";
import { splitWords } from "../../src/cli/io/words.js";

describe("splitWords: blanks and comments", () => {
  it.each([
    ["", []],
    ["   \t ", []],
    ["# a comment", []],
    ["   # indented comment", []],
    ["block a b", ["block", "a", "b"]],
    ["  block\ta   b  ", ["block", "a", "b"]],
    ["block a\r", ["block", "a"]],
    ["block a # trailing comment", ["block", "a"]],
    ["block a #b", ["block", "a"]],
    ["block a#b", ["block", "a#b"]],
  ])("%j -> %j", (line, words) => {
    expect(splitWords(line)).toEqual(words);
  });
});

describe("splitWords: quotes and escapes", () => {
  it.each([
    ["'a b' c", ["a b", "c"]],
    ['"a b" c', ["a b", "c"]],
    ["''", [""]],
    ['""', [""]],
    ["a''b", ["ab"]],
    ["x'y z'w", ["xy zw"]],
    ["'#' x", ["#", "x"]],
    ['"# not a comment"', ["# not a comment"]],
    ["\\#x", ["#x"]],
    ["'a\\b'", ["a\\b"]],
    ["'say \"hi\"'", ['say "hi"']],
    ['"it\'s"', ["it's"]],
    ['"a\\"b"', ['a"b']],
    ['"a\\\\b"', ["a\\b"]],
    ['"\\$x \\`y\\`"', ["$x `y`"]],
    ['"a\\nb"', ["a\\nb"]],
    ['"$HOME"', ["$HOME"]],
    ["a\\ b", ["a b"]],
    ["a\\'b", ["a'b"]],
    ["fail 16uZAbWC1AJvL --every '1.5s'", ["fail", "16uZAbWC1AJvL", "--every", "1.5s"]],
  ])("%j -> %j", (line, words) => {
    expect(splitWords(line)).toEqual(words);
  });
});

describe("splitWords: errors", () => {
  it.each([
    ["block 'abc", "unterminated ' quote"],
    ['block "abc', 'unterminated " quote'],
    ['block "abc\\"', 'unterminated " quote'],
    ["block abc\\", "a line cannot end with a backslash"],
    // A CRLF script's line keeps its carriage return: the backslash still ends the line.
    ["block abc \\\r", "a line cannot end with a backslash"],
  ])("%j: %s", (line, message) => {
    expect(() => splitWords(line)).toThrow(UsageError);
    expect(() => splitWords(line)).toThrow(message);
  });
});

/** The rules one character at a time, as words.ts had them before it joined runs of plain characters as slices. */
function referenceSplit(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (char === " " || char === "\t" || char === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (char === "#" && !inWord) {
      break;
    } else if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new UsageError("unterminated ' quote");
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (char === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const next = line[j + 1];
        if (line[j] === "\\" && next !== undefined && '"\\$`'.includes(next)) {
          word += next;
          j++;
        } else {
          word += line[j];
        }
      }
      if (j >= line.length) throw new UsageError('unterminated " quote');
      inWord = true;
      i = j;
    } else if (char === "\\") {
      const next = line[i + 1];
      if (next === undefined || (next === "\r" && i + 2 === line.length)) throw new UsageError("a line cannot end with a backslash");
      word += next;
      inWord = true;
      i++;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

describe("splitWords: the same words as one character at a time", () => {
  it("agrees with the character-by-character rules on lines of quotes, escapes, blanks and comments", () => {
    const piece = fc.constantFrom(" ", "\t", "\r", "'", '"', "\\", "#", "a", "b7", "--every", "1.5s", "12D3KooW", "$", "`", "é", "…");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const line = pieces.join("");
        let expected: string[] | string;
        let actual: string[] | string;
        try {
          expected = referenceSplit(line);
        } catch (error) {
          expected = (error as Error).message;
        }
        try {
          actual = splitWords(line);
        } catch (error) {
          actual = (error as Error).message;
        }
        expect(actual).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });
});
