// The README's first command: starts an embedded Core in a temporary home on a free
// port, fills it with generated sessions, runs the session commands against it, and
// stops it again, whatever happens in between.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const mcEntry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin', 'mc.js');
const home = mkdtempSync(join(tmpdir(), 'mc-demo-'));
const env = { ...process.env, MASTERCLAW_HOME: home };
delete env.MC_CORE_URL;
delete env.MC_API_KEY;

function mc(args, { capture = false } = {}) {
  process.stderr.write(`\n$ mc ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [mcEntry, ...args], {
    env,
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`mc ${args.join(' ')} exited with ${result.status}`);
  }
  return result.stdout;
}

try {
  mc(['core', 'start', '--port', '0']);
  mc([
    'core',
    'seed',
    '--sessions',
    '1200',
    '--messages',
    '4',
    '--stale-ratio',
    '0.25',
    '--random-seed',
    '7',
  ]);
  mc(['session', 'list', '--limit', '10']);
  mc(['session', 'stats']);

  const firstLine = mc(['session', 'list', '--limit', '1', '--output', 'ndjson'], {
    capture: true,
  });
  const sessionId = JSON.parse(firstLine).session_id;
  mc(['session', 'show', sessionId, '--limit', '2']);

  mc(['session', 'list', '--all', '--output', 'csv'], { capture: true });
  mc(['session', 'cleanup', '--days', '30', '--archive', join(home, 'archive.jsonl'), '--yes']);
  mc(['session', 'stats']);
  mc(['audit', 'verify']);
} finally {
  spawnSync(process.execPath, [mcEntry, 'core', 'stop'], { env, stdio: 'inherit' });
  rmSync(home, { recursive: true, force: true });
}
