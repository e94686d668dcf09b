/**
 * @module MeterUsage: software running in the buyer's account (an AMI instance, a container
 * task) reports usage. Hourly mode keeps one record per hour, dimension and running resource
 * (its credentials); continuous mode keeps every record and deduplicates by ClientToken.
 */

import { randomUUID } from 'node:crypto';
import type { CallContext } from '../domain/call-context.js';
import {
  DryRunOperation,
  DuplicateRequestException,
  IdempotencyConflictException,
  InvalidEndpointRegionException,
  InvalidProductCodeException,
  InvalidUsageDimensionException,
} from '../protocol/errors.js';
import { pickAgreement } from '../domain/agreements.js';
import { newTimeOrderedId } from '../domain/identifiers.js';
import type { MeterUsageInput, MeterUsageOutput } from '../protocol/shapes.js';
import type { CallRecorder, OperationDeps } from './deps.js';
import {
  checkAllocations,
  checkTimeWindow,
  dedupeUntil,
  hourOf,
  checkEntitled,
} from './usage-rules.js';

export async function meterUsage(
  deps: OperationDeps,
  ctx: CallContext,
  input: MeterUsageInput,
  recorder: CallRecorder<MeterUsageOutput>,
): Promise<MeterUsageOutput> {
  const { principal } = ctx;
  const product = await deps.store.getProduct(input.ProductCode);
  if (!product)
    throw new InvalidProductCodeException(`The product code ${input.ProductCode} is invalid.`);
  if (product.type === 'saas')
    throw new InvalidProductCodeException(
      `Product ${input.ProductCode} is a SaaS product; meter it with BatchMeterUsage.`,
    );
  if (principal.resourceRegion !== deps.region)
    throw new InvalidEndpointRegionException(
      `The endpoint region ${deps.region} does not match the region ${principal.resourceRegion} the resource runs in.`,
    );
  const agreement = pickAgreement(
    await deps.store.findAgreements({
      productCode: product.productCode,
      customerAWSAccountId: principal.accountId,
    }),
    input.Timestamp,
  );
  checkEntitled(agreement, principal.accountId, product.productCode, input.Timestamp, ctx.now);
  if (!product.dimensions.includes(input.UsageDimension))
    throw new InvalidUsageDimensionException(
      `Dimension ${input.UsageDimension} is not a dimension of product ${product.productCode}.`,
    );
  checkTimeWindow(input.Timestamp, ctx.now);
  const quantity = input.UsageQuantity ?? 0;
  checkAllocations(input.UsageAllocations, quantity, 'the usage');
  if (input.DryRun)
    throw new DryRunOperation('Request would have succeeded, but DryRun flag is set.');

  const continuous = product.meterUsageMode === 'continuous';
  const usageTime = continuous ? input.Timestamp : hourOf(input.Timestamp);
  const clientToken = input.ClientToken ?? randomUUID();
  // A ClientToken belongs to the buyer's account, not to one product: reusing it for another
  // product is a conflict, not a new record. It is any string: JSON-quoted, its NULs and lone
  // surrogates become escapes that every database's text type can hold.
  const dedupeKey = continuous
    ? `token|${principal.accountId}|${JSON.stringify(clientToken)}`
    : `hourly|${usageTime.getTime()}|${product.productCode}|${principal.accessKeyId}|${input.UsageDimension}`;
  // Continuous mode: the same token must carry the same parameters. Hourly: the same quantity.
  const fingerprint = continuous
    ? JSON.stringify([
        product.productCode,
        usageTime.getTime(),
        input.UsageDimension,
        quantity,
        input.UsageAllocations ?? null,
      ])
    : String(quantity);

  const answer = await recorder.recordUsage(
    [
      {
        meteringRecordId: newTimeOrderedId(ctx.now.getTime()),
        dedupeKey,
        fingerprint,
        dedupeUntil: continuous ? null : dedupeUntil(usageTime),
        operation: 'MeterUsage',
        productCode: product.productCode,
        customerAWSAccountId: principal.accountId,
        customerIdentifier: agreement.customerIdentifier,
        licenseArn: agreement.licenseArn,
        dimension: input.UsageDimension,
        usageTime,
        quantity,
        allocations: input.UsageAllocations ?? null,
        callerAccountId: principal.accountId,
        callerAccessKeyId: principal.accessKeyId,
        requestId: ctx.requestId,
        recordedAt: ctx.now,
      },
    ],
    ([outcome]) => {
      const { row, created } = outcome!;
      if (created || row.fingerprint === fingerprint)
        return { output: { MeteringRecordId: row.meteringRecordId } };
      return {
        error: continuous
          ? new IdempotencyConflictException(
              `ClientToken ${clientToken} was already used with different parameters.`,
            )
          : new DuplicateRequestException(
              `Usage for dimension ${input.UsageDimension} in the hour of ${usageTime.toISOString()} was already metered by this resource with a different quantity.`,
            ),
      };
    },
    // The event records the ClientToken the call ran with, generated when it had none.
    { ...input, ClientToken: clientToken },
  );
  if ('error' in answer) throw answer.error;
  return answer.output;
}
