/**
 * @module What every operation needs besides its input: the store and the server's region, and
 * the recorder through which the dispatcher commits the call's audit event with its writes.
 */

import type { AwsError } from '../protocol/errors.js';
import type { Store, UsageOutcome, UsageRecordRow } from '../storage/store.js';

export interface OperationDeps {
  store: Store;
  region: string;
}

/** A settled answer: the call's output, or the error it is answered with. */
export type Answer<T> = { output: T } | { error: AwsError };

/**
 * The dispatcher's side of one call, handed to its operation. An operation whose answer must
 * be durable together with what it writes (so that no acknowledged call lacks its audit event)
 * writes through here; every other call is audited by the dispatcher once it is answered.
 */
export interface CallRecorder<T> {
  /**
   * Inserts usage records (see `Store.recordUsage`); `settle` decides the answer from the
   * outcomes, and the call's audit event, of that answer, commits with the records. `request`
   * is what the event records as the request when it is not the validated input.
   */
  recordUsage<A extends Answer<T>>(
    records: UsageRecordRow[],
    settle: (outcomes: UsageOutcome[]) => A,
    request?: unknown,
  ): Promise<A>;
  /** Records a task's first registration; the call's event, answered `output`, commits with it. */
  registerTask(accessKeyId: string, productCode: string, at: Date, output: T): Promise<void>;
  /**
   * The answer to give instead of ThrottlingException if the store stays unavailable from here
   * on (nothing is then written): BatchMeterUsage hands its records back to be retried.
   */
  whenStoreUnavailable(answer: () => T): void;
}
