/**
 * @module Test data for usage reports: seeded records with allocations and tags, every report
 * shape (granularity × groups × tag) as a table, and the report computed straight from the
 * records, written apart from the summary so that the two can be compared.
 */

import type { UsageAllocation } from '../protocol/shapes.js';
import type {
  ReportGranularity,
  ReportGroup,
  UsageRecordRow,
  UsageReportQuery,
  UsageReportRow,
} from './store.js';

const HOUR = 3_600_000;

/** A small seeded generator (mulberry32), so every run and backend gets the same records. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const REPORT_PRODUCTS = ['prod-a', 'prod-b', 'prod-c'];
export const REPORT_DIMENSIONS = ['users', 'storage_gb', 'api_calls'];
const TEAMS = ['red', 'blue', 'green:2/b'];
const REGIONS = ['eu', 'us'];

/** Allocations of `quantity`: none, one untagged, or a few tagged with `team` and `region`. */
function allocationsOf(quantity: number, random: () => number): UsageAllocation[] | null {
  const kind = Math.floor(random() * 4);
  if (kind === 0) return null;
  if (kind === 1) return [{ AllocatedUsageQuantity: quantity }];
  const parts = 1 + Math.floor(random() * 3);
  const out: UsageAllocation[] = [];
  let left = quantity;
  for (let i = 0; i < parts; i++) {
    const q = i === parts - 1 ? left : Math.floor(left / 2);
    left -= q;
    // Each allocation's tag set differs from the others' (an index tag makes sure of it).
    const tags = [{ Key: 'part', Value: String(i) }];
    if (kind === 3 || i > 0) tags.push({ Key: 'team', Value: TEAMS[(i + parts) % TEAMS.length]! });
    if (random() < 0.5) tags.push({ Key: 'region', Value: REGIONS[i % 2]! });
    out.push({ AllocatedUsageQuantity: q, Tags: tags });
  }
  return out;
}

/**
 * `n` records over `hours` hours from `start` (a whole hour), 3 products, `customers`
 * accounts and 3 dimensions, a quarter without allocations; record ids grow with `n`.
 * @example taggedRecords(100_000, Date.UTC(2026, 0, 30), 96)
 */
export function taggedRecords(
  n: number,
  start: number,
  hours: number,
  { seed = 1, customers = 20, prefix = 'r' } = {},
): UsageRecordRow[] {
  const random = seeded(seed);
  const recordedAt = new Date(start);
  return Array.from({ length: n }, (_, i) => {
    const at = start + Math.floor(random() * hours) * HOUR + Math.floor(random() * HOUR);
    const productCode = REPORT_PRODUCTS[Math.floor(random() * 3)]!;
    const customer = String(100000000000 + Math.floor(random() * customers));
    const dimension = REPORT_DIMENSIONS[Math.floor(random() * 3)]!;
    // Mostly small, now and then near AWS's largest quantity (sums then pass 2^31).
    const quantity =
      random() < 0.01 ? 2_147_483_000 + Math.floor(random() * 600) : Math.floor(random() * 1000);
    return {
      meteringRecordId: `${prefix}-${String(i).padStart(9, '0')}`,
      dedupeKey: `token|${prefix}|${i}`,
      fingerprint: String(quantity),
      dedupeUntil: null,
      operation: 'BatchMeterUsage',
      productCode,
      customerAWSAccountId: customer,
      customerIdentifier: null,
      licenseArn: null,
      dimension,
      usageTime: new Date(at),
      quantity,
      allocations: allocationsOf(quantity, random),
      callerAccountId: '111111111111',
      callerAccessKeyId: 'AKIATEST',
      requestId: `request-${Math.floor(i / 1000)}`,
      recordedAt,
    };
  });
}

export interface ReportCase {
  granularity: ReportGranularity;
  groupBy: ReportGroup[];
  tagKey?: string;
}

const GROUP_SETS: ReportGroup[][] = [
  [],
  ['product'],
  ['customer'],
  ['dimension'],
  ['product', 'customer'],
  ['dimension', 'product'],
  ['customer', 'dimension'],
  ['product', 'customer', 'dimension'],
];

/** Every granularity × group set × (no tag, tag `team`, a tag no record has). */
export const REPORT_CASES: ReportCase[] = (['hour', 'day', 'month'] as const).flatMap(
  (granularity) =>
    GROUP_SETS.flatMap((groupBy) =>
      [undefined, 'team', 'absent'].map((tagKey) => ({
        granularity,
        groupBy,
        ...(tagKey === undefined ? {} : { tagKey }),
      })),
    ),
);

/** The start of a time's period, in UTC. */
export function periodOf(t: number, granularity: ReportGranularity): number {
  if (granularity === 'hour') return Math.floor(t / HOUR) * HOUR;
  if (granularity === 'day') return Math.floor(t / 86_400_000) * 86_400_000;
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/**
 * The report of `q` computed from the records themselves: each allocation's quantity under its
 * value of the tag (or no value), a record without allocations wholly under no value, and a
 * record counted once in each group it puts quantity in.
 */
export function reportFromRecords(
  records: readonly UsageRecordRow[],
  q: Omit<UsageReportQuery, 'after' | 'limit'>,
): UsageReportRow[] {
  const groups = new Map<string, { row: UsageReportRow; ids: Set<string> }>();
  const keep = (r: UsageRecordRow) =>
    r.usageTime >= q.from &&
    r.usageTime < q.to &&
    (q.productCode === undefined || r.productCode === q.productCode) &&
    (q.customerAWSAccountId === undefined || r.customerAWSAccountId === q.customerAWSAccountId) &&
    (q.dimension === undefined || r.dimension === q.dimension);
  for (const r of records.filter(keep)) {
    const shares: Array<[value: string | null, quantity: number]> =
      q.tagKey === undefined
        ? [[null, r.quantity]]
        : (r.allocations ?? [{ AllocatedUsageQuantity: r.quantity }]).map((a) => [
            a.Tags?.find((t) => t.Key === q.tagKey)?.Value ?? null,
            a.AllocatedUsageQuantity,
          ]);
    for (const [value, quantity] of shares) {
      const row: UsageReportRow = {
        period: new Date(periodOf(r.usageTime.getTime(), q.granularity)),
        ...(q.groupBy.includes('product') ? { productCode: r.productCode } : {}),
        ...(q.groupBy.includes('customer') ? { customerAWSAccountId: r.customerAWSAccountId } : {}),
        ...(q.groupBy.includes('dimension') ? { dimension: r.dimension } : {}),
        ...(q.tagKey === undefined ? {} : { tagValue: value }),
        quantity: 0n,
        records: 0n,
      };
      const key = JSON.stringify(sortKey(row, q));
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { row, ids: new Set() }));
      g.row.quantity += BigInt(quantity);
      g.ids.add(r.meteringRecordId);
    }
  }
  return [...groups.values()]
    .map((g) => ({ ...g.row, records: BigInt(g.ids.size) }))
    .sort((a, b) => compareKeys(sortKey(a, q), sortKey(b, q)));
}

/** A row's order: period, then its groups in the order asked, no tag value first. */
function sortKey(row: UsageReportRow, q: Omit<UsageReportQuery, 'after' | 'limit'>) {
  const value = {
    product: row.productCode,
    customer: row.customerAWSAccountId,
    dimension: row.dimension,
  };
  return [
    row.period.getTime(),
    ...q.groupBy.map((g) => value[g] ?? ''),
    ...(q.tagKey === undefined ? [] : [row.tagValue ?? '']),
  ];
}

function compareKeys(a: Array<string | number>, b: Array<string | number>): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}
