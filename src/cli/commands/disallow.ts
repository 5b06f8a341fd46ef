/** `disallow PEER...` / `disallow --all`: remove peers from the allowlist. */
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs, CommandOptions } from "../program.js";
import { report } from "../context.js";
import { peersOrFlag } from "./common.js";
import { membershipReport } from "./membership.js";

const EMPTY_WARNING = "the allowlist is now empty: nobody is admitted (use `allow --open` for the open policy)";

/** Removes each peer from the allowlist (or everyone with --all); warns when nobody is left. */
export function execute(ctx: CommandContext, [peers]: CommandArgs<"disallow">, options: CommandOptions<"disallow">): Report {
  const { governor } = ctx.snapshot;
  check(ctx, [peers], options);
  const allowlist = governor.allowlist();
  if (allowlist === null) {
    return report(
      { changes: peers.map((peer) => ({ peer: peer.text, changed: false, note: "no allowlist: the policy is open" })) },
      (ui) => ui.chalk.dim("no allowlist: the policy is open, nothing to disallow"),
      { changed: false },
    );
  }
  const targets = options.all === true ? [...allowlist] : peers;
  const wasEmpty = governor.allowlistSize() === 0;
  const result = membershipReport(
    targets,
    (peer) => {
      if (!governor.isAllowlisted(peer)) return { changed: false, note: "was not allowed" };
      governor.disallow(peer);
      return { changed: true, note: "disallowed" };
    },
    { note: wasEmpty ? "the allowlist was already empty" : undefined },
  );
  // Decided after the edits, when the allowlist's new size is known.
  return !wasEmpty && governor.allowlistSize() === 0 ? { ...result, warnings: [EMPTY_WARNING] } : result;
}

/** Peers or --all, not both and not neither. */
export function check(_ctx: CommandContext, [peers]: readonly [readonly unknown[]], options: CommandOptions<"disallow">): void {
  peersOrFlag(peers, options.all === true, "--all", "disallow");
}
