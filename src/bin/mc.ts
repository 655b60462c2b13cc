#!/usr/bin/env node
/**
 * The `mc` executable. `--version` is answered before anything else is loaded, so it
 * costs little more than starting Node; every other command loads the CLI.
 */
import { setFlagsFromString } from 'node:v8';

import { VERSION } from '../version.js';

const args = process.argv.slice(2);

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  // undici parses HTTP with a WebAssembly build of llhttp, and V8's optimising tier for
  // it costs about 35 MB of peak memory and 60 ms per process (Node 20.20, undici 7.30),
  // far more than a command's few hundred responses gain from it. The flag must be set
  // before undici compiles the module, which happens on the first connection.
  setFlagsFromString('--liftoff-only');
  setFlagsFromString('--optimize-for-size');

  const { main } = await import('../cli/main.js');
  process.exitCode = await main(process.argv);
}
