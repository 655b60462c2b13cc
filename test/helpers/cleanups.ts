/**
 * Clean-up actions for the tests of one file: each test registers what it started
 * (servers, homes), and everything runs, newest first, after the test ends.
 */
import { afterEach } from 'vitest';

import { createMcHome } from './mc-process.js';

export interface Cleanups {
  push(action: () => Promise<void> | void): void;
  /** Returns a fresh `MASTERCLAW_HOME`, removed after the test. */
  freshHome(): string;
}

/** Call once at the top of a test file. */
export function useCleanups(): Cleanups {
  const actions: Array<() => Promise<void> | void> = [];

  afterEach(async () => {
    for (const action of actions.splice(0).reverse()) {
      await action();
    }
  });

  return {
    push: (action) => {
      actions.push(action);
    },
    freshHome: () => {
      const { home, remove } = createMcHome();
      actions.push(remove);
      return home;
    },
  };
}
