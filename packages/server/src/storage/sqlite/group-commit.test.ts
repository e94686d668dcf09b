/**
 * @module The SQLite group commit on a database that is full (max_page_count stands in for the
 * disk): SQLite then rolls the whole group back, and every job of it must fail as retryable,
 * its effects outside the database undone, with the next group committing normally.
 */

import assert from 'node:assert/strict';
import { it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { TransientStoreError } from '../errors.js';
import { WriteHealth } from '../health.js';
import { GroupCommit } from './group-commit.js';

it('fails every job of a group SQLite rolled back for a full database as retryable', async () => {
  const db = new BetterSqlite3(':memory:');
  db.exec('create table t (x blob)');
  db.pragma('max_page_count = 20');
  const reasons: string[] = [];
  const health = new WriteHealth({ unavailable: (reason) => reasons.push(reason) });
  const commits = new GroupCommit(db, { health });
  const insert = db.prepare('insert into t values (?)');
  const undone: string[] = [];

  // One turn of the event loop: both jobs share a transaction, the second fills the database.
  const small = commits.submit(
    () => insert.run(Buffer.alloc(1000)),
    () => undone.push('small'),
  );
  const large = commits.submit(
    () => insert.run(Buffer.alloc(200_000)),
    () => undone.push('large'),
  );
  for (const job of [small, large])
    await assert.rejects(job, (error: Error) => {
      assert.ok(error instanceof TransientStoreError, `${error.name}: ${error.message}`);
      assert.match(error.message, /SQLITE_FULL/);
      return true;
    });
  assert.deepEqual(undone.sort(), ['large', 'small']);
  assert.equal(db.inTransaction, false);
  assert.equal((db.prepare('select count(*) as n from t').get() as { n: number }).n, 0);
  assert.deepEqual(reasons, ['database unavailable (SQLITE_FULL)']);

  // The next group commits.
  await commits.submit(() => insert.run(Buffer.alloc(1000)));
  assert.equal((db.prepare('select count(*) as n from t').get() as { n: number }).n, 1);
  await commits.drain();
  db.close();
});
