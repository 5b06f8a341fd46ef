/**
 * Colour off without loading chalk. When `colorsOff` says so, `main` draws
 * with PLAIN, which writes what chalk at level 0 writes: the text itself (its
 * arguments joined by spaces), through any chain of styles. chalk is loaded
 * only to colour: loading it probes the terminal (node:tty, and with it
 * node:net), ~2.5 ms of a start that prints to a pipe or file.
 * test/cli/plain.test.ts holds PLAIN to chalk at level 0.
 */
import type { ChalkInstance } from "chalk";

/**
 * True when colorLevel (color.ts) answers 0 without asking the terminal:
 * --no-color, FORCE_COLOR=0/false, or no FORCE_COLOR and NO_COLOR set, not
 * a terminal, or TERM=dumb. Its other answers are never 0.
 */
export function colorsOff(env: Readonly<Record<string, string | undefined>>, flag: boolean, isTty: boolean): boolean {
  if (!flag) return true;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force === "0" || force === "false";
  return (env.NO_COLOR !== undefined && env.NO_COLOR !== "") || !isTty || env.TERM === "dumb";
}

/** chalk at level 0: a style applied to one argument is that argument as a string, to several their join. */
function write(...args: unknown[]): string {
  // As chalk: one argument is `'' + argument`, several are joined by spaces.
  return args.length === 1 ? `${args[0] as string}` : args.join(" ");
}

const chain: ChalkInstance = new Proxy(write, {
  get(target, key, receiver) {
    if (key === "level") return 0;
    // `visible` prints nothing when colours are off.
    if (key === "visible") return visible;
    if (typeof key === "string" && key in Function.prototype) return Reflect.get(target, key, receiver) as unknown;
    return chain;
  },
}) as unknown as ChalkInstance;

const visible: ChalkInstance = new Proxy(() => "", {
  get(_target, key) {
    return key === "level" ? 0 : visible;
  },
}) as unknown as ChalkInstance;

/** The level-0 chalk stand-in. */
export const PLAIN: ChalkInstance = chain;
