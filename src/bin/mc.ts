#!/usr/bin/env node
/**
 * The `mc` executable. `--version` is answered before anything else is loaded, so it
 * costs little more than starting Node; every other command loads the CLI.
 */
import { VERSION } from '../version.js';

const args = process.argv.slice(2);

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('../cli/main.js');
  process.exitCode = await main(process.argv);
}
