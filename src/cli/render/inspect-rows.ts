/**
 * `inspect`'s rows written straight from a canonical snapshot's text: the
 * same text as PeerJson's for each row (test/cli/inspect-rows.test.ts holds
 * the two together), with no PeerId, entry, map or row object per peer. At
 * 100k peers, restoring both lists, sorting every peer and a row object each
 * were most of `inspect --json`'s time and memory; here each value is a slice
 * of the checked text (digits as encodeSnapshot writes them, peers in
 * base58), so the text needs no sanitizing either.
 */
import { policyDecision, type Decision } from "../../core/governor.js";
import { ALLOWLISTED, BACKOFF_VALUES, BLOCKED, HEALTH_VALUES, type CanonicalRows } from "../../snapshot/decode-canonical.js";
import { OWN_ITEMS, type OwnItems } from "./json.js";

/** What `inspect`'s summary counts of the rows' decisions at one instant. */
export interface RowCounts {
  readonly coolingDown: number;
  readonly inboundDenied: number;
  readonly outboundDenied: number;
}

/** Every peer of `rows`, in order, as inspect's document has it at the instant `nowNs`. */
export class CanonicalRowsJson implements OwnItems {
  readonly length: number;
  private readonly now: string;

  constructor(
    private readonly rows: CanonicalRows,
    /** The allowlist is absent (open policy). */
    private readonly open: boolean,
    nowNs: bigint,
  ) {
    this.length = rows.count;
    this.now = nowNs.toString();
  }

  /** How many backoff entries cool down after the instant, how many peers each direction denies. */
  counts(): RowCounts {
    const rows = this.rows;
    const backoff = new Int32Array(BACKOFF_VALUES);
    let coolingDown = 0;
    let inboundDenied = 0;
    let outboundDenied = 0;
    for (let i = 0; i < rows.count; i++) {
      const cooling = rows.backoffOf(i, backoff) && this.after(backoff);
      if (cooling) coolingDown++;
      if (this.policy(rows.flags[i] as number) !== ALLOWED) {
        inboundDenied++;
        outboundDenied++;
      } else if (cooling) outboundDenied++;
    }
    return { coolingDown, inboundDenied, outboundDenied };
  }

  /** The rows as plain values, for any other serializer: JSON.stringify gives the same text. */
  toJSON(): unknown[] {
    return this.length === 0 ? [] : (JSON.parse(Array.from(this[OWN_ITEMS](undefined, "[", ",", "]", 1 << 16)).join("")) as unknown[]);
  }

  /** See OWN_ITEMS: PeerJson's text for each row. */
  *[OWN_ITEMS](indent: string | undefined, first: string, between: string, last: string, size: number): Generator<string> {
    const rows = this.rows;
    const text = rows.text;
    const one = indent === undefined ? "" : `\n${indent}  `;
    const two = indent === undefined ? "" : `\n${indent}    `;
    const end1 = indent === undefined ? "" : `\n${indent}`;
    const end2 = indent === undefined ? "" : `\n${indent}  `;
    const colon = indent === undefined ? ":" : ": ";
    // The fixed text between the values, made once (with each variant of the flags, the health, the
    // backoff entry and the decisions around it); the values are slices of the text.
    const peerKey = `{${one}"peer"${colon}"`;
    const rowStart = between + peerKey;
    const flagTexts = FLAG_VALUES.map(
      (flags) =>
        `",${one}"blocked"${colon}${(flags & BLOCKED) !== 0},${one}"allowlisted"${colon}${(flags & ALLOWLISTED) !== 0},` +
        `${one}"health"${colon}`,
    );
    const failuresKey = `{${two}"consecutive_failures"${colon}`;
    const lastEventKey = `,${two}"last_event_ns"${colon}"`;
    const backoffKey = `,${one}"backoff"${colon}`;
    const attemptsKey = `{${two}"attempts"${colon}`;
    // [down][has a backoff entry]: what follows the last event's digits, up to the attempts' digits.
    const afterLastEvent = [false, true].map((down) => {
      const healthEnd = `",${two}"down"${colon}${down}${end2}}${backoffKey}`;
      return [healthEnd, healthEnd + attemptsKey];
    });
    const noHealth = [`null${backoffKey}`, `null${backoffKey}${attemptsKey}`];
    // At --json's own depth the health entry stands in the file as it is written here: one slice.
    const sameLayout = indent === "    ";
    const healthOpen = `{${two}`;
    const afterHealth = [backoffKey, backoffKey + attemptsKey];
    const lastAttemptKey = `,${two}"last_attempt_ns"${colon}"`;
    const nextRetryKey = `",${two}"next_retry_ns"${colon}"`;
    const backoffEnd = `"${end2}}`;
    const inboundKey = `,${one}"inbound"${colon}`;
    const outboundKey = `,${one}"outbound"${colon}`;
    const rowEnd = `${end1}}`;
    // [flags]: the end of a row after the next retry's digits (or after "backoff": with no entry), when
    // outbound gives the same decision as inbound.
    const decisions = FLAG_VALUES.map((flags) => decisionText(this.policy(flags), two, end2, colon));
    const sameBoth = decisions.map((decision) => `${inboundKey}${decision}${outboundKey}${decision}${rowEnd}`);
    const tailAfterRetry = sameBoth.map((tail) => backoffEnd + tail);
    const tailNoBackoff = sameBoth.map((tail) => `null${tail}`);
    // Admitted, and cooling down: outbound waits until the next retry.
    const coolingHead =
      `${backoffEnd}${inboundKey}${decisionText(ALLOWED, two, end2, colon)}${outboundKey}` +
      `{${two}"decision"${colon}"deny",${two}"reason"${colon}"cooldown",${two}"retry_ns"${colon}"`;
    const coolingEnd = `"${end2}}${rowEnd}`;
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

/** Every value of CanonicalRows.flags, each its own index. */
const FLAG_VALUES = [0, BLOCKED, ALLOWLISTED, BLOCKED | ALLOWLISTED] as const;

/** A decision without a cooldown, as PeerJson writes it at this layout. */
function decisionText(decision: Decision, two: string, end2: string, colon: string): string {
  const reason = decision.kind === "allow" ? "null" : `"${decision.reason.kind}"`;
  return `{${two}"decision"${colon}"${decision.kind}",${two}"reason"${colon}${reason},${two}"retry_ns"${colon}null${end2}}`;
}

/** Compares the u64 digits text[start, end) with `digits` (both without a leading zero) as numbers. */
function compareDigits(text: string, start: number, end: number, digits: string): number {
  const length = end - start;
  if (length !== digits.length) return length - digits.length;
  for (let i = 0; i < length; i++) {
    const difference = text.charCodeAt(start + i) - digits.charCodeAt(i);
    if (difference !== 0) return difference;
  }
  return 0;
}
