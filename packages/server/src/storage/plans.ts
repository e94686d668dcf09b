/**
 * @module Which named queries, with which values, carry out a store request: shared by every
 * backend so that each one only executes.
 */

import * as rows from './rows.js';
import type { QueryName } from './queries.js';
import type { AgreementFilter, CatalogChange } from './store.js';

export type Step = [QueryName, Record<string, unknown>];

/** The query that finds agreements matching a filter. */
export function agreementLookup(f: AgreementFilter): Step {
  if (f.productCode === undefined)
    return f.customerAWSAccountId === undefined
      ? ['allAgreements', {}]
      : ['agreementsByAccount', { customer: f.customerAWSAccountId }];
  if (f.customerIdentifier !== undefined)
    return ['agreementsByIdentifier', { product: f.productCode, identifier: f.customerIdentifier }];
  if (f.customerAWSAccountId !== undefined)
    return ['agreementsByCustomer', { product: f.productCode, customer: f.customerAWSAccountId }];
  return ['agreementsByProduct', { product: f.productCode }];
}

/** The upserts that apply a catalog change, parents before children. */
export function catalogWrites(change: CatalogChange, now: number): Step[] {
  return [
    ...(change.accounts ?? []).map((a): Step => ['upsertAccount', rows.accountParams(a, now)]),
    ...(change.accessKeys ?? []).map((k): Step => [
      'upsertAccessKey',
      rows.accessKeyParams(k, now),
    ]),
    ...(change.products ?? []).map((p): Step => ['upsertProduct', rows.productParams(p, now)]),
    ...(change.agreements ?? []).map((a): Step => [
      'upsertAgreement',
      rows.agreementParams(a, now),
    ]),
  ];
}
