/** `allow PEER...` / `allow --open`: add to the allowlist, or drop it for the open policy. */
import { UsageError } from "../errors.js";
import type { CommandContext, Report } from "../context.js";
import { report } from "../context.js";
import { peerList } from "./common.js";
import { membershipReport } from "./membership.js";
import { knownPeerTexts } from "./resolve.js";

/** Adds each peer to the allowlist (creating it when open), or opens the policy with --open. */
export function execute(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report {
  const { governor } = ctx.snapshot;
  const peers = peerList(args[0]);
  if (options.open === true) {
    if (peers.length > 0) throw new UsageError("give peers or --open, not both", "allow");
    const size = governor.allowlistSize();
    governor.setAllowlist(null);
    return report(
      { changes: [], policy: "open", changed: size !== null },
      (ui) =>
        size === null
          ? ui.chalk.dim("the policy was already open (no allowlist)")
          : `${ui.chalk.green("✓")} allowlist of ${size} dropped: the policy is open, every peer not blocklisted is admitted`,
      { changed: size !== null },
    );
  }
  if (peers.length === 0) throw new UsageError("name at least one PEER, or --open", "allow");
  const wasOpen = governor.allowlistSize() === null;
  if (wasOpen && options.restrict !== true) {
    // An allowlist turns an open node into a closed one: say what it would cost before doing it.
    const denied = knownPeerTexts(ctx.snapshot).filter((text) => !peers.some((peer) => peer.text === text)).length;
    throw new UsageError(
      `the policy is open: an allowlist would deny every other peer (${denied} known peer(s) in this snapshot); add --restrict to create it`,
      "allow",
    );
  }
  const blocked = peers.filter((peer) => governor.isBlocked(peer));
  const result = membershipReport(peers, (peer) => {
    if (governor.isAllowlisted(peer)) return { changed: false, note: "was already allowed" };
    governor.allow(peer);
    return { changed: true, note: governor.isBlocked(peer) ? "allowed, but still blocked" : "allowed" };
  });
  const warnings = blocked.map((peer) => `${peer.text} is blocklisted: the blocklist still wins, it stays denied until unblock`);
  // Built after the edits, so the count includes the peers just allowed.
  if (wasOpen) warnings.unshift(`the policy was open: now only the ${governor.allowlistSize() ?? 0} allowlisted peer(s) are admitted`);
  return { ...result, warnings };
}
