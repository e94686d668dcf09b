// Runs every *.test.ts under packages/*/src and packages/*/test with node's test runner (via tsx).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync('packages').flatMap((p) => ['src', 'test'].map((d) => join('packages', p, d)));

const files = [];
for (const root of roots) {
  let st;
  try {
    st = statSync(root);
  } catch {
    continue;
  }
  if (st.isFile()) files.push(root);
  else
    for (const f of readdirSync(root, { recursive: true }))
      if (String(f).endsWith('.test.ts')) files.push(join(root, String(f)));
}
files.sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
