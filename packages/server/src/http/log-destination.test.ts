/**
 * @module The log destination against a device that is always full (/dev/full) and a pipe
 * nobody reads: writing never throws or waits, lines that cannot go are counted, one warning per
 * episode, and logging resumes once the pipe is read.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  read,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { defaultLogFormat, logDestination, prettyLines } from './log-destination.js';

const line = (i: number) => `${JSON.stringify({ level: 30, i, msg: 'x'.repeat(200) })}\n`;

it(
  'drops and counts the lines a full device refuses, with one warning, and never throws',
  {
    skip: existsSync('/dev/full') ? undefined : 'no /dev/full here',
  },
  async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      let dropped = 0;
      const warnings: string[] = [];
      const logs = logDestination({ fd, onDrop: () => dropped++, warn: (w) => warnings.push(w) });
      logs.write(line(0));
      // The first write fails on the thread pool, and the episode starts.
      for (let i = 0; i < 500 && warnings.length === 0; i++) await sleep(10);
      for (let i = 1; i <= 100; i++) logs.write(line(i));
      assert.equal(dropped, 100);
      await sleep(600); // one retry fails too: still one episode
      for (let i = 101; i <= 110; i++) logs.write(line(i));
      assert.equal(dropped, 110);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /writing the log failed: ENOSPC/);
      // Closing does not wait for a destination that refuses every write.
      const started = Date.now();
      await logs.settle(5000);
      assert.ok(Date.now() - started < 1000);
    } finally {
      closeSync(fd);
    }
  },
);

it('never waits for a pipe nobody reads: the backlog is bounded, the rest counted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meterd-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'fifo');
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    t.skip('mkfifo is not available');
    return;
  }
  // Read-write, so that opening does not wait for a reader; non-blocking, as a pipe shared with
  // a stalled reader is.
  const reader = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    let dropped = 0;
    const warnings: string[] = [];
    const logs = logDestination({
      fd: writer,
      onDrop: () => dropped++,
      warn: (w) => warnings.push(w),
    });
    const started = Date.now();
    const lines = 20_000; // about 4.5 MiB, past the pipe's 64 KiB and the 1 MiB backlog
    for (let i = 0; i < lines; i++) logs.write(line(i));
    assert.ok(Date.now() - started < 2000, 'writing did not wait for the pipe');
    assert.ok(dropped > lines / 2, `lines past the backlog dropped and counted (${dropped})`);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /not keeping up/);

    // The reader comes back: the backlog drains and the episode ends.
    const buffer = Buffer.alloc(1 << 16);
    let received = 0;
    const deadline = Date.now() + 10_000;
    while (warnings.length < 2 && Date.now() < deadline) {
      const n = await new Promise<number>((resolve) =>
        read(reader, buffer, 0, buffer.length, null, (error, bytes) => resolve(error ? 0 : bytes)),
      );
      received += n;
      if (n === 0) await sleep(10);
    }
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[1]!, new RegExp(`takes writes again; ${dropped} lines were dropped`));
    assert.ok(
      received >= (lines - dropped) * line(0).length * 0.9,
      `backlog written (${received})`,
    );
    logs.write(line(lines));
    await logs.settle();
  } finally {
    closeSync(writer);
    closeSync(reader);
  }
});

it('writes pretty lines for a terminal: local time, level name, message, details', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meterd-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'log');
  const fd = openSync(file, 'w');
  try {
    const logs = logDestination({ fd, format: prettyLines(false) });
    const time = new Date(2026, 0, 2, 3, 4, 5, 678).getTime(); // local time
    logs.write(
      `${JSON.stringify({ level: 40, time, service: 'meterd', outcome: 'X', msg: 'request' })}\n`,
    );
    logs.write(`${JSON.stringify({ level: 30, time, msg: 'meterd listening' })}\n`);
    await logs.settle();
  } finally {
    closeSync(fd);
  }
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.deepEqual(lines, [
    '[2026-01-02 03:04:05.678] WARN: request {"outcome":"X"}',
    '[2026-01-02 03:04:05.678] INFO: meterd listening',
  ]);
  assert.equal(defaultLogFormat(true), 'pretty');
  assert.equal(defaultLogFormat(false), 'json');
});

it(
  'drops and counts pretty lines exactly as JSON ones',
  { skip: existsSync('/dev/full') ? undefined : 'no /dev/full here' },
  async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      let dropped = 0;
      const warnings: string[] = [];
      const logs = logDestination({
        fd,
        format: prettyLines(false),
        onDrop: () => dropped++,
        warn: (w) => warnings.push(w),
      });
      logs.write(line(0));
      for (let i = 0; i < 500 && warnings.length === 0; i++) await sleep(10);
      for (let i = 1; i <= 50; i++) logs.write(line(i));
      assert.equal(dropped, 50);
      assert.equal(warnings.length, 1);
    } finally {
      closeSync(fd);
    }
  },
);
