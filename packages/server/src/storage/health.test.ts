/**
 * @module Write health: one episode from the first refused write until writes have committed for
 * the settling time with none refused, however the refusals and the commits interleave.
 */

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { WriteHealth } from './health.js';

it('makes one episode of refusals interleaved with commits, ended by a settled run of commits', async () => {
  const told: string[] = [];
  const health = new WriteHealth(
    {
      unavailable: (reason) => told.push(`down ${reason}`),
      recovered: (reason, _seconds, failures) => told.push(`up ${reason} ${failures}`),
    },
    100,
  );
  assert.deepEqual(health.status, { writable: true });
  health.committed(); // nothing to end
  health.failed('database unavailable (SQLITE_FULL)');
  // On a full disk a small write can still commit between refused ones: the episode goes on.
  for (let i = 0; i < 5; i++) {
    health.committed();
    await sleep(10);
    health.failed('database unavailable (SQLITE_FULL)');
  }
  const down = health.status;
  assert.equal(down.writable, false);
  assert.equal(down.writable === false && down.failures, 6);
  assert.deepEqual(told, ['down database unavailable (SQLITE_FULL)']);
  health.committed();
  assert.equal(health.status.writable, false, 'still settling');
  await sleep(200);
  assert.deepEqual(health.status, { writable: true });
  assert.deepEqual(told, [
    'down database unavailable (SQLITE_FULL)',
    'up database unavailable (SQLITE_FULL) 6',
  ]);
});
