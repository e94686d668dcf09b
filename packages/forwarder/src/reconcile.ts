/**
 * @module The reconciliation as CSV: one line per hour × product × customer × dimension, with
 * the ingested, sent, accepted, dead-lettered and pending quantities, the state, the
 * `MeteringRecordId` and the reason. `ingested = accepted + deadLettered + pending` on every line.
 */

import type { ReconciliationRow } from './store/store.js';

/** The CSV columns, in order. */
export const COLUMNS = [
  'hour',
  'productCode',
  'licenseArn',
  'customerAWSAccountId',
  'customerIdentifier',
  'dimension',
  'ingested',
  'sent',
  'accepted',
  'deadLettered',
  'pending',
  'state',
  'meteringRecordId',
  'reason',
] as const;

const cell = (v: unknown): string => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * @example
 * toCsv([]); // 'hour,productCode,...,reason\n'
 */
export function toCsv(rows: ReconciliationRow[]): string {
  const lines = [COLUMNS.join(',')];
  for (const r of rows) lines.push(COLUMNS.map((c) => cell(r[c])).join(','));
  return lines.join('\n') + '\n';
}

/**
 * Whether every line balances; answers the first line that does not.
 * @example unbalanced(rows) === undefined; // true when reconciled
 */
export function unbalanced(rows: ReconciliationRow[]): ReconciliationRow | undefined {
  return rows.find((r) => r.ingested !== r.accepted + r.deadLettered + r.pending);
}
