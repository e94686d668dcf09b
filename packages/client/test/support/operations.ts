/**
 * @module Calls an operation by name through the official SDK or through @meterd/client, for tests that compare the two.
 */
import {
  BatchMeterUsageCommand,
  MeterUsageCommand,
  RegisterUsageCommand,
  ResolveCustomerCommand,
  type MarketplaceMeteringClient as SdkClient,
} from '@aws-sdk/client-marketplace-metering';
import type { MarketplaceMeteringClient, ResponseMetadata } from '../../src/index.js';

/** The four operations, by wire name. */
export type Operation = 'BatchMeterUsage' | 'MeterUsage' | 'RegisterUsage' | 'ResolveCustomer';

const COMMANDS = {
  BatchMeterUsage: BatchMeterUsageCommand,
  MeterUsage: MeterUsageCommand,
  RegisterUsage: RegisterUsageCommand,
  ResolveCustomer: ResolveCustomerCommand,
} as const;

const METHODS = {
  BatchMeterUsage: 'batchMeterUsage',
  MeterUsage: 'meterUsage',
  RegisterUsage: 'registerUsage',
  ResolveCustomer: 'resolveCustomer',
} as const;

type Output = Record<string, unknown> & { $metadata: ResponseMetadata };

/**
 * Sends `input` as operation `op` with the official SDK.
 *
 * @example
 * await sendWithSdk(sdk, 'ResolveCustomer', { RegistrationToken: token });
 */
export function sendWithSdk(sdk: SdkClient, op: Operation, input: unknown): Promise<Output> {
  const Command = COMMANDS[op] as unknown as new (input: unknown) => never;
  return sdk.send(new Command(input)) as Promise<Output>;
}

/**
 * Calls operation `op` with `input` on a @meterd/client client.
 *
 * @example
 * await callClient(svc, 'ResolveCustomer', { RegistrationToken: token });
 */
export function callClient(
  svc: MarketplaceMeteringClient,
  op: Operation,
  input: unknown,
): Promise<Output> {
  return (svc[METHODS[op]] as (input: unknown) => Promise<Output>)(input);
}
