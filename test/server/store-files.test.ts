import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { CHAT_INTERACTION_TYPE } from '../../src/contract/schemas.js';
import { CoreStore } from '../../src/server/store.js';

describe('store files', () => {
  it('are private whatever the umask', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mc-store-')), 'core.db');
    const previous = process.umask(0o022);
    try {
      const store = CoreStore.open(path);
      store.addMemory({
        content: 'User: hi\nAssistant: hello',
        metadata: { session_id: 'mode-check', type: CHAT_INTERACTION_TYPE },
        source: 'chat',
        timestamp: Date.now(),
      });

      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        expect(statSync(file).mode & 0o777, file).toBe(0o600);
      }
      store.close();
    } finally {
      process.umask(previous);
    }
  });
});
