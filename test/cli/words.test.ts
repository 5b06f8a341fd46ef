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
  ])("%j: %s", (line, message) => {
    expect(() => splitWords(line)).toThrow(UsageError);
    expect(() => splitWords(line)).toThrow(message);
  });
});
