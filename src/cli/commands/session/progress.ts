/**
 * A progress bar on stderr for long runs, drawn only on a terminal and at most a few
 * times a second; elsewhere it prints nothing, so logs stay clean.
 */
import type { CommandIO } from '../../io.js';

const BAR_WIDTH = 30;
const REDRAW_INTERVAL_MS = 100;

export interface Progress {
  advance(count: number): void;
  stop(): void;
}

export function createProgress(io: CommandIO, total: number): Progress {
  if (!io.stderrIsTTY || total === 0) {
    return { advance: () => undefined, stop: () => undefined };
  }

  let done = 0;
  let lastDrawn = 0;
  const draw = () => {
    const filled = Math.round((done / total) * BAR_WIDTH);
    io.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`);
  };

  return {
    advance(count) {
      done = Math.min(total, done + count);
      const now = io.clock.now();
      if (now - lastDrawn >= REDRAW_INTERVAL_MS || done === total) {
        lastDrawn = now;
        draw();
      }
    },
    stop() {
      // The bar clears itself: the result line that follows reports how far the run got.
      io.stderr.write('\r\u001b[K');
    },
  };
}
