// commander loads node:child_process when it is imported, only to spawn executable
// subcommands, which bbgov never has; that load (child_process, net, dgram, stream)
// was ~7 ms of a ~45 ms start. The bundle aliases node:child_process to this file
// (package.json "bundle"), which loads the real module on first use only.
"use strict";
let real;
// biome-ignore lint/style/useNodejsImportProtocol: "node:child_process" is aliased to this very file; the bare name reaches the real module.
const load = () => (real ??= require("child_process"));
module.exports = new Proxy({}, { get: (_target, key) => load()[key], has: (_target, key) => key in load() });
