/** inspect filters (--cooling, --denied, --allowlisted, --unknown), --reverse and --format tsv, on the example snapshot. */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cli, EXAMPLE } from "./terminal-helpers.js";

const NODE_SMALL = fileURLToPath(new URL("../../fixtures/node/small.bin", import.meta.url));
const STRANGER = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

/** The peers of `inspect --format tsv` with these arguments, in order. */
async function peers(...args: string[]): Promise<string[]> {
  const result = await cli(["-s", EXAMPLE, "inspect", "--format", "tsv", ...args]);
  expect(result.status).toBe(0);
  const [head, ...lines] = result.stdout.trimEnd().split("\n");
  expect(head?.split("\t")[0]).toBe("peer");
  return lines.filter((line) => line !== "").map((line) => line.split("\t")[0] as string);
}

describe("inspect filters", () => {
  it("--cooling keeps peers whose next retry is after now (and --at moves now)", async () => {
    expect(await peers("--cooling")).toEqual([
      "12D3KooWJjwFKy17A4DiZTrU3FfbmQNYwhBaKbfG5hB8qqh5ptHD",
      "12D3KooWP4h1eBk3xVcfThQ2sJcvanmnJRjWuNbP2waTLbxWhdok",
      "12D3KooWSv3VbnPvrkBsdMvY1LXJDzv5LAXFFiayxQJqESv7FeR7",
      "QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4",
    ]);
    expect(await peers("--cooling", "--after", "20s")).toEqual(["QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4"]);
  });

  it("--denied keeps peers denied in either direction; filters combine", async () => {
    const denied = await peers("--denied");
    expect(denied).toContain("QmNVm9nn9RKXEuuKKsX2RWd66nqK4FedXehVffiUVnLrtT");
    expect(denied).toContain("QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4");
    expect(denied).toHaveLength(6);
    expect(await peers("--denied", "--blocked")).toEqual([
      "12D3KooWS3iYbD7YEuQ1SGhRiUSiVBdgzuWSxXgY551TNtMFdaik",
      "QmNVm9nn9RKXEuuKKsX2RWd66nqK4FedXehVffiUVnLrtT",
    ]);
  });

  it("--allowlisted is empty on an open policy", async () => {
    expect(await peers("--allowlisted")).toEqual([]);
  });

  it("--unknown keeps the given peers the snapshot has never seen", async () => {
    expect(await peers("--unknown", STRANGER, "QmZn")).toEqual([STRANGER]);
  });

  it("--reverse reverses the sorted order", async () => {
    const forward = await peers("--sort", "failures");
    expect(await peers("--sort", "failures", "--reverse")).toEqual([...forward].reverse());
  });
});

describe("--format tsv", () => {
  it("prints plain tab-separated values: exact ns, no colour, one line per peer", async () => {
    const result = await cli(["-s", EXAMPLE, "inspect", "--format", "tsv", "QmZn"], { env: { FORCE_COLOR: "3" }, tty: true });
    expect(result.stdout).toBe(
      "peer\tblocked\tallowlisted\tconsecutive_failures\tdown\tlast_event_ns\tattempts\tlast_attempt_ns\tnext_retry_ns\tinbound\toutbound\n" +
        "QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4\tfalse\tfalse\t30\ttrue\t1763999990123184961\t30\t1763999990123184961\t1764000050123184961\tallow\tcooldown\n",
    );
  });
});

describe("inspect --sort", () => {
  /** The rows of `inspect --format tsv --sort SORT` as records of their columns, in order. */
  async function rows(sort: string): Promise<Record<string, string>[]> {
    const result = await cli(["-s", EXAMPLE, "inspect", "--format", "tsv", "--sort", sort]);
    expect(result.status).toBe(0);
    const [head, ...lines] = result.stdout.trimEnd().split("\n");
    const columns = (head as string).split("\t");
    return lines.map((line) => Object.fromEntries(line.split("\t").map((cell, index) => [columns[index], cell])));
  }

  it.each([
    ["failures", "consecutive_failures", -1n, false],
    ["last-event", "last_event_ns", -1n, false],
    ["attempts", "attempts", -1n, false],
    ["next-retry", "next_retry_ns", 1n << 65n, true],
  ] as const)("--sort %s orders by %s (a peer without the entry as %s), ties by peer", async (sort, column, missing, ascending) => {
    const sorted = await rows(sort);
    const key = (row: Record<string, string>): bigint => (row[column] === "-" ? missing : BigInt(row[column] as string));
    // Both kinds of peer are there: with the entry, and without (a blocked peer known only to the blocklist).
    expect(sorted.some((row) => row[column] === "-")).toBe(true);
    expect(sorted.some((row) => row[column] !== "-")).toBe(true);
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [key(sorted[i - 1] as Record<string, string>), key(sorted[i] as Record<string, string>)];
      if (a === b) expect((sorted[i - 1]?.peer as string) < (sorted[i]?.peer as string)).toBe(true);
      else expect(ascending ? a < b : a > b).toBe(true);
    }
  });
});

describe("the JSON summary's scope", () => {
  it("is 'all' without PEERs (filters, a node snapshot's counts read from its bytes, --format json) and 'named' with them", async () => {
    const scope = async (args: string[]): Promise<unknown> =>
      (JSON.parse((await cli(args)).stdout) as { summary: { scope: unknown } }).summary.scope;
    expect(await scope(["-s", EXAMPLE, "--json", "inspect", "--down"])).toBe("all");
    expect(await scope(["-s", EXAMPLE, "inspect", "--format", "json"])).toBe("all");
    expect(await scope(["-s", NODE_SMALL, "--json", "inspect"])).toBe("all");
    expect(await scope(["-s", EXAMPLE, "--json", "inspect", STRANGER, "--down"])).toBe("named");
  });
});

describe("inspect PEER: the summary counts the named peers", () => {
  const DOWN = "12D3KooWJATkUcKJHbbtK22skXSBCUAtjkCg9z6NVDz3wX4a7Ci4"; // down, its retry due
  const BLOCKED = "QmNVm9nn9RKXEuuKKsX2RWd66nqK4FedXehVffiUVnLrtT"; // on the blocklist only
  const COOLING = "QmZnC2FJ3vHT4mJhiTVBPaeEQQYBTZeRtkKHRFmAMtQ6A4"; // down, cooling down

  it("in the JSON summary: each count of the peers named, blocked and allowlisted the policy's", async () => {
    const result = await cli(["-s", EXAMPLE, "--json", "inspect", DOWN, BLOCKED, COOLING, STRANGER]);
    expect(result.status).toBe(0);
    const { summary } = JSON.parse(result.stdout) as { summary: Record<string, unknown> };
    expect(summary).toEqual({
      peers: 4,
      blocked: 2,
      allowlisted: null,
      tracked: 2,
      down: 2,
      backoff_entries: 2,
      cooling_down: 1,
      inbound_denied: 1,
      outbound_denied: 2,
      scope: "named",
    });
  });

  it("in the table's header: 'named', never one named peer beside the whole snapshot's counts", async () => {
    const result = await cli(["-s", EXAMPLE, "inspect", STRANGER]);
    expect(result.stdout).toMatch(/^peers +1 named, 0 tracked, 0 down, 0 cooling down$/m);
    const all = await cli(["-s", EXAMPLE, "inspect"]);
    expect(all.stdout).toMatch(/^peers +12 known, 11 tracked, 5 down, 4 cooling down$/m);
  });
});
