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
import type { CanonicalRows } from "../../snapshot/decode-canonical.js";
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
    let coolingDown = 0;
    let inboundDenied = 0;
    let outboundDenied = 0;
    for (let i = 0; i < rows.count; i++) {
      const cooling = this.cooling(i);
      if (cooling) coolingDown++;
      if (this.policy(i) !== ALLOWED) {
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
    // The fixed text between the values, made once; the values are slices of the text.
    const peerKey = `{${one}"peer"${colon}"`;
    const blockedTrue = `",${one}"blocked"${colon}true,${one}"allowlisted"${colon}`;
    const blockedFalse = `",${one}"blocked"${colon}false,${one}"allowlisted"${colon}`;
    const allowedTrue = `true,${one}"health"${colon}`;
    const allowedFalse = `false,${one}"health"${colon}`;
    const failuresKey = `{${two}"consecutive_failures"${colon}`;
    const lastEventKey = `,${two}"last_event_ns"${colon}"`;
    const downTrue = `",${two}"down"${colon}true${end2}},${one}"backoff"${colon}`;
    const downFalse = `",${two}"down"${colon}false${end2}},${one}"backoff"${colon}`;
    const noHealth = `null,${one}"backoff"${colon}`;
    const attemptsKey = `{${two}"attempts"${colon}`;
    const lastAttemptKey = `,${two}"last_attempt_ns"${colon}"`;
    const nextRetryKey = `",${two}"next_retry_ns"${colon}"`;
    const backoffEnd = `"${end2}},${one}"inbound"${colon}`;
    const noBackoff = `null,${one}"inbound"${colon}`;
    const outboundKey = `,${one}"outbound"${colon}`;
    const decisions = decisionTexts(two, end2, colon);
    const cooldownStart = `{${two}"decision"${colon}"deny",${two}"reason"${colon}"cooldown",${two}"retry_ns"${colon}"`;
    const cooldownEnd = `"${end2}}${end1}}`;
    const rowEnd = `${end1}}`;
    let piece = first;
    for (let i = 0; i < rows.count; i++) {
      if (i > 0) piece += between;
      piece += peerKey + text.slice(rows.peerStarts[i], rows.peerEnds[i]) + (rows.blocked[i] === 1 ? blockedTrue : blockedFalse);
      piece += rows.allowlisted[i] === 1 ? allowedTrue : allowedFalse;
      const failuresStart = rows.failuresStarts[i] as number;
      if (failuresStart < 0) piece += noHealth;
      else {
        piece += failuresKey + text.slice(failuresStart, rows.failuresEnds[i]) + lastEventKey;
        piece += text.slice(rows.lastEventStarts[i], rows.lastEventEnds[i]) + (rows.down[i] === 1 ? downTrue : downFalse);
      }
      const attemptsStart = rows.attemptsStarts[i] as number;
      if (attemptsStart < 0) piece += noBackoff;
      else {
        piece += attemptsKey + text.slice(attemptsStart, rows.attemptsEnds[i]) + lastAttemptKey;
        piece += text.slice(rows.lastAttemptStarts[i], rows.lastAttemptEnds[i]) + nextRetryKey;
        piece += text.slice(rows.nextRetryStarts[i], rows.nextRetryEnds[i]) + backoffEnd;
      }
      const policy = this.policy(i);
      const inbound = decisions.get(policy) as string;
      if (policy === ALLOWED && this.cooling(i)) {
        piece += inbound + outboundKey + cooldownStart + text.slice(rows.nextRetryStarts[i], rows.nextRetryEnds[i]) + cooldownEnd;
      } else piece += inbound + outboundKey + inbound + rowEnd;
      if (piece.length >= size) {
        yield piece;
        piece = "";
      }
    }
    yield piece + last;
  }

  /** The row's inbound decision, which outbound starts from: the blocklist, then the allowlist. */
  private policy(i: number): Decision {
    return policyDecision(this.rows.blocked[i] === 1, this.open || this.rows.allowlisted[i] === 1);
  }

  /** The row's backoff entry has its next retry after the instant (outbound waits for it). */
  private cooling(i: number): boolean {
    const start = this.rows.attemptsStarts[i] as number;
    if (start < 0) return false;
    return compareDigits(this.rows.text, this.rows.nextRetryStarts[i] as number, this.rows.nextRetryEnds[i] as number, this.now) > 0;
  }
}

const ALLOWED = policyDecision(false, true);

/** The text of each decision `policyDecision` gives, as PeerJson writes a decision at this layout. */
function decisionTexts(two: string, end2: string, colon: string): Map<Decision, string> {
  const texts = new Map<Decision, string>();
  for (const [blocked, admitted] of [
    [false, true],
    [true, true],
    [false, false],
  ] as const) {
    const decision = policyDecision(blocked, admitted);
    const reason = decision.kind === "allow" ? "null" : `"${decision.reason.kind}"`;
    texts.set(decision, `{${two}"decision"${colon}"${decision.kind}",${two}"reason"${colon}${reason},${two}"retry_ns"${colon}null${end2}}`);
  }
  return texts;
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
