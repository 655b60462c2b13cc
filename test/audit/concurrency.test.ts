import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openAuditLog } from '../../src/audit/log.js';
import { readAuditEntries } from '../../src/audit/read.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { callEntry, temporaryHome } from './fixtures.js';

const root = resolve(import.meta.dirname, '../..');
let buildDir = '';

// The children run the audit module compiled on its own, so this test does not depend
// on the rest of the tree building.
beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), 'mc-audit-build-'));
  execFileSync(process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'),
    '--outDir',
    buildDir,
    '--rootDir',
    join(root, 'src'),
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--types',
    'node',
    '--skipLibCheck',
    '--noCheck',
    join(root, 'src/audit/index.ts'),
  ]);
  writeFileSync(join(buildDir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(root, 'node_modules'), join(buildDir, 'node_modules'));
  writeFileSync(
    join(buildDir, 'append-many.mjs'),
    `import { openAuditLog } from './audit/index.js';
const [auditDir, name, count] = process.argv.slice(2);
const log = openAuditLog({ auditDir, maxFileBytes: 4096, maxFiles: 1000 });
for (let n = 1; n <= Number(count); n += 1) {
  await log.append({ correlationId: name, method: 'GET', url: 'http://127.0.0.1/sessions/s' + n, status: 200, attempt: 1, durationMs: n, outcome: 'success' });
}
`,
  );
}, 60_000);

afterAll(() => {
  rmSync(buildDir, { recursive: true, force: true });
});

function runChild(auditDir: string, name: string, count: number): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [join(buildDir, 'append-many.mjs'), auditDir, name, String(count)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`child ${name} exited ${code}: ${stderr}`)),
    );
  });
}

describe('concurrent audit appends', () => {
  it('keeps one chain across processes', async () => {
    const { auditDir } = temporaryHome();
    const children = ['child_a', 'child_b', 'child_c', 'child_d'];

    await Promise.all(children.map((name) => runChild(auditDir, name, 25)));
    const entries = await readAuditEntries({ auditDir });
    const result = await verifyAuditLog({ auditDir });

    expect(result).toMatchObject({ ok: true, entries: 100 });
    expect(result.ok && result.files).toBeGreaterThan(1);
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    for (const name of children) {
      expect(entries.filter((entry) => entry.correlationId === name)).toHaveLength(25);
    }
  });

  it('keeps one chain across log instances in one process', async () => {
    const { auditDir } = temporaryHome();
    const logs = [1, 2, 3].map(() => openAuditLog({ auditDir, maxFileBytes: 2048 }));

    await Promise.all(
      logs.flatMap((log, i) =>
        Array.from({ length: 10 }, (_, n) =>
          log.append(callEntry(n, { correlationId: `instance_${i}` })),
        ),
      ),
    );

    expect(await verifyAuditLog({ auditDir })).toMatchObject({ ok: true, entries: 30 });
  });
});
