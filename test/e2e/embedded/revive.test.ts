/** `mc revive`: restarts the embedded Core, and names the configured Core it cannot start. */
import { afterAll, describe, expect, it } from 'vitest';

import { runMc } from '../../helpers/mc.js';
import { exitCode, makeTempDir, removeTempDirs } from './fixtures.js';

const homes: string[] = [];

afterAll(async () => {
  for (const home of homes) {
    await runMc(['core', 'stop'], { home });
  }
  removeTempDirs();
});

describe('mc revive', () => {
  it('names a configured Core it cannot start', async () => {
    const result = await runMc(['revive'], {
      home: makeTempDir(),
      env: { MC_CORE_URL: 'http://127.0.0.1:9' },
    });

    expect(result.status).toBe(exitCode('UNAVAILABLE'));
    expect(result.stderr).toContain(
      'mc cannot start the Core at http://127.0.0.1:9 (set by MC_CORE_URL)',
    );
  });

  it('starts the embedded Core when none is configured', async () => {
    const home = makeTempDir();
    homes.push(home);

    const revived = await runMc(['revive'], { home });
    const listed = await runMc(['session', 'list', '--json'], { home });

    expect(revived.status).toBe(0);
    expect(revived.stderr).toMatch(/Started the embedded Core at http:\/\/127\.0\.0\.1:\d+/);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ total: 0 });

    const again = await runMc(['core', 'start'], { home });
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/already running at http:\/\/127\.0\.0\.1:\d+/);
  });
});
