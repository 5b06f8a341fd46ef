/**
 * The two kernel facilities Node lacks, from `fs-native-extensions` (prebuilt
 * addon, no build step): advisory locks on a descriptor (Linux: open file
 * description locks, F_OFD_SETLK; macOS: flock) and extended attributes.
 * Loaded with createRequire so that the bundle (where the package is
 * external) finds the addon in node_modules as the tsc build does.
 */
import { createRequire } from "node:module";

/** The subset of fs-native-extensions that bbgov uses. */
export interface NativeFs {
  /** A non-blocking exclusive lock on the whole file; false when another holds it. */
  tryLock(fd: number): boolean;
  /** Drops a lock taken with tryLock. */
  unlock(fd: number): void;
  /** Names of the file's extended attributes (ACLs included, as system.posix_acl_*). */
  listAttrsSync(fd: number): string[];
  /** One attribute's value, or null when it has none. */
  getAttrSync(fd: number, name: string): Uint8Array | null;
  /** Sets one attribute. */
  setAttrSync(fd: number, name: string, value: Uint8Array): void;
}

let loaded: NativeFs | Error | undefined;

/** The native module, or the Error that loading it gave (a platform without a prebuild). */
export function nativeFs(): NativeFs | Error {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)("fs-native-extensions") as NativeFs;
    } catch (error) {
      loaded = error instanceof Error ? error : new Error(String(error));
    }
  }
  return loaded;
}
