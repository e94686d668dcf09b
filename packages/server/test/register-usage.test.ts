/**
 * @module RegisterUsage through the official AWS SDK for JavaScript against a real meterd, with
 * signatures verified by `jose` the way a paid container does at start-up.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  RegisterUsageCommand,
  type MarketplaceMeteringClient,
  type RegisterUsageCommandInput,
} from '@aws-sdk/client-marketplace-metering';
import { compactVerify, importJWK, importSPKI, type JWK } from 'jose';
import {
  ADMIN_TOKEN,
  CLI,
  KEYS,
  minutesAgo,
  startMeterd,
  type Credentials,
  type Meterd,
} from './helpers/meterd.js';
import { newAccessKey, newBuyer, rejectsWith, rewriteBody } from './helpers/sdk.js';

const GLOBEX = '222222222222';

interface Claims {
  productCode: string;
  publicKeyVersion: number;
  nonce: string;
  iat: number;
}

const register = (client: MarketplaceMeteringClient, input: RegisterUsageCommandInput) =>
  client.send(new RegisterUsageCommand(input));

const container = (over: Partial<RegisterUsageCommandInput> = {}): RegisterUsageCommandInput => ({
  ProductCode: 'acme-container',
  PublicKeyVersion: 1,
  Nonce: randomUUID(),
  ...over,
});

async function publicKeyPem(meterd: Meterd, version: number | string) {
  return fetch(`${meterd.url}/public-keys/${version}.pem`);
}

/** What a container does with the answer: fetch the PEM of the version, verify, read claims. */
async function verifyAsContainer(meterd: Meterd, signature: string, version: number) {
  const response = await publicKeyPem(meterd, version);
  assert.equal(response.status, 200);
  const key = await importSPKI(await response.text(), 'PS256');
  const { payload, protectedHeader } = await compactVerify(signature, key);
  return {
    header: protectedHeader,
    claims: JSON.parse(new TextDecoder().decode(payload)) as Claims,
  };
}

/** The same JWS with another payload: a forgery every container must refuse. */
const forge = (signature: string, claims: object) => {
  const [header, , sig] = signature.split('.');
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), sig].join('.');
};

describe('RegisterUsage', () => {
  let meterd: Meterd;
  let suspendedBuyer: Credentials;
  let unsubscribedBuyer: Credentials;

  before(async () => {
    meterd = await startMeterd();
    suspendedBuyer = (await newBuyer(meterd, { 'acme-container': 'suspended' })).key;
    unsubscribedBuyer = (
      await newBuyer(meterd, {
        'acme-container': { status: 'unsubscribed', endedAt: minutesAgo(30).toISOString() },
      })
    ).key;
    // A container product that only accepts key version 2.
    const pinned = await meterd.admin('PUT', '/products/acme-container-pinned', {
      sellerAccountId: '111111111111',
      type: 'container',
      dimensions: ['vcpu'],
      publicKeyVersions: [2],
    });
    assert.equal(pinned.status, 200);
    const subscribed = await meterd.admin('POST', '/agreements', {
      productCode: 'acme-container-pinned',
      customerAWSAccountId: GLOBEX,
    });
    assert.equal(subscribed.status, 201);
  });
  after(() => meterd.stop());

  describe('a paid container starting', () => {
    it('gets a PS256 JWT it verifies with the public key fetched from meterd', async () => {
      const task = meterd.client(await newAccessKey(meterd, GLOBEX));
      const input = container();
      const issuedFrom = Math.floor(Date.now() / 1000);
      const out = await register(task, input);
      const issuedTo = Math.ceil(Date.now() / 1000);
      assert.equal(out.PublicKeyRotationTimestamp, undefined, 'version 1 has not expired');

      const pem = await publicKeyPem(meterd, 1);
      assert.equal(pem.headers.get('content-type'), 'application/x-pem-file');
      assert.match(
        await pem.text(),
        /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----/,
      );
      const { header, claims } = await verifyAsContainer(meterd, out.Signature!, 1);
      assert.deepEqual(header, { alg: 'PS256', typ: 'JWT' });
      assert.equal(claims.productCode, 'acme-container');
      assert.equal(claims.publicKeyVersion, 1);
      assert.equal(claims.nonce, input.Nonce);
      assert.ok(
        Number.isInteger(claims.iat) && claims.iat >= issuedFrom && claims.iat <= issuedTo,
        `iat ${claims.iat} within the call`,
      );

      await assert.rejects(
        verifyAsContainer(meterd, forge(out.Signature!, { ...claims, nonce: 'replayed' }), 1),
        { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
      );
    });

    it('publishes the key as a JWKS whose kid is the version', async () => {
      const response = await fetch(`${meterd.url}/.well-known/jwks.json`);
      assert.equal(response.status, 200);
      const { keys } = (await response.json()) as { keys: JWK[] };
      assert.deepEqual(
        keys.map((k) => [k.kid, k.kty, k.alg, k.use]),
        [['1', 'RSA', 'PS256', 'sig']],
      );
      assert.ok(
        keys.every((k) => k.d === undefined && k.p === undefined),
        'no private parts',
      );
      const out = await register(meterd.client(KEYS.globex), container());
      await compactVerify(out.Signature!, await importJWK(keys[0]!, 'PS256'));
    });

    it('answers every later call of a started task, each with its own nonce', async () => {
      const task = meterd.client(await newAccessKey(meterd, GLOBEX));
      const nonces = [randomUUID(), randomUUID(), 'n'.repeat(255)];
      for (const Nonce of nonces) {
        const out = await register(task, container({ Nonce }));
        assert.equal((await verifyAsContainer(meterd, out.Signature!, 1)).claims.nonce, Nonce);
      }
    });

    it('accepts temporary credentials (a task role with its session token)', async () => {
      const out = await register(meterd.client(KEYS.globexTask), container());
      assert.equal(
        (await verifyAsContainer(meterd, out.Signature!, 1)).claims.productCode,
        'acme-container',
      );
    });
  });

  describe("entitlement, checked on a task's first call only", () => {
    it('lets a started task go on after the agreement is suspended, but not a new task', async () => {
      const buyer = await newBuyer(meterd, { 'acme-container': 'active' });
      const started = meterd.client(buyer.key);
      const fresh = meterd.client(await newAccessKey(meterd, buyer.accountId));
      await register(started, container());

      const arn = encodeURIComponent(buyer.licenseArns['acme-container']!);
      const suspended = await meterd.admin<{ status: string }>('PATCH', `/agreements/${arn}`, {
        status: 'suspended',
      });
      assert.equal(suspended.status, 200);
      assert.equal(suspended.body.status, 'suspended');

      const again = await register(started, container());
      await verifyAsContainer(meterd, again.Signature!, 1);
      await rejectsWith(register(fresh, container()), 'CustomerNotEntitledException');

      const reactivated = await meterd.admin('PATCH', `/agreements/${arn}`, { status: 'active' });
      assert.equal(reactivated.status, 200);
      assert.ok((await register(fresh, container())).Signature);
    });

    it('answers concurrent first calls of one task alike', async () => {
      const buyer = await newBuyer(meterd, { 'acme-container': 'active' });
      const task = meterd.client(buyer.key);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => register(task, container())),
      );
      for (const { Signature } of answers) await verifyAsContainer(meterd, Signature!, 1);
    });

    it('does not count a refused first call as the start of the task', async () => {
      const buyer = await newBuyer(meterd);
      const task = meterd.client(buyer.key);
      await rejectsWith(register(task, container()), 'CustomerNotEntitledException');
      const subscribed = await meterd.admin('POST', '/agreements', {
        productCode: 'acme-container',
        customerAWSAccountId: buyer.accountId,
      });
      assert.equal(subscribed.status, 201);
      assert.ok((await register(task, container())).Signature);
    });

    it('checks each product on its own first call', async () => {
      const buyer = await newBuyer(meterd, { 'acme-container': 'active' });
      const task = meterd.client(buyer.key);
      await register(task, container());
      await rejectsWith(
        register(task, container({ ProductCode: 'acme-agent' })),
        'CustomerNotEntitledException',
      );
    });
  });

  describe('rejections', () => {
    // Each case is a task's first call: who makes it, what it sends, the AWS error it gets.
    const rejections: Array<
      [string, () => Credentials, RegisterUsageCommandInput, string, RegExp?]
    > = [
      [
        'an AMI product',
        () => KEYS.globex,
        container({ ProductCode: 'acme-ami' }),
        'PlatformNotSupportedException',
      ],
      [
        'a SaaS product',
        () => KEYS.globex,
        container({ ProductCode: 'acme-saas' }),
        'PlatformNotSupportedException',
      ],
      [
        'an unknown product',
        () => KEYS.globex,
        container({ ProductCode: 'no-such-product' }),
        'InvalidProductCodeException',
      ],
      [
        'a task in another region (eu-west-1 against us-east-1)',
        () => KEYS.globexEu,
        container(),
        'InvalidRegionException',
        /eu-west-1/,
      ],
      [
        'an unknown public key version',
        () => KEYS.globex,
        container({ PublicKeyVersion: 2 }),
        'InvalidPublicKeyVersionException',
      ],
      [
        'the largest public key version',
        () => KEYS.globex,
        container({ PublicKeyVersion: 2147483647 }),
        'InvalidPublicKeyVersionException',
      ],
      [
        'a version the product does not accept',
        () => KEYS.globex,
        container({ ProductCode: 'acme-container-pinned' }),
        'InvalidPublicKeyVersionException',
      ],
      [
        'public key version 0',
        () => KEYS.globex,
        container({ PublicKeyVersion: 0 }),
        'ValidationException',
        /^1 validation error detected: Value '0' at 'publicKeyVersion' failed to satisfy constraint: Member must have value greater than or equal to 1$/,
      ],
      [
        'a negative public key version',
        () => KEYS.globex,
        container({ PublicKeyVersion: -1 }),
        'ValidationException',
        /'publicKeyVersion'/,
      ],
      [
        'a nonce of 256 characters',
        () => KEYS.globex,
        container({ Nonce: 'n'.repeat(256) }),
        'ValidationException',
        /at 'nonce' failed to satisfy constraint: Member must have length less than or equal to 255$/,
      ],
      [
        'no product code',
        () => KEYS.globex,
        container({ ProductCode: undefined }),
        'ValidationException',
        /Value null at 'productCode' failed to satisfy constraint: Member must not be null/,
      ],
      ['a buyer with no agreement', () => KEYS.hooli, container(), 'CustomerNotEntitledException'],
      ['the seller of the product', () => KEYS.acme, container(), 'CustomerNotEntitledException'],
      [
        'a buyer whose agreement is suspended',
        () => suspendedBuyer,
        container(),
        'CustomerNotEntitledException',
      ],
      [
        'a buyer who unsubscribed',
        () => unsubscribedBuyer,
        container(),
        'CustomerNotEntitledException',
      ],
    ];
    for (const [what, who, input, error, message] of rejections)
      it(`answers ${error} to ${what}`, () =>
        rejectsWith(register(meterd.client(who()), input), error, message ? { message } : {}));

    // Bodies the SDK would never build, rewritten before it signs them.
    const malformed: Array<[string, (body: Record<string, unknown>) => unknown, string]> = [
      [
        'a version sent as a string',
        (b) => ({ ...b, PublicKeyVersion: '1' }),
        'SerializationException',
      ],
      ['a fractional version', (b) => ({ ...b, PublicKeyVersion: 1.5 }), 'SerializationException'],
      ['a nonce sent as a number', (b) => ({ ...b, Nonce: 42 }), 'SerializationException'],
      [
        'a product code sent as a list',
        (b) => ({ ...b, ProductCode: ['a'] }),
        'SerializationException',
      ],
      [
        'a huge version',
        (b) => ({ ...b, PublicKeyVersion: 1e300 }),
        'InvalidPublicKeyVersionException',
      ],
      ['a null version', (b) => ({ ...b, PublicKeyVersion: null }), 'ValidationException'],
      ['a body that is not JSON', () => 'RegisterUsage', 'SerializationException'],
    ];
    for (const [what, rewrite, error] of malformed)
      it(`answers ${error} to ${what}`, () =>
        rejectsWith(
          register(rewriteBody(meterd.client(KEYS.globex), rewrite), container()),
          error,
        ));

    it('answers 404 for a public key version that does not exist', async () => {
      for (const file of ['2', '0', 'latest', '99999999999999999999']) {
        const response = await publicKeyPem(meterd, file);
        assert.equal(response.status, 404, file);
        assert.equal(
          ((await response.json()) as { error: { code: string } }).error.code,
          'NotFound',
        );
      }
    });
  });

  it("audits every call, accepted or rejected, in the buyer's account", async () => {
    type Event = {
      requestID: string;
      recipientAccountId: string;
      errorCode?: string;
      requestParameters: Record<string, unknown>;
      responseElements: Record<string, unknown> | null;
    };
    const task = meterd.client(await newAccessKey(meterd, GLOBEX));
    const input = container();
    const first = await register(task, input);
    const later = await register(task, container());
    const refused = await register(task, container({ ProductCode: 'acme-ami' })).catch(
      (e: { $metadata: { requestId: string } }) => e.$metadata.requestId,
    );
    const { body } = await meterd.admin<{ events: Event[] }>(
      'GET',
      '/events?eventName=RegisterUsage&limit=1000',
    );
    const byId = new Map(body.events.map((e) => [e.requestID, e]));
    for (const id of [first.$metadata.requestId!, later.$metadata.requestId!, refused as string])
      assert.equal(byId.get(id)?.recipientAccountId, GLOBEX);
    const firstEvent = byId.get(first.$metadata.requestId!)!;
    assert.deepEqual(firstEvent.requestParameters, {
      productCode: 'acme-container',
      publicKeyVersion: 1,
      nonce: input.Nonce,
    });
    assert.equal(firstEvent.responseElements?.signature, first.Signature);
    assert.equal(byId.get(refused as string)!.errorCode, 'PlatformNotSupportedException');
  });
});

describe('RegisterUsage across signing key rotations', () => {
  let meterd: Meterd;
  let task: MarketplaceMeteringClient;

  before(async () => {
    meterd = await startMeterd();
    task = meterd.client(await newAccessKey(meterd, GLOBEX));
  });
  after(() => meterd.stop());

  const jwks = async () => {
    const { keys } = (await (await fetch(`${meterd.url}/.well-known/jwks.json`)).json()) as {
      keys: JWK[];
    };
    return keys;
  };

  it('refuses a bad grace period with a 400', async () => {
    for (const previousKeyGraceSeconds of [-1, 1.5, '60'] as const) {
      const { status, body } = await meterd.admin<{ error: { code: string } }>(
        'POST',
        '/signing-keys/rotate',
        { previousKeyGraceSeconds },
      );
      assert.equal(status, 400, String(previousKeyGraceSeconds));
      assert.equal(body.error.code, 'InvalidParameter');
    }
    assert.deepEqual(
      (await jwks()).map((k) => k.kid),
      ['1'],
      'nothing rotated',
    );
  });

  it('signs an expired version with PublicKeyRotationTimestamp, the current one without', async () => {
    const rotatedFrom = Date.now();
    const rotated = await meterd.admin<Record<string, unknown>>('POST', '/signing-keys/rotate', {
      previousKeyGraceSeconds: 0,
    });
    assert.equal(rotated.status, 201);
    assert.equal(rotated.body.version, 2);
    assert.equal(rotated.body.privateKeyPem, undefined, 'the private key stays inside meterd');

    const old = await register(task, container({ PublicKeyVersion: 1 }));
    const stamp = old.PublicKeyRotationTimestamp;
    assert.ok(stamp instanceof Date, 'version 1 has expired');
    assert.ok(stamp.getTime() >= rotatedFrom - 1000 && stamp.getTime() <= Date.now());
    const { claims } = await verifyAsContainer(meterd, old.Signature!, 1);
    assert.equal(claims.publicKeyVersion, 1);
    await assert.rejects(verifyAsContainer(meterd, old.Signature!, 2), {
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });

    const current = await register(task, container({ PublicKeyVersion: 2 }));
    assert.equal(current.PublicKeyRotationTimestamp, undefined);
    assert.equal(
      (await verifyAsContainer(meterd, current.Signature!, 2)).claims.publicKeyVersion,
      2,
    );

    const keys = await jwks();
    assert.deepEqual(
      keys.map((k) => k.kid),
      ['1', '2'],
    );
    for (const [signature, kid] of [
      [old.Signature!, '1'],
      [current.Signature!, '2'],
    ] as const)
      await compactVerify(
        signature,
        await importJWK(
          keys.find((k) => k.kid === kid)!,
          'PS256',
        ),
      );
  });

  it('keeps the previous version current for the grace period of `meterd keys rotate --grace`', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      CLI,
      'keys',
      'rotate',
      '--grace',
      '3600',
      '--url',
      meterd.url,
      '--admin-token',
      ADMIN_TOKEN,
    ]);
    assert.equal((JSON.parse(stdout) as { version: number }).version, 3);
    const stamps = [];
    for (const PublicKeyVersion of [1, 2, 3]) {
      const out = await register(task, container({ PublicKeyVersion }));
      await verifyAsContainer(meterd, out.Signature!, PublicKeyVersion);
      stamps.push(out.PublicKeyRotationTimestamp !== undefined);
    }
    assert.deepEqual(stamps, [true, false, false], 'only version 1 has expired');
    const { body } = await meterd.admin<{ keys: Array<{ version: number; expiresAt: string }> }>(
      'GET',
      '/signing-keys',
    );
    const v2 = new Date(body.keys.find((k) => k.version === 2)!.expiresAt).getTime();
    assert.ok(Math.abs(v2 - (Date.now() + 3600_000)) < 60_000, 'version 2 expires in an hour');
    assert.deepEqual(
      (await jwks()).map((k) => k.kid),
      ['1', '2', '3'],
    );
  });

  it('ends a grace period too long for a date at the last date, not never', async () => {
    const rotated = await meterd.admin('POST', '/signing-keys/rotate', {
      previousKeyGraceSeconds: 1e300,
    });
    assert.equal(rotated.status, 201);
    const { body } = await meterd.admin<{ keys: Array<{ version: number; expiresAt: string }> }>(
      'GET',
      '/signing-keys',
    );
    assert.equal(
      body.keys.find((k) => k.version === 3)!.expiresAt,
      new Date(8.64e15).toISOString(),
    );
    assert.deepEqual(
      body.keys.filter((k) => k.expiresAt === null).map((k) => k.version),
      [4],
      'one current version',
    );
    const out = await register(task, container({ PublicKeyVersion: 3 }));
    assert.equal(out.PublicKeyRotationTimestamp, undefined);
  });
});
