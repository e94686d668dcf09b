/**
 * @module The catalog's domain types: accounts and their access keys, products, agreements
 * with their entitlements, and registration tokens.
 */

export interface Account {
  accountId: string;
  name: string;
}

export interface AccessKey {
  accessKeyId: string;
  accountId: string;
  secretAccessKey: string;
  /** Set for temporary credentials: requests must carry it as `X-Amz-Security-Token`. */
  sessionToken: string | null;
  /** The region the resource holding this key runs in; null means the server's region. */
  region: string | null;
}

export const productTypes = ['saas', 'ami', 'container'] as const;
export type ProductType = (typeof productTypes)[number];

export const meterUsageModes = ['hourly', 'continuous'] as const;
export type MeterUsageMode = (typeof meterUsageModes)[number];

export interface Product {
  productCode: string;
  sellerAccountId: string;
  type: ProductType;
  dimensions: string[];
  fulfillmentUrl: string | null;
  meterUsageMode: MeterUsageMode;
  /** Container products: the public key versions RegisterUsage accepts (null: all of them). */
  publicKeyVersions: number[] | null;
}

export const agreementStatuses = ['active', 'unsubscribed', 'suspended'] as const;
export type AgreementStatus = (typeof agreementStatuses)[number];

/** The value of an entitlement: exactly one of the four kinds the entitlement service has. */
export type EntitlementValue =
  | { integerValue: number }
  | { doubleValue: number }
  | { booleanValue: boolean }
  | { stringValue: string };

/** The member names of {@link EntitlementValue}, one per kind. */
export const entitlementValueKinds = [
  'integerValue',
  'doubleValue',
  'booleanValue',
  'stringValue',
] as const;

/**
 * What an agreement entitles its buyer to in one of the product's dimensions (a contract's
 * seats, tier or flag), as GetEntitlements answers it.
 */
export type AgreementEntitlement = EntitlementValue & {
  dimension: string;
  /** Through when the entitlement is expected to hold (a contract's end); null if open. */
  expirationDate: Date | null;
};

export interface Agreement {
  licenseArn: string;
  productCode: string;
  customerAWSAccountId: string;
  customerIdentifier: string;
  status: AgreementStatus;
  /**
   * The start of the activation period. Null for no lower bound: a catalog agreement that names
   * no start existed before meterd knew of it.
   */
  startedAt: Date | null;
  /** The end of the activation period, once unsubscribed or suspended; null while open. */
  endedAt: Date | null;
  /** The buyer's entitlements under this agreement, at most one per dimension. */
  entitlements: AgreementEntitlement[];
}

export interface RegistrationToken {
  token: string;
  productCode: string;
  customerAWSAccountId: string;
  licenseArn: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A versioned RSA key pair that signs RegisterUsage answers (PS256). */
export interface SigningKey {
  version: number;
  privateKeyPem: string;
  publicKeyPem: string;
  createdAt: Date;
  /** When the version stops being current; null while it has not been rotated out. */
  expiresAt: Date | null;
}
