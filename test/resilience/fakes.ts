/**
 * Test doubles for time and randomness: a clock whose `sleep` records the delay and
 * advances time at once, and a seeded random source.
 */
import { AbortedError } from '../../src/errors/errors.js';
import type { Clock, Random } from '../../src/util/clock.js';

export const START_TIME = Date.UTC(2026, 0, 15, 12, 0, 0);

export class FakeClock implements Clock {
  time: number;
  readonly sleeps: number[] = [];
  /** When set, `sleep` waits on this instead of returning at once (for abort tests). */
  sleepHook: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;

  constructor(time = START_TIME) {
    this.time = time;
  }

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) {
      throw new AbortedError('Interrupted.', { cause: signal.reason });
    }

    this.sleeps.push(ms);
    if (this.sleepHook !== undefined) {
      await this.sleepHook(ms, signal);
    }
    this.time += Math.max(0, ms);
  }
}

/** Sleeps until `signal` aborts, then rejects like `systemClock.sleep`. */
export function sleepUntilAborted(_ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(new AbortedError('Interrupted.')), {
      once: true,
    });
  });
}

/** Mulberry32: a small deterministic generator of numbers in [0, 1). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;

  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);

    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
