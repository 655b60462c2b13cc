/**
 * The single deadline of one `request()` call, merged with the caller's signal. It is
 * an EventEmitter with `aborted` and `reason`, a signal shape undici accepts
 * (`Dispatcher.request`, option `signal`), and far cheaper per request than creating an
 * AbortController and listening on an EventTarget.
 */
import { EventEmitter } from 'node:events';

import { AbortedError, TimeoutError, type McError } from '../errors/errors.js';
import { reduceError } from './failures.js';

export class Deadline extends EventEmitter {
  aborted = false;
  /** `TimeoutError` or `AbortedError` once aborted; undici rejects the request with it. */
  reason: McError | undefined;

  readonly #timer: NodeJS.Timeout;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort = (): void => {
    this.#abort(
      new AbortedError('Request aborted.', { cause: reduceError(this.#callerSignal?.reason) }),
    );
  };

  constructor(timeoutMs: number, callerSignal: AbortSignal | undefined) {
    super();

    // unref'd, so a pending request never keeps the process alive on its own.
    this.#timer = setTimeout(() => this.#abort(new TimeoutError(timeoutMs)), timeoutMs);
    this.#timer.unref();

    this.#callerSignal = callerSignal;
    if (callerSignal?.aborted === true) {
      this.#onCallerAbort();
    } else {
      callerSignal?.addEventListener('abort', this.#onCallerAbort, { once: true });
    }
  }

  /** Resolves with `work`, or rejects with the reason as soon as the deadline aborts (for steps undici does not run, like DNS). */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.aborted) {
      return Promise.reject(this.reason);
    }

    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(this.reason);
      this.once('abort', onAbort);
      work.then(resolve, reject).finally(() => this.off('abort', onAbort));
    });
  }

  /** Stops the timer and the caller-signal listener. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
  }

  #abort(reason: McError): void {
    if (this.aborted) {
      return;
    }

    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}
