/** `reset PEER...` / `reset --all`: forget peers' health and backoff entries. */
import type { PeerId } from "../../core/peer-id.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs, CommandOptions } from "../program.js";
import { byPeerText, knownPeers, peersOrFlag } from "./common.js";
import { membershipReport } from "./membership.js";

/** Forgets each peer's health and backoff (everyone's with --all); policy lists are left alone. */
export function execute(ctx: CommandContext, [peers]: CommandArgs<"reset">, options: CommandOptions<"reset">): Report {
  const { governor, backoff } = ctx.snapshot;
  check(ctx, [peers], options);
  const targets: readonly PeerId[] = options.all === true ? knownPeers(ctx.snapshot, "tracked").sort(byPeerText) : peers;
  return membershipReport(
    targets,
    (peer) => {
      const hadHealth = governor.forgetHealth(peer);
      const hadBackoff = backoff.forget(peer);
      if (!hadHealth && !hadBackoff) return { changed: false, note: "had no health or backoff entry" };
      const what = [hadHealth ? "health" : "", hadBackoff ? "backoff" : ""].filter((w) => w !== "").join(" and ");
      return { changed: true, note: `reset (${what} forgotten)` };
    },
    { note: targets.length === 0 ? "no peer had health or backoff entries" : undefined },
  );
}

/** Peers or --all, not both and not neither. */
export function check(_ctx: CommandContext, [peers]: readonly [readonly unknown[]], options: CommandOptions<"reset">): void {
  peersOrFlag(peers, options.all === true, "--all", "reset");
}
