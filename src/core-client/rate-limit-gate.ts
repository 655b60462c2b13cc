/**
 * Keeps a command under the Core's rate limit instead of running into it. The Core
 * sends `X-RateLimit-Remaining` and `X-RateLimit-Reset` (epoch seconds) on its
 * responses; once no request is left in the window, the next call waits for the reset.
 * A 429 is still possible (other clients share the limit) and is handled by retry.
 */
import type { Clock } from '../util/clock.js';

/** Maximum wait the gate imposes: the Core's window is 60 s, so more means a wrong header. */
const MAX_GATE_WAIT_MS = 65_000;

/** Values this large are epoch seconds; smaller ones are read as seconds from now. */
const EPOCH_SECONDS_THRESHOLD = 1_000_000_000;

export class RateLimitGate {
  readonly #clock: Clock;
  #resumeAt = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Reads the rate-limit headers of a response (names in lower case). */
  observe(headers: Record<string, string>): void {
    const remaining = Number(headers['x-ratelimit-remaining']);
    const reset = Number(headers['x-ratelimit-reset']);
    if (!Number.isInteger(remaining) || remaining > 0 || !Number.isFinite(reset) || reset <= 0) {
      return;
    }

    const now = this.#clock.now();
    const resetAt = reset >= EPOCH_SECONDS_THRESHOLD ? reset * 1000 : now + reset * 1000;
    this.#resumeAt = Math.min(resetAt, now + MAX_GATE_WAIT_MS);
  }

  /** Waits until the window has room again; returns at once when it has. */
  async pass(signal?: AbortSignal): Promise<void> {
    const waitMs = this.#resumeAt - this.#clock.now();
    if (waitMs > 0) {
      await this.#clock.sleep(waitMs, signal);
    }
  }
}
