/** `block PEER...`: add peers to the blocklist. */
import type { CommandContext, Report } from "../context.js";
import { peerList } from "./common.js";
import { membershipReport } from "./membership.js";

/** Blocks each peer; says which were blocked already. */
export function execute(ctx: CommandContext, args: readonly unknown[]): Report {
  const { governor } = ctx.snapshot;
  return membershipReport(peerList(args[0]), (peer) => {
    if (governor.isBlocked(peer)) return { changed: false, note: "was already blocked" };
    governor.block(peer);
    return { changed: true, note: "blocked" };
  });
}
