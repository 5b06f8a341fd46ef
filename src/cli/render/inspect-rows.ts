/**
 * `inspect`'s rows as JSON text, written without a document object per row:
 * 100k rows were most of `inspect --json`'s time. RowsJson writes the rows of
 * the model; CanonicalRowsJson writes them straight from a canonical
 * snapshot's text, with no PeerId, entry, map or row object per peer (each
 * value is a slice of the checked text: digits as encodeSnapshot writes them,
 * peers in base58). Both write what PeerJson's fields give to JSON.stringify
 * (test/cli/json-stream.property.test.ts and test/cli/inspect-rows.test.ts
 * hold them together), and text that needs no sanitizing: peer ids are
 * base58 letters, every other value a number, a boolean or a fixed word.
 */
import { policyDecision, type Decision } from "../../core/governor.js";
import { ALLOWLISTED, BACKOFF_VALUES, BLOCKED, HEALTH_VALUES, compareDigits, type RowsAsRead } from "../../snapshot/as-read.js";
import type { InspectRow } from "./inspect-formats.js";
import { OWN_ITEMS, OWN_JSON, ownItemsValues, type OwnItems, type OwnJson } from "./json.js";

/** The contract's decision document D: `{decision, reason, retry_ns}`. */
export function decisionJson(decision: Decision): { decision: "allow" | "deny"; reason: string | null; retry_ns: bigint | null } {
  if (decision.kind === "allow") return { decision: "allow", reason: null, retry_ns: null };
  const reason = decision.reason;
  return { decision: "deny", reason: reason.kind, retry_ns: reason.kind === "cooldown" ? reason.retryNs : null };
}

type DecisionDocument = ReturnType<typeof decisionJson>;

/** One peer of `inspect`'s document as plain values (what its JSON text is made of); writes its own JSON text. */
export class PeerJson implements OwnJson {
  readonly peer: string;
  readonly blocked: boolean;
  readonly allowlisted: boolean;
  readonly health: { consecutive_failures: number; last_event_ns: bigint; down: boolean } | null;
  readonly backoff: { attempts: number; last_attempt_ns: bigint; next_retry_ns: bigint } | null;
  readonly inbound: DecisionDocument;
  readonly outbound: DecisionDocument;
  readonly #row: InspectRow;

  constructor(row: InspectRow) {
    this.#row = row;
    this.peer = row.peer.text;
    this.blocked = row.blocked;
    this.allowlisted = row.allowlisted;
    this.health =
      row.health === undefined
        ? null
        : { consecutive_failures: row.health.consecutiveFailures, last_event_ns: row.health.lastEventNs, down: row.health.down };
    this.backoff =
      row.backoff === undefined
        ? null
        : { attempts: row.backoff.attempts, last_attempt_ns: row.backoff.lastAttemptNs, next_retry_ns: row.backoff.nextRetryNs };
    this.inbound = decisionJson(row.inbound);
    this.outbound = decisionJson(row.outbound);
  }

  /** JSON.stringify's text of this row (see OWN_JSON). */
  [OWN_JSON](indent: string | undefined): string {
    return rowText(this.#row, RowLayout.at(indent));
  }
}

/** Every value of CanonicalRows.flags, each its own index. */
const FLAG_VALUES = [0, BLOCKED, ALLOWLISTED, BLOCKED | ALLOWLISTED] as const;

/**
 * The fixed text of a row at one depth (`indent`; compact when undefined),
 * made once per depth: the keys, the layout between them, and the variants
 * of what stands between two values (the flags, a decision, the end of the
 * health entry).
 */
class RowLayout {
  private static readonly made = new Map<string | undefined, RowLayout>();

  /** The layout at `indent`. */
  static at(indent: string | undefined): RowLayout {
    let layout = RowLayout.made.get(indent);
    if (layout === undefined) {
      layout = new RowLayout(indent);
      RowLayout.made.set(indent, layout);
    }
    return layout;
  }

  readonly two: string;
  readonly peerKey: string;
  /** By flags (BLOCKED | ALLOWLISTED): from the peer's closing quote to the health's value. */
  readonly flagTexts: readonly string[];
  readonly failuresKey: string;
  readonly lastEventKey: string;
  readonly backoffKey: string;
  readonly attemptsKey: string;
  /** [down][has a backoff entry]: after the last event's digits, up to the backoff's value or its attempts' digits. */
  readonly afterLastEvent: readonly (readonly string[])[];
  /** [has a backoff entry]: the health of a peer with none, up to the backoff's value or its attempts' digits. */
  readonly noHealth: readonly string[];
  readonly lastAttemptKey: string;
  readonly nextRetryKey: string;
  readonly backoffEnd: string;
  readonly inboundKey: string;
  readonly outboundKey: string;
  readonly rowEnd: string;
  readonly allow: string;
  readonly blocklisted: string;
  readonly notAllowlisted: string;
  readonly cooldownStart: string;
  readonly cooldownEnd: string;

  private constructor(indent: string | undefined) {
    const one = indent === undefined ? "" : `\n${indent}  `;
    const two = indent === undefined ? "" : `\n${indent}    `;
    const end1 = indent === undefined ? "" : `\n${indent}`;
    const end2 = indent === undefined ? "" : `\n${indent}  `;
    const colon = indent === undefined ? ":" : ": ";
    this.two = two;
    this.peerKey = `{${one}"peer"${colon}"`;
    this.flagTexts = FLAG_VALUES.map(
      (flags) =>
        `",${one}"blocked"${colon}${(flags & BLOCKED) !== 0},${one}"allowlisted"${colon}${(flags & ALLOWLISTED) !== 0},` +
        `${one}"health"${colon}`,
    );
    this.failuresKey = `{${two}"consecutive_failures"${colon}`;
    this.lastEventKey = `,${two}"last_event_ns"${colon}"`;
    const backoffKey = `,${one}"backoff"${colon}`;
    const attemptsKey = `{${two}"attempts"${colon}`;
    this.backoffKey = backoffKey;
    this.attemptsKey = attemptsKey;
    this.afterLastEvent = [false, true].map((down) => {
      const healthEnd = `",${two}"down"${colon}${down}${end2}}${backoffKey}`;
      return [healthEnd, healthEnd + attemptsKey];
    });
    this.noHealth = [`null${backoffKey}`, `null${backoffKey}${attemptsKey}`];
    this.lastAttemptKey = `,${two}"last_attempt_ns"${colon}"`;
    this.nextRetryKey = `",${two}"next_retry_ns"${colon}"`;
    this.backoffEnd = `"${end2}}`;
    this.inboundKey = `,${one}"inbound"${colon}`;
    this.outboundKey = `,${one}"outbound"${colon}`;
    this.rowEnd = `${end1}}`;
    const decision = (kind: string, reason: string): string =>
      `{${two}"decision"${colon}"${kind}",${two}"reason"${colon}${reason},${two}"retry_ns"${colon}null${end2}}`;
    this.allow = decision("allow", "null");
    this.blocklisted = decision("deny", '"blocklisted"');
    this.notAllowlisted = decision("deny", '"not_allowlisted"');
    this.cooldownStart = `{${two}"decision"${colon}"deny",${two}"reason"${colon}"cooldown",${two}"retry_ns"${colon}"`;
    this.cooldownEnd = `"${end2}}`;
  }

  /** A decision's text. */
  decision(decision: Decision): string {
    if (decision.kind === "allow") return this.allow;
    const { reason } = decision;
    if (reason.kind === "cooldown") return `${this.cooldownStart}${reason.retryNs}${this.cooldownEnd}`;
    return reason.kind === "blocklisted" ? this.blocklisted : this.notAllowlisted;
  }
}

/** A row of the model as JSON text at `layout`'s depth: PeerJson's text, without a PeerJson. */
function rowText(row: InspectRow, layout: RowLayout): string {
  const { health, backoff } = row;
  const hasBackoff = backoff === undefined ? 0 : 1;
  let text = layout.peerKey + row.peer.text + layout.flagTexts[(row.blocked ? BLOCKED : 0) | (row.allowlisted ? ALLOWLISTED : 0)];
  if (health === undefined) text += layout.noHealth[hasBackoff];
  else {
    text += `${layout.failuresKey}${health.consecutiveFailures}${layout.lastEventKey}${health.lastEventNs}`;
    text += (layout.afterLastEvent[health.down ? 1 : 0] as readonly string[])[hasBackoff];
  }
  if (backoff === undefined) text += "null";
  else {
    text += `${backoff.attempts}${layout.lastAttemptKey}${backoff.lastAttemptNs}${layout.nextRetryKey}${backoff.nextRetryNs}`;
    text += layout.backoffEnd;
  }
  return text + layout.inboundKey + layout.decision(row.inbound) + layout.outboundKey + layout.decision(row.outbound) + layout.rowEnd;
}

/** inspect's rows of the model as one list that writes its items' text in pieces (see OWN_ITEMS). */
export class RowsJson implements OwnItems {
  readonly length: number;

  constructor(private readonly rows: readonly InspectRow[]) {
    this.length = rows.length;
  }

  /**
   * The rows as PeerJson values, for any other serializer: their times are bigints, so JSON.stringify
   * alone throws on them (renderJson writes them as strings; it never calls this, see OWN_ITEMS).
   */
  toJSON(): PeerJson[] {
    return this.rows.map((row) => new PeerJson(row));
  }

  /** See OWN_ITEMS. */
  *[OWN_ITEMS](indent: string | undefined, first: string, between: string, last: string, size: number): Generator<string> {
    const layout = RowLayout.at(indent);
    const rows = this.rows;
    let piece = first;
    for (let i = 0; i < rows.length; i++) {
      if (i > 0) piece += between;
      piece += rowText(rows[i] as InspectRow, layout);
      if (piece.length >= size) {
        yield piece;
        piece = "";
      }
    }
    yield piece + last;
  }
}

/** What inspect's summary counts of every peer's rows (see CanonicalRowsJson.counts). */
export interface RowCounts {
  readonly tracked: number;
  readonly down: number;
  readonly backoffEntries: number;
  readonly coolingDown: number;
  readonly inboundDenied: number;
  readonly outboundDenied: number;
}

/** Every peer of `rows`, in order, as inspect's document has it at the instant `nowNs`. */
export class CanonicalRowsJson implements OwnItems {
  readonly length: number;
  private readonly now: string;

  constructor(
    private readonly rows: RowsAsRead,
    /** The allowlist is absent (open policy). */
    private readonly open: boolean,
    nowNs: bigint,
  ) {
    this.length = rows.count;
    this.now = nowNs.toString();
  }

  /**
   * What inspect's summary counts of the rows at the instant, in one pass:
   * health entries and how many are down, backoff entries and how many cool
   * down, and the peers each direction denies.
   */
  counts(): RowCounts {
    const rows = this.rows;
    const health = new Int32Array(HEALTH_VALUES);
    const backoff = new Int32Array(BACKOFF_VALUES);
    let tracked = 0;
    let down = 0;
    let backoffEntries = 0;
    let coolingDown = 0;
    let inboundDenied = 0;
    let outboundDenied = 0;
    for (let i = 0; i < rows.count; i++) {
      if (rows.healthOf(i, health)) {
        tracked++;
        if (health[4] === 1) down++;
      }
      let cooling = false;
      if (rows.backoffOf(i, backoff)) {
        backoffEntries++;
        cooling = this.after(backoff);
        if (cooling) coolingDown++;
      }
      if (this.policy(rows.flags[i] as number) !== ALLOWED) {
        inboundDenied++;
        outboundDenied++;
      } else if (cooling) outboundDenied++;
    }
    return { tracked, down, backoffEntries, coolingDown, inboundDenied, outboundDenied };
  }

  /** The rows as plain values, for any other serializer: JSON.stringify gives the same text. */
  toJSON(): unknown[] {
    return ownItemsValues(this);
  }

  /** See OWN_ITEMS: PeerJson's text for each row. */
  *[OWN_ITEMS](indent: string | undefined, first: string, between: string, last: string, size: number): Generator<string> {
    const rows = this.rows;
    const text = rows.text;
    // The fixed text between the values (with each variant of the flags, the health, the backoff entry
    // and the decisions around it); the values are slices of the text.
    const layout = RowLayout.at(indent);
    const { peerKey, flagTexts, failuresKey, lastEventKey, afterLastEvent, noHealth, lastAttemptKey, nextRetryKey } = layout;
    const rowStart = between + peerKey;
    // At --json's own depth the health entry stands in the file as it is written here: one slice.
    const sameLayout = indent === "    ";
    const healthOpen = `{${layout.two}`;
    const afterHealth = [layout.backoffKey, layout.backoffKey + layout.attemptsKey];
    // [flags]: the end of a row after the next retry's digits (or after "backoff": with no entry), when
    // outbound gives the same decision as inbound.
    const sameBoth = FLAG_VALUES.map((flags) => {
      const decision = layout.decision(this.policy(flags));
      return `${layout.inboundKey}${decision}${layout.outboundKey}${decision}${layout.rowEnd}`;
    });
    const tailAfterRetry = sameBoth.map((tail) => layout.backoffEnd + tail);
    const tailNoBackoff = sameBoth.map((tail) => `null${tail}`);
    // Admitted, and cooling down: outbound waits until the next retry.
    const coolingHead = `${layout.backoffEnd}${layout.inboundKey}${layout.allow}${layout.outboundKey}${layout.cooldownStart}`;
    const coolingEnd = layout.cooldownEnd + layout.rowEnd;
    const health = new Int32Array(HEALTH_VALUES);
    const backoff = new Int32Array(BACKOFF_VALUES);
    let piece = first;
    for (let i = 0; i < rows.count; i++) {
      const flags = rows.flags[i] as number;
      piece += (i === 0 ? peerKey : rowStart) + text.slice(rows.peerStarts[i], rows.peerEnds[i]) + flagTexts[flags];
      const hasBackoff = rows.backoffOf(i, backoff) ? 1 : 0;
      if (!rows.healthOf(i, health)) piece += noHealth[hasBackoff];
      else if (sameLayout) piece += healthOpen + text.slice(health[5], health[6]) + afterHealth[hasBackoff];
      else {
        piece += failuresKey + text.slice(health[0], health[1]) + lastEventKey + text.slice(health[2], health[3]);
        piece += (afterLastEvent[health[4] as number] as string[])[hasBackoff];
      }
      if (hasBackoff === 0) piece += tailNoBackoff[flags];
      else {
        const nextRetry = text.slice(backoff[4], backoff[5]);
        piece += text.slice(backoff[0], backoff[1]) + lastAttemptKey + text.slice(backoff[2], backoff[3]) + nextRetryKey + nextRetry;
        piece += this.policy(flags) === ALLOWED && this.after(backoff) ? coolingHead + nextRetry + coolingEnd : tailAfterRetry[flags];
      }
      if (piece.length >= size) {
        yield piece;
        piece = "";
      }
    }
    yield piece + last;
  }

  /**
   * inspect's tab-separated lines of the rows (after its header line), in
   * pieces of about `size` characters: the same columns as its TSV of the
   * model (a missing value "-", a denial by its reason's label).
   */
  *tsvLines(size: number): Generator<string> {
    const rows = this.rows;
    const text = rows.text;
    const health = new Int32Array(HEALTH_VALUES);
    const backoff = new Int32Array(BACKOFF_VALUES);
    // [flags]: the blocklist and allowlist columns.
    const flagTexts = FLAG_VALUES.map((flags) => `\t${(flags & BLOCKED) !== 0}\t${(flags & ALLOWLISTED) !== 0}\t`);
    const reasons = FLAG_VALUES.map((flags) => {
      const policy = this.policy(flags);
      return policy.kind === "allow" ? "allow" : policy.reason.kind;
    });
    let piece = "";
    for (let i = 0; i < rows.count; i++) {
      const flags = rows.flags[i] as number;
      piece += text.slice(rows.peerStarts[i], rows.peerEnds[i]) + flagTexts[flags];
      if (!rows.healthOf(i, health)) piece += "-\t-\t-\t";
      else {
        piece += `${text.slice(health[0], health[1])}\t${health[4] === 1}\t${text.slice(health[2], health[3])}\t`;
      }
      const inbound = reasons[flags] as string;
      if (!rows.backoffOf(i, backoff)) piece += `-\t-\t-\t${inbound}\t${inbound}\n`;
      else {
        const outbound = this.policy(flags) === ALLOWED && this.after(backoff) ? "cooldown" : inbound;
        piece += `${text.slice(backoff[0], backoff[1])}\t${text.slice(backoff[2], backoff[3])}\t${text.slice(backoff[4], backoff[5])}`;
        piece += `\t${inbound}\t${outbound}\n`;
      }
      if (piece.length >= size) {
        yield piece;
        piece = "";
      }
    }
    yield piece;
  }

  /** The inbound decision of a row with `flags`, which outbound starts from: the blocklist, then the allowlist. */
  private policy(flags: number): Decision {
    return policyDecision((flags & BLOCKED) !== 0, this.open || (flags & ALLOWLISTED) !== 0);
  }

  /** The next retry of a backoff entry's `values` (see backoffOf) is after the instant: outbound waits for it. */
  private after(values: Int32Array): boolean {
    return compareDigits(this.rows.text, values[4] as number, values[5] as number, this.now) > 0;
  }
}

const ALLOWED = policyDecision(false, true);
