/**
 * Loopback servers, a scripted resolver and a recording connector for the HTTP client
 * tests. The connector opens real sockets only to 127.0.0.1 or ::1; every other address
 * is recorded and refused, so a broken guard shows up as a recorded attempt, never as
 * a packet leaving the machine.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { buildConnector } from 'undici';

import type { Connector, ResolvedAddress, Resolver } from '../../src/http/types.js';

export interface TestServer {
  origin: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function startServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  host = '127.0.0.1',
): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;

  return {
    origin,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads a request body as text. */
export async function readRequestBody(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) {
    text += (chunk as Buffer).toString('utf8');
  }

  return text;
}

export interface ScriptedResolver {
  resolver: Resolver;
  /** Host names asked for, in order. */
  queries: string[];
}

/**
 * Creates a resolver that returns addresses from `answers`. A list of lists is played in order, one list per
 * query, the last one repeating; an unknown name fails with `ENOTFOUND`.
 */
export function scriptedResolver(answers: Record<string, string[] | string[][]>): ScriptedResolver {
  const queries: string[] = [];
  const counts = new Map<string, number>();

  const resolver: Resolver = async (hostname) => {
    queries.push(hostname);
    const script = answers[hostname];
    if (script === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }

    const count = counts.get(hostname) ?? 0;
    counts.set(hostname, count + 1);
    const sequence = Array.isArray(script[0]) ? (script as string[][]) : [script as string[]];
    const addresses = sequence[Math.min(count, sequence.length - 1)]!;
    return addresses.map((address): ResolvedAddress => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
  };

  return { resolver, queries };
}

export interface ConnectAttempt {
  /** Address the client asked to connect to. */
  address: string;
  port: number;
  /** Whether a real loopback socket was opened. */
  connected: boolean;
}

export interface RecordingConnector {
  connect: Connector;
  attempts: ConnectAttempt[];
}

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1']);

/**
 * A connector that records every attempt. Loopback addresses are connected for real;
 * an address listed in `loopbackStandIns` (a public address a test pretends to reach)
 * is connected to 127.0.0.1 on the same port; everything else fails with `ECONNREFUSED`.
 */
export function recordingConnector(loopbackStandIns: string[] = []): RecordingConnector {
  const attempts: ConnectAttempt[] = [];
  const real = buildConnector({});
  const standIns = new Set(loopbackStandIns);

  const connect: Connector = (options, callback) => {
    const address = options.hostname;
    const port = Number(options.port);
    const target = LOOPBACK_ADDRESSES.has(address)
      ? address
      : standIns.has(address)
        ? '127.0.0.1'
        : undefined;
    attempts.push({ address, port, connected: target !== undefined });

    if (target === undefined) {
      callback(
        Object.assign(new Error(`connect ECONNREFUSED ${address}:${port} (test connector)`), {
          code: 'ECONNREFUSED',
        }),
        null,
      );
      return;
    }

    real({ ...options, hostname: target }, callback);
  };

  return { connect, attempts };
}

/** Returns a port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
