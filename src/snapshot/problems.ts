/**
 * Every problem of a snapshot text, for `validate`, without a second
 * validator: decode, and on an error take the offending entry out of the JSON
 * tree (the whole list entry when the path has an index, else the key, which
 * then takes its default) and decode again, until the text decodes or an
 * error leaves nothing to take out. Paths are mapped back to the file's own
 * indices, so a later error in a list names the entry where it is in the file.
 */
import { isLosslessNumber, parse, stringify } from "lossless-json";
import { decodeSnapshot, type DecodedSnapshot, type DecodeOptions } from "./decode.js";
import { SnapshotError } from "./model.js";

/** One error, at its path in the file as written. */
export interface SnapshotProblem {
  readonly path: string;
  readonly message: string;
}

/** What `collectProblems` found: the errors (at most `limit`), whether there were more, and the decoded snapshot when none. */
export interface ProblemReport {
  readonly errors: readonly SnapshotProblem[];
  /** True when collecting stopped at `limit` (more errors may follow). */
  readonly truncated: boolean;
  readonly decoded: DecodedSnapshot | undefined;
}

type Json = null | boolean | string | Json[] | { [key: string]: Json } | object;
type Segment = string | number;

/** Decodes `text`, collecting up to `limit` errors instead of stopping at the first (`options`: decodeSnapshot's). */
export function collectProblems(text: string, limit: number, options: DecodeOptions = {}): ProblemReport {
  try {
    return { errors: [], truncated: false, decoded: decodeSnapshot(text, options) };
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    const first = { path: error.path, message: error.message };
    let tree: Json;
    try {
      tree = parse(text) as Json;
    } catch {
      return { errors: [first], truncated: false, decoded: undefined };
    }
    return collectFrom(tree, first, limit);
  }
}

function collectFrom(tree: Json, first: SnapshotProblem, limit: number): ProblemReport {
  const errors: SnapshotProblem[] = [];
  // For each list (by its path), the file index of each entry still in the tree.
  const fileIndices = new Map<string, number[]>();
  let problem: SnapshotProblem = first;
  for (;;) {
    const segments = parsePath(problem.path);
    const filePath = segments === undefined ? problem.path : formatPath(toFileIndices(segments, tree, fileIndices));
    // A duplicate names its first occurrence by index, in the pruned list too.
    const listKey =
      segments === undefined
        ? ""
        : formatPath(segments.filter((_, position) => position < segments.findIndex((s) => typeof s === "number")));
    const message = problem.message.replace(/\(already at index (\d+)\)/, (whole, index: string) => {
      const original = fileIndices.get(listKey)?.[Number(index)];
      return original === undefined ? whole : `(already at index ${original})`;
    });
    errors.push({ path: filePath, message });
    if (segments === undefined || segments.length === 0 || segments[0] === "spec_version") break;
    if (!removeAt(tree, segments, fileIndices)) break;
    if (errors.length >= limit) return { errors, truncated: true, decoded: undefined };
    try {
      decodeSnapshot(stringify(tree) ?? "");
      break;
    } catch (error) {
      if (!(error instanceof SnapshotError)) throw error;
      problem = { path: error.path, message: error.message };
    }
  }
  return { errors, truncated: false, decoded: undefined };
}

/** Splits `peer_governor.health[3].peer` or `$["odd key"]` into segments; undefined when it cannot. */
function parsePath(path: string): Segment[] | undefined {
  if (path === "$") return [];
  const segments: Segment[] = [];
  const pattern = /(?:^|\.)([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let at = path.startsWith("$") ? 1 : 0;
  while (at < path.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(path);
    if (match === null) return undefined;
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(JSON.parse(match[3] as string) as string);
    at = pattern.lastIndex;
  }
  return segments;
}

function formatPath(segments: readonly Segment[]): string {
  let path = "";
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += path === "" ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path === "" ? "$" : path;
}

/** The indices of `segments` (which index the pruned tree) as indices of the file. */
function toFileIndices(segments: readonly Segment[], tree: Json, fileIndices: Map<string, number[]>): Segment[] {
  let node: Json | undefined = tree;
  return segments.map((segment, position) => {
    const here = node;
    node = child(here, segment);
    if (typeof segment !== "number") return segment;
    const listKey = formatPath(segments.slice(0, position));
    return fileIndices.get(listKey)?.[segment] ?? segment;
  });
}

/** Takes the entry out: the deepest list entry on the path, else the last key. False when there is nothing to take. */
function removeAt(tree: Json, segments: readonly Segment[], fileIndices: Map<string, number[]>): boolean {
  let deepestIndex = -1;
  segments.forEach((segment, position) => {
    if (typeof segment === "number") deepestIndex = position;
  });
  const cut = deepestIndex >= 0 ? deepestIndex : segments.length - 1;
  let parent: Json | undefined = tree;
  for (const segment of segments.slice(0, cut)) parent = child(parent, segment);
  const last = segments[cut];
  if (last === undefined || parent === null || typeof parent !== "object") return false;
  if (typeof last === "number") {
    if (!Array.isArray(parent) || last >= parent.length) return false;
    const listKey = formatPath(segments.slice(0, cut));
    const indices = fileIndices.get(listKey) ?? Array.from(parent, (_, index) => index);
    indices.splice(last, 1);
    fileIndices.set(listKey, indices);
    parent.splice(last, 1);
    return true;
  }
  if (Array.isArray(parent) || !Object.hasOwn(parent, last)) return false;
  delete (parent as Record<string, Json>)[last];
  return true;
}

function child(node: Json | undefined, segment: Segment): Json | undefined {
  if (node === null || node === undefined || typeof node !== "object" || isLosslessNumber(node)) return undefined;
  if (Array.isArray(node)) return typeof segment === "number" ? (node[segment] as Json | undefined) : undefined;
  return typeof segment === "string" ? (node as Record<string, Json>)[segment] : undefined;
}
