#!/usr/bin/env node
/**
 * The `mc` executable. `--version` is printed before anything else is loaded, so it
 * costs little more than starting Node; every other command loads the CLI.
 */
import { setFlagsFromString } from 'node:v8';

import { VERSION } from '../version.js';

const args = process.argv.slice(2);

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  // A command lives for seconds, so memory matters more than peak speed. undici parses
  // HTTP with a WebAssembly build of llhttp, and V8's optimising tier for it costs about
  // 35 MB of peak memory and 60 ms per process; a young generation that does not grow
  // keeps a 100,000-session listing near 87 MB instead of 124 MB (measured on Node 20.20
  // with undici 7.30). The flags are set before undici compiles the module on the first
  // connection and before the listing allocates.
  setFlagsFromString('--liftoff-only');
  setFlagsFromString('--optimize-for-size');
  setFlagsFromString('--semi-space-growth-factor=1');

  const { main } = await import('../cli/main.js');
  process.exitCode = await main(process.argv);
}
