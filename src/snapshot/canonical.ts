/**
 * The canonical order of a snapshot's lists: by peer text, compared as plain
 * strings (base58btc is ASCII, so this is byte order). Encoder and linter share
 * it so that a lint path like `backoff_table[3]` points into the written file.
 */
import type { BackoffEntry } from "../core/backoff.js";
import type { HealthEntry } from "../core/governor.js";
import type { PeerId } from "../core/peer-id.js";
import type { Snapshot } from "./model.js";

/** A snapshot's lists in canonical order. */
export interface CanonicalLists {
  readonly blocklist: PeerId[];
  /** null is the open policy. */
  readonly allowlist: PeerId[] | null;
  readonly health: HealthEntry[];
  readonly backoffTable: BackoffEntry[];
}

/** Every list of the snapshot, sorted by peer text. */
export function canonicalLists(snapshot: Snapshot): CanonicalLists {
  const allowlist = snapshot.governor.allowlist();
  return {
    blocklist: Array.from(snapshot.governor.blocklist()).sort(byText),
    allowlist: allowlist === null ? null : Array.from(allowlist).sort(byText),
    health: Array.from(snapshot.governor.iterHealth()).sort(byPeerText),
    backoffTable: Array.from(snapshot.backoff.iterEntries()).sort(byPeerText),
  };
}

function byText(a: PeerId, b: PeerId): number {
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

function byPeerText(a: { readonly peer: PeerId }, b: { readonly peer: PeerId }): number {
  return a.peer.text < b.peer.text ? -1 : a.peer.text > b.peer.text ? 1 : 0;
}
