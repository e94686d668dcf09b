/**
 * @module SQLite's catalog: accounts, keys, products and agreements read from memory after
 * their first lookup (a metering call's customers come from a per-product index of its
 * agreements), registration tokens, signing keys and task registrations. Every catalog write
 * goes through this process (it alone has the data directory), which then forgets all it
 * cached. Its mirror, postgres/catalog.ts, reads through: other instances write there too.
 */

import type { EventToStore } from '../../audit/call.js';
import type { Agreement, RegistrationToken, SigningKey } from '../../domain/catalog.js';
import type { CatalogPart } from '../parts.js';
import { agreementLookup, catalogWrites } from '../plans.js';
import type { QueryName } from '../queries.js';
import * as rows from '../rows.js';
import type { AgreementFilter, CatalogChange } from '../store.js';
import type { Statements } from './dialect.js';
import type { GroupCommit } from './group-commit.js';

/** Catalog lookups kept in memory; past this many, the cache starts over. */
const MAX_CACHED = 100_000;

type R<F extends (r: never) => unknown> = Parameters<F>[0];

interface Customers {
  byAccount: Map<string, Agreement[]>;
  byIdentifier: Map<string, Agreement[]>;
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class SqliteCatalog implements CatalogPart {
  private readonly cache = new Map<string, unknown>();
  private readonly customers = new Map<string, Customers>();

  constructor(
    private readonly sql: Statements<QueryName>,
    private readonly commits: GroupCommit,
    /** Writes what else a catalog change carries (notification targets and outbox messages). */
    private readonly alsoWrite: (change: CatalogChange) => void = () => undefined,
  ) {}

  private forget(): void {
    this.cache.clear();
    this.customers.clear();
  }

  /** A catalog lookup, from memory after the first time. */
  private cached<T>(key: string, load: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const value = load();
    if (this.cache.size >= MAX_CACHED) this.forget();
    this.cache.set(key, value);
    return value;
  }

  async getAccessKey(id: string) {
    return this.cached(`key\0${id}`, () => {
      const r = this.sql.get<R<typeof rows.toAccessKey>>('getAccessKey', { id });
      return r && rows.toAccessKey(r);
    });
  }
  async getAccount(id: string) {
    const r = this.sql.get<R<typeof rows.toAccount>>('getAccount', { id });
    return r && rows.toAccount(r);
  }
  async getProduct(id: string) {
    return this.cached(`product\0${id}`, () => {
      const r = this.sql.get<R<typeof rows.toProduct>>('getProduct', { id });
      return r && rows.toProduct(r);
    });
  }
  async getAgreement(id: string) {
    return this.cached(`agreement\0${id}`, () => {
      const r = this.sql.get<R<typeof rows.toAgreement>>('getAgreement', { id });
      return r && rows.toAgreement(r);
    });
  }
  async findAgreements(f: AgreementFilter) {
    // One customer's agreements (every metering call asks) come from the product's index.
    if (f.productCode !== undefined && f.customerIdentifier !== undefined)
      return [...(this.customersOf(f.productCode).byIdentifier.get(f.customerIdentifier) ?? [])];
    if (f.productCode !== undefined && f.customerAWSAccountId !== undefined)
      return [...(this.customersOf(f.productCode).byAccount.get(f.customerAWSAccountId) ?? [])];
    const [name, values] = agreementLookup(f);
    return this.sql.all<R<typeof rows.toAgreement>>(name, values).map(rows.toAgreement);
  }
  async findCustomerAgreements(
    productCode: string,
    customers: { accounts: string[]; identifiers: string[] },
  ) {
    const product = this.customersOf(productCode);
    const found: Agreement[] = [];
    for (const a of customers.accounts) found.push(...(product.byAccount.get(a) ?? []));
    for (const i of customers.identifiers) found.push(...(product.byIdentifier.get(i) ?? []));
    return found;
  }
  /** A product's agreements by customer, read whole on the product's first metering call. */
  private customersOf(productCode: string): Customers {
    let product = this.customers.get(productCode);
    if (!product) {
      product = { byAccount: new Map(), byIdentifier: new Map() };
      const all = this.sql.all<R<typeof rows.toAgreement>>('agreementsByProduct', {
        product: productCode,
      });
      for (const agreement of all.map(rows.toAgreement)) {
        append(product.byAccount, agreement.customerAWSAccountId, agreement);
        append(product.byIdentifier, agreement.customerIdentifier, agreement);
      }
      this.customers.set(productCode, product);
    }
    return product;
  }
  async listAccounts() {
    return this.sql.all<R<typeof rows.toAccount>>('listAccounts').map(rows.toAccount);
  }
  async listAccessKeys(accountId?: string) {
    const found =
      accountId === undefined
        ? this.sql.all<R<typeof rows.toAccessKey>>('listAccessKeys')
        : this.sql.all<R<typeof rows.toAccessKey>>('listAccessKeysOf', { account: accountId });
    return found.map(rows.toAccessKey);
  }
  async listProducts() {
    return this.sql.all<R<typeof rows.toProduct>>('listProducts').map(rows.toProduct);
  }

  async applyCatalog(change: CatalogChange) {
    const steps = catalogWrites(change, Date.now());
    try {
      await this.commits.submit(() => {
        for (const [name, values] of steps) this.sql.run(name, values);
        this.alsoWrite(change);
      });
    } finally {
      this.forget();
    }
  }
  async deleteAccessKey(id: string) {
    try {
      return await this.commits.submit(() => this.sql.run('deleteAccessKey', { id }).changes > 0);
    } finally {
      this.forget();
    }
  }
  async putRegistrationToken(token: RegistrationToken) {
    await this.commits.submit(() => this.sql.run('putToken', rows.tokenParams(token)));
  }
  async getRegistrationToken(id: string) {
    const r = this.sql.get<R<typeof rows.toToken>>('getToken', { id });
    return r && rows.toToken(r);
  }

  async listSigningKeys() {
    return this.sql.all<R<typeof rows.toSigningKey>>('listSigningKeys').map(rows.toSigningKey);
  }
  async rotateSigningKey(key: SigningKey, previousExpiresAt: Date) {
    await this.commits.submit(() => {
      for (const prior of this.sql.all<R<typeof rows.toSigningKey>>('listSigningKeys'))
        if (prior.expires_at === null)
          this.sql.run('expireSigningKey', {
            version: prior.version,
            expires_at: previousExpiresAt.getTime(),
          });
      this.sql.run('insertSigningKey', rows.signingKeyParams(key));
    });
  }
  async isTaskRegistered(key: string, product: string) {
    return this.sql.get('getTaskRegistration', { key, product }) !== undefined;
  }
  async registerTask(key: string, product: string, at: Date, event: EventToStore) {
    await this.commits.submit(() => {
      this.sql.run('insertTaskRegistration', {
        access_key_id: key,
        product_code: product,
        registered_at: at.getTime(),
      });
      this.sql.run('insertEvent', rows.eventParams(event));
    });
  }
}
