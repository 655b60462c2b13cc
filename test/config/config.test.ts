import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadConfig, maskSecret, setConfigValue } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors/errors.js';

function configFile(content?: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mc-config-')), 'config.json');
  if (content !== undefined) {
    writeFileSync(file, content);
  }
  return file;
}

describe('loadConfig', () => {
  it('returns empty sections when the file is missing', () => {
    expect(loadConfig(configFile())).toEqual({ core: {}, cleanup: {} });
  });

  it('reports invalid JSON with the path', () => {
    const file = configFile('{"core": ');
    expect(() => loadConfig(file)).toThrow(/not valid JSON/);
    expect(() => loadConfig(file)).toThrow(expect.objectContaining({ path: file }));
  });

  it('reports a schema problem with the key', () => {
    const file = configFile('{"core": {"url": "ftp://example.test"}}');
    expect(() => loadConfig(file)).toThrow(/core\.url/);
  });

  it('rejects __proto__ keys', () => {
    const file = configFile('{"core": {"__proto__": {"polluted": true}}}');
    expect(() => loadConfig(file)).toThrow(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects unknown keys', () => {
    expect(() => loadConfig(configFile('{"core": {"urll": "http://127.0.0.1:1"}}'))).toThrow(
      ConfigError,
    );
  });

  it('rejects a URL it cannot parse', () => {
    for (const url of ['not a url', 'http://', 'http://[::1']) {
      const file = configFile(JSON.stringify({ core: { url } }));
      expect(() => loadConfig(file)).toThrow(ConfigError);
      expect(() => loadConfig(file)).toThrow(/absolute http: or https: URL/);
    }
  });

  it('rejects a file over the size limit', () => {
    const file = configFile(`{"core": {}, "padding": "${'x'.repeat(1_100_000)}"}`);
    expect(() => loadConfig(file)).toThrow(/larger than/);
  });

  it('rejects a URL with credentials', () => {
    expect(() =>
      loadConfig(configFile('{"core": {"url": "http://user:pw@127.0.0.1:8000"}}')),
    ).toThrow(/user name or password/);
  });
});

describe('setConfigValue', () => {
  it('writes a checked value with mode 0600', () => {
    const file = configFile();
    setConfigValue(file, 'core.url', 'http://127.0.0.1:9000');
    expect(loadConfig(file).core.url).toBe('http://127.0.0.1:9000');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('parses integers and id lists', () => {
    const file = configFile();
    setConfigValue(file, 'core.timeoutSeconds', '30');
    setConfigValue(file, 'cleanup.keep', 'alpha, beta');
    const config = loadConfig(file);
    expect(config.core.timeoutSeconds).toBe(30);
    expect(config.cleanup.keep).toEqual(['alpha', 'beta']);
  });

  it('set leaves a file with a bad URL alone', () => {
    const file = configFile('{"core": {"url": "nope"}}');
    expect(() => setConfigValue(file, 'core.url', 'http://127.0.0.1:9000')).toThrow(ConfigError);
    expect(readFileSync(file, 'utf8')).toBe('{"core": {"url": "nope"}}');
  });

  it('says integer for a fractional timeout', () => {
    expect(() => setConfigValue(configFile(), 'core.timeoutSeconds', '1.5')).toThrow(/int/i);
  });

  it('leaves the file unchanged on a bad value', () => {
    const file = configFile('{"core": {"url": "http://127.0.0.1:8000"}}');
    const before = readFileSync(file, 'utf8');
    expect(() => setConfigValue(file, 'core.timeoutSeconds', '0')).toThrow(ConfigError);
    expect(() => setConfigValue(file, 'core.timeoutSeconds', 'NaN')).toThrow(ConfigError);
    expect(() => setConfigValue(file, 'cleanup.keep', '../etc')).toThrow(ConfigError);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('never overwrites a corrupt file', () => {
    const file = configFile('{not json');
    expect(() => setConfigValue(file, 'core.url', 'http://127.0.0.1:9000')).toThrow(
      /not valid JSON/,
    );
    expect(readFileSync(file, 'utf8')).toBe('{not json');
  });

  it('rejects unknown and prototype keys', () => {
    const file = configFile();
    expect(() => setConfigValue(file, 'core.nope', 'x')).toThrow(/Unknown configuration key/);
    expect(() => setConfigValue(file, '__proto__', 'x')).toThrow(/Unknown configuration key/);
  });

  it('removes a key when given no value', () => {
    const file = configFile('{"core": {"url": "http://127.0.0.1:8000"}}');
    setConfigValue(file, 'core.url', undefined);
    expect(loadConfig(file).core.url).toBeUndefined();
  });
});

describe('maskSecret', () => {
  it('shows no character of the secret', () => {
    const masked = maskSecret('s3cr3t-key');
    expect(masked).not.toMatch(/s3cr|key/);
    expect(masked).toContain('10');
  });
});
