#!/usr/bin/env node
// Runs the bundled CLI that `npm run build` writes (dist/bundle/bbgov.cjs): one file to load instead of ~80.
// CommonJS (see bin/package.json), so that starting it needs no ES module loader.
require("../dist/bundle/bbgov.cjs").run(process.argv.slice(2));
