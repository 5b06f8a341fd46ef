#!/usr/bin/env node
// Runs the bundled CLI that `npm run build` writes (dist/bundle/bbgov.cjs): one file to load instead of ~80.
// CommonJS (see bin/package.json), so that starting it needs no ES module loader.
// Under BBGOV_DEBUG=1 stack traces name the sources (the bundle's source map); only then, as it costs startup time.
"use strict";
const path = require("node:path");
const bundle = path.join(__dirname, "../dist/bundle/bbgov.cjs");
const argv = process.argv.slice(2);
if (process.env.BBGOV_DEBUG === "1" || process.env.BBGOV_CODE_CACHE === "0") {
  if (process.env.BBGOV_DEBUG === "1") process.setSourceMapsEnabled(true);
  loadBundle().run(argv);
} else {
  runCached();
}

/**
 * The bundled CLI. A checkout (or a package packed from one) that was never built has none: that is said in one
 * line, exit 2, instead of Node's stack trace and exit 1 (bbgov's "denied").
 */
function loadBundle() {
  try {
    return require(bundle);
  } catch (error) {
    if (error?.code !== "MODULE_NOT_FOUND" || require("node:fs").existsSync(bundle)) throw error;
    // Control characters in the path are shown escaped, as bbgov shows them everywhere.
    const where = [...bundle]
      .map((c) => {
        const code = c.charCodeAt(0);
        return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\x${code.toString(16).padStart(2, "0")}` : c;
      })
      .join("");
    process.stderr.write(`bbgov: this bbgov is not built: run \`npm run build\` in its folder (${where} is missing)\n`);
    process.exit(2);
  }
}

// Compiling the bundle (230 kB then) was a quarter of bbgov's own start (~12 of ~45 ms above `node -e 0`).
// V8's code cache skips it: the first run of a bbgov build under one Node writes the compiled code next to
// the bundle (dist/.v8cache/, when writable), with what that run compiled lazily (`npm run bundle` ends with an
// inspect of the example, so that it is inspect's), later runs hand it back to V8. The cache's name holds
// the Node version, the architecture and the bundle's size and mtime, because V8 itself only checks the
// source's length. V8 rejects a cache whose header it cannot use, but not one damaged inside (that crashes
// it), so the file carries its length and the code twice, and is used only when the length matches and the
// two copies are equal (a native comparison: a CRC needed node:zlib, which loads Node's whole stream stack,
// ~2-5 ms of a start that otherwise never needs it); any failure here falls back to the plain bundle.
function runCached() {
  const fs = require("node:fs");
  const vm = require("node:vm");
  const Module = require("node:module");
  let source, key;
  try {
    const stat = fs.statSync(bundle);
    // The bundle is ASCII (a test holds it so): latin1 gives the same string without UTF-8 decoding.
    source = fs.readFileSync(bundle, "latin1");
    key = `${process.version}-${process.arch}-${stat.size}-${Math.trunc(stat.mtimeMs)}.bin`;
  } catch {
    loadBundle().run(argv);
    return;
  }
  const dir = path.join(path.dirname(bundle), "..", ".v8cache");
  const cacheFile = path.join(dir, key);
  const cachedData = readCache(fs, cacheFile);
  // The bundle must hold no dynamic import(): Node 20 has no loader for one in a vm.Script without flags.
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  if (process.env.BBGOV_CODE_CACHE === "debug")
    process._rawDebug(`code cache ${cachedData === undefined ? "absent" : script.cachedDataRejected ? "rejected" : "used"}`);
  if (cachedData === undefined || script.cachedDataRejected) {
    // Written at exit, so that the functions this run compiled lazily are in the cache too.
    process.once("exit", () => writeCache(fs, script, dir, cacheFile));
  }
  const module = { exports: {}, filename: bundle, id: bundle, loaded: false };
  const compiled = script.runInThisContext();
  compiled.call(module.exports, module.exports, Module.createRequire(bundle), module, bundle, path.dirname(bundle));
  module.exports.run(argv);
}

/** The cached code in `cacheFile` when it is a regular file of its length and two equal copies of the code, else undefined. */
function readCache(fs, cacheFile) {
  let fd;
  try {
    // Never follow a link or wait on a FIFO: only a regular file of ours is read.
    fd = fs.openSync(cacheFile, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size < 6 || stat.size > 128 * 1024 * 1024) return undefined;
    const file = Buffer.allocUnsafe(stat.size);
    if (fs.readSync(fd, file, 0, stat.size, 0) !== stat.size) return undefined;
    const length = file.readUInt32LE(0);
    if (stat.size !== 4 + 2 * length) return undefined;
    const code = file.subarray(4, 4 + length);
    return code.equals(file.subarray(4 + length)) ? code : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function writeCache(fs, script, dir, cacheFile) {
  try {
    const code = script.createCachedData();
    const data = Buffer.allocUnsafe(4 + 2 * code.length);
    data.writeUInt32LE(code.length, 0);
    code.copy(data, 4);
    code.copy(data, 4 + code.length);
    fs.mkdirSync(dir, { recursive: true });
    // Older caches, and the temporary files of runs killed while writing one, go.
    for (const old of fs.readdirSync(dir)) if (old !== path.basename(cacheFile)) fs.rmSync(path.join(dir, old), { force: true });
    const temp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, cacheFile);
  } catch {
    // A read-only install runs without the cache, as fast as before it.
  }
}
