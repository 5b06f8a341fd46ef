#!/usr/bin/env node
// Runs the bundled CLI that `npm run build` writes (dist/bundle/bbgov.cjs): one file to load instead of ~80.
// CommonJS (see bin/package.json), so that starting it needs no ES module loader.
// Under BBGOV_DEBUG=1 stack traces name the sources (the bundle's source map); only then, as it costs startup time.
if (process.env.BBGOV_DEBUG === "1") process.setSourceMapsEnabled(true);
require("../dist/bundle/bbgov.cjs").run(process.argv.slice(2));
