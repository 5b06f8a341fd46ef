/** PLAIN (render/plain.ts) writes what chalk at level 0 writes; colorsOff is exactly colorLevel's 0. */
import { Chalk, backgroundColorNames, foregroundColorNames, modifierNames } from "chalk";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { colorLevel } from "../../src/cli/render/color.js";
import { colorsOff, PLAIN } from "../../src/cli/render/plain.js";

const STYLES = [...modifierNames, ...foregroundColorNames, ...backgroundColorNames];
const real = new Chalk({ level: 0 });

type Style = (...args: unknown[]) => string;
const styled = (chalk: unknown, chainNames: readonly string[]): Style =>
  chainNames.reduce((at: unknown, name) => (at as Record<string, unknown>)[name], chalk) as Style;

describe("PLAIN, chalk at level 0 without chalk", () => {
  it("gives the same text for any chain of styles and any arguments", () => {
    const args = fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(""), fc.constant(undefined), fc.constant(null), fc.boolean()), {
      maxLength: 4,
    });
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...STYLES), { minLength: 1, maxLength: 3 }), args, (chainNames, values) => {
        expect(styled(PLAIN, chainNames)(...values)).toBe(styled(real, chainNames)(...values));
      }),
      { numRuns: 2000 },
    );
    expect(PLAIN.level).toBe(0);
    expect(PLAIN.bold.red("DOWN")).toBe("DOWN");
  });

  it("colorsOff is true exactly when colorLevel is 0", () => {
    const env = fc.record(
      {
        FORCE_COLOR: fc.constantFrom("0", "false", "1", "2", "3", "true", "", "7"),
        NO_COLOR: fc.constantFrom("", "1"),
        TERM: fc.constantFrom("dumb", "xterm-256color"),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(env, fc.boolean(), fc.boolean(), (vars, flag, isTty) => {
        expect(colorsOff(vars, flag, isTty)).toBe(colorLevel(vars, flag, isTty) === 0);
      }),
      { numRuns: 1000 },
    );
  });
});
