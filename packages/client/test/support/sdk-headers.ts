/**
 * @module Edits the headers of the official SDK's requests just before or after it signs them.
 */
import type { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering';

type Next = (args: { request: unknown }) => Promise<unknown>;

/**
 * Adds a middleware to an SDK client that edits each request's headers right before or after
 * the SDK's signing step.
 *
 * @example
 * editSdkHeaders(sdk, 'before', 'dropTelemetry', (h) => delete h['amz-sdk-request']);
 */
export function editSdkHeaders(
  sdk: MarketplaceMeteringClient,
  relation: 'before' | 'after',
  name: string,
  edit: (headers: Record<string, string>) => void,
): void {
  const middleware = (next: Next) => async (args: { request: unknown }) => {
    edit((args.request as { headers: Record<string, string> }).headers);
    return next(args);
  };
  sdk.middlewareStack.addRelativeTo(middleware as never, {
    relation,
    toMiddleware: 'httpSigningMiddleware',
    name,
  });
}
