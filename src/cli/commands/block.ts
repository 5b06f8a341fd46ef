/** `block PEER...`: add peers to the blocklist. */
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs } from "../program.js";
import { membershipReport } from "./membership.js";

/** Blocks each peer; says which were blocked already. */
export function execute(ctx: CommandContext, [peers]: CommandArgs<"block">): Report {
  const { governor } = ctx.snapshot;
  return membershipReport(peers, (peer) => {
    if (governor.isBlocked(peer)) return { changed: false, note: "was already blocked" };
    governor.block(peer);
    return { changed: true, note: "blocked" };
  });
}
