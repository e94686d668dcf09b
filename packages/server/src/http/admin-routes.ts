/**
 * @module The admin API under /admin/v1: the catalog (accounts, keys, products, agreements),
 * registration tokens, signing keys, the audit trail and usage reports. Bearer-token protected.
 */

import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  parseAccessKey,
  parseAccount,
  parseAgreement,
  parseEntitlements,
  parseCatalogDocument,
  parseProduct,
  ACCOUNT_ID,
} from '../catalog/document.js';
import type { Agreement } from '../domain/catalog.js';
import {
  NotFoundError,
  entitlementDocument,
  summaryOf,
  type CatalogChanges,
  type CatalogService,
} from '../catalog/service.js';
import { DEFAULT_ROTATION_GRACE_SECONDS, type SigningKeys } from '../catalog/signing-keys.js';
import { subscribe, SubscribeError, type SubscribeSteps } from '../catalog/subscribe.js';
import { NUL, UNPAIRED_SURROGATE } from '../protocol/validate.js';
import type { MeteringOperation, Store } from '../storage/store.js';
import { requireAdmin } from './admin-auth.js';
import { AdminError } from './errors.js';
import { notificationRoutes } from './notification-routes.js';
import { reportRoutes } from './report-routes.js';
import type { SnsSigner } from '../notify/sns-signing.js';

export interface AdminOptions {
  store: Store;
  catalog: CatalogService;
  signingKeys: SigningKeys;
  adminToken: string;
  /** The SNS signer: serves the notification targets and the delivery log when given. */
  signer?: SnsSigner;
}

const MAX_PAGE = 1000;

type Query = Record<string, string | undefined>;

function time(q: Query, name: string): Date | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  const date = /^\d+(\.\d+)?$/.test(v) ? new Date(Number(v) * 1000) : new Date(v);
  if (Number.isNaN(date.getTime()))
    throw new AdminError(
      400,
      'InvalidParameter',
      `${name} must be an ISO-8601 time or epoch seconds`,
    );
  return date;
}

function limit(q: Query): number {
  const v = q.limit === undefined ? 100 : Number(q.limit);
  if (!Number.isInteger(v) || v < 1 || v > MAX_PAGE)
    throw new AdminError(
      400,
      'InvalidParameter',
      `limit must be a whole number from 1 to ${MAX_PAGE}`,
    );
  return v;
}

/** A yes/no query parameter: `true`/`false` (or `1`/`0`); absent gives `absent`. */
function flag(q: Query, name: string, absent: boolean): boolean {
  const v = q[name];
  if (v === undefined || v === '') return absent;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new AdminError(400, 'InvalidParameter', `${name} must be true or false`);
}

/** What a delete removed, by kind (the kinds it removed nothing of left out). */
const removedOf = (changes: CatalogChanges) => ({
  removed: Object.fromEntries(
    Object.entries(changes)
      .filter(([, c]) => c.removed.length > 0)
      .map(([kind, c]) => [kind, c.removed]),
  ),
});

/** An events page token: the sequence number of the last event seen. */
function sequence(after: string): number {
  if (!/^\d{1,15}$/.test(after))
    throw new AdminError(400, 'InvalidParameter', 'after must be a nextToken of /events');
  return Number(after);
}

/** Whether any string (or member name) in `value` could not be stored as given. */
function hasUnstorableText(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (typeof next === 'string') {
      if (NUL.test(next) || UNPAIRED_SURROGATE.test(next)) return true;
    } else if (next !== null && typeof next === 'object')
      for (const [k, v] of Object.entries(next)) stack.push(k, v);
  }
  return false;
}

const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;

export async function adminRoutes(app: FastifyInstance, options: AdminOptions) {
  const { store, catalog, signingKeys } = options;

  app.addHook('onRequest', async (request) => {
    requireAdmin(request, options.adminToken);
  });
  app.addHook('preHandler', async (request) => {
    if ([request.params, request.query, request.body].some(hasUnstorableText))
      throw new AdminError(
        400,
        'InvalidParameter',
        'Text must not contain the NUL character (U+0000) or unpaired surrogates.',
      );
  });

  // The catalog as a whole. An apply answers what it changed, never a secret.
  app.get<{ Querystring: Query }>('/catalog', async (request) =>
    catalog.export({ secrets: flag(request.query, 'secrets', true) }),
  );
  app.post<{ Querystring: Query }>('/catalog', async (request) => {
    const prune = flag(request.query, 'prune', false);
    const { changes } = await catalog.apply(parseCatalogDocument(request.body), { prune });
    return { summary: summaryOf(changes), changes };
  });

  // Accounts and their access keys.
  app.get('/accounts', async () => {
    const keys = await store.listAccessKeys();
    return {
      accounts: (await store.listAccounts()).map((a) => ({
        ...a,
        accessKeyIds: keys.filter((k) => k.accountId === a.accountId).map((k) => k.accessKeyId),
      })),
    };
  });
  app.post('/accounts', async (request, reply) => {
    const doc = parseAccount(request.body ?? {}, 'account');
    if (!doc.accessKeys) doc.accessKeys = [{}];
    const applied = await catalog.apply(
      { accounts: [doc] },
      { create: ['accounts', 'accessKeys'] },
    );
    return reply.code(201).send(applied.accounts[0]);
  });
  app.put<{ Params: { accountId: string } }>('/accounts/:accountId', async (request) => {
    const doc = parseAccount({ ...body(request), accountId: request.params.accountId }, 'account');
    return (await catalog.apply({ accounts: [doc] })).accounts[0];
  });
  app.delete<{ Params: { accountId: string }; Querystring: Query }>(
    '/accounts/:accountId',
    async (request) =>
      removedOf(
        await catalog.remove(
          { account: request.params.accountId },
          { force: flag(request.query, 'force', false) },
        ),
      ),
  );
  app.get<{ Params: { accountId: string } }>('/accounts/:accountId', async (request) => {
    const account = await store.getAccount(request.params.accountId);
    if (!account) throw new NotFoundError(`account ${request.params.accountId} does not exist`);
    const keys = await store.listAccessKeys(account.accountId);
    return { ...account, accessKeys: keys.map(({ secretAccessKey: _, ...k }) => k) };
  });
  app.post<{ Params: { accountId: string } }>(
    '/accounts/:accountId/access-keys',
    async (request, reply) => {
      const { accountId } = request.params;
      if (!ACCOUNT_ID.test(accountId) || !(await store.getAccount(accountId)))
        throw new NotFoundError(`account ${accountId} does not exist`);
      const key = parseAccessKey(request.body ?? {}, 'accessKey');
      const applied = await catalog.apply(
        { accounts: [{ accountId, accessKeys: [key] }] },
        { create: ['accessKeys'] },
      );
      return reply.code(201).send(applied.accounts[0]!.accessKeys[0]);
    },
  );
  app.put<{ Params: { accountId: string; accessKeyId: string } }>(
    '/accounts/:accountId/access-keys/:accessKeyId',
    async (request) => {
      const { accountId, accessKeyId } = request.params;
      if (!ACCOUNT_ID.test(accountId) || !(await store.getAccount(accountId)))
        throw new NotFoundError(`account ${accountId} does not exist`);
      const key = parseAccessKey({ ...body(request), accessKeyId }, 'accessKey');
      const applied = await catalog.apply({ accounts: [{ accountId, accessKeys: [key] }] });
      return applied.accounts[0]!.accessKeys[0];
    },
  );
  app.delete<{ Params: { accessKeyId: string } }>(
    '/access-keys/:accessKeyId',
    async (request, reply) => {
      if (!(await store.deleteAccessKey(request.params.accessKeyId)))
        throw new NotFoundError(`access key ${request.params.accessKeyId} does not exist`);
      return reply.code(204).send();
    },
  );

  // Products.
  app.get('/products', async () => ({ products: await store.listProducts() }));
  app.get<{ Params: { productCode: string } }>('/products/:productCode', async (request) => {
    const product = await store.getProduct(request.params.productCode);
    if (!product) throw new NotFoundError(`product ${request.params.productCode} does not exist`);
    return product;
  });
  app.post('/products', async (request, reply) => {
    const doc = parseProduct(request.body ?? {}, 'product');
    const applied = await catalog.apply({ products: [doc] }, { create: ['products'] });
    return reply.code(201).send(applied.products[0]);
  });
  app.put<{ Params: { productCode: string } }>('/products/:productCode', async (request) => {
    const doc = parseProduct(
      { ...body(request), productCode: request.params.productCode },
      'product',
    );
    return (await catalog.apply({ products: [doc] })).products[0];
  });
  app.delete<{ Params: { productCode: string }; Querystring: Query }>(
    '/products/:productCode',
    async (request) =>
      removedOf(
        await catalog.remove(
          { product: request.params.productCode },
          { force: flag(request.query, 'force', false) },
        ),
      ),
  );

  // Agreements.
  app.get<{ Querystring: Query }>('/agreements', async (request) => {
    const q = request.query;
    return {
      agreements: await store.findAgreements({
        ...(q.productCode ? { productCode: q.productCode } : {}),
        ...(q.customerAWSAccountId ? { customerAWSAccountId: q.customerAWSAccountId } : {}),
      }),
    };
  });
  // A subscription; with `failPayment: true`, one whose payment failed (subscribe-fail): the
  // agreement is kept suspended.
  app.post('/agreements', async (request, reply) => {
    const { failPayment, ...rest } = body(request);
    if (failPayment !== undefined && typeof failPayment !== 'boolean')
      throw new AdminError(400, 'InvalidParameter', 'failPayment must be true or false');
    const doc = parseAgreement(failPayment ? { ...rest, status: 'suspended' } : rest, 'agreement');
    const applied = await catalog.apply(
      { agreements: [doc] },
      { create: ['agreements'], ...(failPayment ? { failedPayment: true } : {}) },
    );
    return reply.code(201).send(applied.agreements[0]);
  });
  app.get<{ Params: { licenseArn: string } }>('/agreements/:licenseArn', async (request) => {
    const agreement = await store.getAgreement(request.params.licenseArn);
    if (!agreement)
      throw new NotFoundError(`agreement ${request.params.licenseArn} does not exist`);
    return agreement;
  });
  app.put<{ Params: { licenseArn: string } }>('/agreements/:licenseArn', async (request) => {
    const doc = parseAgreement(
      { ...body(request), licenseArn: request.params.licenseArn },
      'agreement',
    );
    return (await catalog.apply({ agreements: [doc] })).agreements[0];
  });
  app.delete<{ Params: { licenseArn: string } }>('/agreements/:licenseArn', async (request) =>
    removedOf(await catalog.remove({ agreement: request.params.licenseArn })),
  );
  app.patch<{ Params: { licenseArn: string } }>('/agreements/:licenseArn', async (request) => {
    const prior = await store.getAgreement(request.params.licenseArn);
    if (!prior) throw new NotFoundError(`agreement ${request.params.licenseArn} does not exist`);
    const doc = parseAgreement(
      {
        productCode: prior.productCode,
        customerAWSAccountId: prior.customerAWSAccountId,
        licenseArn: prior.licenseArn,
        ...body(request),
      },
      'agreement',
    );
    return (await catalog.apply({ agreements: [doc] })).agreements[0];
  });

  // An agreement's entitlements (what GetEntitlements answers), replaced as a whole.
  const entitlementsOf = (agreement: Agreement) => ({
    licenseArn: agreement.licenseArn,
    entitlements: agreement.entitlements.map(entitlementDocument),
  });
  app.get<{ Params: { licenseArn: string } }>(
    '/agreements/:licenseArn/entitlements',
    async (request) => {
      const agreement = await store.getAgreement(request.params.licenseArn);
      if (!agreement)
        throw new NotFoundError(`agreement ${request.params.licenseArn} does not exist`);
      return entitlementsOf(agreement);
    },
  );
  app.put<{ Params: { licenseArn: string } }>(
    '/agreements/:licenseArn/entitlements',
    async (request) => {
      const b = body(request);
      if (!Array.isArray(b.entitlements))
        throw new AdminError(400, 'InvalidParameter', 'entitlements must be a list');
      const list = parseEntitlements(b.entitlements, 'entitlements');
      const { after } = await catalog.putEntitlements(request.params.licenseArn, list);
      return entitlementsOf(after);
    },
  );
  app.delete<{ Params: { licenseArn: string } }>(
    '/agreements/:licenseArn/entitlements',
    async (request) =>
      entitlementsOf((await catalog.putEntitlements(request.params.licenseArn, [])).after),
  );

  // Registration tokens, as AWS Marketplace mints them when a buyer subscribes.
  app.post('/registration-tokens', async (request, reply) => {
    const b = body(request);
    if (typeof b.productCode !== 'string' || typeof b.customerAWSAccountId !== 'string')
      throw new AdminError(
        400,
        'InvalidParameter',
        'productCode and customerAWSAccountId are required strings',
      );
    if (!ACCOUNT_ID.test(b.customerAWSAccountId))
      throw new AdminError(
        400,
        'InvalidParameter',
        'customerAWSAccountId must be a 12-digit account id',
      );
    const token = await catalog.mintRegistrationToken(b.productCode, b.customerAWSAccountId);
    return reply.code(201).send({
      registrationToken: token.token,
      expiresAt: token.expiresAt.toISOString(),
      productCode: token.productCode,
      customerAWSAccountId: token.customerAWSAccountId,
      licenseArn: token.licenseArn,
    });
  });

  // A buyer subscribing to a SaaS product, as `meterd subscribe` does it (catalog/subscribe.ts),
  // run by meterd itself: the token is minted and posted to the fulfillment URL from here.
  app.post('/subscriptions', async (request, reply) => {
    const b = body(request);
    const { productCode, customerAWSAccountId, fulfillmentUrl, freeTrial } = b;
    if (typeof productCode !== 'string' || typeof customerAWSAccountId !== 'string')
      throw new AdminError(
        400,
        'InvalidParameter',
        'productCode and customerAWSAccountId are required strings',
      );
    if (!ACCOUNT_ID.test(customerAWSAccountId))
      throw new AdminError(
        400,
        'InvalidParameter',
        'customerAWSAccountId must be a 12-digit account id',
      );
    if (fulfillmentUrl !== undefined && typeof fulfillmentUrl !== 'string')
      throw new AdminError(400, 'InvalidParameter', 'fulfillmentUrl must be a string');
    if (freeTrial !== undefined && typeof freeTrial !== 'boolean')
      throw new AdminError(400, 'InvalidParameter', 'freeTrial must be true or false');
    try {
      const result = await subscribe(catalogSteps(store, catalog), {
        productCode,
        customerAwsAccountId: customerAWSAccountId,
        ...(fulfillmentUrl ? { fulfillmentUrl } : {}),
        ...(freeTrial ? { freeTrial } : {}),
      });
      return reply.code(201).send(result);
    } catch (error) {
      if (!(error instanceof SubscribeError)) throw error;
      throw error.invalidInput
        ? new AdminError(400, 'InvalidParameter', error.message)
        : new AdminError(502, 'FulfillmentFailed', error.message);
    }
  });

  // Signing keys of RegisterUsage.
  app.get('/signing-keys', async () => ({
    keys: (await signingKeys.list()).map(({ privateKeyPem: _, ...k }) => k),
  }));
  app.post('/signing-keys/rotate', async (request, reply) => {
    const grace = body(request).previousKeyGraceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
    if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0)
      throw new AdminError(
        400,
        'InvalidParameter',
        'previousKeyGraceSeconds must be a whole number >= 0',
      );
    const { privateKeyPem: _, ...key } = await signingKeys.rotate(grace);
    return reply.code(201).send(key);
  });

  // The audit trail and usage reports.
  // A page carries `nextToken` when more follow; pass it back as `after` for the next page.
  app.get<{ Querystring: Query }>('/events', async (request) => {
    const q = request.query;
    const size = limit(q);
    // One event more than the page tells whether another page follows.
    const events = await store.listEvents({
      ...(q.eventName ? { eventName: q.eventName } : {}),
      ...(q.accountId ? { recipientAccountId: q.accountId } : {}),
      ...(q.requestId ? { requestId: q.requestId } : {}),
      ...optional('startTime', time(q, 'startTime')),
      ...optional('endTime', time(q, 'endTime')),
      ...(q.after ? { after: sequence(q.after) } : {}),
      limit: size + 1,
    });
    const page = events.slice(0, size);
    return {
      events: page.map((e) => e.event),
      ...(events.length > size ? { nextToken: String(page.at(-1)!.seq) } : {}),
    };
  });
  app.get<{ Querystring: Query }>('/usage', async (request) => {
    const q = request.query;
    if (q.operation && q.operation !== 'BatchMeterUsage' && q.operation !== 'MeterUsage')
      throw new AdminError(
        400,
        'InvalidParameter',
        'operation must be BatchMeterUsage or MeterUsage',
      );
    const size = limit(q);
    const { records, next } = await store.listUsage({
      ...(q.productCode ? { productCode: q.productCode } : {}),
      ...(q.customerAWSAccountId ? { customerAWSAccountId: q.customerAWSAccountId } : {}),
      ...(q.dimension ? { dimension: q.dimension } : {}),
      ...(q.operation ? { operation: q.operation as MeteringOperation } : {}),
      ...optional('startTime', time(q, 'startTime')),
      ...optional('endTime', time(q, 'endTime')),
      ...(q.after ? { after: q.after } : {}),
      limit: size,
    });
    return {
      records: records.map(({ dedupeKey: _, fingerprint: __, ...r }) => r),
      ...(next === undefined ? {} : { nextToken: next }),
    };
  });

  await reportRoutes(app, { store });
  if (options.signer) await notificationRoutes(app, { store, catalog, signer: options.signer });
}

/** The subscription steps inside meterd: the catalog service, as the admin routes use it. */
function catalogSteps(store: Store, catalog: CatalogService): SubscribeSteps {
  return {
    fulfillmentUrlOf: async (productCode) => {
      const product = await store.getProduct(productCode);
      if (!product) throw new NotFoundError(`product ${productCode} does not exist`);
      return product.fulfillmentUrl ?? null;
    },
    agreementsOf: async (productCode, customerAWSAccountId) =>
      (await store.findAgreements({ productCode, customerAWSAccountId })).map((a) => a.licenseArn),
    mintToken: async (productCode, customer) => {
      const token = await catalog.mintRegistrationToken(productCode, customer);
      return {
        registrationToken: token.token,
        expiresAt: token.expiresAt.toISOString(),
        licenseArn: token.licenseArn,
      };
    },
    deleteAgreement: async (agreement) => {
      await catalog.remove({ agreement });
    },
  };
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
