import { Agent } from 'undici';

import { AbortedError, NetworkError, TimeoutError } from '../errors/errors.js';
import { systemClock } from '../util/clock.js';
import { CORRELATION_ID_HEADER, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, MIN_TIMEOUT_MS } from './defaults.js';
import type { HttpRequest, HttpResponse, SecureClient, SecureClientOptions } from './types.js';

function clampTimeout(ms: number): number {
  return Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, ms));
}

/** Creates the client every outbound request of `mc` goes through. */
export function createSecureClient(options: SecureClientOptions): SecureClient {
  const clock = options.clock ?? systemClock;
  const agent = new Agent({ keepAliveTimeout: 4_000 });

  async function request(req: HttpRequest): Promise<HttpResponse> {
    const started = clock.now();
    const timeoutMs = clampTimeout(req.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    timer.unref();
    const signal = req.signal === undefined ? deadline.signal : AbortSignal.any([deadline.signal, req.signal]);

    const headers: Record<string, string> = {
      ...req.headers,
      [CORRELATION_ID_HEADER]: req.correlationId ?? options.correlationId,
    };
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }

    try {
      const url = new URL(req.url);
      const res = await agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: req.method,
        headers,
        body,
        signal,
      });
      const text = await res.body.text();
      const responseHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return {
        status: res.statusCode,
        headers: responseHeaders,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
        text,
        url: url.href,
        durationMs: clock.now() - started,
      };
    } catch (error) {
      if (deadline.signal.aborted) throw new TimeoutError(timeoutMs);
      if (req.signal?.aborted === true) throw new AbortedError();
      const code = (error as { code?: string }).code ?? 'UNKNOWN';
      throw new NetworkError(code, `Request failed: ${code}`);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    request,
    close: () => agent.destroy(),
  };
}
