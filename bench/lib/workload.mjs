// The benchmark's workload: a catalog of many agreements, and the deterministic mapping from a
// request number to its 25 distinct usage records, so that nothing deduplicates and every
// acknowledged record can be checked afterwards from its number alone.

export const REGION = 'us-east-1';
export const SELLER = {
  accountId: '111111111111',
  accessKeyId: 'AKIABENCHSELLER00001',
  secretAccessKey: 'bench-seller-secret-0001',
};
export const RECORDS_PER_REQUEST = 25;
/** SaaS products metered with BatchMeterUsage. */
export const PRODUCTS = 8;
/** Customers (agreements) per SaaS product; a multiple of RECORDS_PER_REQUEST. */
export const CUSTOMERS = 10_000;
/** Dimensions per product (AWS allows 24). */
export const DIMENSIONS = 24;
/** Distinct usage hours inside the 6-hour window. */
export const HOURS = 6;
/** BatchMeterUsage records that can be sent before any of them repeats (deduplicates). */
export const SAAS_CAPACITY = PRODUCTS * CUSTOMERS * DIMENSIONS * HOURS;

export const AMI_PRODUCT = 'bench-ami';
/** Buyer accounts of the AMI product, one instance (access key) each, for MeterUsage. */
export const BUYERS = 2000;
export const AMI_DIMENSIONS = 24;
export const AMI_CAPACITY = BUYERS * AMI_DIMENSIONS * HOURS;

const HOUR_MS = 3600_000;
const pad = (n, width) => String(n).padStart(width, '0');

export const productCode = (p) => `bench-saas-${p}`;
export const customerAccount = (p, c) => `5${pad(p, 2)}${pad(c, 9)}`;
export const customerIdentifier = (p, c) => `cust${pad(p, 2)}x${pad(c, 6)}`;
export const dimension = (d) => `dim${pad(d, 2)}`;
export const buyerAccount = (b) => `6${pad(b, 11)}`;
export const buyerKey = (b) => ({
  accessKeyId: `AKIABENCHBUYER${pad(b, 6)}`,
  secretAccessKey: `bench-buyer-secret-${pad(b, 6)}`,
});

/** The catalog document meterd is seeded with (JSON, the format of `--catalog`). */
export function catalogDocument() {
  const products = [];
  const agreements = [];
  const accounts = [
    {
      accountId: SELLER.accountId,
      name: 'bench-seller',
      accessKeys: [{ accessKeyId: SELLER.accessKeyId, secretAccessKey: SELLER.secretAccessKey }],
    },
  ];
  for (let p = 0; p < PRODUCTS; p++) {
    products.push({
      productCode: productCode(p),
      sellerAccountId: SELLER.accountId,
      type: 'saas',
      dimensions: Array.from({ length: DIMENSIONS }, (_, d) => dimension(d)),
    });
    for (let c = 0; c < CUSTOMERS; c++)
      agreements.push({
        productCode: productCode(p),
        customerAWSAccountId: customerAccount(p, c),
        customerIdentifier: customerIdentifier(p, c),
        startedAt: '2020-01-01T00:00:00Z',
      });
  }
  products.push({
    productCode: AMI_PRODUCT,
    sellerAccountId: SELLER.accountId,
    type: 'ami',
    dimensions: Array.from({ length: AMI_DIMENSIONS }, (_, d) => dimension(d)),
  });
  for (let b = 0; b < BUYERS; b++) {
    accounts.push({
      accountId: buyerAccount(b),
      name: `bench-buyer-${b}`,
      accessKeys: [buyerKey(b)],
    });
    agreements.push({
      productCode: AMI_PRODUCT,
      customerAWSAccountId: buyerAccount(b),
      startedAt: '2020-01-01T00:00:00Z',
    });
  }
  return { region: REGION, registrationTokenTtlSeconds: 86400, accounts, products, agreements };
}

/**
 * The usage hours of the window, oldest first, and one timestamp in each that stays inside the
 * 6-hour window for at least an hour after `now` and is never in the future.
 */
export function windowHours(now = Date.now()) {
  const current = Math.floor(now / HOUR_MS) * HOUR_MS;
  return Array.from({ length: HOURS }, (_, i) => {
    const start = current - (HOURS - 1 - i) * HOUR_MS;
    const latest = Math.min(start + 59 * 60_000, now - 60_000);
    return { start, timestamp: Math.max(start, latest) };
  });
}

/**
 * The records of BatchMeterUsage request `g`: product g mod PRODUCTS, then 25 customers in one
 * dimension and hour, walking through every (customer, dimension, hour) before repeating.
 */
export function saasRecords(g) {
  const cellsPerProduct = CUSTOMERS * DIMENSIONS * HOURS;
  const p = g % PRODUCTS;
  const first = (Math.floor(g / PRODUCTS) * RECORDS_PER_REQUEST) % cellsPerProduct;
  const records = [];
  for (let k = 0; k < RECORDS_PER_REQUEST; k++) {
    const cell = first + k;
    records.push({
      p,
      c: cell % CUSTOMERS,
      d: Math.floor(cell / CUSTOMERS) % DIMENSIONS,
      h: Math.floor(cell / (CUSTOMERS * DIMENSIONS)) % HOURS,
    });
  }
  return records;
}

/** The body of BatchMeterUsage request `g`; Quantity is `g`, so a response names its request. */
export function saasRequest(g, hours) {
  const records = saasRecords(g);
  return JSON.stringify({
    ProductCode: productCode(records[0].p),
    UsageRecords: records.map((r) => ({
      Timestamp: hours[r.h].timestamp / 1000,
      CustomerIdentifier: customerIdentifier(r.p, r.c),
      Dimension: dimension(r.d),
      Quantity: g,
    })),
  });
}

/** Request `j` of MeterUsage: instance j mod BUYERS, one dimension and hour; quantity `j`. */
export function amiRequest(j, hours) {
  const cell = j % AMI_CAPACITY;
  const b = cell % BUYERS;
  const d = Math.floor(cell / BUYERS) % AMI_DIMENSIONS;
  const h = Math.floor(cell / (BUYERS * AMI_DIMENSIONS)) % HOURS;
  const body = JSON.stringify({
    ProductCode: AMI_PRODUCT,
    Timestamp: hours[h].timestamp / 1000,
    UsageDimension: dimension(d),
    UsageQuantity: j,
    ClientToken: `bench-${j}`,
  });
  return { body, key: buyerKey(b) };
}
