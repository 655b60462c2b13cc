import { describe, expect, it } from 'vitest';

import { hasCode } from '../../src/errors/errors.js';
import { followRedirect, hopKey, type Hop } from '../../src/http/redirects.js';

function hop(url: string, method: Hop['method'] = 'POST'): Hop {
  return {
    method,
    url: new URL(url),
    headers: {
      'x-api-key': 'k',
      authorization: 'a',
      cookie: 'c',
      'content-type': 'application/json',
      accept: 'x',
    },
    body: '{"a":1}',
  };
}

function attempt(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }

  return undefined;
}

describe('followRedirect', () => {
  it('rejects a downgrade from https to http', () => {
    const first = hop('https://core.test/a');
    const error = attempt(() =>
      followRedirect(first, 307, 'http://core.test/b', new Set([hopKey(first)]), 5),
    );

    expect(hasCode(error, 'REDIRECT_FAILED')).toBe(true);
  });

  it('rejects an unparsable Location', () => {
    const first = hop('http://core.test/a');
    const error = attempt(() =>
      followRedirect(first, 302, 'http://[::1', new Set([hopKey(first)]), 5),
    );

    expect(hasCode(error, 'REDIRECT_FAILED')).toBe(true);
  });

  it('follows no redirect when the maximum is zero', () => {
    const first = hop('http://core.test/a');
    const error = attempt(() => followRedirect(first, 302, '/b', new Set([hopKey(first)]), 0));

    expect(hasCode(error, 'REDIRECT_FAILED')).toBe(true);
  });

  it('drops credentials when only the port changes', () => {
    const first = hop('http://core.test:8080/a', 'GET');
    const next = followRedirect(first, 307, 'http://core.test:8081/b', new Set([hopKey(first)]), 5);

    expect(next.headers).toEqual({ 'content-type': 'application/json', accept: 'x' });
  });

  it('drops credentials when the scheme changes', () => {
    const first = hop('http://core.test/a', 'GET');
    const next = followRedirect(first, 308, 'https://core.test/a', new Set([hopKey(first)]), 5);

    expect(next.headers['x-api-key']).toBeUndefined();
    expect(next.url.href).toBe('https://core.test/a');
  });

  it('drops the body and its content type on 303', () => {
    const first = hop('http://core.test/a');
    const next = followRedirect(first, 303, '/b', new Set([hopKey(first)]), 5);

    expect(next).toMatchObject({ method: 'GET', body: undefined });
    expect(next.headers['content-type']).toBeUndefined();
    expect(next.headers['x-api-key']).toBe('k');
  });

  it('keeps HEAD on 303', () => {
    const first = hop('http://core.test/a', 'HEAD');
    const next = followRedirect(first, 303, '/b', new Set([hopKey(first)]), 5);

    expect(next.method).toBe('HEAD');
  });
});
