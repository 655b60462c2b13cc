/**
 * Cold start: `mc --version` and `mc session list` (one page from a small embedded
 * Core) against `node -e 0`, each run as a new process. Runs of the three commands are
 * interleaved, so a slow spell of the machine hits all of them alike.
 */
import { BenchHome, MC_ENTRY, childEnv, runNode } from './lib/home.mjs';

export const COLD_START_RUNS = 15;
/** Unmeasured runs first, so the file cache holds Node and the CLI's modules. */
const WARM_UP_RUNS = 2;
const SMALL_SEED = { sessions: 50, messages: 2, staleRatio: 0.3, randomSeed: 3 };

export async function benchColdStart() {
  const home = BenchHome.create('cold-start');
  try {
    await home.seed(SMALL_SEED);
    await home.startCore();

    const commands = {
      node: () => runChecked(['-e', '0'], home),
      version: () => runChecked([MC_ENTRY, '--version'], home),
      list: () => runChecked([MC_ENTRY, 'session', 'list'], home),
    };
    const samples = { node: [], version: [], list: [] };

    for (let run = 0; run < WARM_UP_RUNS + COLD_START_RUNS; run++) {
      for (const [name, command] of Object.entries(commands)) {
        const ms = await command();
        if (run >= WARM_UP_RUNS) {
          samples[name].push(ms);
        }
      }
    }

    return {
      runs: COLD_START_RUNS,
      nodeMs: median(samples.node),
      versionMs: median(samples.version),
      listMs: median(samples.list),
    };
  } finally {
    await home.dispose();
  }
}

async function runChecked(args, home) {
  const result = await runNode(args, { env: childEnv(home.path) });
  if (result.code !== 0) {
    throw new Error(`node ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
  }

  return result.ms;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
