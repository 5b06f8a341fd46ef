/**
 * Review 16: one line naming many peers was quadratic twice over. peersArg copied its list for every value
 * (`previous.concat`), and the resolver looked each new peer's notice up in a list (`notices.includes`): a 1 MB
 * apply line of 60k new peers took 83 s, one of 300k empty words ten minutes. No timing here: the list is built in
 * place, and the notices are still one per peer, in order, however often a peer is named.
 */
import { describe, expect, it } from "vitest";
import { peersArg } from "../../src/cli/args.js";
import { PeerResolver } from "../../src/cli/commands/resolve.js";
import { PeerId } from "../../src/core/peer-id.js";
import { emptySnapshot } from "../../src/snapshot/model.js";
import { sandboxes } from "./helpers.js";

const sandbox = sandboxes();

describe("a line naming many peers", () => {
  it("peersArg adds each value to the list the parse started, not to a copy", () => {
    const parse = peersArg();
    const list = parse(" 16uZAbWC1AJvL ", undefined);
    expect(parse("16uZAbWC1AJvM", list)).toBe(list);
    expect(list).toEqual(["16uZAbWC1AJvL", "16uZAbWC1AJvM"]);
    // A new parse starts a new list: the last one is left as it was.
    expect(parse("16uZAbWC1AJvN", undefined)).toEqual(["16uZAbWC1AJvN"]);
    expect(list).toHaveLength(2);
  });

  it("the resolver notes each new peer once, in the order first named", () => {
    const resolver = new PeerResolver(emptySnapshot(), "argument PEER");
    const ids = Array.from({ length: 50 }, (_, n) => PeerId.fromU64(BigInt(n)).text);
    for (const id of [...ids, ...ids.slice(0, 10)]) resolver.resolve(id);
    expect(resolver.notices).toEqual(ids.map((id) => `${id}: not seen in this snapshot before`));
  });

  it("apply blocks every peer of a long line, with one note each", async () => {
    const box = sandbox();
    await box.build();
    const ids = Array.from({ length: 2000 }, (_, n) => PeerId.fromU64(BigInt(n)).text);
    const result = await box.run(["--json", "apply", "-"], { input: `block ${ids.join(" ")} ${ids[0]}\n` });
    expect(result.status).toBe(0);
    expect(box.doc().peer_governor?.blocklist).toHaveLength(2000);
  });
});
