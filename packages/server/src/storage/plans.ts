/**
 * @module Which named queries, with which values, carry out a store request: shared by every
 * backend so that each one only executes.
 */

import * as rows from './rows.js';
import {
  isDelete,
  isUpsert,
  type DeleteName,
  type QueryName,
  type UpsertName,
  upsertShape,
} from './queries.js';
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

/** A catalog write as one statement: a named step, or many rows of one upsert or delete. */
export type BulkStep =
  | { step: Step }
  | { upsert: UpsertName; rows: Array<Record<string, unknown>> }
  | { delete: DeleteName; ids: string[] };

/**
 * The steps of a catalog change merged into multi-row statements, in the same order: runs of
 * one upsert (or delete) become statements of at most `maxParameters` bound values each. A key
 * named twice in one run keeps its last row, as one upsert after another would.
 */
export function bulkCatalogWrites(steps: Step[], maxParameters = 5_000): BulkStep[] {
  const out: BulkStep[] = [];
  for (const step of steps) {
    const [name, values] = step;
    const last = out[out.length - 1];
    if (isUpsert(name)) {
      const room = Math.max(1, Math.floor(maxParameters / upsertShape(name).columns));
      if (last && 'upsert' in last && last.upsert === name && last.rows.length < room)
        last.rows.push(values);
      else out.push({ upsert: name, rows: [values] });
    } else if (isDelete(name)) {
      if (last && 'delete' in last && last.delete === name && last.ids.length < maxParameters)
        last.ids.push(String(values.id));
      else out.push({ delete: name, ids: [String(values.id)] });
    } else out.push({ step });
  }
  for (const b of out)
    if ('upsert' in b) {
      const { key } = upsertShape(b.upsert);
      const byKey = new Map(b.rows.map((r) => [r[key], r] as const));
      if (byKey.size < b.rows.length) b.rows = [...byKey.values()];
    }
  return out;
}
