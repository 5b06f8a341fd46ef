/** Colour decisions: `--no-color`, NO_COLOR and FORCE_COLOR, and whether the stream is a terminal. */
import { Chalk, type ChalkInstance, supportsColor } from "chalk";

/** Chooses the chalk level: --no-color wins, then FORCE_COLOR, then NO_COLOR, then the terminal. */
export function colorLevel(env: Readonly<Record<string, string | undefined>>, flag: boolean, isTty: boolean): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (!flag) return 0;
  if (force !== undefined) {
    if (force === "0" || force === "false") return 0;
    const level = Number.parseInt(force, 10);
    return level >= 1 && level <= 3 ? (level as 1 | 2 | 3) : 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return 0;
  if (!isTty || env.TERM === "dumb") return 0;
  return supportsColor === false ? 1 : supportsColor.level === 0 ? 1 : supportsColor.level;
}

/** A chalk instance of its own, so nothing depends on global colour state. */
export function makeChalk(level: 0 | 1 | 2 | 3): ChalkInstance {
  return new Chalk({ level });
}
