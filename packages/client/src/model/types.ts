/**
 * @module Inputs and outputs of the four operations, with AWS's member names and `Date`
 * timestamps (the generated model's types), and the client's own result types.
 */
import type { ResponseMetadata } from '@meterd/model';

export type * from '@meterd/model/metering';
export type { ResponseMetadata } from '@meterd/model';

/**
 * An operation's output as returned by the client: its members plus `$metadata`.
 *
 * @example
 * const out: Output<MeterUsageResult> = await svc.meterUsage(input);
 */
export type Output<T> = T & { $metadata: ResponseMetadata };
