/**
 * Time as the rest of the code sees it. Tests inject their own clock; nothing outside
 * this file reads `Date.now()` or starts a timer for a wait.
 */
import { setTimeout as delay } from 'node:timers/promises';

import { AbortedError } from '../errors/errors.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`; rejects with `AbortedError` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A source of uniform numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

export const systemClock: Clock = {
  now: () => Date.now(),
  async sleep(ms, signal) {
    try {
      await delay(Math.max(0, ms), undefined, signal === undefined ? undefined : { signal });
    } catch (error) {
      if (signal?.aborted === true) {
        throw new AbortedError('Interrupted.', { cause: signal.reason });
      }
      throw error;
    }
  },
};
