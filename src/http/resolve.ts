/** DNS resolution for the egress guard: every address of a name, within a deadline. */
import { lookup } from 'node:dns/promises';

import { DNS_TIMEOUT_MS } from './defaults.js';
import type { ResolvedAddress, Resolver } from './types.js';

class DnsTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(hostname: string) {
    super(`DNS lookup of ${hostname} timed out after ${DNS_TIMEOUT_MS} ms`);
    this.name = 'DnsTimeoutError';
  }
}

/**
 * Resolves through the operating system (`getaddrinfo`, so `/etc/hosts` and
 * `localhost` work as everywhere else), returning all addresses in system order.
 */
export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer): ResolvedAddress => ({
    address: answer.address,
    family: answer.family === 6 ? 6 : 4,
  }));
};

/**
 * Runs `resolver` with the DNS deadline. NOTE: `getaddrinfo` cannot be cancelled, so a
 * lookup that times out keeps its libuv worker thread until the system gives up.
 */
export async function resolveWithTimeout(
  resolver: Resolver,
  hostname: string,
): Promise<ResolvedAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DnsTimeoutError(hostname)), DNS_TIMEOUT_MS);
    timer.unref();
  });

  try {
    return await Promise.race([resolver(hostname), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
