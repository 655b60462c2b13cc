/** URLs made safe for logs and request records. */

const MASK = '***';

// Query parameter names whose values look like credentials. A name matches when it
// equals one of the exact names, or contains one of the fragments after lower-casing.
const SECRET_PARAMETER_NAMES: ReadonlySet<string> = new Set([
  'sig',
  'pwd',
  'pass',
  'code',
  'jwt',
  'otp',
]);
const SECRET_PARAMETER_FRAGMENTS = [
  'key',
  'token',
  'secret',
  'password',
  'passwd',
  'auth',
  'signature',
  'credential',
  'session',
];

function isSecretParameter(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    SECRET_PARAMETER_NAMES.has(lower) ||
    SECRET_PARAMETER_FRAGMENTS.some((fragment) => lower.includes(fragment))
  );
}

/**
 * Returns `rawUrl` without userinfo and fragment, with the values of secret-looking
 * query parameters (`api_key`, `token`, `signature`, `X-Amz-Credential`...) replaced
 * by `***`. Text that is not a URL comes back as `[invalid URL]`, since it may
 * itself hold a secret.
 */
export function sanitizeUrlForLog(rawUrl: string | URL): string {
  const hasNothingToHide = (candidate: URL): boolean =>
    candidate.username === '' &&
    candidate.password === '' &&
    candidate.search === '' &&
    candidate.hash === '';
  if (rawUrl instanceof URL && hasNothingToHide(rawUrl)) {
    return rawUrl.href;
  }

  // Parsed again even when given a URL, so the caller's object is never modified.
  let url: URL;
  try {
    url = new URL(rawUrl.toString());
  } catch {
    return '[invalid URL]';
  }

  if (hasNothingToHide(url)) {
    return url.href;
  }

  url.username = '';
  url.password = '';
  url.hash = '';

  const masked = new URLSearchParams();
  for (const [name, value] of url.searchParams) {
    masked.append(name, isSecretParameter(name) ? MASK : value);
  }
  url.search = masked.toString();

  return url.href;
}
