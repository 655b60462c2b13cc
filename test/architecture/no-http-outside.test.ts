/**
 * Only `src/http/` (the secure client) and `src/server/` (the embedded Core) may touch
 * the network stack. Everything else reaches the network through the secure client,
 * so no module can bypass the egress guard, header checks or size limits.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import { describe, expect, it } from 'vitest';

const SOURCE_ROOT = join(import.meta.dirname, '..', '..', 'src');
const ALLOWED_FOLDERS = ['http', 'server'];

const NETWORK_MODULES = [
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'dgram',
  'undici',
  'axios',
  'got',
  'node-fetch',
  'superagent',
  'request',
  'ky',
  'needle',
  'phin',
  'cross-fetch',
  'isomorphic-fetch',
  'ws',
];

function isNetworkModule(specifier: string): boolean {
  const bare = specifier.replace(/^node:/, '');
  return NETWORK_MODULES.some((name) => bare === name || bare.startsWith(`${name}/`));
}

// Static imports and re-exports, `import('x')`, and `require('x')`.
const MODULE_REFERENCE =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"`])([^'"`]+)\1/gm;
// `fetch(`, `globalThis.fetch`, `window.fetch`, `global.fetch` but not `client.fetchSessions(` or `.prefetch(`.
const GLOBAL_FETCH =
  /(?:^|[^\w.$])fetch\s*\(|\b(?:globalThis|global|window|self)\s*\.\s*fetch\b|\b(?:globalThis|global)\s*\[\s*['"]fetch['"]\s*\]/m;

/** Lists the network uses in one module's source text. */
export function findNetworkUses(source: string): string[] {
  const withoutComments = source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const uses: string[] = [];

  for (const match of withoutComments.matchAll(MODULE_REFERENCE)) {
    const specifier = match[2]!;
    if (isNetworkModule(specifier)) {
      uses.push(`imports ${specifier}`);
    }
  }

  if (GLOBAL_FETCH.test(withoutComments)) {
    uses.push('calls global fetch');
  }

  return uses;
}

function listSourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return listSourceFiles(path);
    return /\.(?:[cm]?ts|[cm]?js|tsx)$/.test(entry.name) ? [path] : [];
  });
}

describe('network access outside src/http and src/server', () => {
  it('finds no HTTP client import or fetch call', () => {
    const offenders = listSourceFiles(SOURCE_ROOT)
      .filter((file) => !ALLOWED_FOLDERS.includes(relative(SOURCE_ROOT, file).split(sep)[0]!))
      .flatMap((file) =>
        findNetworkUses(readFileSync(file, 'utf8')).map(
          (use) => `${relative(SOURCE_ROOT, file)}: ${use}`,
        ),
      );

    expect(offenders).toEqual([]);
  });

  it('scans a real source tree', () => {
    expect(listSourceFiles(SOURCE_ROOT).length).toBeGreaterThan(5);
  });
});

describe('findNetworkUses', () => {
  it.each([
    "import http from 'node:http';",
    "import * as https from 'https';",
    "import { request } from 'undici';",
    "import type { Dispatcher } from 'undici';",
    "export { fetch } from 'undici';",
    "import net from 'node:net';",
    "import { connect } from 'tls';",
    "import axios from 'axios';",
    "import got from 'got';",
    "import fetch from 'node-fetch';",
    "const http = require('http');",
    "const mod = await import('node:https');",
    "import 'undici/lib/global.js';",
    'const response = await fetch(url);',
    'const r = await globalThis.fetch(url);',
    "const f = globalThis['fetch'];",
    'return fetch (url, { method });',
  ])('flags %s', (source) => {
    expect(findNetworkUses(source)).not.toEqual([]);
  });

  it.each([
    "import { createSecureClient } from '../http/index.js';",
    "import { readFile } from 'node:fs/promises';",
    'await client.fetchSessions();',
    'const prefetch = (x: number) => x;',
    '// fetch(url) is not allowed here',
    "const text = 'see http://example.invalid';",
    "import { z } from 'zod';",
  ])('accepts %s', (source) => {
    expect(findNetworkUses(source)).toEqual([]);
  });
});
