/**
 * @module What every operation needs besides its input: the store, the server's region and
 * clock, and the helpers to audit a call.
 */

import type { Store } from '../storage/store.js';

export interface OperationDeps {
  store: Store;
  region: string;
}

/** Marks an error whose audit event was already committed with the call's records. */
const AUDITED = Symbol('audited');

export function markAudited<E extends Error>(error: E): E {
  (error as E & { [AUDITED]?: true })[AUDITED] = true;
  return error;
}

export const isAudited = (error: unknown) =>
  error instanceof Error && (error as Error & { [AUDITED]?: true })[AUDITED] === true;
