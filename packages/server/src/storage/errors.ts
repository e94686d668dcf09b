/**
 * @module The errors of the store contract, raised by every backend alike.
 */

/** A store failure worth retrying (a busy database, a lost connection): nothing was written. */
export class TransientStoreError extends Error {
  override readonly name = 'TransientStoreError';
}
