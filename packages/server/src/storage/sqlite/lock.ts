/**
 * @module SQLite's lock: one meterd process per data directory, because the live dedupe keys
 * (live-keys.ts) are held in that process's memory and a second process on the same database
 * would store duplicates. The lock is SQLite's own exclusive lock on `meterd.lock`, a POSIX
 * record lock the kernel drops the moment its holder dies, so no process id is trusted (in a
 * container meterd is PID 1 every time). Its mirror, postgres/lock.ts, lets any number of
 * instances share the database and only serializes what must not run twice at once
 * (migrations).
 */

import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** The lock file. It is never removed: unlinking a lock file lets two processes lock two files. */
export const LOCK_FILE = 'meterd.lock';
/** The lock of earlier versions, a process id that cannot tell a dead process from a live one. */
const OLD_PID_FILE = 'meterd.pid';
/** The connections holding locks: a store nobody references must not lose its lock to the GC. */
const held = new Set<BetterSqlite3.Database>();

/**
 * Takes the data directory's lock, waiting up to `waitMs` for a holder that is dying (a restart
 * right after a kill: the kernel releases the lock once the process is torn down). Returns its
 * release. SQLite locks per file within a process too, so a second store on the directory in
 * this process is refused as well.
 */
export function lockDataDir(dir: string, waitMs = 5000): () => void {
  const file = join(dir, LOCK_FILE);
  const db = new BetterSqlite3(file, { timeout: waitMs });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = MEMORY'); // no journal file: the lock database holds nothing
    // In exclusive locking mode the lock a write transaction takes is kept until close.
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    const holder = lockHolder(file);
    throw new Error(
      `${dir} is in use by ${holder ? `meterd process ${holder}` : 'another meterd process'}: one meterd serves one SQLite store (several instances share PostgreSQL, --database-url)`,
    );
  }
  held.add(db);
  const release = () => {
    held.delete(db);
    if (db.open) db.close();
  };
  try {
    rmSync(join(dir, OLD_PID_FILE), { force: true });
  } catch (error) {
    release();
    throw error;
  }
  return release;
}

/**
 * The process holding a lock on `file`, as the kernel lists it in /proc/locks (in this
 * process's PID namespace), if it can tell; for the refusal message only.
 */
function lockHolder(file: string): number | undefined {
  try {
    const { dev, ino } = statSync(file);
    // glibc's encoding of st_dev; /proc/locks prints major:minor:inode, in hex, hex, decimal.
    const major = Math.floor(dev / 256) % 4096;
    const minor = (dev % 256) + (Math.floor(dev / 4096) & ~0xff);
    const id = `${hex(major)}:${hex(minor)}:${ino}`;
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields[1] === 'POSIX' && fields[5] === id && !line.includes('->')) {
        const pid = Number(fields[4]);
        if (Number.isInteger(pid) && pid > 0) return pid;
      }
    }
  } catch {
    // not Linux, or /proc not mounted: the message says less
  }
  return undefined;
}

const hex = (n: number) => n.toString(16).padStart(2, '0');
