import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import {
  CredentialsError,
  marketplacemetering,
  type MarketplaceMeteringOptions,
} from '../src/index.js';
import { signedBy, type FakeEndpoint, type RecordedRequest } from './support/fake-endpoint.js';
import { sandboxEachTest } from './support/sandbox.js';

const sandbox = sandboxEachTest();
let endpoint: FakeEndpoint;
beforeEach(async () => {
  endpoint = await sandbox.endpoint(() => ({ status: 200, body: { MeteringRecordId: 'r' } }));
});

/** Makes one MeterUsage call with the given options (endpoint and region filled in) and returns the request the endpoint saw. */
async function call(options: MarketplaceMeteringOptions = {}): Promise<RecordedRequest> {
  const svc = marketplacemetering({ region: 'us-east-1', endpoint: endpoint.url, ...options });
  await svc.meterUsage({ ProductCode: 'acme-ami', Timestamp: new Date(), UsageDimension: 'hours' });
  svc.destroy();
  const request = endpoint.requests.at(-1);
  assert.ok(request);
  return request;
}

const scope = (r: RecordedRequest) =>
  /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\//.exec(r.headers.authorization ?? '')?.slice(1);

describe('credentials chain', () => {
  test('environment variables, with the session token signed', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAENVIRONMENT00001';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    process.env.AWS_SESSION_TOKEN = 'env-session';
    const r = await call();
    assert.equal(signedBy(r), 'AKIAENVIRONMENT00001');
    assert.equal(r.headers['x-amz-security-token'], 'env-session');
    assert.match(r.headers.authorization!, /SignedHeaders=[^,]*x-amz-security-token/);
    assert.deepEqual(scope(r), ['us-east-1', 'aws-marketplace']);
  });

  test('environment variables come before the profile files', async () => {
    sandbox.env.credentialsFile(
      '[default]\naws_access_key_id = AKIAPROFILEDEFAULT01\naws_secret_access_key = s\n',
    );
    process.env.AWS_ACCESS_KEY_ID = 'AKIAENVIRONMENT00001';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    assert.equal(signedBy(await call()), 'AKIAENVIRONMENT00001');
  });

  test('the default profile of the shared credentials file', async () => {
    sandbox.env.credentialsFile(
      '[default]\naws_access_key_id = AKIAPROFILEDEFAULT01\naws_secret_access_key = s\n' +
        '[other]\naws_access_key_id = AKIAPROFILEOTHER0001\naws_secret_access_key = s\n',
    );
    assert.equal(signedBy(await call()), 'AKIAPROFILEDEFAULT01');
  });

  test('AWS_PROFILE selects a profile, which may live in the config file', async () => {
    sandbox.env.configFile(
      '[profile acme]\naws_access_key_id = AKIAPROFILECONFIG001\naws_secret_access_key = s\nregion = eu-west-1\n',
    );
    process.env.AWS_PROFILE = 'acme';
    const r = await call({ region: undefined });
    assert.equal(signedBy(r), 'AKIAPROFILECONFIG001');
    assert.deepEqual(
      scope(r),
      ['eu-west-1', 'aws-marketplace'],
      'the region came from the profile too',
    );
  });

  test('the credentials file wins over the config file for the same profile', async () => {
    sandbox.env.configFile(
      '[default]\naws_access_key_id = AKIAFROMCONFIGFILE01\naws_secret_access_key = s\n',
    );
    sandbox.env.credentialsFile(
      '[default]\naws_access_key_id = AKIAFROMCREDSFILE001\naws_secret_access_key = s\n',
    );
    assert.equal(signedBy(await call()), 'AKIAFROMCREDSFILE001');
  });

  test('a profile named in the options is used even when the environment has keys', async () => {
    sandbox.env.credentialsFile(
      '[seller]\naws_access_key_id = AKIAPROFILESELLER001\naws_secret_access_key = s\naws_session_token = t\n',
    );
    process.env.AWS_ACCESS_KEY_ID = 'AKIAENVIRONMENT00001';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    const r = await call({ credentials: { profile: 'seller' } });
    assert.equal(signedBy(r), 'AKIAPROFILESELLER001');
    assert.equal(r.headers['x-amz-security-token'], 't');
  });

  test('a named profile that does not exist is a CredentialsError and nothing is sent', async () => {
    const svc = marketplacemetering({
      region: 'us-east-1',
      endpoint: endpoint.url,
      credentials: { profile: 'missing' },
    });
    await assert.rejects(
      svc.meterUsage({ ProductCode: 'p', Timestamp: new Date(), UsageDimension: 'd' }),
      (err: unknown) =>
        err instanceof CredentialsError &&
        /Profile 'missing' is not in the shared credentials file/.test(err.message),
    );
    assert.equal(endpoint.requests.length, 0);
  });

  test('a credential_process profile is resolved by the official ini provider', async () => {
    const command = `${process.execPath} -e "console.log(JSON.stringify({Version:1,AccessKeyId:'AKIAFROMPROCESS00001',SecretAccessKey:'p',SessionToken:'pt'}))"`;
    sandbox.env.configFile(`[profile proc]\ncredential_process = ${command}\n`);
    const r = await call({ credentials: { profile: 'proc' } });
    assert.equal(signedBy(r), 'AKIAFROMPROCESS00001');
    assert.equal(r.headers['x-amz-security-token'], 'pt');
  });

  test('the container credentials endpoint, with its authorization token', async () => {
    const container = await sandbox.endpoint(() => ({
      status: 200,
      body: {
        AccessKeyId: 'AKIACONTAINER0000001',
        SecretAccessKey: 'c',
        Token: 'container-session',
        Expiration: new Date(Date.now() + 3600_000).toISOString(),
      },
    }));
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `${container.url}/v2/credentials/task`;
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'task-token';
    const svc = marketplacemetering({ region: 'us-east-1', endpoint: endpoint.url });
    await svc.meterUsage({ ProductCode: 'p', Timestamp: new Date(), UsageDimension: 'd' });
    await svc.meterUsage({ ProductCode: 'p', Timestamp: new Date(), UsageDimension: 'd' });
    assert.equal(signedBy(endpoint.requests[0]!), 'AKIACONTAINER0000001');
    assert.equal(endpoint.requests[0]!.headers['x-amz-security-token'], 'container-session');
    assert.equal(container.requests.length, 1, 'credentials are kept between calls');
    assert.equal(container.requests[0]!.url, '/v2/credentials/task');
    assert.equal(container.requests[0]!.headers.authorization, 'task-token');
  });

  test('instance metadata with an IMDSv2 session token', async () => {
    const imds = await sandbox.endpoint((r) => {
      if (r.method === 'PUT' && r.url === '/latest/api/token')
        return { status: 200, text: 'imds-session-token' };
      if (r.headers['x-aws-ec2-metadata-token'] !== 'imds-session-token')
        return { status: 401, text: '' };
      if (r.url === '/latest/meta-data/iam/security-credentials/')
        return { status: 200, text: 'metering-role' };
      if (r.url === '/latest/meta-data/iam/security-credentials/metering-role') {
        return {
          status: 200,
          body: {
            Code: 'Success',
            AccessKeyId: 'AKIAINSTANCE00000001',
            SecretAccessKey: 'i',
            Token: 'instance-session',
            Expiration: new Date(Date.now() + 3600_000).toISOString(),
          },
        };
      }
      return { status: 404, text: '' };
    });
    delete process.env.AWS_EC2_METADATA_DISABLED;
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.url;
    const r = await call();
    assert.equal(signedBy(r), 'AKIAINSTANCE00000001');
    assert.equal(r.headers['x-amz-security-token'], 'instance-session');
    assert.equal(imds.requests[0]!.method, 'PUT', 'IMDSv2 first asks for a session token');
    assert.equal(imds.requests[0]!.headers['x-aws-ec2-metadata-token-ttl-seconds'], '21600');
  });

  test('anonymous: the request is not signed', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAENVIRONMENT00001';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    const r = await call({ credentials: { anonymous: true } });
    assert.equal(r.headers.authorization, undefined);
    assert.equal(r.headers['x-amz-date'], undefined);
    assert.equal(r.headers['x-amz-target'], 'AWSMPMeteringService.MeterUsage');
  });

  test('no credentials anywhere is a CredentialsError that says where to put them', async () => {
    const svc = marketplacemetering({ region: 'us-east-1', endpoint: endpoint.url });
    await assert.rejects(
      svc.resolveCustomer({ RegistrationToken: 't' }),
      (err: unknown) =>
        err instanceof CredentialsError &&
        /No AWS credentials found: set AWS_ACCESS_KEY_ID/.test(err.message),
    );
    assert.equal(endpoint.requests.length, 0);
  });
});

describe('region and endpoint from the environment', () => {
  test('AWS_REGION and AWS_ENDPOINT_URL_MARKETPLACE_METERING over AWS_ENDPOINT_URL', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAENVIRONMENT00001';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    process.env.AWS_REGION = 'ap-southeast-2';
    process.env.AWS_DEFAULT_REGION = 'eu-west-1';
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
    process.env.AWS_ENDPOINT_URL_MARKETPLACE_METERING = endpoint.url;
    const svc = marketplacemetering();
    await svc.meterUsage({ ProductCode: 'p', Timestamp: new Date(), UsageDimension: 'd' });
    const r = endpoint.requests[0]!;
    assert.deepEqual(scope(r), ['ap-southeast-2', 'aws-marketplace']);
    assert.equal(r.headers.host, new URL(endpoint.url).host);
  });

  test('AWS_DEFAULT_REGION and AWS_ENDPOINT_URL', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAENVIRONMENT00001';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    process.env.AWS_DEFAULT_REGION = 'eu-west-1';
    process.env.AWS_ENDPOINT_URL = endpoint.url;
    const svc = marketplacemetering();
    await svc.meterUsage({ ProductCode: 'p', Timestamp: new Date(), UsageDimension: 'd' });
    assert.deepEqual(scope(endpoint.requests[0]!), ['eu-west-1', 'aws-marketplace']);
  });
});
