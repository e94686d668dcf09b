/**
 * @module PostgreSQL's catalog: accounts, keys, products and agreements, registration tokens,
 * signing keys and task registrations, every read going to the database, because other
 * instances sharing it write the catalog too. Its mirror, sqlite/catalog.ts, serves reads from
 * memory: there every write goes through the one process that owns the file.
 */

import type { AuditEvent } from '../../audit/event.js';
import type { RegistrationToken, SigningKey } from '../../domain/catalog.js';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { CatalogPart } from '../parts.js';
import { agreementLookup, bulkCatalogWrites, catalogWrites } from '../plans.js';
import { deleteMany, upsertMany } from '../queries.js';
import * as rows from '../rows.js';
import type { Database } from '../schema.js';
import type { AgreementFilter, CatalogChange } from '../store.js';
import { postgresCompiler, type Statements } from './dialect.js';
import type { PgGroupCommit } from './group-commit.js';

type R<F extends (r: never) => unknown> = Parameters<F>[0];

/** The agreements of a product with any of these customers (by account id or identifier). */
function customerAgreementsQuery(
  db: Kysely<Database>,
  productCode: string,
  accounts: string[],
  identifiers: string[],
) {
  return db
    .selectFrom('agreements')
    .selectAll()
    .where('product_code', '=', productCode)
    .where((eb) =>
      eb.or([
        ...(accounts.length > 0 ? [eb('customer_aws_account_id', 'in', accounts)] : []),
        ...(identifiers.length > 0 ? [eb('customer_identifier', 'in', identifiers)] : []),
      ]),
    )
    .orderBy('started_at', (o) => o.asc().nullsFirst());
}

export class PostgresCatalog implements CatalogPart {
  constructor(
    private readonly sql: Statements,
    private readonly commits: PgGroupCommit,
    /** Writes what else a catalog change carries (notification targets and outbox messages). */
    private readonly alsoWrite: (
      client: pg.PoolClient,
      change: CatalogChange,
    ) => Promise<void> = async () => undefined,
  ) {}

  async getAccessKey(id: string) {
    const r = await this.sql.get<R<typeof rows.toAccessKey>>('getAccessKey', { id });
    return r && rows.toAccessKey(r);
  }
  async getAccount(id: string) {
    const r = await this.sql.get<R<typeof rows.toAccount>>('getAccount', { id });
    return r && rows.toAccount(r);
  }
  async getProduct(id: string) {
    const r = await this.sql.get<R<typeof rows.toProduct>>('getProduct', { id });
    return r && rows.toProduct(r);
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
    const query = customerAgreementsQuery(
      postgresCompiler,
      productCode,
      customers.accounts,
      customers.identifiers,
    );
    return (await this.sql.allOf<R<typeof rows.toAgreement>>(query)).map(rows.toAgreement);
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
    // Multi-row statements: 40,000 agreements are about a dozen round trips, not 40,000.
    const steps = bulkCatalogWrites(catalogWrites(change, Date.now()));
    await this.commits.submit(async (client) => {
      for (const s of steps)
        if ('step' in s) await this.sql.query(client, ...s.step);
        else if ('upsert' in s)
          await this.sql.run(client, upsertMany(postgresCompiler, s.upsert, s.rows));
        else await this.sql.run(client, deleteMany(postgresCompiler, s.delete, s.ids));
      await this.alsoWrite(client, change);
    });
  }
  async deleteAccessKey(id: string) {
    const deleted = await this.sql.query(this.sql.pool, 'deleteAccessKey', { id });
    return (deleted.rowCount ?? 0) > 0;
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
  async registerTask(key: string, product: string, at: Date, event: AuditEvent) {
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
