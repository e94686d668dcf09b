/**
 * @module GetEntitlements (AWS Marketplace Entitlement Service): a product's seller reads what
 * its buyers' agreements entitle them to, filtered by customer, account, dimension or licence,
 * a page at a time. Entitlements come from the catalog's agreements.
 */

import type { Agreement, AgreementEntitlement } from '../domain/catalog.js';
import type { CallContext } from '../domain/call-context.js';
import { InvalidParameterException } from '../protocol/errors.js';
import type {
  Entitlement,
  EntitlementValue,
  GetEntitlementFilterName,
  GetEntitlementsInput,
  GetEntitlementsOutput,
} from '../protocol/shapes.js';
import type { OperationDeps } from './deps.js';

/** The page size when `MaxResults` is left out: the model's largest. */
export const DEFAULT_PAGE_SIZE = 25;

type Filters = Partial<Record<GetEntitlementFilterName, string[]>>;

/** One entitlement with the agreement it comes from: what a page is cut from. */
interface Found {
  agreement: Agreement;
  entitlement: AgreementEntitlement;
}

/** Where a page ends: the last entitlement's licence and dimension, in the answer's order. */
interface Cursor {
  licenseArn: string;
  dimension: string;
}

export async function getEntitlements(
  deps: OperationDeps,
  ctx: CallContext,
  input: GetEntitlementsInput,
): Promise<GetEntitlementsOutput> {
  const { ProductCode: productCode } = input;
  const filters: Filters = input.Filter ?? {};
  checkFilters(filters);
  // A product the caller does not sell is not one it may read (the seller's account calls).
  const product = await deps.store.getProduct(productCode);
  if (!product || product.sellerAccountId !== ctx.principal.accountId)
    throw new InvalidParameterException(`Invalid product code: ${productCode}`);
  const scope = scopeOf(productCode, filters);
  const after = input.NextToken === undefined ? undefined : readToken(input.NextToken, scope);

  const found = (await deps.store.findAgreements({ productCode }))
    .filter((a) => a.status === 'active' && matches(a, filters))
    .flatMap((agreement) =>
      agreement.entitlements
        .filter((e) => live(e, ctx.now) && within(filters.DIMENSION, e.dimension))
        .map((entitlement) => ({ agreement, entitlement })),
    )
    .sort(byPosition);
  const start = after ? found.findIndex((f) => compare(position(f), after) > 0) : 0;
  const rest = start < 0 ? [] : found.slice(start);
  const page = rest.slice(0, input.MaxResults ?? DEFAULT_PAGE_SIZE);
  const last = page.at(-1);
  return {
    Entitlements: page.map(toEntitlement),
    ...(rest.length > page.length && last ? { NextToken: writeToken(scope, position(last)) } : {}),
  };
}

/** The combinations AWS refuses, in its words. */
function checkFilters(filters: Filters) {
  if (filters.CUSTOMER_IDENTIFIER && filters.CUSTOMER_AWS_ACCOUNT_ID)
    throw new InvalidParameterException(
      'Invalid filter combination provided. CUSTOMER_IDENTIFIER and CUSTOMER_AWS_ACCOUNT_ID cannot be used together.',
    );
  if (filters.DIMENSION && !filters.CUSTOMER_IDENTIFIER && !filters.CUSTOMER_AWS_ACCOUNT_ID)
    throw new InvalidParameterException(
      'Invalid filter combination provided. Please provide the CUSTOMER_IDENTIFIER or CUSTOMER_AWS_ACCOUNT_ID along with DIMENSION.',
    );
}

const within = (values: string[] | undefined, value: string) =>
  values === undefined || values.includes(value);

/** Each filter given must match (AND); any of a filter's values may (OR). */
const matches = (a: Agreement, f: Filters) =>
  within(f.CUSTOMER_IDENTIFIER, a.customerIdentifier) &&
  within(f.CUSTOMER_AWS_ACCOUNT_ID, a.customerAWSAccountId) &&
  within(f.LICENSE_ARN, a.licenseArn);

/** An entitlement still holds until its expiration date has passed, by the server's clock. */
const live = (e: AgreementEntitlement, now: Date) =>
  e.expirationDate === null || e.expirationDate.getTime() > now.getTime();

const position = (f: Found): Cursor => ({
  licenseArn: f.agreement.licenseArn,
  dimension: f.entitlement.dimension,
});
const compare = (a: Cursor, b: Cursor) =>
  a.licenseArn < b.licenseArn
    ? -1
    : a.licenseArn > b.licenseArn
      ? 1
      : a.dimension < b.dimension
        ? -1
        : a.dimension > b.dimension
          ? 1
          : 0;
const byPosition = (a: Found, b: Found) => compare(position(a), position(b));

function valueOf(e: AgreementEntitlement): EntitlementValue {
  if ('integerValue' in e) return { IntegerValue: e.integerValue };
  if ('doubleValue' in e) return { DoubleValue: e.doubleValue };
  if ('booleanValue' in e) return { BooleanValue: e.booleanValue };
  return { StringValue: e.stringValue };
}

const toEntitlement = ({ agreement, entitlement }: Found): Entitlement => ({
  ProductCode: agreement.productCode,
  Dimension: entitlement.dimension,
  CustomerIdentifier: agreement.customerIdentifier,
  CustomerAWSAccountId: agreement.customerAWSAccountId,
  Value: valueOf(entitlement),
  ...(entitlement.expirationDate ? { ExpirationDate: entitlement.expirationDate } : {}),
  LicenseArn: agreement.licenseArn,
});

// ---- NextToken: opaque to the caller, bound to the product and filters it was issued for

/** What a token is valid for: the same product and filters (in a canonical order). */
function scopeOf(productCode: string, filters: Filters): string {
  const canonical = Object.entries(filters)
    .map(([name, values]) => [name, [...new Set(values)].sort()] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([productCode, canonical]);
}

function writeToken(scope: string, cursor: Cursor): string {
  return Buffer.from(
    JSON.stringify({ v: 1, s: scope, l: cursor.licenseArn, d: cursor.dimension }),
  ).toString('base64url');
}

function readToken(token: string, scope: string): Cursor {
  const invalid = () => new InvalidParameterException('Invalid NextToken provided.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const t = parsed as { v?: unknown; s?: unknown; l?: unknown; d?: unknown } | null;
  if (
    t === null ||
    typeof t !== 'object' ||
    t.v !== 1 ||
    t.s !== scope ||
    typeof t.l !== 'string' ||
    typeof t.d !== 'string' ||
    writeToken(scope, { licenseArn: t.l, dimension: t.d }) !== token
  )
    throw invalid();
  return { licenseArn: t.l, dimension: t.d };
}
