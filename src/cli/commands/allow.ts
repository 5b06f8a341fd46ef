/** `allow PEER...` / `allow --open`: add to the allowlist, or drop it for the open policy. */
import { UsageError } from "../errors.js";
import type { CommandContext, Report } from "../context.js";
import { report } from "../context.js";
import { peerList } from "./common.js";
import { membershipReport } from "./membership.js";

/** Adds each peer to the allowlist (creating it when open), or opens the policy with --open. */
export function execute(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report {
  const { governor } = ctx.snapshot;
  const peers = peerList(args[0]);
  if (options.open === true) {
    if (peers.length > 0) throw new UsageError("give peers or --open, not both", "allow");
    const size = governor.allowlistSize();
    governor.setAllowlist(null);
    return report({ changes: [], policy: "open", changed: size !== null }, (ui) =>
      size === null
        ? ui.chalk.dim("the policy was already open (no allowlist)")
        : `${ui.chalk.green("✓")} allowlist of ${size} dropped: the policy is open, every peer not blocklisted is admitted`,
      { changed: size !== null },
    );
  }
  if (peers.length === 0) throw new UsageError("name at least one PEER, or --open", "allow");
  const wasOpen = governor.allowlistSize() === null;
  const result = membershipReport(peers, (peer) => {
    if (governor.isAllowlisted(peer)) return { changed: false, note: "was already allowed" };
    governor.allow(peer);
    return { changed: true, note: "allowed" };
  });
  // Built after the edits, so the count includes the peers just allowed.
  if (!wasOpen) return result;
  return { ...result, warnings: [`the policy was open: now only the ${governor.allowlistSize() ?? 0} allowlisted peer(s) are admitted`] };
}
