export { createSecureClient } from './client.js';
export type * from './types.js';
