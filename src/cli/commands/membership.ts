/** The shared shape of list edits (block, unblock, allow, disallow, reset): one line per peer, changed or not. */
import type { PeerId } from "../../core/peer-id.js";
import type { Report } from "../context.js";
import { report } from "../context.js";

/** What one edit did to one peer. */
export interface PeerChange {
  readonly changed: boolean;
  /** Past tense for a person: "blocked", "was not blocked". */
  readonly note: string;
}

/**
 * Applies `edit` to each peer and reports `{changes: [{peer, changed, note}]}` plus one line per peer,
 * and `extra.note` as a dim line under them. A note is text, not a callback: a function in an object
 * literal was named at run time in the bundle (esbuild's --keep-names, since dropped), which `apply` paid on every line.
 */
export function membershipReport(
  peers: readonly PeerId[],
  edit: (peer: PeerId) => PeerChange,
  extra: { warnings?: string[]; note?: string | undefined } = {},
): Report {
  // A loop without spreads: `apply` runs this once per line, mostly before V8 has optimized it.
  const changes: { peer: string; changed: boolean; note: string }[] = new Array(peers.length);
  let changedAny = false;
  for (let at = 0; at < peers.length; at++) {
    const peer = peers[at] as PeerId;
    const { changed, note } = edit(peer);
    changes[at] = { peer: peer.text, changed, note };
    if (changed) changedAny = true;
  }
  return report(
    { changes },
    (ui) =>
      [
        ...changes.map(({ peer, changed, note }) =>
          changed ? `${ui.chalk.green("✓")} ${peer} ${note}` : `${ui.chalk.dim("·")} ${peer} ${ui.chalk.dim(note)}`,
        ),
        ...(extra.note === undefined ? [] : [ui.chalk.dim(extra.note)]),
      ].join("\n"),
    { warnings: extra.warnings ?? [], changed: changedAny },
  );
}
