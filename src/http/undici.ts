/**
 * The parts of undici the client uses. undici's main entry also loads fetch,
 * WebSocket, the mock agents and, through the web globals it touches, Node's own
 * bundled copy of undici; for a command that lives a second that costs about 0.1 s and
 * 20 MB (measured on Node 20.20 with undici 7.30). The dispatcher, the connector and
 * `request` are plain CommonJS modules of the same pinned package, typed here with the
 * main entry's types.
 */
import { createRequire } from 'node:module';

import type {
  Agent as UndiciAgent,
  Dispatcher,
  buildConnector as undiciBuildConnector,
} from 'undici';

const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;

export const buildConnector = require('undici/lib/core/connect.js') as typeof undiciBuildConnector;

// The main entry copies `request` onto every dispatcher's prototype; without that entry
// it is called with the dispatcher as `this`, which is all the copy does.
const requestOnDispatcher = require('undici/lib/api/api-request.js') as (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

/** `dispatcher.request(options)` of undici's main entry. */
export function sendRequest(
  dispatcher: Dispatcher,
  options: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return requestOnDispatcher.call(dispatcher, options);
}
