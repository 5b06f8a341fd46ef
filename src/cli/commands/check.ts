/** `check PEER [--inbound | --outbound]`: would a message pass, and which rule decides. */
import type { Decision } from "../../core/governor.js";
import type { CommandContext, Report } from "../context.js";
import type { CommandArgs, CommandOptions } from "../program.js";
import { report } from "../context.js";
import { decisionSentence } from "../render/cells.js";
import { fitLine, fits, wrapLine } from "../render/fit.js";
import { formatDate, formatInstant, looksLikeEpoch } from "../render/format.js";
import { shortPeerNames } from "../render/peer.js";
import { decisionJson, eventTime } from "./common.js";
import { knownPeerTexts } from "./resolve.js";

/** An instant in few columns: its date when it looks like epoch time, else its nanoseconds. */
function formatDateOrNs(ns: bigint): string {
  return looksLikeEpoch(ns) ? formatDate(ns) : String(ns);
}

/** The decision(s) at the clock (or --at / --after); exit 1 when a checked direction denies. */
export function execute(ctx: CommandContext, [peer]: CommandArgs<"check">, options: CommandOptions<"check">): Report {
  const { governor, backoff } = ctx.snapshot;
  const atNs = eventTime(ctx.snapshot, options);
  const both = options.inbound !== true && options.outbound !== true;
  const inbound: Decision | undefined = both || options.inbound === true ? governor.checkInbound(peer) : undefined;
  const outbound: Decision | undefined = both || options.outbound === true ? governor.checkOutbound(peer, backoff, atNs) : undefined;
  const denied = inbound?.kind === "deny" || outbound?.kind === "deny";
  const json: Record<string, unknown> = { peer: peer.text, at_ns: atNs };
  if (inbound !== undefined) json.inbound = decisionJson(inbound);
  if (outbound !== undefined) json.outbound = decisionJson(outbound);
  return report(
    json,
    (ui) => {
      const heading = `${ui.chalk.bold(peer.text)} at ${formatInstant(atNs)}`;
      // A short name is unique among every peer the snapshot knows (100k on a big node): made only when the
      // whole id does not fit, and once for both of its variants.
      const shortHeading = (): string => {
        const short = shortPeerNames([peer.text], knownPeerTexts(ctx.snapshot)).get(peer.text) ?? peer.text;
        return fitLine(ui, `${ui.chalk.bold(short)} at ${formatInstant(atNs)}`, `${ui.chalk.bold(short)} at ${formatDateOrNs(atNs)}`);
      };
      // What is still too long for the terminal goes on under itself, not cut mid-word by the terminal.
      const lines = [wrapLine(ui, fits(ui, heading) ? heading : shortHeading(), 2)];
      if (inbound !== undefined)
        lines.push(
          wrapLine(
            ui,
            fitLine(ui, `  inbound   ${decisionSentence(ui, inbound, atNs)}`, `  inbound   ${decisionSentence(ui, inbound, atNs, true)}`),
            DECISION_INDENT,
          ),
        );
      if (outbound !== undefined)
        lines.push(
          wrapLine(
            ui,
            fitLine(ui, `  outbound  ${decisionSentence(ui, outbound, atNs)}`, `  outbound  ${decisionSentence(ui, outbound, atNs, true)}`),
            DECISION_INDENT,
          ),
        );
      const health = governor.peerHealth(peer);
      if (health?.down === true)
        lines.push(
          ui.chalk.dim(wrapLine(ui, `  (marked down after ${health.consecutiveFailures} failures; down never affects a decision)`, 3)),
        );
      return lines.join("\n");
    },
    { exitCode: denied ? 1 : 0 },
  );
}

/** Where a decision's sentence starts ("  outbound  "): its wrapped lines go on under it. */
const DECISION_INDENT = "  outbound  ".length;
