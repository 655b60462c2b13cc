/**
 * Judges the destination of a URL: scheme, userinfo, host name, and every address the
 * host resolves to. The result names the one address the client may connect to, which
 * the connector then pins, so a second DNS answer can never replace it.
 */
import { NetworkError, SsrfViolationError } from '../../errors/errors.js';
import { resolveWithTimeout } from '../resolve.js';
import type { ResolvedAddress, Resolver } from '../types.js';
import {
  isMetadataHostName,
  judgeAddress,
  normaliseHostName,
  type DenyVerdict,
  type EgressPolicy,
} from './policy.js';

export type UrlDenyVerdict = DenyVerdict | 'deny:invalid-url' | 'deny:scheme' | 'deny:userinfo';

export type DestinationVerdict =
  | {
      allowed: true;
      verdict: 'allow';
      host: string;
      address: string;
      family: 4 | 6;
      reason: string;
    }
  | { allowed: false; verdict: UrlDenyVerdict; host: string; address?: string; reason: string };

const ALLOWED_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);

function judgeUrlShape(url: URL): DestinationVerdict | undefined {
  const host = normaliseHostName(url.hostname);

  if (!ALLOWED_PROTOCOLS.has(url.protocol)) {
    return {
      allowed: false,
      verdict: 'deny:scheme',
      host,
      reason: `scheme ${url.protocol} is not http: or https:`,
    };
  }

  // Credentials in a URL would be sent to the URL's host and end up in logs.
  if (url.username !== '' || url.password !== '') {
    return {
      allowed: false,
      verdict: 'deny:userinfo',
      host,
      reason: 'URL contains credentials (userinfo)',
    };
  }

  if (host === '') {
    return { allowed: false, verdict: 'deny:invalid-url', host, reason: 'URL has no host' };
  }

  if (isMetadataHostName(host)) {
    return {
      allowed: false,
      verdict: 'deny:metadata-name',
      host,
      reason: 'cloud metadata host name',
    };
  }

  return undefined;
}

/** The first step of judging a URL: a verdict already, or a host name that needs DNS. */
export type HostJudgement = { verdict: DestinationVerdict } | { resolve: string };

/**
 * Judges everything that needs no DNS: the URL's shape, metadata names and IP literals.
 * The WHATWG parser already rewrote every IPv4 spelling (octal, hex, short forms) to
 * dotted decimal, so a literal is recognised here and never sent to DNS.
 */
export function judgeWithoutDns(url: URL, policy: EgressPolicy): HostJudgement {
  const shapeVerdict = judgeUrlShape(url);
  if (shapeVerdict !== undefined) {
    return { verdict: shapeVerdict };
  }

  const host = normaliseHostName(url.hostname);
  const family = ipLiteralFamily(host);
  if (family === undefined) {
    return { resolve: host };
  }

  return { verdict: judgeAnswers(host, [{ address: host, family }], policy) };
}

// After WHATWG parsing, an IPv6 host is the only kind with a colon, and an IPv4 host is
// always four dotted decimals: a name spelled like that would have parsed as IPv4.
// The address itself is checked by `judgeAddress`, whose verdicts are cached.
const DOTTED_DECIMAL = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function ipLiteralFamily(host: string): 4 | 6 | undefined {
  if (host.includes(':')) {
    return 6;
  }

  return DOTTED_DECIMAL.test(host) ? 4 : undefined;
}

/** Judges every DNS answer; the first one that passes is the only one ever connected to. */
export function judgeAnswers(
  host: string,
  answers: ResolvedAddress[],
  policy: EgressPolicy,
): DestinationVerdict {
  let firstRefusal: DestinationVerdict | undefined;

  for (const answer of answers) {
    const verdict = judgeAddress(answer.address, policy);
    if (verdict.allowed) {
      return {
        allowed: true,
        verdict: 'allow',
        host,
        address: answer.address,
        family: answer.family,
        reason: verdict.reason,
      };
    }

    firstRefusal ??= {
      allowed: false,
      verdict: verdict.verdict,
      host,
      address: answer.address,
      reason: verdict.reason,
    };
  }

  return (
    firstRefusal ?? {
      allowed: false,
      verdict: 'deny:invalid',
      host,
      reason: 'DNS returned no address',
    }
  );
}

/** Resolves `host`, turning resolver failures into `NetworkError` with the system code. */
export async function resolveHost(host: string, resolver: Resolver): Promise<ResolvedAddress[]> {
  let answers: ResolvedAddress[];
  try {
    answers = await resolveWithTimeout(resolver, host);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const networkCode = typeof code === 'string' ? code : 'ENOTFOUND';
    throw new NetworkError(networkCode, `DNS lookup of ${host} failed (${networkCode})`, {
      cause: { name: (error as Error).name, code: networkCode, message: (error as Error).message },
    });
  }

  if (answers.length === 0) {
    throw new NetworkError('ENOTFOUND', `DNS lookup of ${host} returned no address`);
  }

  return answers;
}

/**
 * Judges `rawUrl` under `policy`, resolving its host through `resolver`. Returns a verdict
 * and never throws for a refusal; DNS failures throw `NetworkError`.
 */
export async function evaluateDestination(
  rawUrl: string | URL,
  policy: EgressPolicy,
  resolver: Resolver,
): Promise<DestinationVerdict> {
  let url: URL;
  try {
    url = typeof rawUrl === 'string' ? new URL(rawUrl) : rawUrl;
  } catch {
    return {
      allowed: false,
      verdict: 'deny:invalid-url',
      host: '',
      reason: 'not a valid absolute URL',
    };
  }

  const judgement = judgeWithoutDns(url, policy);
  if ('verdict' in judgement) {
    return judgement.verdict;
  }

  return judgeAnswers(judgement.resolve, await resolveHost(judgement.resolve, resolver), policy);
}

export interface PinnedDestination {
  host: string;
  address: string;
  family: 4 | 6;
}

/** Returns the destination to pin, or throws `SsrfViolationError` for a refusal. */
export function requireAllowed(verdict: DestinationVerdict): PinnedDestination {
  if (!verdict.allowed) {
    throw new SsrfViolationError(
      verdict.host,
      verdict.address,
      `${verdict.verdict} (${verdict.reason})`,
    );
  }

  return { host: verdict.host, address: verdict.address, family: verdict.family };
}
