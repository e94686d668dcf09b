/**
 * @module PostgreSQL's catalog: accounts, keys, products and agreements, registration tokens,
 * signing keys and task registrations. The reads of the metering hot path (an access key, a
 * product, a product's agreements) are served from memory; every catalog write bumps the row
 * of `catalog_version` in its transaction, and each instance re-reads that row every
 * `refreshMs` (storage/versioned-row.ts) and drops its cache when the version moved, so a change
 * made through another instance is seen within about `refreshMs`; one made through this
 * instance at once. Its mirror, sqlite/catalog.ts, needs no version: one process owns the file.
 */

import type { EventToStore } from '../../audit/call.js';
import type {
  AccessKey,
  Agreement,
  Product,
  RegistrationToken,
  SigningKey,
} from '../../domain/catalog.js';
import type pg from 'pg';
import type { CatalogPart } from '../parts.js';
import { agreementLookup, bulkCatalogWrites, catalogWrites } from '../plans.js';
import { deleteMany, upsertMany } from '../queries.js';
import * as rows from '../rows.js';
import type { AgreementFilter, CatalogChange } from '../store.js';
import { postgresCompiler, type Statements } from './dialect.js';
import { VersionWatch } from '../versioned-row.js';
import { transient, type PgGroupCommit } from './group-commit.js';

type R<F extends (r: never) => unknown> = Parameters<F>[0];

/** How often the catalog's version is read again, by default (milliseconds). */
export const DEFAULT_CATALOG_REFRESH_MS = 1000;

const BUMP = `insert into catalog_version (id, version) values (1, 1)
  on conflict (id) do update set version = catalog_version.version + 1 returning version`;

/** A product's agreements, found by account id and by customer identifier. */
interface ProductAgreements {
  byAccount: Map<string, Agreement[]>;
  byIdentifier: Map<string, Agreement[]>;
}

const started = (a: Agreement) => a.startedAt?.getTime() ?? Number.NEGATIVE_INFINITY;

function indexAgreements(list: Agreement[]): ProductAgreements {
  const byAccount = new Map<string, Agreement[]>();
  const byIdentifier = new Map<string, Agreement[]>();
  const add = (m: Map<string, Agreement[]>, k: string | null, a: Agreement) => {
    if (k === null) return;
    const l = m.get(k);
    if (l) l.push(a);
    else m.set(k, [a]);
  };
  for (const a of list) {
    add(byAccount, a.customerAWSAccountId, a);
    add(byIdentifier, a.customerIdentifier, a);
  }
  return { byAccount, byIdentifier };
}

export class PostgresCatalog implements CatalogPart {
  private keys = new Map<string, Promise<AccessKey | undefined>>();
  private products = new Map<string, Promise<Product | undefined>>();
  private agreements = new Map<string, Promise<ProductAgreements>>();
  /** Bumped on every drop, so that a read begun before it does not fill the new cache. */
  private generation = 0;
  private watch: VersionWatch<{ version: number }> | undefined;

  constructor(
    private readonly sql: Statements,
    private readonly commits: PgGroupCommit,
    /** Writes what else a catalog change carries (notification targets and outbox messages). */
    private readonly alsoWrite: (
      client: pg.PoolClient,
      change: CatalogChange,
    ) => Promise<void> = async () => undefined,
    private readonly refreshMs = DEFAULT_CATALOG_REFRESH_MS,
  ) {}

  /** Starts re-reading the catalog's version (once the schema exists). */
  async start() {
    this.watch = await VersionWatch.start({
      read: () => this.readVersion(),
      onChange: () => this.forget(),
      everyMs: this.refreshMs,
    });
  }
  stop() {
    this.watch?.stop();
  }

  private async readVersion() {
    try {
      const r = await this.sql.pool.query<{ version: string }>(
        'select version from catalog_version where id = 1',
      );
      return { version: Number(r.rows[0]?.version ?? 0) };
    } catch (error) {
      throw transient(error);
    }
  }

  /** Bumps the catalog's version in a write's transaction; returns the new version. */
  private async bump(client: pg.PoolClient) {
    return Number((await client.query<{ version: string }>(BUMP)).rows[0]?.version);
  }

  /** Drops every cached read. */
  private forget() {
    this.generation++;
    this.keys = new Map();
    this.products = new Map();
    this.agreements = new Map();
  }

  /** After a write through this instance commits: its own reads see it at once. */
  private wrote(version: number) {
    this.forget();
    this.watch?.seen(version);
  }

  /** A cached read: one database read per key until the cache is dropped; failures not kept. */
  private cached<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>) {
    const hit = map.get(key);
    if (hit) return hit;
    const generation = this.generation;
    const p = load();
    map.set(key, p);
    p.catch(() => map.get(key) === p && map.delete(key));
    void p.then(
      () => generation !== this.generation && map.delete(key),
      () => undefined,
    );
    return p;
  }

  /**
   * A cached read that found nothing is checked against the stored version before it is
   * believed: what another instance has just created is found at once, and only a change or a
   * removal may take up to `refreshMs` to be seen here. A miss costs one read of the version.
   */
  private async confirmed<T>(read: () => Promise<T>, missing: (value: T) => boolean) {
    const first = await read();
    if (!missing(first) || !this.watch) return first;
    const generation = this.generation;
    await this.watch.refresh();
    return generation === this.generation ? first : read();
  }

  getAccessKey(id: string) {
    return this.confirmed(
      () =>
        this.cached(this.keys, id, async () => {
          const r = await this.sql.get<R<typeof rows.toAccessKey>>('getAccessKey', { id });
          return r && rows.toAccessKey(r);
        }),
      (key) => key === undefined,
    );
  }
  async getAccount(id: string) {
    const r = await this.sql.get<R<typeof rows.toAccount>>('getAccount', { id });
    return r && rows.toAccount(r);
  }
  getProduct(id: string) {
    return this.confirmed(
      () =>
        this.cached(this.products, id, async () => {
          const r = await this.sql.get<R<typeof rows.toProduct>>('getProduct', { id });
          return r && rows.toProduct(r);
        }),
      (product) => product === undefined,
    );
  }
  async getAgreement(id: string) {
    const r = await this.sql.get<R<typeof rows.toAgreement>>('getAgreement', { id });
    return r && rows.toAgreement(r);
  }
  async findAgreements(f: AgreementFilter) {
    const [name, values] = agreementLookup(f);
    return (await this.sql.all<R<typeof rows.toAgreement>>(name, values)).map(rows.toAgreement);
  }
  async findCustomerAgreements(
    productCode: string,
    customers: { accounts: string[]; identifiers: string[] },
  ) {
    if (customers.accounts.length === 0 && customers.identifiers.length === 0) return [];
    // A product's agreements are read whole on its first call, then looked up in memory.
    const all = await this.confirmed(
      () =>
        this.cached(this.agreements, productCode, async () =>
          indexAgreements(
            (
              await this.sql.all<R<typeof rows.toAgreement>>('agreementsByProduct', {
                product: productCode,
              })
            ).map(rows.toAgreement),
          ),
        ),
      (known) =>
        customers.accounts.some((a) => !known.byAccount.has(a)) ||
        customers.identifiers.some((i) => !known.byIdentifier.has(i)),
    );
    const found = new Set<Agreement>();
    for (const a of customers.accounts) for (const x of all.byAccount.get(a) ?? []) found.add(x);
    for (const i of customers.identifiers)
      for (const x of all.byIdentifier.get(i) ?? []) found.add(x);
    // As the query orders them: by start, those without one first (a stable sort keeps ties).
    return [...found].sort((x, y) => started(x) - started(y));
  }
  async listAccounts() {
    return (await this.sql.all<R<typeof rows.toAccount>>('listAccounts')).map(rows.toAccount);
  }
  async listAccessKeys(accountId?: string) {
    const found =
      accountId === undefined
        ? await this.sql.all<R<typeof rows.toAccessKey>>('listAccessKeys')
        : await this.sql.all<R<typeof rows.toAccessKey>>('listAccessKeysOf', {
            account: accountId,
          });
    return found.map(rows.toAccessKey);
  }
  async listProducts() {
    return (await this.sql.all<R<typeof rows.toProduct>>('listProducts')).map(rows.toProduct);
  }

  async applyCatalog(change: CatalogChange) {
    // Multi-row statements: 40,000 agreements are about 75 round trips, not 40,000.
    const steps = bulkCatalogWrites(catalogWrites(change, Date.now()));
    const version = await this.commits.submit(async (client) => {
      for (const s of steps)
        if ('step' in s) await this.sql.query(client, ...s.step);
        else if ('upsert' in s)
          await this.sql.run(client, upsertMany(postgresCompiler, s.upsert, s.rows));
        else await this.sql.run(client, deleteMany(postgresCompiler, s.delete, s.ids));
      await this.alsoWrite(client, change);
      return this.bump(client);
    });
    this.wrote(version);
  }
  async deleteAccessKey(id: string) {
    const [deleted, version] = await this.commits.submit(async (client) => {
      const d = await this.sql.query(client, 'deleteAccessKey', { id });
      return [(d.rowCount ?? 0) > 0, await this.bump(client)] as const;
    });
    this.wrote(version);
    return deleted;
  }
  async putRegistrationToken(token: RegistrationToken) {
    await this.commits.submit((client) =>
      this.sql.query(client, 'putToken', rows.tokenParams(token)),
    );
  }
  async getRegistrationToken(id: string) {
    const r = await this.sql.get<R<typeof rows.toToken>>('getToken', { id });
    return r && rows.toToken(r);
  }

  async listSigningKeys() {
    const found = await this.sql.all<R<typeof rows.toSigningKey>>('listSigningKeys');
    return found.map(rows.toSigningKey);
  }
  async rotateSigningKey(key: SigningKey, previousExpiresAt: Date) {
    await this.commits.submit(async (client) => {
      await client.query('lock table signing_keys in exclusive mode');
      const prior = (await this.sql.query<R<typeof rows.toSigningKey>>(client, 'listSigningKeys'))
        .rows;
      for (const p of prior)
        if (p.expires_at === null)
          await this.sql.query(client, 'expireSigningKey', {
            version: p.version,
            expires_at: previousExpiresAt.getTime(),
          });
      // Another instance may have rotated meanwhile: the new version follows every stored one.
      const version = Math.max(key.version, ...prior.map((p) => Number(p.version) + 1));
      await this.sql.query(client, 'insertSigningKey', rows.signingKeyParams({ ...key, version }));
    });
  }
  async isTaskRegistered(key: string, product: string) {
    return (await this.sql.get('getTaskRegistration', { key, product })) !== undefined;
  }
  async registerTask(key: string, product: string, at: Date, event: EventToStore) {
    await this.commits.submit(async (client) => {
      await this.sql.query(client, 'insertTaskRegistration', {
        access_key_id: key,
        product_code: product,
        registered_at: at.getTime(),
      });
      await this.sql.query(client, 'insertEvent', rows.eventParams(event));
    });
  }
}
