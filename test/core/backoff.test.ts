import { describe, expect, it } from "vitest";
import { BackoffTable, DEFAULT_BACKOFF_BASE_NS, DEFAULT_BACKOFF_MAX_DELAY_NS, type BackoffState } from "../../src/core/backoff.js";
import { PeerId } from "../../src/core/peer-id.js";

const U64_MAX = 2n ** 64n - 1n;
const U32_MAX = 4294967295;
const MS = 1_000_000n;

const A = PeerId.fromU64(1n);
const B = PeerId.fromU64(2n);

function state(table: BackoffTable, peer: PeerId): BackoffState | undefined {
  const entry = table.state(peer);
  return entry === undefined ? undefined : { attempts: entry.attempts, lastAttemptNs: entry.lastAttemptNs, nextRetryNs: entry.nextRetryNs };
}

describe("the schedule", () => {
  it("defaults to 10 ms base and 60 s cap", () => {
    expect(DEFAULT_BACKOFF_BASE_NS).toBe(10_000_000n);
    expect(DEFAULT_BACKOFF_MAX_DELAY_NS).toBe(60_000_000_000n);
    expect(new BackoffTable().config()).toEqual({ baseNs: 10_000_000n, maxDelayNs: 60_000_000_000n });
  });

  it("clamps 0 to 1 for both values, in the constructor and in setConfig", () => {
    expect(new BackoffTable({ baseNs: 0n, maxDelayNs: 0n }).config()).toEqual({ baseNs: 1n, maxDelayNs: 1n });
    const table = new BackoffTable();
    table.setConfig({ baseNs: 0n, maxDelayNs: 0n });
    expect(table.config()).toEqual({ baseNs: 1n, maxDelayNs: 1n });
  });

  it("a max delay of 1 (from 0) makes every delay 1 ns", () => {
    const table = new BackoffTable({ maxDelayNs: 0n });
    table.recordFailure(A, 100n);
    expect(table.state(A)?.nextRetryNs).toBe(101n);
  });

  it("doubles from the base: 10, 20, 40, ... ms, then stays at the cap", () => {
    const table = new BackoffTable();
    const delays: bigint[] = [];
    for (let i = 0; i < 16; i++) {
      table.recordFailure(A, 0n);
      delays.push(table.state(A)?.nextRetryNs ?? -1n);
    }
    const expected = [10n, 20n, 40n, 80n, 160n, 320n, 640n, 1280n, 2560n, 5120n, 10240n, 20480n, 40960n].map((ms) => ms * MS);
    expect(delays).toEqual([...expected, 60_000n * MS, 60_000n * MS, 60_000n * MS]);
  });

  it("delayFor(n) = min(base * 2^(n-1), max)", () => {
    const table = new BackoffTable({ baseNs: 3n, maxDelayNs: 100n });
    expect([1, 2, 3, 4, 5, 6].map((n) => table.delayFor(n))).toEqual([3n, 6n, 12n, 24n, 48n, 96n]);
    expect(table.delayFor(7)).toBe(100n);
    expect(table.delayFor(0)).toBe(3n); // upstream's saturating_sub(1): shift 0
  });

  it("clamps the shift at 63: attempts 64, 65, 1000 and 2^32-1 all give base * 2^63", () => {
    const one = new BackoffTable({ baseNs: 1n, maxDelayNs: U64_MAX });
    expect(one.delayFor(63)).toBe(2n ** 62n);
    for (const attempts of [64, 65, 1000, U32_MAX]) expect(one.delayFor(attempts)).toBe(2n ** 63n);
    const three = new BackoffTable({ baseNs: 3n, maxDelayNs: U64_MAX });
    expect(three.delayFor(63)).toBe(3n * 2n ** 62n);
    for (const attempts of [64, 65, 1000, U32_MAX]) expect(three.delayFor(attempts)).toBe(U64_MAX);
    const capped = new BackoffTable({ baseNs: 3n, maxDelayNs: 5n * MS });
    expect(capped.delayFor(U32_MAX)).toBe(5n * MS);
  });

  it("the same through recordFailure from a restored entry", () => {
    const table = new BackoffTable({ baseNs: 1n, maxDelayNs: U64_MAX });
    table.restoreState(A, { attempts: 63, lastAttemptNs: 0n, nextRetryNs: 0n });
    table.recordFailure(A, 0n);
    expect(state(table, A)).toEqual({ attempts: 64, lastAttemptNs: 0n, nextRetryNs: 2n ** 63n });
    table.setConfig({ baseNs: 3n });
    table.recordFailure(A, 0n);
    expect(state(table, A)).toEqual({ attempts: 65, lastAttemptNs: 0n, nextRetryNs: U64_MAX });
  });
});

describe("recordFailure", () => {
  it("starts a new peer at 1 attempt and adds 1 after", () => {
    const table = new BackoffTable();
    table.recordFailure(A, 5n);
    expect(state(table, A)).toEqual({ attempts: 1, lastAttemptNs: 5n, nextRetryNs: 5n + 10n * MS });
    table.recordFailure(A, 6n);
    expect(state(table, A)).toEqual({ attempts: 2, lastAttemptNs: 6n, nextRetryNs: 6n + 20n * MS });
    expect(state(table, B)).toBeUndefined();
  });

  it("returns the new state", () => {
    const table = new BackoffTable();
    const returned = table.recordFailure(A, 0n);
    expect(returned).toMatchObject({ attempts: 1, lastAttemptNs: 0n, nextRetryNs: 10n * MS });
  });

  it("saturates attempts at 2^32-1", () => {
    const table = new BackoffTable();
    table.restoreState(A, { attempts: U32_MAX - 1, lastAttemptNs: 0n, nextRetryNs: 0n });
    table.recordFailure(A, 1n);
    expect(table.state(A)?.attempts).toBe(U32_MAX);
    table.recordFailure(A, 2n);
    expect(state(table, A)).toEqual({ attempts: U32_MAX, lastAttemptNs: 2n, nextRetryNs: 2n + 60_000n * MS });
  });

  it("nextRetryNs = now saturating+ delay", () => {
    const table = new BackoffTable();
    table.recordFailure(A, U64_MAX - 5n);
    expect(state(table, A)).toEqual({ attempts: 1, lastAttemptNs: U64_MAX - 5n, nextRetryNs: U64_MAX });
    table.recordFailure(B, U64_MAX);
    expect(table.state(B)?.nextRetryNs).toBe(U64_MAX);
    const exact = new BackoffTable({ baseNs: 1n });
    exact.recordFailure(A, 2n ** 53n);
    expect(exact.state(A)?.nextRetryNs).toBe(9007199254740993n);
  });
});

describe("recordRemoteAdvisory", () => {
  it("bumps attempts and sets next = now + minBackoff", () => {
    const table = new BackoffTable();
    table.recordRemoteAdvisory(A, 100n, 7n);
    expect(state(table, A)).toEqual({ attempts: 1, lastAttemptNs: 100n, nextRetryNs: 107n });
    table.recordRemoteAdvisory(A, 200n, 0n);
    expect(state(table, A)).toEqual({ attempts: 2, lastAttemptNs: 200n, nextRetryNs: 200n });
  });

  it("caps the advised delay at the max delay", () => {
    const table = new BackoffTable({ maxDelayNs: 1_000n });
    table.recordRemoteAdvisory(A, 0n, 999n);
    expect(table.state(A)?.nextRetryNs).toBe(999n);
    table.recordRemoteAdvisory(A, 0n, 1_000n);
    expect(table.state(A)?.nextRetryNs).toBe(1_000n);
    table.recordRemoteAdvisory(A, 0n, U64_MAX);
    expect(table.state(A)?.nextRetryNs).toBe(1_000n);
  });

  it("saturates next at 2^64-1", () => {
    const table = new BackoffTable({ maxDelayNs: U64_MAX });
    table.recordRemoteAdvisory(A, U64_MAX - 5n, 6n);
    expect(table.state(A)?.nextRetryNs).toBe(U64_MAX);
    table.recordRemoteAdvisory(B, 10n, U64_MAX);
    expect(table.state(B)?.nextRetryNs).toBe(U64_MAX);
  });

  it("a later local failure resumes the exponential schedule at the next step", () => {
    const table = new BackoffTable();
    table.recordRemoteAdvisory(A, 0n, 1n);
    table.recordRemoteAdvisory(A, 0n, 1n);
    table.recordFailure(A, 0n);
    expect(state(table, A)).toEqual({ attempts: 3, lastAttemptNs: 0n, nextRetryNs: 40n * MS });
  });

  it("saturates attempts at 2^32-1", () => {
    const table = new BackoffTable();
    table.restoreState(A, { attempts: U32_MAX, lastAttemptNs: 0n, nextRetryNs: 0n });
    table.recordRemoteAdvisory(A, 1n, 1n);
    expect(table.state(A)?.attempts).toBe(U32_MAX);
  });
});

describe("success, retry checks and the table's contents", () => {
  it("recordSuccess removes the entry", () => {
    const table = new BackoffTable();
    table.recordFailure(A, 0n);
    table.recordSuccess(A);
    expect(table.state(A)).toBeUndefined();
    expect(table.len()).toBe(0);
    table.recordSuccess(B); // no entry: nothing happens
    expect(table.len()).toBe(0);
    table.recordFailure(A, 0n);
    expect(table.state(A)?.attempts).toBe(1);
  });

  it("shouldRetry is true with no entry, false before nextRetryNs, true from exactly nextRetryNs", () => {
    const table = new BackoffTable();
    expect(table.shouldRetry(A, 0n)).toBe(true);
    table.recordFailure(A, 0n);
    expect(table.shouldRetry(A, 0n)).toBe(false);
    expect(table.shouldRetry(A, 10n * MS - 1n)).toBe(false);
    expect(table.shouldRetry(A, 10n * MS)).toBe(true);
    expect(table.shouldRetry(A, U64_MAX)).toBe(true);
  });

  it("restoreState puts an entry back verbatim, and forget removes it", () => {
    const table = new BackoffTable();
    const restored = { attempts: 4, lastAttemptNs: 2n ** 60n, nextRetryNs: 3n };
    table.restoreState(A, restored);
    expect(state(table, A)).toEqual(restored);
    expect(table.shouldRetry(A, 3n)).toBe(true);
    expect(table.shouldRetry(A, 2n)).toBe(false);
    expect(table.forget(A)).toBe(true);
    expect(table.forget(A)).toBe(false);
    expect(table.state(A)).toBeUndefined();
  });

  it("len, isEmpty and iter list every peer with an entry", () => {
    const table = new BackoffTable();
    expect(table.isEmpty()).toBe(true);
    table.recordFailure(A, 1n);
    expect(table.isEmpty()).toBe(false);
    table.recordRemoteAdvisory(B, 2n, 3n);
    expect(table.len()).toBe(2);
    expect(Array.from(table.iter(), (entry) => [entry.peer.text, entry.attempts])).toEqual([
      [A.text, 1],
      [B.text, 1],
    ]);
  });

  it("setConfig keeps the entries as they are and applies to later failures", () => {
    const table = new BackoffTable();
    table.recordFailure(A, 0n);
    const before = state(table, A);
    table.setConfig({ baseNs: 1n, maxDelayNs: 1_000n });
    expect(state(table, A)).toEqual(before);
    table.recordFailure(A, 0n);
    expect(state(table, A)).toEqual({ attempts: 2, lastAttemptNs: 0n, nextRetryNs: 2n });
  });

  it("setConfig changes only the values it is given", () => {
    // Regression: a value passed as undefined used to reset to the default.
    const table = new BackoffTable({ baseNs: 5n, maxDelayNs: 500n });
    table.setConfig({ maxDelayNs: 700n });
    expect(table.config()).toEqual({ baseNs: 5n, maxDelayNs: 700n });
    table.setConfig({ baseNs: 6n });
    expect(table.config()).toEqual({ baseNs: 6n, maxDelayNs: 700n });
    table.setConfig({ baseNs: undefined, maxDelayNs: 800n });
    expect(table.config()).toEqual({ baseNs: 6n, maxDelayNs: 800n });
    table.setConfig({});
    expect(table.config()).toEqual({ baseNs: 6n, maxDelayNs: 800n });
  });
});

describe("a deferred restore (bbgov extension, for readers of big files)", () => {
  const state = (attempts: number): BackoffState => ({ attempts, lastAttemptNs: 5n, nextRetryNs: 10n });

  it("runs on the first look at any entry, once; hasEntry asks `has` until it cannot tell", () => {
    const table = new BackoffTable();
    let runs = 0;
    table.deferRestore(
      (restored) => {
        runs++;
        restored.restoreState(A, state(2));
      },
      (peer) => (peer.equals(B) ? undefined : peer.equals(A)),
    );
    expect([table.hasEntry(A), runs, table.restoreDeferred()]).toEqual([true, 0, true]);
    expect([table.hasEntry(B), runs, table.restoreDeferred()]).toEqual([false, 1, false]);
    expect(table.recordFailure(A, 20n).attempts).toBe(3);
    expect([table.len(), runs]).toEqual([1, 1]);
  });

  it("a second deferral runs the first one first, so both restores land, in order", () => {
    const table = new BackoffTable();
    table.deferRestore((restored) => restored.restoreState(A, state(1)));
    table.deferRestore((restored) => restored.restoreState(B, state(3)));
    expect(Array.from(table.iter(), (entry) => [entry.peer.text, entry.attempts])).toEqual([
      [A.text, 1],
      [B.text, 3],
    ]);
  });
});
