/**
 * `validate`: every problem of the snapshot, not just the first: the format
 * errors (exit 2) and the semantic findings of lint, each at the path of the
 * entry as it stands in the file (lint indexes the sorted lists; a file's own
 * order may differ). A bbgov JSON snapshot has every error collected; a node
 * or framework snapshot stops at its first error (its reader cannot go past
 * bad bytes), and what upstream's restore would skip is listed as findings.
 */
import { parse } from "lossless-json";
import type { PeerId } from "../../core/peer-id.js";
import { canonicalLists } from "../../snapshot/canonical.js";
import { openSnapshot } from "../../snapshot/kinds.js";
import { lintSnapshot } from "../../snapshot/lint.js";
import { repeatedNodePeers } from "../../snapshot/node.js";
import { SnapshotError, type Snapshot } from "../../snapshot/model.js";
import { collectProblems } from "../../snapshot/problems.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs, CommandOptions } from "../program.js";
import { report } from "../context.js";
import { wrapLine } from "../render/fit.js";
import { sanitize } from "../render/sanitize.js";
import type { RawSnapshot } from "../spec.js";

/** Errors shown as lines unless --all; the JSON document lists every one collected. */
const SHOWN = 50;
/** Collecting stops here: a file this broken is broken enough. */
const COLLECTED = 10_000;

/** Reports every error and finding; exit 2 when there is an error. */
export function execute(_ctx: CommandContext, [given]: CommandArgs<"validate">, options: CommandOptions<"validate">): Report {
  const input = { source: given.source };
  const { errors, truncated, snapshot, loadWarnings, findings } = problemsOf(given);
  const counts =
    snapshot === undefined
      ? null
      : {
          blocked: snapshot.governor.blocklistSize(),
          allowlisted: snapshot.governor.allowlistSize(),
          tracked: snapshot.governor.trackedPeers(),
          backoff_entries: snapshot.backoff.len(),
        };
  const shown = options.all === true ? errors : errors.slice(0, SHOWN);
  const hidden = errors.length - shown.length;
  return report(
    { valid: errors.length === 0, source: input.source, counts, errors, errors_truncated: truncated, findings },
    (ui) => {
      // Messages and paths quote the file (keys, peer texts): shown through the sanitiser, and at most SHOWN unless --all.
      const shownFindings = options.all === true ? findings : findings.slice(0, SHOWN);
      const notes = shownFindings.map((f) => wrapLine(ui, `  ${ui.chalk.yellow("!")} ${sanitize(f.message)} (${sanitize(f.path)})`, 4));
      const moreFindings = findings.length - shownFindings.length;
      const findingLines =
        findings.length > 0
          ? [
              `${findings.length} finding(s):`,
              ...notes,
              ...(moreFindings > 0 ? [ui.chalk.dim(`  … and ${moreFindings} more finding(s) (--all or --json lists them)`)] : []),
            ]
          : [];
      if (counts === null) {
        const total = `${errors.length}${truncated ? "+" : ""} error(s)`;
        return [
          wrapLine(ui, `${ui.chalk.red("invalid")}: ${input.source}: ${total}`, 2),
          ...shown.map((e) => wrapLine(ui, `  ${ui.chalk.red("✗")} ${sanitize(e.message)} (${sanitize(e.path)})`, 4)),
          ...(hidden > 0 || truncated
            ? [ui.chalk.dim(`  … and ${hidden}${truncated ? "+" : ""} more error(s) (--all or --json lists them)`)]
            : []),
        ].join("\n");
      }
      const head =
        `${ui.chalk.green("valid")}: ${input.source} (${counts.tracked} tracked,` +
        ` ${counts.blocked} blocked, ${counts.backoff_entries} backoff entries)`;
      return [wrapLine(ui, head, 2), ...findingLines].join("\n");
    },
    { exitCode: errors.length > 0 ? 2 : 0, warnings: loadWarnings, ...errorLineOf(errors, truncated, input.source) },
  );
}

/** An invalid file's error line (the contract's `<what> (<where>)` on standard error): its first error, and how many more. */
function errorLineOf(errors: Problems["errors"], truncated: boolean, source: string): { error?: string } {
  const [first] = errors;
  if (first === undefined) return {};
  const more = errors.length - 1;
  const count = more > 0 || truncated ? `, and ${more}${truncated ? "+" : ""} more error(s)` : "";
  return { error: `${first.message}${count} (${source}: ${first.path})` };
}

interface Problems {
  readonly errors: readonly { readonly path: string; readonly message: string }[];
  readonly truncated: boolean;
  readonly snapshot: Snapshot | undefined;
  readonly loadWarnings: readonly string[];
  readonly findings: readonly { readonly path: string; readonly message: string }[];
}

/** Every error and finding of a file of any kind. */
function problemsOf({ input, source, hostBackoff, kind, canonical, shared }: RawSnapshot): Problems {
  if (kind instanceof SnapshotError) return unreadable(kind);
  if (kind === "bbgov-json") {
    const text = input.text();
    // A text the canonical reader took has no error to collect: decodeSnapshot tries that reader first and gives its
    // model with no warnings (decode.ts). One it declined is not walked by it again.
    const { errors, truncated, decoded } =
      canonical === undefined
        ? collectProblems(text, COLLECTED, { canonicalTried: true })
        : { errors: [], truncated: false, decoded: { snapshot: canonical, warnings: [] } };
    const snapshot = decoded?.snapshot;
    const order = snapshot === undefined ? undefined : fileOrder(snapshot, text);
    const inFile = (path: string): string => order?.(path) ?? path;
    const findings =
      snapshot === undefined
        ? []
        : lintSnapshot(snapshot).map((f) => ({ path: inFile(f.path), message: f.message.replace(LIST_PATH_IN_TEXT, inFile) }));
    const loadWarnings = decoded?.warnings.map((w) => `${w.message} (${source}: ${w.path})`) ?? [];
    return { errors, truncated, snapshot, loadWarnings, findings };
  }
  try {
    const opened = openSnapshot(input, {
      forWrite: false,
      ...(hostBackoff === undefined ? {} : { backoff: hostBackoff }),
      ...(shared === undefined ? {} : { shared }),
    });
    // What upstream's restore would skip or clamp is a finding here, with its path and byte; lint's findings name
    // the entry where it stands in the file too (a node snapshot's own path), where the kind can tell.
    const { entryPath } = opened;
    const inFile =
      entryPath === undefined
        ? (path: string): string => path
        : byCanonicalIndex(
            opened.snapshot,
            (list, peer, rest) => entryPath(LIST_KIND[list], peer, rest),
            (list) => entryPath(LIST_KIND[list], undefined, ""),
          );
    const linted = lintSnapshot(opened.snapshot).map((f) => ({
      path: inFile(f.path),
      message: f.message.replace(LIST_PATH_IN_TEXT, inFile),
    }));
    // A peer listed twice (restore keeps one): framework-json's reader says so as it reads; a node's, built for speed, not.
    const repeats = opened.node === undefined ? [] : repeatedNodePeers(input.bytes, opened.node.governorRange[0], opened.snapshot);
    const findings = [...[...opened.warnings, ...repeats].map((f) => ({ path: f.path, message: f.message })), ...linted];
    return { errors: [], truncated: false, snapshot: opened.snapshot, loadWarnings: [], findings };
  } catch (error) {
    return unreadable(error);
  }
}

/** A file that cannot be read as a snapshot: its one error (anything but a SnapshotError is a bug, and goes on up). */
function unreadable(error: unknown): Problems {
  if (!(error instanceof SnapshotError)) throw error;
  return { errors: [{ path: error.path, message: error.message }], truncated: false, snapshot: undefined, loadWarnings: [], findings: [] };
}

const LIST_PATH_IN_TEXT = /(?:peer_governor\.allowlist|peer_governor\.health|backoff_table)\[\d+\][\w.]*/g;
const LIST_PATH = /^(peer_governor\.allowlist|peer_governor\.health|backoff_table)\[(\d+)\](.*)$/;

/** A lint path's list, as the kinds name it. */
const LIST_KIND = {
  "peer_governor.allowlist": "allowlist",
  "peer_governor.health": "health",
  backoff_table: "backoff_table",
} as const;

type ListPath = keyof typeof LIST_KIND;

/**
 * Maps a lint path (an index into the sorted list) to `place(list, peer, rest)`, the path of that peer's entry in
 * the file (or the lint path when it gives undefined), and a list's own path to `whole(list)`; the lists are sorted
 * once, on first use.
 */
function byCanonicalIndex(
  snapshot: Snapshot,
  place: (list: ListPath, peer: PeerId, rest: string) => string | undefined,
  whole?: (list: ListPath) => string | undefined,
): (path: string) => string {
  let lists: ReturnType<typeof canonicalLists> | undefined;
  return (path) => {
    // A finding about a list itself (the allowlist is empty): the list's own path, when the kind gives one.
    if (whole !== undefined && Object.hasOwn(LIST_KIND, path)) return whole(path as ListPath) ?? path;
    const match = LIST_PATH.exec(path);
    if (match === null) return path;
    const [, list = "", index = "", rest = ""] = match;
    lists ??= canonicalLists(snapshot);
    const peer =
      list === "backoff_table"
        ? lists.backoffTable[Number(index)]?.peer
        : list === "peer_governor.health"
          ? lists.health[Number(index)]?.peer
          : lists.allowlist?.[Number(index)];
    return peer === undefined ? path : (place(list as ListPath, peer, rest) ?? path);
  };
}

/** Maps a lint path (an index into the sorted list) to the index of that peer in the JSON file; the tree parsed once, on first use. */
function fileOrder(snapshot: Snapshot, text: string): (path: string) => string {
  let tree: unknown;
  return byCanonicalIndex(snapshot, (list, peer, rest) => {
    tree ??= parseOrNull(text);
    let node: unknown = tree;
    for (const key of list.split("."))
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
    if (!Array.isArray(node)) return undefined;
    const position = node.findIndex(
      (item: unknown) =>
        item === peer.text || (typeof item === "object" && item !== null && (item as { peer?: unknown }).peer === peer.text),
    );
    return position < 0 ? undefined : `${list}[${position}]${rest}`;
  });
}

/** The JSON tree of the text, or null when it is not JSON (a node snapshot). */
function parseOrNull(text: string): unknown {
  try {
    return parse(text.replace(/^\uFEFF/, ""));
  } catch {
    return null;
  }
}
