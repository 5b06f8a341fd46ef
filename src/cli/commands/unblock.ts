/** `unblock PEER...` / `unblock --all`: remove peers from the blocklist. */
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs, CommandOptions } from "../program.js";
import { peersOrFlag } from "./common.js";
import { membershipReport } from "./membership.js";

/** Unblocks each peer (or everyone with --all); says which were not blocked. */
export function execute(ctx: CommandContext, [peers]: CommandArgs<"unblock">, options: CommandOptions<"unblock">): Report {
  const { governor } = ctx.snapshot;
  check(ctx, [peers], options);
  const targets = options.all === true ? [...governor.blocklist()] : peers;
  return membershipReport(
    targets,
    (peer) => {
      if (!governor.isBlocked(peer)) return { changed: false, note: "was not blocked" };
      governor.unblock(peer);
      return { changed: true, note: "unblocked" };
    },
    { note: targets.length === 0 ? "the blocklist was already empty" : undefined },
  );
}

/** Peers or --all, not both and not neither. */
export function check(_ctx: CommandContext, [peers]: readonly [readonly unknown[]], options: CommandOptions<"unblock">): void {
  peersOrFlag(peers, options.all === true, "--all", "unblock");
}
