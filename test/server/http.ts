/** A small HTTP helper for the server tests: raw paths (no URL normalisation), JSON bodies. */
import { getGlobalDispatcher } from 'undici';

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export interface CallOptions {
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<TestResponse> {
  const hasJson = options.body !== undefined;
  const response = await getGlobalDispatcher().request({
    origin: baseUrl,
    method: method as 'GET',
    path,
    headers: {
      ...(hasJson ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: hasJson ? JSON.stringify(options.body) : options.rawBody,
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    json: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}
