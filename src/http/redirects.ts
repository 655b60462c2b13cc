/**
 * Redirect handling per RFC 9110 section 15.4: which statuses redirect, which method
 * and body the next request keeps, and which headers must not follow to another origin.
 */
import { RedirectError } from '../errors/errors.js';
import { CREDENTIAL_HEADERS } from './headers.js';
import type { HttpMethod } from './types.js';

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** One request of a redirect chain. */
export interface Hop {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

export function isRedirectStatus(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

function nextMethod(
  method: HttpMethod,
  status: number,
): { method: HttpMethod; keepsBody: boolean } {
  // 303 means "see the result elsewhere": fetch it with GET (HEAD stays HEAD).
  if (status === 303) {
    return { method: method === 'HEAD' ? 'HEAD' : 'GET', keepsBody: false };
  }

  // RFC 9110 allows, and every browser does, turning POST into GET on 301 and 302.
  if ((status === 301 || status === 302) && method === 'POST') {
    return { method: 'GET', keepsBody: false };
  }

  return { method, keepsBody: true };
}

function withoutHeaders(
  headers: Record<string, string>,
  names: ReadonlySet<string>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.has(name)));
}

const BODY_HEADERS: ReadonlySet<string> = new Set(['content-type']);

/**
 * Builds the request that follows a redirect. `visited` contains the method and URL of
 * each hop so far, and a repeat is a loop. Throws `RedirectError` for a missing or invalid
 * `Location`, a downgrade from https to http, a loop, or more than `maxRedirects` hops.
 */
export function followRedirect(
  hop: Hop,
  status: number,
  location: string | undefined,
  visited: Set<string>,
  maxRedirects: number,
): Hop {
  if (location === undefined || location === '') {
    throw new RedirectError(`Redirect ${status} from ${hop.url.origin} has no Location header`);
  }

  let target: URL;
  try {
    target = new URL(location, hop.url);
  } catch {
    throw new RedirectError(`Redirect ${status} from ${hop.url.origin} has an invalid Location`);
  }

  if (hop.url.protocol === 'https:' && target.protocol === 'http:') {
    throw new RedirectError(
      `Redirect from ${hop.url.origin} to plain http rejected (https downgrade)`,
    );
  }

  if (visited.size > maxRedirects) {
    throw new RedirectError(`More than ${maxRedirects} redirects, last from ${hop.url.origin}`);
  }

  const { method, keepsBody } = nextMethod(hop.method, status);
  const key = `${method} ${target.href}`;
  if (visited.has(key)) {
    throw new RedirectError(
      `Redirect loop: ${method} ${target.origin}${target.pathname} was already requested`,
    );
  }
  visited.add(key);

  let headers = keepsBody ? hop.headers : withoutHeaders(hop.headers, BODY_HEADERS);
  if (target.origin !== hop.url.origin) {
    headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
  }

  return { method, url: target, headers, body: keepsBody ? hop.body : undefined };
}

/** Returns the key `followRedirect` expects in `visited` for the first hop. */
export function hopKey(hop: Hop): string {
  return `${hop.method} ${hop.url.href}`;
}
