import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveOptions } from '../config/resolve-options.js';
import { targetResolver } from './resolve-target.js';

describe('targetResolver', () => {
  test('explicit region and endpoint win over the environment', async () => {
    const settings = resolveOptions({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:9400' });
    const target = await targetResolver(settings, {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    })();
    assert.equal(target.region, 'eu-west-1');
    assert.equal(target.url.href, 'http://127.0.0.1:9400/');
  });

  test('the region and endpoint come from the environment when not given', async () => {
    const target = await targetResolver(resolveOptions({}), {
      AWS_REGION: 'cn-north-1',
      AWS_USE_FIPS_ENDPOINT: 'false', // so that no profile file is read
    })();
    assert.equal(target.region, 'cn-north-1');
    assert.equal(target.url.href, 'https://metering.marketplace.cn-north-1.amazonaws.com.cn/');
  });

  test('the path gets a final slash, and [ ] ^ | go percent-encoded as they are signed', async () => {
    const settings = resolveOptions({ region: 'us-east-1', endpoint: 'http://h/a/[b]^c|d' });
    const target = await targetResolver(settings, {})();
    assert.equal(target.url.pathname, '/a/%5Bb%5D%5Ec%7Cd/');
  });
});
