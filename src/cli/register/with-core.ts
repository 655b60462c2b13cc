/**
 * Runs a command that talks to the Core: settings, correlation ID and call chain are
 * built only after the command's own options were checked, so bad input sends nothing.
 */
import type { RetryPolicy } from '../../resilience/retry-policy.js';
import type { CommandContext } from '../context.js';
import type { CommandIO } from '../io.js';
import type { Settings } from '../settings.js';
import type { CommandRuntime } from './runtime.js';

export interface CoreCommandOptions {
  retryPolicy?: Partial<RetryPolicy>;
  sharedRetryBudget?: boolean;
}

export async function withCore(
  runtime: CommandRuntime,
  work: (context: CommandContext, io: CommandIO, settings: Settings) => Promise<void>,
  options: CoreCommandOptions = {},
): Promise<void> {
  const io = runtime.io();
  const [{ resolveSettings }, { createCommandContext }, { createCorrelationId }] =
    await Promise.all([
      import('../settings.js'),
      import('../context.js'),
      import('../../util/correlation-id.js'),
    ]);

  const settings = resolveSettings(runtime.home(), runtime.globalFlags(), io.env);
  const correlationId = createCorrelationId({ env: io.env, clock: io.clock });
  runtime.failureContext.correlationId = correlationId;

  const context = createCommandContext({
    settings,
    io,
    correlationId,
    retryPolicy: options.retryPolicy,
    sharedRetryBudget: options.sharedRetryBudget,
  });
  try {
    await work(context, io, settings);
  } finally {
    runtime.failureContext.attempts = context.trace.attempts;
    await context.close();
  }
}
