/**
 * The Core's rate limit: at most `max` requests per client address in any sliding
 * window of `windowMs`, counting every request that was let through, failed ones included.
 */
import type { Clock } from '../util/clock.js';

export interface RateLimitOptions {
  /** Requests allowed per client in one window; the deployed Core allows 60. */
  max: number;
  /** Window length in milliseconds; the deployed Core uses 60,000. */
  windowMs: number;
}

/** The Core's own limit, for a caller that wants to reproduce it. */
export const CORE_RATE_LIMIT: RateLimitOptions = { max: 60, windowMs: 60_000 };

/** Above this many tracked clients, those with no request in the window are forgotten. */
const PRUNE_THRESHOLD = 1_000;

export interface RateLimitDecision {
  allowed: boolean;
  remaining: number;
  /** Epoch milliseconds at which the oldest counted request leaves the window. */
  resetAt: number;
  /** Milliseconds until one more request would be allowed; 0 when allowed. */
  retryAfterMs: number;
}

export class SlidingWindowRateLimiter {
  private readonly requests = new Map<string, number[]>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly clock: Clock,
  ) {}

  get limit(): number {
    return this.options.max;
  }

  get windowMs(): number {
    return this.options.windowMs;
  }

  /** Counts a request from `client` when the window has room, and returns the decision. */
  take(client: string): RateLimitDecision {
    const now = this.clock.now();
    const recent = this.recentRequests(client, now);

    if (recent.length >= this.options.max) {
      const resetAt = (recent[0] as number) + this.options.windowMs;
      return { allowed: false, remaining: 0, resetAt, retryAfterMs: resetAt - now };
    }

    recent.push(now);
    this.requests.set(client, recent);
    const resetAt = (recent[0] as number) + this.options.windowMs;
    return { allowed: true, remaining: this.options.max - recent.length, resetAt, retryAfterMs: 0 };
  }

  private recentRequests(client: string, now: number): number[] {
    if (this.requests.size > PRUNE_THRESHOLD) {
      this.prune(now);
    }

    const windowStart = now - this.options.windowMs;
    return (this.requests.get(client) ?? []).filter((time) => time > windowStart);
  }

  private prune(now: number): void {
    const windowStart = now - this.options.windowMs;
    for (const [client, times] of this.requests) {
      if (times.every((time) => time <= windowStart)) {
        this.requests.delete(client);
      }
    }
  }
}
