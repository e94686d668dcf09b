/**
 * @module SQLite's lock: one meterd process per data directory, because the live dedupe keys
 * (live-keys.ts) are held in that process's memory and a second process on the same database
 * would store duplicates. Its mirror, postgres/lock.ts, lets any number of instances share
 * the database and only serializes what must not run twice at once (migrations).
 */

import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Takes `meterd.pid` in the data directory. A lock left by a process that no longer runs
 * (killed) is taken over. Returns its release.
 */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'meterd.pid');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(file, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder))
      throw new Error(
        `${dir} is in use by meterd process ${holder}: one meterd serves one SQLite store (several instances share PostgreSQL, --database-url)`,
      );
    rmSync(file, { force: true });
  }
  throw new Error(`could not lock ${dir} (${file})`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
