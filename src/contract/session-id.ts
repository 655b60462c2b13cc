/**
 * Session identifiers as MasterClaw Core accepts them: 1 to 64 characters from
 * `[A-Za-z0-9_-]`. The messages and the order of the checks are the Core's, so the
 * client and the embedded Core reject the same ids with the same words.
 */

export const SESSION_ID_MAX_LENGTH = 64;

const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Returns why `id` is not a valid session id, or undefined when it is valid. */
export function sessionIdProblem(id: string): string | undefined {
  if (id.length === 0) {
    return 'Session ID cannot be empty';
  }

  if (id.length > SESSION_ID_MAX_LENGTH) {
    return `Session ID exceeds maximum length of ${SESSION_ID_MAX_LENGTH} characters (got ${id.length})`;
  }

  if (id.includes('..') || id.includes('/') || id.includes('\\')) {
    return 'Session ID cannot contain path traversal sequences';
  }

  if (!SESSION_ID_PATTERN.test(id)) {
    return 'Session ID contains invalid characters. Only alphanumeric characters, hyphens, and underscores are allowed.';
  }

  return undefined;
}

export function isValidSessionId(id: string): boolean {
  return sessionIdProblem(id) === undefined;
}

/** The id as a path segment. Valid ids need no escaping; encoding anyway keeps the rule in one place. */
export function sessionIdPathSegment(id: string): string {
  return encodeURIComponent(id);
}
