/** `reset PEER...` / `reset --all`: forget peers' health and backoff entries. */
import type { PeerId } from "../../core/peer-id.js";
import { UsageError } from "../errors.js";
import type { CommandContext, Report } from "../context.js";
import { peerList } from "./common.js";
import { membershipReport } from "./membership.js";

/** Forgets each peer's health and backoff (everyone's with --all); policy lists are left alone. */
export function execute(ctx: CommandContext, args: readonly unknown[], options: Readonly<Record<string, unknown>>): Report {
  const { governor, backoff } = ctx.snapshot;
  const peers = peerList(args[0]);
  if (options.all === true && peers.length > 0) throw new UsageError("give peers or --all, not both", "reset");
  if (options.all !== true && peers.length === 0) throw new UsageError("name at least one PEER, or --all", "reset");
  let targets: PeerId[] = peers;
  if (options.all === true) {
    const known = new Map<string, PeerId>();
    for (const entry of governor.iterHealth()) known.set(entry.peer.text, entry.peer);
    for (const entry of backoff.iter()) known.set(entry.peer.text, entry.peer);
    targets = [...known.values()].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  }
  return membershipReport(
    targets,
    (peer) => {
      const hadHealth = governor.forgetHealth(peer);
      const hadBackoff = backoff.forget(peer);
      if (!hadHealth && !hadBackoff) return { changed: false, note: "had no health or backoff entry" };
      const what = [hadHealth ? "health" : "", hadBackoff ? "backoff" : ""].filter((w) => w !== "").join(" and ");
      return { changed: true, note: `reset (${what} forgotten)` };
    },
    { lines: (ui) => (targets.length === 0 ? [ui.chalk.dim("no peer had health or backoff entries")] : []) },
  );
}
