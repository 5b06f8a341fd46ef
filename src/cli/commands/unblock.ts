/** `unblock PEER...` / `unblock --all`: remove peers from the blocklist. */
import { UsageError } from "../errors.js";
import type { CommandContext, Report } from "../context.js";
import { peerList } from "./common.js";
import { membershipReport } from "./membership.js";

/** Unblocks each peer (or everyone with --all); says which were not blocked. */
export function execute(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report {
  const { governor } = ctx.snapshot;
  const peers = peerList(args[0]);
  if (options.all === true && peers.length > 0) throw new UsageError("give peers or --all, not both", "unblock");
  if (options.all !== true && peers.length === 0) throw new UsageError("name at least one PEER, or --all", "unblock");
  const targets = options.all === true ? [...governor.blocklist()] : peers;
  return membershipReport(
    targets,
    (peer) => {
      if (!governor.isBlocked(peer)) return { changed: false, note: "was not blocked" };
      governor.unblock(peer);
      return { changed: true, note: "unblocked" };
    },
    { lines: (ui) => (targets.length === 0 ? [ui.chalk.dim("the blocklist was already empty")] : []) },
  );
}
