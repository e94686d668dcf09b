/**
 * @module BatchMeterUsage: a SaaS seller reports up to 25 usage records for its customers.
 * The whole batch fails on a wrong product, dimension, licence, allocation or time; otherwise
 * each record gets its own status, and records repeated within the same hour deduplicate.
 */

import type { CallContext } from '../domain/call-context.js';
import { inActivationPeriod, pickAgreement } from '../domain/agreements.js';
import { newTimeOrderedId } from '../domain/identifiers.js';
import type { Agreement, Product } from '../domain/catalog.js';
import {
  InvalidCustomerIdentifierException,
  InvalidLicenseException,
  InvalidProductCodeException,
  InvalidUsageDimensionException,
} from '../protocol/errors.js';
import type {
  BatchMeterUsageInput,
  BatchMeterUsageOutput,
  UsageRecord,
  UsageRecordResult,
} from '../protocol/shapes.js';
import type { UsageRecordRow } from '../storage/store.js';
import type { CallRecorder, OperationDeps } from './deps.js';
import { checkAllocations, checkTimeWindow, dedupeUntil, entitles, hourOf } from './usage-rules.js';

const invalidProduct = (code: string) =>
  new InvalidProductCodeException(`The product code ${code} is invalid.`);

/** Resolves and checks the product of the call: the request's, or the one its licences name. */
async function productOf(
  deps: OperationDeps,
  ctx: CallContext,
  input: BatchMeterUsageInput,
  licences: Map<string, Agreement>,
): Promise<Product | undefined> {
  let code = input.ProductCode;
  for (const agreement of licences.values()) {
    if (code !== undefined && agreement.productCode !== code)
      throw new InvalidLicenseException(
        `Licence ${agreement.licenseArn} is not for product ${code}; one call meters one product.`,
      );
    code = agreement.productCode;
  }
  if (code === undefined) {
    if (input.UsageRecords.length === 0) return undefined;
    throw new InvalidProductCodeException(
      'ProductCode is required unless every usage record carries a LicenseArn.',
    );
  }
  const product = await deps.store.getProduct(code);
  if (!product || product.sellerAccountId !== ctx.principal.accountId) throw invalidProduct(code);
  if (product.type !== 'saas')
    throw new InvalidProductCodeException(
      `Product ${code} is a ${product.type} product; meter it with MeterUsage.`,
    );
  return product;
}

/** Looks up every licence named by a record; unknown or foreign licences fail the batch. */
async function licencesOf(deps: OperationDeps, ctx: CallContext, records: UsageRecord[]) {
  const licences = new Map<string, Agreement>();
  for (const record of records) {
    const arn = record.LicenseArn;
    if (arn === undefined || licences.has(arn)) continue;
    const agreement = await deps.store.getAgreement(arn);
    const product = agreement && (await deps.store.getProduct(agreement.productCode));
    if (!agreement || product?.sellerAccountId !== ctx.principal.accountId)
      throw new InvalidLicenseException(`Licence ${arn} is invalid.`);
    licences.set(arn, agreement);
  }
  return licences;
}

function checkRecord(
  record: UsageRecord,
  index: number,
  product: Product,
  licence: Agreement | undefined,
  now: Date,
) {
  const where = `usage record ${index + 1}`;
  const byIdentifier = record.CustomerIdentifier !== undefined;
  const byAccount = record.CustomerAWSAccountId !== undefined;
  if (byIdentifier === byAccount)
    throw new InvalidCustomerIdentifierException(
      `${where} must name its customer by exactly one of CustomerIdentifier and CustomerAWSAccountId.`,
    );
  if (!product.dimensions.includes(record.Dimension))
    throw new InvalidUsageDimensionException(
      `Dimension ${record.Dimension} is not a dimension of product ${product.productCode}.`,
    );
  checkTimeWindow(record.Timestamp, now);
  checkAllocations(record.UsageAllocations, record.Quantity ?? 0, where);
  if (licence) {
    const customerMatches = byAccount
      ? licence.customerAWSAccountId === record.CustomerAWSAccountId
      : licence.customerIdentifier === record.CustomerIdentifier;
    if (!customerMatches)
      throw new InvalidLicenseException(
        `Licence ${licence.licenseArn} does not belong to the customer of ${where}.`,
      );
    if (!inActivationPeriod(licence, record.Timestamp))
      throw new InvalidLicenseException(
        `The usage time of ${where} is outside the activation period of licence ${licence.licenseArn}.`,
      );
  }
}

/** Every customer's agreements with the product, in one store lookup for the whole call. */
async function agreementsOf(deps: OperationDeps, product: Product, records: UsageRecord[]) {
  const accounts = new Set<string>();
  const identifiers = new Set<string>();
  for (const r of records)
    if (r.LicenseArn === undefined) {
      if (r.CustomerIdentifier !== undefined) identifiers.add(r.CustomerIdentifier);
      else if (r.CustomerAWSAccountId !== undefined) accounts.add(r.CustomerAWSAccountId);
    }
  const found = await deps.store.findCustomerAgreements(product.productCode, {
    accounts: [...accounts],
    identifiers: [...identifiers],
  });
  const byAccount = new Map<string, Agreement[]>();
  const byIdentifier = new Map<string, Agreement[]>();
  for (const a of found) {
    if (!byAccount.has(a.customerAWSAccountId)) byAccount.set(a.customerAWSAccountId, []);
    byAccount.get(a.customerAWSAccountId)!.push(a);
    if (!byIdentifier.has(a.customerIdentifier)) byIdentifier.set(a.customerIdentifier, []);
    byIdentifier.get(a.customerIdentifier)!.push(a);
  }
  return (record: UsageRecord, licence: Agreement | undefined): Agreement | undefined =>
    licence ??
    pickAgreement(
      (record.CustomerIdentifier !== undefined
        ? byIdentifier.get(record.CustomerIdentifier)
        : byAccount.get(record.CustomerAWSAccountId!)) ?? [],
      record.Timestamp,
    );
}

export async function batchMeterUsage(
  deps: OperationDeps,
  ctx: CallContext,
  input: BatchMeterUsageInput,
  recorder: CallRecorder<BatchMeterUsageOutput>,
): Promise<BatchMeterUsageOutput> {
  const records = input.UsageRecords;
  const licences = await licencesOf(deps, ctx, records);
  const product = await productOf(deps, ctx, input, licences);
  if (product)
    records.forEach((r, i) =>
      checkRecord(r, i, product, r.LicenseArn ? licences.get(r.LicenseArn) : undefined, ctx.now),
    );

  // Entitled records become rows; the others are answered CustomerNotSubscribed.
  const agreementFor = product && (await agreementsOf(deps, product, records));
  const rows: Array<UsageRecordRow | undefined> = [];
  for (const record of records) {
    const licence = record.LicenseArn ? licences.get(record.LicenseArn) : undefined;
    const agreement = agreementFor?.(record, licence);
    if (!product || !agreement || !entitles(agreement, record.Timestamp, ctx.now)) {
      rows.push(undefined);
      continue;
    }
    const quantity = record.Quantity ?? 0;
    const hour = hourOf(record.Timestamp);
    rows.push({
      meteringRecordId: newTimeOrderedId(ctx.now.getTime()),
      // The hour leads so that the live keys (the last 6 hours) stay together in the index.
      dedupeKey: `saas|${hour.getTime()}|${product.productCode}|${agreement.customerAWSAccountId}|${record.Dimension}`,
      fingerprint: String(quantity),
      dedupeUntil: dedupeUntil(hour),
      operation: 'BatchMeterUsage',
      productCode: product.productCode,
      customerAWSAccountId: agreement.customerAWSAccountId,
      customerIdentifier: agreement.customerIdentifier,
      licenseArn: agreement.licenseArn,
      dimension: record.Dimension,
      usageTime: record.Timestamp,
      quantity,
      allocations: record.UsageAllocations ?? null,
      callerAccountId: ctx.principal.accountId,
      callerAccessKeyId: ctx.principal.accessKeyId,
      requestId: ctx.requestId,
      recordedAt: ctx.now,
    });
  }
  const toWrite = rows.filter((r): r is UsageRecordRow => r !== undefined);

  // A store that cannot take the records writes none: the entitled ones go back to be retried.
  recorder.whenStoreUnavailable(() => ({
    Results: records
      .filter((_, i) => !rows[i])
      .map((record) => ({ UsageRecord: record, Status: 'CustomerNotSubscribed' })),
    UnprocessedRecords: records.filter((_, i) => rows[i]),
  }));
  const { output } = await recorder.recordUsage(toWrite, (outcomes) => {
    let next = 0;
    const results = records.map((record, i): UsageRecordResult => {
      if (!rows[i]) return { UsageRecord: record, Status: 'CustomerNotSubscribed' };
      const { row, created } = outcomes[next++]!;
      const same = created || row.fingerprint === rows[i]!.fingerprint;
      return {
        UsageRecord: record,
        MeteringRecordId: row.meteringRecordId,
        Status: same ? 'Success' : 'DuplicateRecord',
      };
    });
    return { output: { Results: results, UnprocessedRecords: [] } };
  });
  return output;
}
