/**
 * @module The catalog document: YAML and JSON read alike, and every error names its path.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { CatalogError, parseCatalogText } from './document.js';

const SELLER = `
accounts:
  - accountId: '111111111111'
    accessKeys:
      - accessKeyId: AKIAACMESELLER000001
        secretAccessKey: acme-seller-secret
`;

describe('parseCatalogText', () => {
  it('reads YAML and the same document in JSON alike', () => {
    const yaml = `
region: eu-west-1
registrationTokenTtlSeconds: 60
accounts:
  - accountId: '111111111111'
    name: acme
    accessKeys:
      - accessKeyId: AKIAACMESELLER000001
        secretAccessKey: acme-seller-secret
        region: eu-west-1
products:
  - productCode: acme-saas
    sellerAccountId: '111111111111'
    type: saas
    dimensions: [requests, requests, gb]
    fulfillmentUrl: https://acme.example/signup
agreements:
  - productCode: acme-saas
    customerAWSAccountId: '222222222222'
    status: unsubscribed
    startedAt: 2026-01-01T00:00:00Z
    endedAt: '2026-02-01T00:00:00Z'
`;
    const json = JSON.stringify({
      region: 'eu-west-1',
      registrationTokenTtlSeconds: 60,
      accounts: [
        {
          accountId: '111111111111',
          name: 'acme',
          accessKeys: [
            {
              accessKeyId: 'AKIAACMESELLER000001',
              secretAccessKey: 'acme-seller-secret',
              region: 'eu-west-1',
            },
          ],
        },
      ],
      products: [
        {
          productCode: 'acme-saas',
          sellerAccountId: '111111111111',
          type: 'saas',
          dimensions: ['requests', 'requests', 'gb'],
          fulfillmentUrl: 'https://acme.example/signup',
        },
      ],
      agreements: [
        {
          productCode: 'acme-saas',
          customerAWSAccountId: '222222222222',
          status: 'unsubscribed',
          startedAt: '2026-01-01T00:00:00Z',
          endedAt: '2026-02-01T00:00:00Z',
        },
      ],
    });
    const fromYaml = parseCatalogText(yaml);
    assert.deepEqual(fromYaml, parseCatalogText(json));
    assert.deepEqual(fromYaml.products![0]!.dimensions, ['requests', 'gb'], 'deduplicated');
    assert.equal(fromYaml.agreements![0]!.startedAt, '2026-01-01T00:00:00Z');
  });

  it('reads the integration-test catalog', () => {
    const doc = parseCatalogText(
      readFileSync(new URL('../../test/fixtures/catalog.yaml', import.meta.url), 'utf8'),
    );
    assert.equal(doc.region, 'us-east-1');
    assert.equal(doc.accounts!.length, 4);
    assert.ok(doc.products!.some((p) => p.meterUsageMode === 'continuous'));
  });

  it('reads a start left out as none given, and a null start as no start', () => {
    const doc = parseCatalogText(
      "agreements:\n  - productCode: p\n    customerAWSAccountId: '222222222222'\n  - productCode: p\n    customerAWSAccountId: '333333333333'\n    startedAt:\n",
    );
    assert.equal('startedAt' in doc.agreements![0]!, false);
    assert.equal(doc.agreements![1]!.startedAt, null);
  });

  it('reads an empty document as an empty catalog', () => {
    assert.deepEqual(parseCatalogText(''), { accounts: [], products: [], agreements: [] });
    assert.deepEqual(parseCatalogText('{}'), { accounts: [], products: [], agreements: [] });
  });

  // [what, text, path, message]; each case also runs as JSON when it is JSON-representable.
  const cases: Array<[string, string, string, RegExp]> = [
    ['a list at the top', '- a', '', /must be a mapping/],
    ['an unknown top-level key', 'acounts: []', '', /unknown key 'acounts' \(known: region, /],
    ['accounts as a mapping', 'accounts: {}', 'accounts', /must be a list/],
    ['a bad region', 'region: mars', 'region', /'mars' is not a region/],
    [
      'a zero token lifetime',
      'registrationTokenTtlSeconds: 0',
      'registrationTokenTtlSeconds',
      /must be a positive whole number/,
    ],
    [
      'an unquoted account id',
      'accounts:\n  - accountId: 111111111111',
      'accounts[0].accountId',
      /must be a string \(quote numbers such as account ids\)/,
    ],
    [
      'a short account id',
      "accounts:\n  - accountId: '1111'",
      'accounts[0].accountId',
      /'1111' is not a 12-digit account id/,
    ],
    [
      'a short secret in the second key',
      `${SELLER}      - accessKeyId: AKIAACMESELLER000002\n        secretAccessKey: short`,
      'accounts[0].accessKeys[1].secretAccessKey',
      /must be 8\+ characters/,
    ],
    [
      'an unknown access key member',
      `${SELLER}        owner: me`,
      'accounts[0].accessKeys[0]',
      /unknown key 'owner'/,
    ],
    [
      'a product without a type',
      "products:\n  - productCode: p\n    sellerAccountId: '111111111111'\n    dimensions: [a]",
      'products[0].type',
      /is required \(saas \| ami \| container\)/,
    ],
    [
      'a non-string dimension in the second product',
      "products:\n  - productCode: p\n    sellerAccountId: '111111111111'\n    type: ami\n    dimensions: [a]\n  - productCode: q\n    sellerAccountId: '111111111111'\n    type: ami\n    dimensions: [a, 5]",
      'products[1].dimensions[1]',
      /must be a string of 1-255 characters/,
    ],
    [
      'a product code with spaces',
      "products:\n  - productCode: 'a b'\n    sellerAccountId: '111111111111'\n    type: saas\n    dimensions: [a]",
      'products[0].productCode',
      /'a b' is not a product code/,
    ],
    [
      'a relative fulfillment URL',
      "products:\n  - productCode: p\n    sellerAccountId: '111111111111'\n    type: saas\n    dimensions: [a]\n    fulfillmentUrl: /signup",
      'products[0].fulfillmentUrl',
      /is not an http\(s\) URL/,
    ],
    [
      'an agreement status outside the set',
      "agreements:\n  - productCode: p\n    customerAWSAccountId: '222222222222'\n    status: paused",
      'agreements[0].status',
      /must be one of active \| unsubscribed \| suspended/,
    ],
    [
      'an agreement without a customer',
      'agreements:\n  - productCode: p',
      'agreements[0].customerAWSAccountId',
      /is required/,
    ],
    [
      'an agreement start that is no time',
      "agreements:\n  - productCode: p\n    customerAWSAccountId: '222222222222'\n    startedAt: soon",
      'agreements[0].startedAt',
      /'soon' is not an ISO-8601 time/,
    ],
    [
      'an agreement ending before its start',
      "agreements:\n  - productCode: p\n    customerAWSAccountId: '222222222222'\n    startedAt: '2026-02-01T00:00:00Z'\n    endedAt: '2026-01-01T00:00:00Z'",
      'agreements[0].endedAt',
      /is before startedAt/,
    ],
    [
      'a licence that is no ARN',
      "agreements:\n  - productCode: p\n    customerAWSAccountId: '222222222222'\n    licenseArn: l-123",
      'agreements[0].licenseArn',
      /'l-123' is not a license ARN/,
    ],
  ];
  for (const [what, text, path, message] of cases)
    it(`names the path of ${what}`, () => {
      const asJson = JSON.stringify(parseYaml(text)); // the same case written as JSON
      for (const [format, source] of [
        ['YAML', text],
        ['JSON', asJson],
      ] as const)
        assert.throws(
          () => parseCatalogText(source),
          (error: Error) => {
            assert.ok(error instanceof CatalogError, `${format}: ${error.name}: ${error.message}`);
            assert.equal(error.path, path, format);
            assert.equal(error.message.startsWith(path ? `${path}: ` : ''), true, error.message);
            assert.match(error.message, message, format);
            return true;
          },
          `${format} was accepted`,
        );
    });

  // [what, text]: text that is neither YAML nor JSON.
  const unreadable: Array<[string, string]> = [
    ['broken JSON', '{"accounts": ['],
    ['broken YAML', 'accounts: [\n  - a'],
    ['a repeated key', 'region: us-east-1\nregion: eu-west-1'],
  ];
  for (const [what, text] of unreadable)
    it(`says ${what} is not valid YAML or JSON`, () => {
      assert.throws(
        () => parseCatalogText(text),
        (error: Error) => {
          assert.ok(error instanceof CatalogError);
          assert.equal(error.path, '');
          assert.match(error.message, /^not valid YAML or JSON: /);
          return true;
        },
      );
    });
});
