/** `disallow PEER...` / `disallow --all`: remove peers from the allowlist. */
import { UsageError } from "../errors.js";
import type { CommandContext, Report } from "../context.js";
import { report } from "../context.js";
import { peerList } from "./common.js";
import { membershipReport } from "./membership.js";

const EMPTY_WARNING = "the allowlist is now empty: nobody is admitted (use `allow --open` for the open policy)";

/** Removes each peer from the allowlist (or everyone with --all); warns when nobody is left. */
export function execute(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report {
  const { governor } = ctx.snapshot;
  const peers = peerList(args[0]);
  if (options.all === true && peers.length > 0) throw new UsageError("give peers or --all, not both", "disallow");
  if (options.all !== true && peers.length === 0) throw new UsageError("name at least one PEER, or --all", "disallow");
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
    {
      lines: (ui) => (wasEmpty ? [ui.chalk.dim("the allowlist was already empty")] : []),
    },
  );
  // Decided after the edits, when the allowlist's new size is known.
  return !wasEmpty && governor.allowlistSize() === 0 ? { ...result, warnings: [EMPTY_WARNING] } : result;
}
