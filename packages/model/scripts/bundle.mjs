// Puts a copy of this package (package.json and dist/) in the node_modules of the package being
// packed, so that npm bundles it (`bundleDependencies`): npm does not bundle a workspace package
// it finds hoisted to the root, nor one behind a link. `--remove` takes the copy away again.
// Run from the packed package's folder, as its prepack and postpack scripts.
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const model = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(process.cwd(), 'node_modules', '@meterd', 'model');
rmSync(target, { recursive: true, force: true });
if (process.argv.includes('--remove')) {
  // Leave no empty folders behind.
  for (const dir of [dirname(target), dirname(dirname(target))])
    if (existsSync(dir) && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
} else {
  if (!existsSync(join(model, 'dist'))) throw new Error(`${model}/dist is missing: build first`);
  // Source maps stay behind: they point at sources that are not published.
  for (const entry of ['package.json', 'dist'])
    cpSync(join(model, entry), join(target, entry), {
      recursive: true,
      filter: (source) => !source.endsWith('.map'),
    });
}
