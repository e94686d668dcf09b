/**
 * @module The one code path through which the catalog file, the admin API and the CLI change
 * the catalog: it fills in defaults, checks references, and applies a change atomically.
 */

import type { CatalogChange, CatalogRemoval, Store } from '../storage/store.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type {
  AgreementDocument,
  CatalogDocument,
  EntitlementDocument,
  NotificationTargetDocument,
} from './document.js';
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
  AgreementEntitlement,
  Product,
  RegistrationToken,
} from '../domain/catalog.js';
import { entitlementValueKinds } from '../domain/catalog.js';
import { pickAgreement } from '../domain/agreements.js';
import {
  agreementNotices,
  confirmationOf,
  fanOut,
  type NewOutboxMessage,
  type Notice,
  type NotificationTarget,
} from '../domain/notifications.js';
import { systemClock, type Clock } from '../domain/clock.js';

/** The four kinds of catalog entry, as a summary names them. */
export const CATALOG_KINDS = ['accounts', 'accessKeys', 'products', 'agreements'] as const;
export type CatalogKind = (typeof CATALOG_KINDS)[number];

/** What a change did to one kind: the ids created, updated and removed, and how many stood. */
export interface KindChanges {
  created: string[];
  updated: string[];
  unchanged: number;
  removed: string[];
}
export type CatalogChanges = Record<CatalogKind, KindChanges>;

/** What an apply wrote, with generated identifiers and secrets filled in, and what changed. */
export interface AppliedCatalog {
  accounts: Array<Account & { accessKeys: AccessKey[] }>;
  products: Product[];
  agreements: Agreement[];
  /** The notification targets the document named, as stored (with their secrets). */
  notificationTargets: NotificationTarget[];
  changes: CatalogChanges;
}

/** How an apply treats what exists already. */
export interface ApplyOptions {
  /** Kinds whose named entries must not exist yet (a create): an existing one is refused. */
  create?: CatalogKind[];
  /** Delete every entry the document does not name (a catalog file made the whole truth). */
  prune?: boolean;
  /** The agreements are subscriptions whose payment failed (`subscribe-fail`). */
  failedPayment?: boolean;
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** A create of an entry that exists. */
export class AlreadyExistsError extends Error {
  override readonly name = 'AlreadyExistsError';
}

/** A delete of an entry that others still name. */
export class InUseError extends Error {
  override readonly name = 'InUseError';
}

const noChanges = (): CatalogChanges => ({
  accounts: { created: [], updated: [], unchanged: 0, removed: [] },
  accessKeys: { created: [], updated: [], unchanged: 0, removed: [] },
  products: { created: [], updated: [], unchanged: 0, removed: [] },
  agreements: { created: [], updated: [], unchanged: 0, removed: [] },
});

/** The counts of a change, per kind: what `meterd catalog apply` prints. */
export function summaryOf(changes: CatalogChanges) {
  return Object.fromEntries(
    CATALOG_KINDS.map((kind) => {
      const c = changes[kind];
      const counts = {
        created: c.created.length,
        updated: c.updated.length,
        unchanged: c.unchanged,
        removed: c.removed.length,
      };
      return [kind, counts];
    }),
  ) as Record<
    CatalogKind,
    { created: number; updated: number; unchanged: number; removed: number }
  >;
}

/** Whether two catalog entries hold the same values (dates compared as instants). */
function same(a: object, b: object): boolean {
  // Keys in order at every depth: a target's config is the same whatever order it was named in.
  const norm = (v: unknown): unknown =>
    v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date
      ? v
      : Object.entries(v)
          .sort(([x], [y]) => (x < y ? -1 : 1))
          .map(([k, inner]) => [k, norm(inner)]);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/** At most a few names, then how many more: for messages. */
function some(names: string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

/** A document this large (or a prune) reads the whole catalog once instead of entry by entry. */
const READ_WHOLE_ABOVE = 50;

/** The catalog as it stood before a change: point lookups, or the whole of it read at once. */
class Prior {
  private whole?: {
    accounts: Map<string, Account>;
    accessKeys: Map<string, AccessKey>;
    products: Map<string, Product>;
    agreements: Map<string, Agreement>;
  };

  private constructor(private readonly store: Store) {}

  static async read(store: Store, whole: boolean): Promise<Prior> {
    const prior = new Prior(store);
    if (whole) {
      const [accounts, accessKeys, products, agreements] = await Promise.all([
        store.listAccounts(),
        store.listAccessKeys(),
        store.listProducts(),
        store.findAgreements({}),
      ]);
      prior.whole = {
        accounts: new Map(accounts.map((a) => [a.accountId, a])),
        accessKeys: new Map(accessKeys.map((k) => [k.accessKeyId, k])),
        products: new Map(products.map((p) => [p.productCode, p])),
        agreements: new Map(agreements.map((a) => [a.licenseArn, a])),
      };
    }
    return prior;
  }

  /** Everything stored, when read whole. */
  get all() {
    return this.whole;
  }
  account(id: string) {
    return this.whole ? this.whole.accounts.get(id) : this.store.getAccount(id);
  }
  accessKey(id: string) {
    return this.whole ? this.whole.accessKeys.get(id) : this.store.getAccessKey(id);
  }
  product(code: string) {
    return this.whole ? this.whole.products.get(code) : this.store.getProduct(code);
  }
  agreement(arn: string) {
    return this.whole ? this.whole.agreements.get(arn) : this.store.getAgreement(arn);
  }
}

export class CatalogService {
  constructor(
    private readonly store: Store,
    private readonly options: {
      registrationTokenTtlSeconds: number;
      now?: Clock;
      /** The region in notifications' topic ARNs and events (default us-east-1). */
      region?: string;
    },
  ) {}

  private get region() {
    return this.options.region ?? 'us-east-1';
  }

  private now() {
    return (this.options.now ?? systemClock)();
  }

  get registrationTokenTtlSeconds() {
    return this.options.registrationTokenTtlSeconds;
  }

  /**
   * Applies a checked catalog document in one transaction and says what it changed; idempotent
   * for documents that name their ids. Entries that did not change are not written.
   */
  async apply(doc: CatalogDocument, options: ApplyOptions = {}): Promise<AppliedCatalog> {
    const size =
      (doc.accounts?.length ?? 0) + (doc.products?.length ?? 0) + (doc.agreements?.length ?? 0);
    const prior = await Prior.read(this.store, options.prune === true || size > READ_WHOLE_ABOVE);
    const create = new Set(options.create ?? []);
    const changes = noChanges();
    const writes: Required<Omit<CatalogChange, 'remove'>> = {
      accounts: [],
      accessKeys: [],
      products: [],
      agreements: [],
      notificationTargets: [],
      notifications: [],
    };
    /** Counts `next` as created, updated or unchanged, and queues it when it changed. */
    const track = async <K extends CatalogKind>(
      kind: K,
      id: string,
      before: Promise<unknown> | unknown,
      next: NonNullable<CatalogChange[K]>[number],
      what: string,
    ) => {
      const was = (await before) as object | undefined;
      if (was && create.has(kind)) throw new AlreadyExistsError(`${what} already exists`);
      if (!was) changes[kind].created.push(id);
      else if (same(was, next)) {
        changes[kind].unchanged++;
        return false;
      } else changes[kind].updated.push(id);
      (writes[kind] as Array<typeof next>).push(next);
      return true;
    };

    const applied: Omit<AppliedCatalog, 'changes'> = {
      accounts: [],
      products: [],
      agreements: [],
      notificationTargets: [],
    };
    const named = {
      accounts: new Set<string>(),
      accessKeys: new Set<string>(),
      products: new Set<string>(),
      agreements: new Set<string>(),
    };

    for (const a of doc.accounts ?? []) {
      const accountId = a.accountId ?? newAccountId();
      const existing = a.accountId ? await prior.account(accountId) : undefined;
      const account: Account = {
        accountId,
        name: a.name ?? existing?.name ?? `account-${accountId}`,
      };
      await track('accounts', accountId, existing, account, `account ${accountId}`);
      const keys: AccessKey[] = [];
      for (const k of a.accessKeys ?? []) {
        const before = k.accessKeyId ? await prior.accessKey(k.accessKeyId) : undefined;
        if (before && before.accountId !== accountId)
          throw new CatalogError(
            `accounts.${accountId}.accessKeys`,
            `access key ${before.accessKeyId} belongs to another account`,
          );
        const key: AccessKey = {
          accessKeyId: k.accessKeyId ?? newAccessKeyId(),
          accountId,
          secretAccessKey: k.secretAccessKey ?? before?.secretAccessKey ?? newSecretAccessKey(),
          // A key named without its secret keeps the credentials it has (an export without them).
          sessionToken:
            k.sessionToken ?? (k.secretAccessKey ? null : (before?.sessionToken ?? null)),
          region: k.region ?? null,
        };
        await track('accessKeys', key.accessKeyId, before, key, `access key ${key.accessKeyId}`);
        named.accessKeys.add(key.accessKeyId);
        keys.push(key);
      }
      named.accounts.add(accountId);
      applied.accounts.push({ ...account, accessKeys: keys });
    }

    const products = new Map<string, Product>();
    for (const p of doc.products ?? []) {
      if (
        !named.accounts.has(p.sellerAccountId) &&
        (options.prune || !(await prior.account(p.sellerAccountId)))
      )
        throw new CatalogError(
          `products.${p.productCode}.sellerAccountId`,
          `account ${p.sellerAccountId} does not exist${options.prune ? ' in the file' : ''}`,
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
      await track(
        'products',
        product.productCode,
        prior.product(product.productCode),
        product,
        `product ${product.productCode}`,
      );
      named.products.add(product.productCode);
      products.set(product.productCode, product);
      applied.products.push(product);
    }

    // Targets before agreements: a target in the document receives its agreements' notices.
    const now = this.now();
    const targets = new Map(
      (await this.store.listNotificationTargets()).map((t) => [t.id, t] as const),
    );
    for (const t of doc.notificationTargets ?? []) {
      const [target, changed, confirmation] = await this.targetFrom(t, targets, products, now);
      targets.set(target.id, target);
      applied.notificationTargets.push(target);
      if (changed) writes.notificationTargets.push(target);
      if (confirmation) writes.notifications.push(confirmation);
    }

    const notices: Notice[] = [];
    for (const a of doc.agreements ?? []) {
      const [agreement, before] = await this.agreementFrom(a, products, prior, options.prune);
      const changed = await track(
        'agreements',
        agreement.licenseArn,
        before,
        agreement,
        `agreement ${agreement.licenseArn}`,
      );
      named.agreements.add(agreement.licenseArn);
      applied.agreements.push(agreement);
      const product =
        products.get(agreement.productCode) ?? (await prior.product(agreement.productCode));
      if (changed && product)
        notices.push(
          ...agreementNotices(before, agreement, {
            now,
            product,
            region: this.region,
            ...(options.failedPayment ? { failedPayment: true } : {}),
            newId: randomUUID,
          }),
        );
    }
    writes.notifications.push(...fanOut(notices, [...targets.values()]));

    const remove: CatalogRemoval = {};
    if (options.prune && prior.all)
      for (const kind of CATALOG_KINDS) {
        const gone = [...prior.all[kind].keys()].filter((id) => !named[kind].has(id));
        changes[kind].removed.push(...gone);
        remove[kind] = gone;
      }

    await this.store.applyCatalog({ ...writes, remove });
    return { ...applied, changes };
  }

  /**
   * A target as the document names it: new (with its SubscriptionConfirmation, for sns-http),
   * changed (keeping its state: a confirmed subscription stays confirmed), or as it stands.
   */
  private async targetFrom(
    t: NotificationTargetDocument,
    stored: Map<string, NotificationTarget>,
    products: Map<string, Product>,
    now: Date,
  ): Promise<[NotificationTarget, boolean, NewOutboxMessage | undefined]> {
    const { id: named, type, topic = 'all', productCode, ...config } = t;
    const id =
      named ??
      `t-${createHash('sha256')
        .update(
          JSON.stringify([type, topic, productCode ?? null, config.endpoint ?? config.queueUrl]),
        )
        .digest('hex')
        .slice(0, 16)}`;
    const before = stored.get(id);
    if (config.accessKeyId !== undefined && config.secretAccessKey === undefined) {
      // Named without its secret (an export without secrets): the one held for this key stays.
      const held = before?.config;
      if (held?.accessKeyId !== config.accessKeyId || held.secretAccessKey === undefined)
        throw new CatalogError(
          `notificationTargets.${id}.secretAccessKey`,
          `is required: meterd holds no secret for access key ${config.accessKeyId} of this target`,
        );
      config.secretAccessKey = held.secretAccessKey;
    }
    const target: NotificationTarget = {
      id,
      type,
      topic,
      productCode: productCode ?? null,
      config,
      state: before?.state ?? (type === 'sns-http' ? 'pending-confirmation' : 'active'),
      token: before?.token ?? (type === 'sns-http' ? randomBytes(32).toString('hex') : null),
      createdAt: before?.createdAt ?? now,
    };
    if (before && before.type !== type)
      throw new CatalogError(
        `notificationTargets.${id}.type`,
        `target ${id} is a ${before.type} target`,
      );
    if (before && same(before, target)) return [before, false, undefined];
    if (before || type !== 'sns-http') return [target, true, undefined];
    const product =
      productCode === undefined
        ? undefined
        : (products.get(productCode) ?? (await this.store.getProduct(productCode)));
    const confirmation = confirmationOf(target, {
      now,
      region: this.region,
      sellerAccountId: product?.sellerAccountId ?? null,
      messageId: randomUUID(),
    });
    return [target, true, confirmation];
  }

  /** Deletes a notification target, and its messages not yet delivered. */
  async removeNotificationTarget(id: string): Promise<void> {
    if (!(await this.store.getNotificationTarget(id)))
      throw new NotFoundError(`notification target ${id} does not exist`);
    await this.store.applyCatalog({ remove: { notificationTargets: [id] } });
  }

  private async agreementFrom(
    a: AgreementDocument,
    products: Map<string, Product>,
    prior: Prior,
    prune = false,
  ): Promise<[Agreement, Agreement | undefined]> {
    const path = `agreements.${a.productCode}.${a.customerAWSAccountId}`;
    const product =
      products.get(a.productCode) ?? (prune ? undefined : await prior.product(a.productCode));
    if (!product)
      throw new CatalogError(
        path,
        `product ${a.productCode} does not exist${prune ? ' in the file' : ''}`,
      );
    const licenseArn = a.licenseArn ?? defaultLicenseArn(a.productCode, a.customerAWSAccountId);
    const before = await prior.agreement(licenseArn);
    if (
      before &&
      (before.productCode !== a.productCode ||
        before.customerAWSAccountId !== a.customerAWSAccountId)
    )
      throw new CatalogError(path, `licence ${licenseArn} belongs to another agreement`);
    const status = a.status ?? before?.status ?? 'active';
    const now = this.now();
    let endedAt = a.endedAt ? new Date(a.endedAt) : null;
    if (status === 'unsubscribed' && !endedAt) endedAt = before?.endedAt ?? now;
    if (status === 'active') endedAt = null;
    const agreement: Agreement = {
      licenseArn,
      productCode: a.productCode,
      customerAWSAccountId: a.customerAWSAccountId,
      customerIdentifier:
        a.customerIdentifier ??
        before?.customerIdentifier ??
        defaultCustomerIdentifier(a.productCode, a.customerAWSAccountId),
      status,
      // A catalog agreement that names no start existed before meterd knew of it.
      startedAt:
        a.startedAt === undefined
          ? (before?.startedAt ?? null)
          : a.startedAt === null
            ? null
            : new Date(a.startedAt),
      endedAt,
      entitlements: a.entitlements
        ? entitlementsFrom(a.entitlements, product, `${path}.entitlements`)
        : (before?.entitlements ?? []),
    };
    return [agreement, before];
  }

  /**
   * Replaces an agreement's entitlements (an empty list clears them), through the same path as
   * every agreement change; returns the agreement before and after.
   */
  async putEntitlements(
    licenseArn: string,
    entitlements: EntitlementDocument[],
  ): Promise<{ before: Agreement; after: Agreement }> {
    const before = await this.store.getAgreement(licenseArn);
    if (!before) throw new NotFoundError(`agreement ${licenseArn} does not exist`);
    const applied = await this.apply({
      agreements: [
        {
          productCode: before.productCode,
          customerAWSAccountId: before.customerAWSAccountId,
          licenseArn,
          entitlements,
        },
      ],
    });
    return { before, after: applied.agreements[0]! };
  }

  /**
   * Deletes catalog entries and says what went. An account takes its access keys with it; an
   * account that sells products, or a product with agreements, is refused unless `force`, which
   * deletes those too. Usage records and audit events stay: they are billing history.
   */
  async remove(
    target: { account: string } | { product: string } | { agreement: string },
    options: { force?: boolean } = {},
  ): Promise<CatalogChanges> {
    const changes = noChanges();
    const gone = (kind: CatalogKind, ids: string[]) => changes[kind].removed.push(...ids);
    const removeProducts = async (codes: string[], owner?: string) => {
      const agreements = (
        await Promise.all(codes.map((productCode) => this.store.findAgreements({ productCode })))
      ).flat();
      if (agreements.length > 0 && !options.force)
        throw new InUseError(
          `${owner ?? `product ${codes[0]}`} has agreements (${some(agreements.map((a) => a.licenseArn))}); delete them first, or delete with force (--force, force=true) to remove them too`,
        );
      gone(
        'agreements',
        agreements.map((a) => a.licenseArn),
      );
      gone('products', codes);
    };
    if ('account' in target) {
      const id = target.account;
      if (!(await this.store.getAccount(id)))
        throw new NotFoundError(`account ${id} does not exist`);
      const sold = (await this.store.listProducts())
        .filter((p) => p.sellerAccountId === id)
        .map((p) => p.productCode);
      if (sold.length > 0 && !options.force)
        throw new InUseError(
          `account ${id} sells products (${some(sold)}); delete them first, or delete with force (--force, force=true) to remove them and their agreements too`,
        );
      if (sold.length > 0) await removeProducts(sold, `account ${id}`);
      gone(
        'accessKeys',
        (await this.store.listAccessKeys(id)).map((k) => k.accessKeyId),
      );
      gone('accounts', [id]);
    } else if ('product' in target) {
      if (!(await this.store.getProduct(target.product)))
        throw new NotFoundError(`product ${target.product} does not exist`);
      await removeProducts([target.product]);
    } else {
      if (!(await this.store.getAgreement(target.agreement)))
        throw new NotFoundError(`agreement ${target.agreement} does not exist`);
      gone('agreements', [target.agreement]);
    }
    await this.store.applyCatalog({
      remove: Object.fromEntries(CATALOG_KINDS.map((k) => [k, changes[k].removed])),
    });
    return changes;
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

  /**
   * The whole catalog as a document that `apply` accepts. Without secrets, applying it keeps
   * the secrets a meterd holds (and generates new ones where it holds none).
   */
  async export(options: { secrets?: boolean } = {}): Promise<CatalogDocument> {
    const secrets = options.secrets ?? true;
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
            ...(secrets ? { secretAccessKey: k.secretAccessKey } : {}),
            ...(k.sessionToken && secrets ? { sessionToken: k.sessionToken } : {}),
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
        ...(a.entitlements.length > 0
          ? { entitlements: a.entitlements.map(entitlementDocument) }
          : {}),
      })),
      notificationTargets: (await this.store.listNotificationTargets()).map((t) => {
        const { secretAccessKey, ...config } = t.config;
        return {
          id: t.id,
          type: t.type,
          topic: t.topic,
          ...(t.productCode ? { productCode: t.productCode } : {}),
          ...config,
          ...(secrets && secretAccessKey !== undefined ? { secretAccessKey } : {}),
        };
      }),
    };
  }
}

/**
 * An agreement's entitlements from their documents: each dimension must be one of the
 * product's, as AWS Marketplace's contract dimensions are the product's own.
 */
function entitlementsFrom(
  docs: EntitlementDocument[],
  product: Product,
  path: string,
): AgreementEntitlement[] {
  return docs.map((e, i) => {
    if (!product.dimensions.includes(e.dimension))
      throw new CatalogError(
        `${path}[${i}].dimension`,
        `'${e.dimension}' is not a dimension of product ${product.productCode} (${product.dimensions.join(', ')})`,
      );
    const { dimension, expirationDate, ...value } = e;
    return {
      dimension,
      ...value,
      expirationDate: expirationDate ? new Date(expirationDate) : null,
    } as AgreementEntitlement;
  });
}

/** An entitlement as a catalog document writes it. */
export function entitlementDocument(e: AgreementEntitlement): EntitlementDocument {
  const kind = entitlementValueKinds.find((k) => k in e)!;
  return {
    dimension: e.dimension,
    [kind]: (e as Record<string, unknown>)[kind],
    ...(e.expirationDate ? { expirationDate: e.expirationDate.toISOString() } : {}),
  } as EntitlementDocument;
}
