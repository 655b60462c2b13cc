/**
 * The pinned connector over TLS: the socket goes to the judged address while SNI and
 * the certificate check still use the host name. A throwaway self-signed certificate
 * is made with the system `openssl` for each run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildConnector } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSecureClient } from '../../src/http/index.js';
import type { Connector } from '../../src/http/types.js';
import { scriptedResolver } from './helpers.js';

let folder: string;
let certificate: Buffer;
let server: Server;
let port: number;
const serverNames: Array<string | false | null> = [];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'mc-tls-'));
  const keyFile = join(folder, 'key.pem');
  const certificateFile = join(folder, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certificateFile,
      '-days',
      '1',
      '-subj',
      '/CN=core.test',
      '-addext',
      'subjectAltName=DNS:core.test',
    ],
    { stdio: 'ignore' },
  );
  certificate = readFileSync(certificateFile);

  server = createServer({ key: readFileSync(keyFile), cert: certificate }, (request, response) => {
    serverNames.push((request.socket as import('node:tls').TLSSocket).servername);
    response.setHeader('content-type', 'application/json');
    response.end('{"secure":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(folder, { recursive: true, force: true });
});

/** Trusts only the test certificate and records the addresses it is asked to connect to. */
function trustingConnector(addresses: string[]): Connector {
  const real = buildConnector({ ca: certificate });
  return (options, callback) => {
    addresses.push(options.hostname);
    if (options.hostname !== '127.0.0.1') {
      callback(
        Object.assign(new Error('test connector: loopback only'), { code: 'ECONNREFUSED' }),
        null,
      );
      return;
    }
    real(options, callback);
  };
}

describe('secure client over TLS', () => {
  it('connects to the pinned address and checks the certificate against the name', async () => {
    const addresses: string[] = [];
    const { resolver } = scriptedResolver({ 'core.test': ['127.0.0.1'] });
    const http = createSecureClient({
      coreOrigin: `https://core.test:${port}`,
      correlationId: 'corr-tls',
      resolver,
      connect: trustingConnector(addresses),
    });

    const response = await http.request({ method: 'GET', url: `https://core.test:${port}/` });
    await http.close();

    expect(response.body).toEqual({ secure: true });
    expect(addresses).toEqual(['127.0.0.1']);
    expect(serverNames.at(-1)).toBe('core.test');
  });

  it('fails with the TLS code when the name does not match', async () => {
    const { resolver } = scriptedResolver({ 'other.test': ['127.0.0.1'] });
    const http = createSecureClient({
      coreOrigin: `https://other.test:${port}`,
      correlationId: 'corr-tls',
      resolver,
      connect: trustingConnector([]),
    });

    const error = await http
      .request({ method: 'GET', url: `https://other.test:${port}/` })
      .catch((caught: unknown) => caught);
    await http.close();

    expect(error).toMatchObject({
      code: 'NETWORK_ERROR',
      networkCode: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });
});
