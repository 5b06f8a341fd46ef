/**
 * Peers as people give them, resolved against the loaded snapshot: an exact
 * id, a unique prefix, or the shortened form the tables print
 * (`12D3KooW…a7Ci4`). A `/p2p/<id>` multiaddr and pasted whitespace are
 * accepted. A full id the snapshot has never seen is accepted with a notice,
 * because adding peers is what block, allow and fail are for; an id that
 * looks cut is refused, because a cut `12D3KooW…` often still decodes as some
 * valid id and would silently name a stranger.
 */
import { InvalidPeerId } from "../../core/errors.js";
import { isBase58Text, MAX_PEER_TEXT, PeerId } from "../../core/peer-id.js";
import { knownTextsAsRead } from "../../snapshot/as-read.js";
import type { Snapshot } from "../../snapshot/model.js";
import { UsageError } from "../errors.js";
import type { FleetPeers, Report } from "../context.js";
import { tidyPeerText } from "../args.js";
import type { ArgumentSpec } from "../program.js";
import { wrapLine } from "../render/fit.js";
import { knownPeers } from "./common.js";

// Real ids have fixed lengths by kind; a shorter text of that kind was cut.
const FULL_LENGTHS: readonly (readonly [string, number, string])[] = [
  ["12D3KooW", 52, "an ed25519 id (12D3KooW…)"],
  ["Qm", 46, "a sha2-256 id (Qm…)"],
];
const MAX_CANDIDATES_SHOWN = 3;

/** The peers a snapshot knows (health, backoff, both lists), sorted by text: a new list, the caller's to change. */
export function knownPeerTexts(snapshot: Snapshot): string[] {
  // From the file as read where it can tell (a prefix to resolve, a short name to make, on 100k peers): the
  // model's lists stay unbuilt.
  const texts = knownTextsAsRead(snapshot);
  if (texts !== undefined) return texts;
  return knownPeers(snapshot)
    .map((peer) => peer.text)
    .sort();
}

/** Whether the snapshot has any record of `peer`. */
export function isKnown(snapshot: Snapshot, peer: PeerId): boolean {
  const { governor, backoff } = snapshot;
  return governor.isBlocked(peer) || governor.isAllowlisted(peer) || governor.hasHealth(peer) || backoff.hasEntry(peer);
}

/**
 * Peer texts already parsed, shared by the lines of one `apply`: a script names the same peers again and
 * again, and parsing is pure (only the resolution depends on the state each line sees).
 */
export type ParsedIds = Map<string, PeerId>;

/** Texts kept in a ParsedIds at most: memory stays bounded whatever the script. */
const MAX_PARSED_IDS = 100_000;

/** The FleetPeers of these texts. */
export function fleetPeers(texts: Iterable<string>): FleetPeers {
  const set = new Set(texts);
  return { texts: [...set].sort(), has: (text) => set.has(text) };
}

/** Resolves peer inputs against `snapshot` (and a fleet's peers); `notices` says which ones it has never seen. */
export class PeerResolver {
  #known: string[] | undefined;
  readonly notices: string[] = [];
  // What notices holds, to look up: notices.includes made a line of n new peers cost n²/2 string compares. Made with
  // the first notice: apply makes a resolver per line, and most lines notice nothing.
  #noticed: Set<string> | undefined;

  constructor(
    private readonly snapshot: Snapshot,
    private readonly where: string,
    private readonly parsedIds?: ParsedIds,
    private readonly fleet?: FleetPeers,
    private readonly knownTexts?: KnownTexts,
  ) {}

  /** One input to the peer it names, or a UsageError that says why not. */
  resolve(input: string): PeerId {
    const text = tidyPeerText(input);
    if (text === "") throw new UsageError("empty peer id", this.where);
    let parsed = this.parsedIds?.get(text);
    let problem = "";
    if (parsed === undefined) {
      try {
        parsed = PeerId.parse(text);
        if (this.parsedIds !== undefined && this.parsedIds.size < MAX_PARSED_IDS) this.parsedIds.set(text, parsed);
      } catch (error) {
        if (!(error instanceof InvalidPeerId)) throw error;
        problem = error.message;
      }
    }
    if (parsed !== undefined && isKnown(this.snapshot, parsed)) return parsed;
    if (parsed !== undefined && this.fleet?.has(parsed.text) === true) {
      this.#notice(`${parsed.text}: not seen in this snapshot before`);
      return parsed;
    }
    const cut = cutKind(text);
    if (parsed === undefined || cut !== undefined || text.length < WHOLE_MIN_LENGTH) {
      const matches = this.#matching(text);
      if (matches.length === 1) return PeerId.parse(matches[0] as string);
      if (matches.length > 1) {
        const shown = matches.slice(0, MAX_CANDIDATES_SHOWN).join(", ");
        const rest = matches.length > MAX_CANDIDATES_SHOWN ? ` and ${matches.length - MAX_CANDIDATES_SHOWN} more` : "";
        throw new UsageError(
          `peer ${quote(text)} is ambiguous: it matches ${matches.length} peers (${shown}${rest}); type more of it`,
          this.where,
        );
      }
    }
    // A character that is not base58 (a look-alike, an invisible one pasted with the id) is what to fix first:
    // with it gone, the id may well resolve.
    if (cut !== undefined && !problem.includes("not base58btc")) {
      throw new UsageError(
        `peer id ${quote(text)} looks cut: ${cut[2]} has ${cut[1]} characters, this has ${text.length},` +
          ` and no peer of this snapshot starts with it`,
        this.where,
      );
    }
    if (parsed === undefined) {
      if (SHORT_FORM.test(text)) throw new UsageError(`no peer of this snapshot has the short form ${quote(text)}`, this.where);
      // A multiaddr with no /p2p/ part (`/ip4/10.0.0.7/tcp/4001`) names a place, not a peer.
      if (text.startsWith("/")) throw new UsageError(`${quote(text)} is an address with no /p2p/<id> part: it names no peer`, this.where);
      // A bad character says what to fix; the multihash details of a cut id or a word ("digest of 15801 bytes"
      // for `abc`) do not. CIDs (bafz…, k51…) keep their own explanation (a wrong codec, a bad multibase), and so does
      // a whole id spelled otherwise than canonically (a padded varint), which is neither cut nor mistyped.
      if (/not base58btc|too long|empty|not canonical|not minimally encoded/.test(problem) || /^[bk]/.test(text))
        throw new UsageError(problem, this.where);
      throw new UsageError(
        `${quote(text)} is not a whole peer id (cut or mistyped?) and no peer of this snapshot starts with it`,
        this.where,
      );
    }
    this.#notice(`${parsed.text}: not seen in this snapshot before`);
    return parsed;
  }

  /** A notice, once however often its peer is named. */
  #notice(text: string): void {
    this.#noticed ??= new Set();
    if (this.#noticed.has(text)) return;
    this.#noticed.add(text);
    this.notices.push(text);
  }

  /** Known peers that `text` names: by prefix, or by the head…tail of the shortened form. */
  #matching(text: string): string[] {
    this.#known ??= this.knownTexts?.get(this.snapshot) ?? sortedKnownTexts(this.snapshot, this.fleet);
    const short = /^(.+?)(?:\u2026|\.\.\.)(.+)$/.exec(text);
    const head = short?.[1] ?? text;
    const tail = short?.[2] ?? "";
    // The list is sorted: the texts that start with `head` stand together from where `head` would go.
    const matches: string[] = [];
    for (let at = lowerBound(this.#known, head); at < this.#known.length; at++) {
      const known = this.#known[at] as string;
      if (!known.startsWith(head)) break;
      if (known.endsWith(tail) && known.length >= head.length + tail.length) matches.push(known);
    }
    return matches;
  }
}

/** The known peers' texts of `snapshot` and a fleet's, sorted, each once. */
function sortedKnownTexts(snapshot: Snapshot, fleet: FleetPeers | undefined): string[] {
  return fleet === undefined ? knownPeerTexts(snapshot) : union(knownPeerTexts(snapshot), fleet.texts);
}

/** Where `text` stands or would go in the sorted `texts`. */
function lowerBound(texts: readonly string[], text: string): number {
  let low = 0;
  let high = texts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((texts[middle] as string) < text) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Commands that change no peer's record: the known peers stay as they are. */
const TOUCH_NO_PEER: ReadonlySet<string> = new Set(["threshold", "backoff", "clock"]);
/** Commands that change only the records of the peers they name (unless `--all` or `--open`). */
const TOUCH_NAMED_PEERS: ReadonlySet<string> = new Set(["block", "unblock", "allow", "disallow", "fail", "succeed", "advise", "reset"]);

/**
 * The sorted texts of the known peers (and a fleet's), kept across the lines of one `apply`. Each line's peers
 * resolve against the state the lines before it left; building the list for every line that names a short id not
 * seen before (it may be a prefix of a longer known one) made a script of n such lines cost n² log n: 10k lines of
 * `block <new short id>` took 15.6 s. After a line, the list follows the peers it named (each one is in the list if
 * it is known now, out of it if not); a line that may have changed peers it did not name (`--all`, `allow --open`,
 * a command not listed above) or that failed drops the list, built again when next needed.
 */
export class KnownTexts {
  #texts: string[] | undefined;

  constructor(private readonly fleet?: FleetPeers) {}

  /** The list for the snapshot as it stands. */
  get(snapshot: Snapshot): string[] {
    // Changed in place below: knownPeerTexts and union make a new list each time, no one else holds it.
    this.#texts ??= sortedKnownTexts(snapshot, this.fleet);
    return this.#texts;
  }

  /** After `command` ran with these options and resolved arguments on `snapshot`. */
  afterLine(command: string, options: Readonly<Record<string, unknown>>, args: readonly unknown[], snapshot: Snapshot): void {
    const texts = this.#texts;
    if (texts === undefined || TOUCH_NO_PEER.has(command)) return;
    if (!TOUCH_NAMED_PEERS.has(command) || options.all === true || options.open === true) {
      this.#texts = undefined;
      return;
    }
    for (let index = 0; index < args.length; index++) {
      const arg = args[index];
      if (arg instanceof PeerId) this.#place(texts, arg, snapshot);
      else if (Array.isArray(arg)) for (const peer of arg) if (peer instanceof PeerId) this.#place(texts, peer, snapshot);
    }
  }

  /** After a line that failed: what it changed before it failed is not known. */
  forget(): void {
    this.#texts = undefined;
  }

  #place(texts: string[], peer: PeerId, snapshot: Snapshot): void {
    const known = isKnown(snapshot, peer) || this.fleet?.has(peer.text) === true;
    const at = lowerBound(texts, peer.text);
    const there = texts[at] === peer.text;
    if (known && !there) texts.splice(at, 0, peer.text);
    else if (!known && there) texts.splice(at, 1);
  }
}

/** Two sorted lists of texts merged into one, sorted, each text once. */
function union(a: readonly string[], b: readonly string[]): string[] {
  const merged: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    const next = y === undefined || (x !== undefined && x <= y) ? (x as string) : y;
    if (x === next) i++;
    if (y === next) j++;
    merged.push(next);
  }
  return merged;
}

/** The kind of a real id that `text` starts like but is too short for, if any. */
/**
 * A peer text that names one peer as it stands: it parses, and it is as long
 * as a complete id of a real kind, so it cannot be a prefix of another (or a
 * cut one). Anything else is first searched for among the known peers.
 */
export function isWholePeerText(text: string): boolean {
  if (!isWholeForm(text)) return false;
  try {
    PeerId.parse(text);
    return true;
  } catch (error) {
    if (error instanceof InvalidPeerId) return false;
    throw error;
  }
}

// A complete id of a real kind cannot be a prefix of another: no search is needed for it.
function isWholeForm(text: string): boolean {
  return cutKind(text) === undefined && text.length >= WHOLE_MIN_LENGTH;
}

/** The mark of a shortened id (`12D3KooW…a7Ci4`, or `...` typed for the ellipsis). */
const SHORT_FORM = /\u2026|\.\.\./;

/** The shortest complete id of a real kind (a sha2-256 `Qm…`). */
const WHOLE_MIN_LENGTH = 46;

function cutKind(text: string): readonly [string, number, string] | undefined {
  // A loop, not find with a closure: this runs for every peer of every apply line.
  for (let at = 0; at < FULL_LENGTHS.length; at++) {
    const kind = FULL_LENGTHS[at] as (typeof FULL_LENGTHS)[number];
    if (text.length < kind[1] && text.startsWith(kind[0]) && !SHORT_FORM.test(text)) return kind;
  }
  return undefined;
}

/** The input as shown in an error: JSON-quoted, cut after 60 characters. */
function quote(text: string): string {
  return text.length > 60 ? `${JSON.stringify(text.slice(0, 60)).slice(0, -1)}..."` : JSON.stringify(text);
}

/** Replaces the peer arguments of a command (texts, as parsed) by the peers they name in `snapshot` (`parsedIds`: see ParsedIds). */
export function resolvePeerArgs(
  specs: readonly ArgumentSpec[],
  args: readonly unknown[],
  snapshot: Snapshot,
  parsedIds?: ParsedIds,
  fleet?: FleetPeers,
  knownTexts?: KnownTexts,
): { args: unknown[]; notices: string[] } {
  // A plain loop with the resolver made on first use: apply runs this once per line.
  const resolved = args.slice();
  let resolver: PeerResolver | undefined;
  for (let index = 0; index < resolved.length && index < specs.length; index++) {
    const kind = (specs[index] as ArgumentSpec).peer;
    const value = resolved[index];
    if (kind === undefined) continue;
    // Variadic peers left out are none: a command receives an empty list, never undefined.
    if (value === undefined) {
      if (kind === "many") resolved[index] = [];
      continue;
    }
    resolver ??= new PeerResolver(snapshot, "argument PEER", parsedIds, fleet, knownTexts);
    if (kind === "many") {
      // The same peer named twice (`block P P`, or a prefix and the whole id) is one peer: one change, one note.
      const peers: PeerId[] = [];
      const seen = new Set<string>();
      for (const text of value as string[]) {
        const peer = resolver.resolve(text);
        if (seen.has(peer.text)) continue;
        seen.add(peer.text);
        peers.push(peer);
      }
      resolved[index] = peers;
    } else {
      resolved[index] = resolver.resolve(value as string);
    }
  }
  return { args: resolved, notices: resolver === undefined ? [] : resolver.notices };
}

/**
 * The error of the first peer argument that no snapshot could resolve, if any:
 * an empty text, or one that is no peer id and holds a character no base58btc
 * id has (so it is no known peer's prefix either), a short form aside. Its
 * words are the resolver's. `apply` checks with it the lines after a failed
 * one, which do not run: how any other text resolves depends on lines before it.
 */
export function unresolvablePeerArg(specs: readonly ArgumentSpec[], args: readonly unknown[]): UsageError | undefined {
  for (let index = 0; index < args.length && index < specs.length; index++) {
    const kind = (specs[index] as ArgumentSpec).peer;
    const value = args[index];
    if (kind === undefined || value === undefined) continue;
    for (const input of kind === "many" ? (value as string[]) : [value as string]) {
      const text = tidyPeerText(input);
      if (text === "") return new UsageError("empty peer id", "argument PEER");
      // Every character base58btc's (most lines): no such error, and no parse; a short form is the state's to judge.
      if ((text.length <= MAX_PEER_TEXT && isBase58Text(text)) || SHORT_FORM.test(text)) continue;
      try {
        PeerId.parse(text);
      } catch (error) {
        if (!(error instanceof InvalidPeerId)) throw error;
        if (/not base58btc|too long/.test(error.message)) return new UsageError(error.message, "argument PEER");
      }
    }
  }
  return undefined;
}

/** The report with a dim `note:` line per notice under its human rendering (the --json document is unchanged). */
export function withNotices(report: Report, notices: readonly string[]): Report {
  if (notices.length === 0) return report;
  return {
    ...report,
    render: (ui) => {
      const body = report.render(ui);
      // Wrapped, not cut: the whole id is what the operator copies (an unknown peer has no short form to type back).
      const notes = notices.map((notice) => ui.chalk.dim(wrapLine(ui, `note: ${notice}`, 6))).join("\n");
      return body === "" ? notes : `${body}\n${notes}`;
    },
  };
}
