/**
 * Preloaded with `node --import` into a measured process: at exit it appends the
 * process's peak resident set size (getrusage `ru_maxrss`, in kilobytes on Linux and
 * macOS) to the file named by `BENCH_MAX_RSS_FILE`.
 */
import { appendFileSync } from 'node:fs';
import process from 'node:process';

const target = process.env.BENCH_MAX_RSS_FILE;

if (target !== undefined && target !== '') {
  process.once('exit', () => {
    appendFileSync(target, `${process.resourceUsage().maxRSS}\n`);
  });
}
