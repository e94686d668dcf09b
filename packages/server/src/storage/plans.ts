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

/** The deletes of a catalog change, children before parents, then its upserts, parents first. */
export function catalogWrites(change: CatalogChange, now: number): Step[] {
  const remove = change.remove ?? {};
  const deletes = (name: QueryName, ids: string[] | undefined) =>
    (ids ?? []).map((id): Step => [name, { id }]);
  return [
    ...deletes('deleteAgreement', remove.agreements),
    ...deletes('deleteProduct', remove.products),
    ...deletes('deleteAccessKey', remove.accessKeys),
    ...deletes('deleteAccount', remove.accounts),
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
