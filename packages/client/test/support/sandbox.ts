/**
 * @module Gives every test of a file a clean AWS environment and closes the fake endpoints it started.
 */
import { afterEach, beforeEach } from 'node:test';
import { cleanAwsEnv, type AwsEnv } from './aws-env.js';
import {
  startFakeEndpoint,
  type FakeEndpoint,
  type RecordedRequest,
  type Reply,
} from './fake-endpoint.js';

/** What a test gets from {@link sandboxEachTest}. */
export interface Sandbox {
  /** This test's clean environment. */
  readonly env: AwsEnv;
  /** Starts a fake endpoint that is closed when the test ends. */
  endpoint(
    reply: (request: RecordedRequest, index: number) => Reply | Promise<Reply>,
  ): Promise<FakeEndpoint>;
}

/**
 * Registers hooks so that each test in the file starts with {@link cleanAwsEnv} and ends with
 * its fake endpoints closed and the environment restored.
 *
 * @example
 * const sandbox = sandboxEachTest();
 * test('...', async () => {
 *   const fake = await sandbox.endpoint(() => ({ status: 200, body: {} }));
 * });
 */
export function sandboxEachTest(): Sandbox {
  let env: AwsEnv | undefined;
  const open: FakeEndpoint[] = [];
  beforeEach(() => {
    env = cleanAwsEnv();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.close()));
    env?.restore();
  });
  return {
    get env() {
      if (!env) throw new Error('the sandbox is only there during a test');
      return env;
    },
    async endpoint(reply) {
      const fake = await startFakeEndpoint(reply);
      open.push(fake);
      return fake;
    },
  };
}
