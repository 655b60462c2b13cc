/**
 * `mc session list --all --output ndjson` over 100,000 sessions: wall time and peak RSS
 * of the `mc` process, with the printed lines counted and checked.
 */
import { StringDecoder } from 'node:string_decoder';

import { BenchHome } from './lib/home.mjs';

export const LIST_SEED = { sessions: 100_000, messages: 1, staleRatio: 0.3, randomSeed: 7 };

export async function benchListAll() {
  const home = BenchHome.create('list');
  try {
    await home.seed(LIST_SEED);
    await home.startCore();

    const lines = countLines();
    const result = await home.mcOk(['session', 'list', '--all', '--output', 'ndjson'], {
      onStdout: lines.add,
      measureMaxRss: true,
    });
    const counted = lines.finish();

    if (counted.lines !== LIST_SEED.sessions) {
      throw new Error(`expected ${LIST_SEED.sessions} ndjson lines, got ${counted.lines}`);
    }
    if (counted.uniqueIds !== LIST_SEED.sessions) {
      throw new Error(`expected ${LIST_SEED.sessions} distinct sessions, got ${counted.uniqueIds}`);
    }

    return { ms: result.ms, maxRssKb: result.maxRssKb, lines: counted.lines };
  } finally {
    await home.dispose();
  }
}

/**
 * Counts ndjson lines as they stream in and checks that each parses and names a
 * session, so a line count cannot pass on garbage or on repeated pages. A bad line is
 * kept and reported by `finish`, because throwing inside a stream listener would crash
 * the runner.
 */
function countLines() {
  const decoder = new StringDecoder('utf8');
  const ids = new Set();
  let pending = '';
  let lines = 0;
  let badLine;

  const take = (line) => {
    lines++;
    let sessionId;
    try {
      sessionId = JSON.parse(line).session_id;
    } catch {
      sessionId = undefined;
    }
    if (typeof sessionId === 'string') {
      ids.add(sessionId);
    } else {
      badLine ??= line;
    }
  };

  return {
    add: (chunk) => {
      const parts = (pending + decoder.write(chunk)).split('\n');
      pending = parts.pop() ?? '';
      parts.forEach(take);
    },
    finish: () => {
      pending += decoder.end();
      if (pending !== '') {
        take(pending);
      }
      if (badLine !== undefined) {
        throw new Error(`ndjson line without a session_id: ${badLine.slice(0, 200)}`);
      }
      return { lines, uniqueIds: ids.size };
    },
  };
}
