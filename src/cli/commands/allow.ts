/** `allow PEER...` / `allow --open`: add to the allowlist, or drop it for the open policy. */
import { UsageError } from "../errors.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs, CommandOptions } from "../program.js";
import { report } from "../context.js";
import { knownPeers, peersOrFlag } from "./common.js";
import { membershipReport } from "./membership.js";

/** Adds each peer to the allowlist (creating it when open), or opens the policy with --open. */
export function execute(ctx: CommandContext, [peers]: CommandArgs<"allow">, options: CommandOptions<"allow">): Report {
  const { governor } = ctx.snapshot;
  check(ctx, [peers], options);
  if (options.open === true) {
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
  const wasOpen = governor.allowlistSize() === null;
  if (wasOpen && options.restrict !== true) {
    // An allowlist turns an open node into a closed one: say what it would cost before doing it.
    const denied = knownPeers(ctx.snapshot).filter((known) => !peers.some((peer) => peer.text === known.text)).length;
    throw new UsageError(
      `the policy is open: an allowlist would deny every other peer (${denied} known peer(s) in this snapshot);` +
        ` add --restrict to create it`,
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

/** Peers or --open, not both and not neither. */
export function check(_ctx: CommandContext, [peers]: readonly [readonly unknown[]], options: CommandOptions<"allow">): void {
  peersOrFlag(peers, options.open === true, "--open", "allow");
}
