/**
 * @module What both stores share above their SQL: the rows they keep (cells, records, late
 * events), how a bucket's cells become its frozen records and allocations, and how the rows
 * become dead letters and reconciliation lines. Each store only reads and writes the rows.
 */

import { HOUR_MS, type CustomerKind } from '../hours.js';
import type { Allocation, DeadLetter, FrozenRecord, ReconciliationRow } from './store.js';

/** One sum: a scope, hour, record key and tag set. */
export interface CellRow {
  scope: string;
  hour: number;
  rkey: string;
  tagkey: string;
  product: string | null;
  licence: string | null;
  ckind: CustomerKind;
  customer: string;
  dimension: string;
  quantity: number;
}

/** A frozen record and its outcome. */
export interface RecordRow extends Omit<CellRow, 'tagkey'> {
  rid: number;
  allocations: string | null;
  state: 'frozen' | 'accepted' | 'dead-lettered';
  attempts: number;
  metering_record_id: string | null;
  reason: string | null;
  sent: number;
  updated_at: number;
}

/** An event dead-lettered because its hour was frozen (or past sending). */
export interface LateRow extends CellRow {
  lid: number;
  event_id: string;
  reason: string;
  at: number;
}

/** A record to insert when a bucket freezes. */
export interface NewRecord extends Omit<CellRow, 'tagkey'> {
  allocations: string | null;
}

export const REASON_LATE_EXPIRED =
  'late: the hour can no longer be sent (AWS takes usage up to 6 hours old)';
export const REASON_LATE_FROZEN = 'late: the hour was already frozen for sending';
export const REASON_EXPIRED =
  "expired: not accepted within 6 hours of the hour's start (AWS refuses older usage)";

/** The separator of composite keys in maps (never in a product code or customer). */
export const SEP = '\x1e';

export const customerOf = (ckind: string, customer: string) =>
  ckind === 'account' ? { customerAWSAccountId: customer } : { customerIdentifier: customer };
export const iso = (hour: number) => new Date(hour * HOUR_MS).toISOString();

/**
 * A bucket's records from its cells: one per record key, summed over tag sets, with an
 * allocation per tag set when any is tagged. `seen` (with `--send-zero`) adds a zero record for
 * every record key of the scope seen in the last 7 days without usage in the hour.
 *
 * @example recordsOf([cell], []).length; // 1
 */
export function recordsOf(cells: CellRow[], seen: CellRow[]): NewRecord[] {
  const groups = new Map<string, CellRow[]>();
  for (const c of cells) {
    const g = groups.get(c.rkey);
    if (g) g.push(c);
    else groups.set(c.rkey, [c]);
  }
  for (const c of seen)
    if (!groups.has(c.rkey)) groups.set(c.rkey, [{ ...c, tagkey: '', quantity: 0 }]);
  return [...groups.values()].map((cs) => {
    const c = cs[0]!;
    const tagged = cs.some((x) => x.tagkey !== '');
    const allocations: Allocation[] | null = tagged
      ? cs
          .filter((x) => x.tagkey !== '' || x.quantity > 0)
          .map((x) =>
            x.tagkey === ''
              ? { AllocatedUsageQuantity: x.quantity }
              : { AllocatedUsageQuantity: x.quantity, Tags: JSON.parse(x.tagkey) },
          )
      : null;
    return {
      scope: c.scope,
      hour: c.hour,
      rkey: c.rkey,
      product: c.product,
      licence: c.licence,
      ckind: c.ckind,
      customer: c.customer,
      dimension: c.dimension,
      quantity: cs.reduce((t, x) => t + x.quantity, 0),
      allocations: allocations ? JSON.stringify(allocations) : null,
    };
  });
}

/** A stored record as the sender reads it. */
export const frozenOf = (r: RecordRow): FrozenRecord => ({
  rid: r.rid,
  scope: r.scope,
  hour: r.hour,
  productCode: r.product,
  licenseArn: r.licence,
  customerKind: r.ckind,
  customer: r.customer,
  dimension: r.dimension,
  quantity: r.quantity,
  allocations: r.allocations ? (JSON.parse(r.allocations) as Allocation[]) : null,
  attempts: r.attempts,
});

/** Dead-lettered records, then late events, at most `limit`. */
export function deadLettersOf(records: RecordRow[], late: LateRow[], limit: number): DeadLetter[] {
  return [
    ...records.map((r) => ({
      id: `r${r.rid}`,
      kind: 'record' as const,
      hour: iso(r.hour),
      productCode: r.product,
      licenseArn: r.licence,
      ...customerOf(r.ckind, r.customer),
      dimension: r.dimension,
      quantity: r.quantity,
      reason: r.reason ?? '',
      ...(r.metering_record_id ? { meteringRecordId: r.metering_record_id } : {}),
      at: new Date(r.updated_at).toISOString(),
    })),
    ...late.map((l) => ({
      id: `e${l.lid}`,
      kind: 'late-event' as const,
      hour: iso(l.hour),
      productCode: l.product,
      licenseArn: l.licence,
      ...customerOf(l.ckind, l.customer),
      dimension: l.dimension,
      quantity: l.quantity,
      reason: l.reason,
      eventId: l.event_id,
      at: new Date(l.at).toISOString(),
    })),
  ].slice(0, limit);
}

/**
 * The reconciliation from the rows of a range: `cells` summed per record key (`quantity` the
 * sum over tag sets), the records and the late events. Sorted by hour, product, customer,
 * dimension.
 */
export function reconciliationOf(
  cells: CellRow[],
  records: RecordRow[],
  late: LateRow[],
): ReconciliationRow[] {
  const rows = new Map<string, ReconciliationRow>();
  const row = (c: Omit<CellRow, 'tagkey' | 'quantity'>, state: ReconciliationRow['state']) => {
    const k = `${c.scope}${SEP}${c.hour}${SEP}${c.rkey}`;
    let r = rows.get(k);
    if (!r) {
      r = {
        hour: iso(c.hour),
        productCode: c.product,
        licenseArn: c.licence,
        ...customerOf(c.ckind, c.customer),
        dimension: c.dimension,
        ingested: 0,
        sent: 0,
        accepted: 0,
        deadLettered: 0,
        pending: 0,
        state,
      };
      rows.set(k, r);
    }
    return r;
  };
  for (const c of cells) {
    const r = row(c, 'open');
    r.ingested += c.quantity;
    r.pending += c.quantity;
  }
  for (const rec of records) {
    const r = row(rec, rec.state);
    r.state = rec.state;
    // The record replaces its cells' pending quantity (a zero record has no cells).
    r.pending -= rec.quantity;
    if (rec.state === 'frozen') r.pending += rec.quantity;
    if (rec.state === 'accepted') r.accepted += rec.quantity;
    if (rec.state === 'dead-lettered') r.deadLettered += rec.quantity;
    if (rec.sent) r.sent += rec.quantity;
    if (rec.metering_record_id) r.meteringRecordId = rec.metering_record_id;
    if (rec.reason) r.reason = rec.reason;
  }
  for (const l of late) {
    const r = row(l, 'dead-lettered');
    r.ingested += l.quantity;
    r.deadLettered += l.quantity;
    if (r.accepted === 0 && r.pending === 0) r.state = 'dead-lettered';
    r.reason ??= l.reason;
  }
  return [...rows.values()].sort(
    (a, b) =>
      a.hour.localeCompare(b.hour) ||
      (a.productCode ?? a.licenseArn ?? '').localeCompare(b.productCode ?? b.licenseArn ?? '') ||
      (a.customerAWSAccountId ?? a.customerIdentifier ?? '').localeCompare(
        b.customerAWSAccountId ?? b.customerIdentifier ?? '',
      ) ||
      a.dimension.localeCompare(b.dimension),
  );
}
