/**
 * @module The README's "Forwarding to AWS" example runs as written against meterd started the
 * default way (the demo): its first block starts `meterd forward` (the one change: `npx meterd`
 * is the built CLI, and the ports and data directory are the test's), its second sends an event
 * and reads the reconciliation, whose answers must be the ones the README shows.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, startMeterd, type Meterd } from '@meterd/testkit';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'packages/server/dist/cli/main.js');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function shBlocks(heading: string): string[] {
  const start = README.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `${heading} is in the README`);
  const end = README.indexOf('\n## ', start + heading.length + 2);
  const text = README.slice(start, end);
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe("the README's forwarding example", () => {
  let target: Meterd;
  let dir: string;
  before(async () => {
    target = await startMeterd({});
    dir = mkdtempSync(join(tmpdir(), 'fwd-readme-'));
  });
  after(async () => {
    await target?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts meterd forward, takes an event and reconciles it', async () => {
    const [start, use] = shBlocks('## Forwarding to AWS');
    assert.ok(start && use);
    const port = await freePort();
    const targetPort = new URL(target.url).port;
    const local = (sh: string) =>
      sh
        .replaceAll('npx meterd', `${process.execPath} ${CLI}`)
        .replaceAll('127.0.0.1:9400', `127.0.0.1:${targetPort}`)
        .replaceAll('9500', String(port))
        .replaceAll('./forward-data', dir);
    const script = [
      `${local(start).trimEnd()} --log-level warn &`,
      'FWD=$!',
      `for i in $(seq 100); do curl -sf http://127.0.0.1:${port}/healthz >/dev/null && break; sleep 0.1; done`,
      local(use),
      'kill $FWD; wait $FWD',
    ].join('\n');
    const { stdout } = await promisify(execFile)('sh', ['-c', script], { timeout: 30_000 });
    const [answer, header, row] = stdout.trim().split('\n');
    assert.equal(answer, '{"accepted":1,"duplicates":0,"rejected":[]}');
    assert.match(
      header!,
      /^hour,productCode,licenseArn,customerAWSAccountId,customerIdentifier,dimension,ingested,sent,accepted,deadLettered,pending,state,/,
    );
    assert.match(row!, /,demo-saas,,,demo-customer,requests,3,0,0,0,3,open,/);
  });
});
