/**
 * @module Writes audit events as CloudTrail log files: gzip-compressed `{"Records": [...]}`
 * under `AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`, one file per account and hour.
 */

import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AuditEvent } from './event.js';

/** Groups events into CloudTrail files under `dir`; returns the paths written. */
export async function writeCloudTrailFiles(dir: string, events: AuditEvent[]): Promise<string[]> {
  const groups = new Map<string, AuditEvent[]>();
  for (const event of events) {
    const hour = event.eventTime.slice(0, 13); // 2026-11-23T02
    const key = `${event.recipientAccountId}|${event.awsRegion}|${hour}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(event);
  }
  const written: string[] = [];
  for (const [key, records] of groups) {
    const [account, region, hour] = key.split('|') as [string, string, string];
    const [yyyy, mm, dd] = hour.slice(0, 10).split('-') as [string, string, string];
    const folder = join(dir, 'AWSLogs', account, 'CloudTrail', region, yyyy, mm, dd);
    await mkdir(folder, { recursive: true });
    const stamp = `${yyyy}${mm}${dd}T${hour.slice(11, 13)}00Z`;
    const file = join(
      folder,
      `${account}_CloudTrail_${region}_${stamp}_${randomBytes(8).toString('hex')}.json.gz`,
    );
    await writeFile(file, gzipSync(JSON.stringify({ Records: records })));
    written.push(file);
  }
  return written;
}
