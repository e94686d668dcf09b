/**
 * @module meterd under a supervisor and in a terminal, started both ways the documentation gives:
 * the README's Quick start command (`npx meterd serve`) and the direct command of
 * docs/deploy.md (`./node_modules/.bin/meterd serve`), from the repository root. The direct
 * command's process is meterd itself: SIGTERM (and SIGINT) sent to it shut meterd down
 * gracefully, it exits 0, its port is free and another meterd starts on its data directory; a
 * second signal while a call is still in flight ends it at once. Under npx, SIGTERM sent to the
 * npx process alone (which npm does not pass on) and SIGINT sent to the whole process group (a
 * terminal's Ctrl-C) both leave nothing running: meterd shuts down gracefully, freeing its port
 * and its data.
 */

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, startMeterd, type Meterd, type MeterdOptions } from '@meterd/testkit';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const npx = quickStartCommand();
const direct = directCommand();

/** The start command of the README's Quick start (`npm ci && <command> serve`), as words. */
function quickStartCommand(): string[] {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const quickStart = readme.slice(readme.indexOf('## Quick start'));
  const block = /```sh\n([^`]*)```/.exec(quickStart)?.[1] ?? '';
  const command = /^npm ci && (.+?) serve\b/m.exec(block)?.[1];
  assert.ok(command, `the Quick start has a line 'npm ci && <command> serve': ${block}`);
  return command.split(/\s+/);
}

/** The command docs/deploy.md gives supervisors in a clone (`` `<command> serve` in a project``). */
function directCommand(): string[] {
  const deploy = readFileSync(`${ROOT}docs/deploy.md`, 'utf8');
  const command = /`(\S*node_modules\/\.bin\/meterd) serve`/.exec(deploy)?.[1];
  assert.ok(command, 'docs/deploy.md gives the direct command `./node_modules/.bin/meterd serve`');
  return [command];
}

/** Whether no process of the process group `pgid` is left. */
function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return false;
  } catch {
    return true;
  }
}

/** Resolves once the process group `pgid` is empty, or rejects after `ms`. */
async function groupEnds(pgid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!groupGone(pgid)) {
    if (Date.now() > deadline)
      throw new Error(`processes of group ${pgid} still run after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether nothing listens on `port` (on 127.0.0.1): a server can take it. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves with how the process ended, or 'still running' after `ms`. */
function exitWithin(child: ChildProcess, ms: number) {
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const timeout = new Promise<'still running'>((resolve) =>
    setTimeout(() => resolve('still running'), ms).unref(),
  );
  return Promise.race([exited, timeout]);
}

/**
 * Starts meterd with `command` from the repository root, in a process group of its
 * own, runs `use`, and then kills whatever is left of the group (what an npx left running).
 */
async function documented(
  command: string[],
  options: MeterdOptions,
  use: (meterd: Meterd) => Promise<void>,
) {
  const meterd = await startMeterd({ command, cwd: ROOT, processGroup: true, ...options });
  try {
    await use(meterd);
  } finally {
    try {
      process.kill(-meterd.process.pid!, 'SIGKILL');
    } catch {
      // The group is gone: nothing was left behind.
    }
    await meterd.stop();
  }
}

describe('meterd started with the direct command, under a supervisor', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    it(`exits 0 on ${signal} sent to the process \`${direct.join(' ')} serve\` starts, freeing its port and its data`, async () => {
      const port = await freePort();
      await documented(direct, { port }, async (meterd) => {
        const exit = exitWithin(meterd.process, 15_000);
        meterd.process.kill(signal);
        assert.deepEqual(await exit, { code: 0, signal: null });
        assert.ok(await portFree(port), `port ${port} is free once the process has exited`);
        const again = await meterd.another();
        await again.stop();
      });
    });

  it('exits at once, with 143, on a second SIGTERM while a call is still in flight', async () => {
    await documented(direct, {}, async (meterd) => {
      // A call whose body never comes: the graceful shutdown waits for it (up to the
      // request timeout, 30 s).
      const socket = connect(meterd.port, '127.0.0.1');
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const exit = exitWithin(meterd.process, 10_000);
      meterd.process.kill('SIGTERM');
      assert.equal(await exitWithin(meterd.process, 1000), 'still running', 'waits for the call');
      meterd.process.kill('SIGTERM');
      assert.deepEqual(await exit, { code: 143, signal: null });
      socket.destroy();
    });
  });
});

describe('meterd started with the Quick start command, under npx', () => {
  it(`leaves nothing running on SIGTERM sent to the \`${npx.join(' ')}\` process alone, and shuts down gracefully`, async () => {
    const port = await freePort();
    await documented(npx, { port }, async (meterd) => {
      const pgid = meterd.process.pid!;
      meterd.process.kill('SIGTERM');
      await groupEnds(pgid, 15_000);
      assert.ok(await portFree(port), `port ${port} is free once meterd has exited`);
      assert.match(meterd.output(), /"reason":"parent exited"[^\n]*"msg":"shutting down"/);
      assert.doesNotMatch(meterd.output(), /shutdown failed/);
      const again = await meterd.another();
      await again.stop();
    });
  });

  it('leaves nothing running on SIGINT sent to the whole process group, as Ctrl-C in a terminal', async () => {
    const port = await freePort();
    await documented(npx, { port }, async (meterd) => {
      const pgid = meterd.process.pid!;
      process.kill(-pgid, 'SIGINT');
      await groupEnds(pgid, 15_000);
      assert.ok(await portFree(port), `port ${port} is free once meterd has exited`);
      assert.match(meterd.output(), /"signal":"SIGINT"[^\n]*"msg":"shutting down"/);
      assert.doesNotMatch(meterd.output(), /shutdown failed/);
      const again = await meterd.another();
      await again.stop();
    });
  });
});
