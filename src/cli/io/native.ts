/**
 * The two kernel facilities Node lacks, from `fs-native-extensions` (prebuilt
 * addon, no build step): advisory locks on a descriptor (Linux: open file
 * description locks, F_OFD_SETLK; macOS: flock) and extended attributes.
 *
 * The package's own loader resolves addons for several runtimes and costs
 * 10-50 ms of every start; for the 1.5 line, whose binding this adapter
 * knows, the prebuilt addon is loaded directly (about 1.5 ms). Any other
 * version, or a platform whose prebuild is not where 1.5 keeps it, goes
 * through the package's public API. Loaded with createRequire so that the
 * bundle (where the package is external) finds it in node_modules as tsc's
 * build does.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

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

/** The addon's own functions in fs-native-extensions 1.5 (what its index.js wraps). */
interface Binding {
  tryLock(fd: number, offset: number, length: number, exclusive: boolean): void;
  unlock(fd: number, offset: number, length: number): void;
  listAttrsSync(fd: number): string[];
  getAttrSync(fd: number, name: string): ArrayBuffer | null;
  setAttrSync(fd: number, name: string, buffer: ArrayBufferLike, offset: number, length: number): void;
}

let loaded: NativeFs | Error | undefined;

/** The native module, or the Error that loading it gave (a platform without a prebuild). */
export function nativeFs(): NativeFs | Error {
  loaded ??= loadNativeFs("fastest");
  return loaded;
}

/** Loads the native module the fastest way available, or only through the package's API (`package`, for tests). */
export function loadNativeFs(how: "fastest" | "package"): NativeFs | Error {
  const require = createRequire(import.meta.url);
  try {
    return (how === "fastest" ? direct(require) : undefined) ?? (require("fs-native-extensions") as NativeFs);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function direct(require: NodeJS.Require): NativeFs | undefined {
  let binding: Binding;
  try {
    const manifest = require.resolve("fs-native-extensions/package.json");
    const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version?: unknown };
    if (typeof version !== "string" || !version.startsWith("1.5.")) return undefined;
    binding = require(
      path.join(path.dirname(manifest), "prebuilds", `${process.platform}-${process.arch}`, "fs-native-extensions.node"),
    ) as Binding;
  } catch {
    return undefined;
  }
  return {
    tryLock(fd) {
      try {
        binding.tryLock(fd, 0, 0, true);
        return true;
      } catch (error) {
        if ((error as { code?: unknown }).code === "EAGAIN") return false;
        throw error;
      }
    },
    unlock: (fd) => binding.unlock(fd, 0, 0),
    listAttrsSync: (fd) => binding.listAttrsSync(fd),
    getAttrSync(fd, name) {
      const value = binding.getAttrSync(fd, name);
      return value === null ? null : new Uint8Array(value);
    },
    setAttrSync: (fd, name, value) => binding.setAttrSync(fd, name, value.buffer, value.byteOffset, value.byteLength),
  };
}
