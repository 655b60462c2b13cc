/**
 * `npm run bench`: measures the clean-up, the full listing, cold start and the HTTP
 * client in one run and prints a table of figures, ratios and PASS/MISS against each
 * aim. Absolute times depend on the machine, the ratios much less. A missed aim does
 * not change the exit code, because benchmarks report and do not gate. A benchmark
 * that could not run (an error, not a slow result) makes the exit code 1.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

import { benchCleanup } from './cleanup.mjs';
import { COLD_START_RUNS, benchColdStart } from './cold-start.mjs';
import { benchListAll } from './list-all.mjs';
import { disposeAll, runNode } from './lib/home.mjs';

/** The aims each figure is held against. */
export const AIMS = {
  /** The one-DELETE-per-session loop takes at least this many times longer than mc. */
  cleanupSpeedup: 20,
  /** Peak RSS of `mc session list --all --output ndjson` over 100,000 sessions, in bytes. */
  listMaxRssBytes: 100_000_000,
  /** `mc --version` takes at most this many times as long as `node -e 0`. */
  versionOverNode: 1.5,
};

const HTTP_CLIENT_BENCH = fileURLToPath(new URL('./http-client.mjs', import.meta.url));
/** The HTTP client benchmark is a separate script; it gets SIGTERM when it runs longer. */
const HTTP_CLIENT_TIMEOUT_MS = 180_000;

const rows = [];
let failures = 0;
let httpClientOutput = '';

function row(benchmark, figure, value, aim = '', verdict = '') {
  rows.push([benchmark, figure, value, aim, verdict]);
}

function verdict(passed) {
  return passed ? 'PASS' : 'MISS';
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}

function ratio(value) {
  return `${value.toFixed(value < 10 ? 2 : 1)}x`;
}

async function runStep(name, step) {
  process.stderr.write(`bench: ${name}…\n`);
  const started = Date.now();
  try {
    await step(name);
  } catch (error) {
    failures++;
    row(name, 'ERROR', error instanceof Error ? error.message.split('\n')[0] : String(error));
    process.stderr.write(`bench: ${name} failed: ${error?.stack ?? error}\n`);
  } finally {
    await disposeAll();
    process.stderr.write(`bench: ${name} took ${seconds(Date.now() - started)}\n`);
  }
}

async function cleanupStep(name) {
  const { mc, loop, ratio: speedup } = await benchCleanup();
  row(
    name,
    'mc session cleanup --days 30 --yes',
    `${seconds(mc.ms)}, ${mc.requests} requests (Core log), ${mc.auditedRequests} audited`,
  );
  row(name, '  requests by route', formatRoutes(mc.requestsByRoute));
  row(name, 'DELETE loop, one session at a time', `${seconds(loop.ms)}, ${loop.requests} requests`);
  row(
    name,
    'speed ratio (loop time / mc time)',
    ratio(speedup),
    `>= ${AIMS.cleanupSpeedup}x`,
    verdict(speedup >= AIMS.cleanupSpeedup),
  );
  row(name, 'request ratio (loop / mc)', ratio(loop.requests / mc.requests));
}

async function listStep(name) {
  const list = await benchListAll();
  const maxRssBytes = list.maxRssKb * 1024;
  row(name, 'wall time', seconds(list.ms));
  row(name, 'lines printed (checked)', String(list.lines));
  row(
    name,
    'peak RSS of the mc process',
    `${(maxRssBytes / 1e6).toFixed(1)} MB`,
    `< ${AIMS.listMaxRssBytes / 1e6} MB`,
    verdict(maxRssBytes < AIMS.listMaxRssBytes),
  );
}

async function coldStartStep(name) {
  const cold = await benchColdStart();
  const versionRatio = cold.versionMs / cold.nodeMs;
  row(name, 'node -e 0', `${cold.nodeMs.toFixed(1)} ms`);
  row(name, 'mc --version', `${cold.versionMs.toFixed(1)} ms`);
  row(name, 'mc session list (50 sessions)', `${cold.listMs.toFixed(1)} ms`);
  row(
    name,
    'mc --version / node -e 0',
    ratio(versionRatio),
    `<= ${AIMS.versionOverNode}x`,
    verdict(versionRatio <= AIMS.versionOverNode),
  );
  row(name, 'mc session list / node -e 0', ratio(cold.listMs / cold.nodeMs));
}

/** Runs the HTTP client benchmark as a child and keeps its output to print after the table. */
async function httpClientStep(name) {
  if (!existsSync(HTTP_CLIENT_BENCH)) {
    throw new Error('bench/http-client.mjs does not exist yet');
  }

  const result = await runNode([HTTP_CLIENT_BENCH], {
    env: process.env,
    timeoutMs: HTTP_CLIENT_TIMEOUT_MS,
  });
  if (result.code !== 0) {
    throw new Error(
      `bench/http-client.mjs exited with ${result.code ?? result.signal}:\n${result.stderr}`,
    );
  }
  httpClientOutput = result.stdout.trimEnd();
  row(name, 'bench/http-client.mjs', 'ran; its output follows the table');
}

function formatRoutes(byRoute) {
  return Object.entries(byRoute)
    .map(([route, count]) => `${count} ${route}`)
    .join(', ');
}

function printTable() {
  const header = ['benchmark', 'figure', 'value', 'aim', 'result'];
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((cells) => cells[column].length)));
  const format = (cells) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();

  let previous = '';
  const lines = [format(header), widths.map((width) => '-'.repeat(width)).join('  ')];
  for (const cells of rows) {
    lines.push(format([cells[0] === previous ? '' : cells[0], ...cells.slice(1)]));
    previous = cells[0];
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printMachine() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    `machine: ${availableParallelism()} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
      `Node.js ${process.version}, ${process.platform}-${process.arch}\n\n`,
  );
}

async function main() {
  // Ctrl-C still stops the Cores this run started.
  process.once('SIGINT', () => {
    disposeAll().finally(() => process.exit(130));
  });

  const started = Date.now();
  printMachine();
  await runStep('1. clean-up, 10,000 stale of 20,000', cleanupStep);
  await runStep('2. list --all ndjson, 100,000', listStep);
  await runStep(`3. cold start, median of ${COLD_START_RUNS}`, coldStartStep);
  await runStep('4. HTTP client', httpClientStep);

  printTable();
  if (httpClientOutput !== '') {
    process.stdout.write(`\nbench/http-client.mjs output:\n${httpClientOutput}\n`);
  }
  process.stdout.write(`\nwhole bench: ${seconds(Date.now() - started)}\n`);
  process.exitCode = failures === 0 ? 0 : 1;
}

await main();
