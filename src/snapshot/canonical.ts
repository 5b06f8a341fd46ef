/**
 * The canonical order of a snapshot's lists: by peer text, compared as plain
 * strings (base58btc is ASCII, so this is byte order). Encoder, linter and
 * upstream export share it, so that a lint path like `backoff_table[3]` points
 * into the written file.
 *
 * The maps mostly hold a snapshot's items in text order already (loaded in
 * that order; a change keeps its place), so each list is checked before it is
 * sorted, and items still as the canonical reader left them need no
 * comparison at all.
 */
import type { BackoffEntry } from "../core/backoff.js";
import type { HealthEntry } from "../core/governor.js";
import type { PeerId } from "../core/peer-id.js";
import { canonicalSource } from "./decode-canonical.js";
import type { Snapshot } from "./model.js";

/** A snapshot's lists in canonical order. */
export interface CanonicalLists {
  readonly blocklist: PeerId[];
  /** null is the open policy. */
  readonly allowlist: PeerId[] | null;
  readonly health: HealthEntry[];
  readonly backoffTable: BackoffEntry[];
}

/** Every list of the snapshot, in order of peer text; those named in `skip` are left empty (a caller that copies them). */
export function canonicalLists(
  snapshot: Snapshot,
  skip: { readonly health?: boolean; readonly backoffTable?: boolean } = {},
): CanonicalLists {
  const source = canonicalSource(snapshot);
  const allowlist = snapshot.governor.allowlist();
  return {
    blocklist: inTextOrder(snapshot.governor.blocklist(), peerText, source?.blocklist.items),
    allowlist: allowlist === null ? null : inTextOrder(allowlist, peerText, source?.allowlist?.items),
    health: skip.health === true ? [] : inTextOrder(snapshot.governor.iterHealth(), entryPeerText, source?.health.items),
    backoffTable: skip.backoffTable === true ? [] : inTextOrder(snapshot.backoff.iter(), entryPeerText, source?.backoffTable.items),
  };
}

/** One list in order of peer text, as `canonicalLists` orders each of its lists (for a kind that rewrites only some). */
export function byPeerText<T>(items: Iterable<T>, keyOf: (item: T) => string): T[] {
  return inTextOrder(items, keyOf);
}

/** The text a peer is ordered by. */
export const peerText = (peer: PeerId): string => peer.text;
/** The text an entry is ordered by: its peer's. */
export const entryPeerText = (entry: { readonly peer: PeerId }): string => entry.peer.text;

/**
 * The items by peer text, in byte order (texts are distinct: a map's keys).
 * Items still as they were read from a canonical source (`from`, ascending)
 * are in order among themselves, since a map keeps each key's place: an item
 * that follows its predecessor in `from` needs no comparison of texts.
 */
function inTextOrder<T>(items: Iterable<T>, keyOf: (item: T) => string, from: readonly T[] = []): T[] {
  const list = Array.from(items);
  let at = -1; // where the previous item stands in `from`, -1 if it is not there
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as T;
    if (at >= 0 && from[at + 1] === item) {
      at += 1;
      continue;
    }
    if (i > 0 && !(keyOf(list[i - 1] as T) < keyOf(item))) return sortByText(list, keyOf);
    at = indexByText(from, keyOf(item), keyOf);
    if (from[at] !== item) at = -1;
  }
  return list;
}

// The texts sorted by the engine's own string order (UTF-16 code units, as `<`),
// without a comparator call per comparison: a node snapshot's lists come in hash order.
function sortByText<T>(list: T[], keyOf: (item: T) => string): T[] {
  const byText = new Map<string, T>();
  for (const item of list) byText.set(keyOf(item), item);
  const texts = Array.from(byText.keys()).sort();
  for (let i = 0; i < texts.length; i++) list[i] = byText.get(texts[i] as string) as T;
  return list;
}

/** Where `key` stands (or would) in `sorted`, ascending by text. */
function indexByText<T>(sorted: readonly T[], key: string, keyOf: (item: T) => string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keyOf(sorted[middle] as T) < key) low = middle + 1;
    else high = middle;
  }
  return low;
}
