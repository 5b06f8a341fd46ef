/**
 * Splits an `apply` line into words the way a POSIX shell would for simple
 * commands: blanks separate words, '...' is literal, "..." allows \" \\ \$ \`
 * escapes, a backslash outside quotes escapes the next character, and an
 * unquoted # at the start of a word begins a comment.
 */
import { UsageError } from "../errors.js";

/** The words of one line; throws UsageError on an unterminated quote or a trailing backslash. */
export function splitWords(line: string): string[] {
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
      // Before a CRLF script's carriage return too: the escaped CR was a word of its own, "empty peer id".
      if (next === undefined || (next === "\r" && i + 2 === line.length)) throw new UsageError("a line cannot end with a backslash");
      word += next;
      inWord = true;
      i++;
    } else {
      // A run of plain characters joins the word as one slice: char by char, a 52-character
      // peer id made 52 strings, most of apply's garbage on a long script.
      let end = i + 1;
      while (end < line.length && !isSpecial(line.charCodeAt(end))) end++;
      word += line.slice(i, end);
      inWord = true;
      i = end - 1;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Blanks, quotes and the backslash end a run of plain characters; `#` is plain inside a word. */
function isSpecial(code: number): boolean {
  // space, tab, carriage return, ', ", backslash
  return code === 32 || code === 9 || code === 13 || code === 39 || code === 34 || code === 92;
}
