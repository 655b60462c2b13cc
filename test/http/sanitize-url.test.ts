import { describe, expect, it } from 'vitest';

import { sanitizeUrlForLog } from '../../src/http/sanitize-url.js';

describe('sanitizeUrlForLog', () => {
  it('removes userinfo', () => {
    expect(sanitizeUrlForLog('https://alice:hunter2@core.test/x')).toBe('https://core.test/x');
  });

  it.each([
    'key',
    'api_key',
    'apikey',
    'API-KEY',
    'token',
    'access_token',
    'refresh_token',
    'secret',
    'client_secret',
    'password',
    'passwd',
    'pwd',
    'auth',
    'authorization',
    'signature',
    'sig',
    'X-Amz-Credential',
    'session_id',
  ])('masks the %s parameter', (name) => {
    const sanitized = sanitizeUrlForLog(`https://core.test/x?${name}=s3cr3t&page=2`);

    expect(sanitized).not.toContain('s3cr3t');
    expect(sanitized).toContain('page=2');
  });

  it('keeps ordinary parameters', () => {
    expect(sanitizeUrlForLog('http://127.0.0.1:8080/sessions?limit=10&offset=20')).toBe(
      'http://127.0.0.1:8080/sessions?limit=10&offset=20',
    );
  });

  it('masks every repeat of a secret parameter', () => {
    const sanitized = sanitizeUrlForLog('http://core.test/?token=a1&token=b2');

    expect(sanitized).not.toContain('a1');
    expect(sanitized).not.toContain('b2');
  });

  it('drops the fragment', () => {
    expect(sanitizeUrlForLog('http://core.test/cb#access_token=s3cr3t')).toBe(
      'http://core.test/cb',
    );
  });

  it('does not echo text that is not a URL', () => {
    expect(sanitizeUrlForLog('not a url with s3cr3t')).toBe('[invalid URL]');
  });
});
