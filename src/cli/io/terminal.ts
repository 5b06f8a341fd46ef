/**
 * How wide output may be. A terminal: its own width (`columns`), else
 * `COLUMNS`, else 80. A pipe or a file: `COLUMNS` when the user sets it, else
 * unlimited, so `bbgov inspect | grep` sees whole peer ids and full times.
 */

/**
 * The narrowest width bbgov lays out for: summaries, messages and help fit it; a table whose narrowest form is
 * wider (inspect's eight columns need ~53) is drawn in that form, and the terminal wraps it.
 */
export const MIN_WIDTH = 40;
const DEFAULT_TTY_WIDTH = 80;

/** The output width, or undefined for unlimited. */
export function outputWidth(
  stream: { readonly isTTY?: boolean; readonly columns?: number },
  env: Readonly<Record<string, string | undefined>>,
): number | undefined {
  // COLUMNS=0 (or empty, or not a number) says nothing: as if unset.
  const fromEnv = /^[1-9]\d{0,4}$/.test(env.COLUMNS ?? "") ? Number(env.COLUMNS) : undefined;
  if (stream.isTTY !== true) return fromEnv === undefined ? undefined : Math.max(MIN_WIDTH, fromEnv);
  const columns = typeof stream.columns === "number" && stream.columns > 0 ? stream.columns : (fromEnv ?? DEFAULT_TTY_WIDTH);
  return Math.max(MIN_WIDTH, columns);
}
