/**
 * The runtime every command's action gets from `main`: the IO, the home folder, the global
 * flags, and a place to leave facts for the failure report.
 */
import type { FailureContext } from '../failure.js';
import type { CommandIO } from '../io.js';
import type { GlobalFlags } from '../settings.js';

export interface CommandRuntime {
  home(): string;
  globalFlags(): GlobalFlags;
  io(): CommandIO;
  /** Filled in while a command runs (attempts, correlation id) so `--verbose` can show them. */
  failureContext: FailureContext;
}
