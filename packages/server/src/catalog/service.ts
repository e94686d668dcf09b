/**
 * @module The one code path through which the catalog file, the admin API and the CLI change
 * the catalog: it fills in defaults, checks references, and applies a change atomically.
 */

import type { Store } from '../storage/store.js';
import type { AgreementDocument, CatalogDocument } from './document.js';
import { CatalogError } from './document.js';
import {
  defaultCustomerIdentifier,
  defaultLicenseArn,
  newAccessKeyId,
  newAccountId,
  newRegistrationToken,
  newSecretAccessKey,
} from '../domain/identifiers.js';
import type {
  AccessKey,
  Account,
  Agreement,
  Product,
  RegistrationToken,
} from '../domain/catalog.js';
import { pickAgreement } from '../domain/agreements.js';
import { systemClock, type Clock } from '../domain/clock.js';

/** What an apply wrote, with generated identifiers and secrets filled in. */
export interface AppliedCatalog {
  accounts: Array<Account & { accessKeys: AccessKey[] }>;
  products: Product[];
  agreements: Agreement[];
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

export class CatalogService {
  constructor(
    private readonly store: Store,
    private readonly options: { registrationTokenTtlSeconds: number; now?: Clock },
  ) {}

  private now() {
    return (this.options.now ?? systemClock)();
  }

  get registrationTokenTtlSeconds() {
    return this.options.registrationTokenTtlSeconds;
  }

  /** Applies a checked catalog document; idempotent for documents that name their ids. */
  async apply(doc: CatalogDocument): Promise<AppliedCatalog> {
    const applied: AppliedCatalog = { accounts: [], products: [], agreements: [] };
    const accessKeys: AccessKey[] = [];
    const knownAccounts = new Set<string>();

    for (const a of doc.accounts ?? []) {
      const accountId = a.accountId ?? newAccountId();
      const existing = a.accountId ? await this.store.getAccount(accountId) : undefined;
      const account: Account = {
        accountId,
        name: a.name ?? existing?.name ?? `account-${accountId}`,
      };
      const keys: AccessKey[] = [];
      for (const k of a.accessKeys ?? []) {
        const prior = k.accessKeyId ? await this.store.getAccessKey(k.accessKeyId) : undefined;
        if (prior && prior.accountId !== accountId)
          throw new CatalogError(
            `accounts.${accountId}.accessKeys`,
            `access key ${prior.accessKeyId} belongs to another account`,
          );
        keys.push({
          accessKeyId: k.accessKeyId ?? newAccessKeyId(),
          accountId,
          secretAccessKey: k.secretAccessKey ?? prior?.secretAccessKey ?? newSecretAccessKey(),
          sessionToken: k.sessionToken ?? null,
          region: k.region ?? null,
        });
      }
      knownAccounts.add(accountId);
      accessKeys.push(...keys);
      applied.accounts.push({ ...account, accessKeys: keys });
    }

    const products = new Map<string, Product>();
    for (const p of doc.products ?? []) {
      if (
        !knownAccounts.has(p.sellerAccountId) &&
        !(await this.store.getAccount(p.sellerAccountId))
      )
        throw new CatalogError(
          `products.${p.productCode}.sellerAccountId`,
          `account ${p.sellerAccountId} does not exist`,
        );
      const product: Product = {
        productCode: p.productCode,
        sellerAccountId: p.sellerAccountId,
        type: p.type,
        dimensions: p.dimensions,
        fulfillmentUrl: p.fulfillmentUrl ?? null,
        meterUsageMode: p.meterUsageMode ?? 'hourly',
        publicKeyVersions: p.publicKeyVersions ?? null,
      };
      products.set(product.productCode, product);
      applied.products.push(product);
    }

    for (const a of doc.agreements ?? [])
      applied.agreements.push(await this.agreementFrom(a, products));

    await this.store.applyCatalog({
      accounts: applied.accounts.map(({ accountId, name }) => ({ accountId, name })),
      accessKeys,
      products: applied.products,
      agreements: applied.agreements,
    });
    return applied;
  }

  private async agreementFrom(
    a: AgreementDocument,
    products: Map<string, Product>,
  ): Promise<Agreement> {
    const path = `agreements.${a.productCode}.${a.customerAWSAccountId}`;
    if (!products.has(a.productCode) && !(await this.store.getProduct(a.productCode)))
      throw new CatalogError(path, `product ${a.productCode} does not exist`);
    const licenseArn = a.licenseArn ?? defaultLicenseArn(a.productCode, a.customerAWSAccountId);
    const prior = await this.store.getAgreement(licenseArn);
    if (
      prior &&
      (prior.productCode !== a.productCode || prior.customerAWSAccountId !== a.customerAWSAccountId)
    )
      throw new CatalogError(path, `licence ${licenseArn} belongs to another agreement`);
    const status = a.status ?? prior?.status ?? 'active';
    const now = this.now();
    let endedAt = a.endedAt ? new Date(a.endedAt) : null;
    if (status === 'unsubscribed' && !endedAt) endedAt = prior?.endedAt ?? now;
    if (status === 'active') endedAt = null;
    return {
      licenseArn,
      productCode: a.productCode,
      customerAWSAccountId: a.customerAWSAccountId,
      customerIdentifier:
        a.customerIdentifier ??
        prior?.customerIdentifier ??
        defaultCustomerIdentifier(a.productCode, a.customerAWSAccountId),
      status,
      // A catalog agreement that names no start existed before meterd knew of it.
      startedAt:
        a.startedAt === undefined
          ? (prior?.startedAt ?? null)
          : a.startedAt === null
            ? null
            : new Date(a.startedAt),
      endedAt,
    };
  }

  /**
   * Mints a registration token for a buyer of a SaaS product, as AWS Marketplace does when the
   * buyer subscribes; a buyer with no agreement yet gets an active one, starting now.
   */
  async mintRegistrationToken(
    productCode: string,
    customerAWSAccountId: string,
  ): Promise<RegistrationToken> {
    const product = await this.store.getProduct(productCode);
    if (!product) throw new NotFoundError(`product ${productCode} does not exist`);
    if (product.type !== 'saas')
      throw new CatalogError(
        'productCode',
        `product ${productCode} is a ${product.type} product; registration tokens are for SaaS products`,
      );
    const now = this.now();
    const agreement =
      pickAgreement(await this.store.findAgreements({ productCode, customerAWSAccountId }), now) ??
      (
        await this.apply({
          agreements: [{ productCode, customerAWSAccountId, startedAt: now.toISOString() }],
        })
      ).agreements[0]!;
    const token: RegistrationToken = {
      token: newRegistrationToken(),
      productCode,
      customerAWSAccountId,
      licenseArn: agreement.licenseArn,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.options.registrationTokenTtlSeconds * 1000),
    };
    await this.store.putRegistrationToken(token);
    return token;
  }

  /** The whole catalog as a document that `apply` accepts (secrets included). */
  async export(): Promise<CatalogDocument> {
    const keys = await this.store.listAccessKeys();
    return {
      registrationTokenTtlSeconds: this.options.registrationTokenTtlSeconds,
      accounts: (await this.store.listAccounts()).map((a) => ({
        accountId: a.accountId,
        name: a.name,
        accessKeys: keys
          .filter((k) => k.accountId === a.accountId)
          .map((k) => ({
            accessKeyId: k.accessKeyId,
            secretAccessKey: k.secretAccessKey,
            ...(k.sessionToken ? { sessionToken: k.sessionToken } : {}),
            ...(k.region ? { region: k.region } : {}),
          })),
      })),
      products: (await this.store.listProducts()).map((p) => ({
        productCode: p.productCode,
        sellerAccountId: p.sellerAccountId,
        type: p.type,
        dimensions: p.dimensions,
        meterUsageMode: p.meterUsageMode,
        ...(p.publicKeyVersions ? { publicKeyVersions: p.publicKeyVersions } : {}),
        ...(p.fulfillmentUrl ? { fulfillmentUrl: p.fulfillmentUrl } : {}),
      })),
      agreements: (await this.store.findAgreements({})).map((a) => ({
        productCode: a.productCode,
        customerAWSAccountId: a.customerAWSAccountId,
        customerIdentifier: a.customerIdentifier,
        licenseArn: a.licenseArn,
        status: a.status,
        ...(a.startedAt ? { startedAt: a.startedAt.toISOString() } : {}),
        ...(a.endedAt ? { endedAt: a.endedAt.toISOString() } : {}),
      })),
    };
  }
}
