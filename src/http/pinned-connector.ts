/**
 * The connector that makes DNS pinning hold. When undici requests a socket to a host name,
 * it connects to the address the guard judged for that name and never resolves it again.
 */
import { buildConnector } from './undici.js';

import { SsrfViolationError } from '../errors/errors.js';
import { judgeAddress, normaliseHostName, type EgressPolicy } from './ssrf/policy.js';
import type { Connector } from './types.js';

/**
 * Judged addresses by normalised host name, for one egress policy. NOTE: concurrent
 * requests to one host share its pin, so a socket may go to the address another request
 * judged; both were judged under the same policy, but a record may name the other address.
 */
export type AddressPins = Map<string, string>;

/**
 * Wraps `connect` so it always receives a pinned, judged address as `hostname`. The host
 * name itself still travels in `host` and `servername`, so TLS checks the certificate
 * against the name. A host with no pin, or a pin the policy refuses, gets no socket.
 */
export function createPinnedConnector(
  policy: EgressPolicy,
  pins: AddressPins,
  connect: Connector,
): Connector {
  return (options, callback) => {
    const host = normaliseHostName(options.hostname);
    const address = pins.get(host);
    if (address === undefined) {
      callback(new SsrfViolationError(host, undefined, 'no judged address for this host'), null);
      return;
    }

    // Checked again here so no code path can hand undici an address the guard never saw.
    const verdict = judgeAddress(address, policy);
    if (!verdict.allowed) {
      callback(
        new SsrfViolationError(host, address, `${verdict.verdict} (${verdict.reason})`),
        null,
      );
      return;
    }

    connect({ ...options, hostname: address }, callback);
  };
}

/** undici's own connector, the default socket opener. */
export function createDefaultConnector(): Connector {
  return buildConnector({});
}
