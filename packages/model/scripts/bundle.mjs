// Puts a copy of each workspace package that the package being packed bundles
// (`bundleDependencies`: @meterd/model, and for meterd also @meterd/forwarder; package.json and
// dist/) in its node_modules, so that npm bundles it: npm does not bundle a workspace package it
// finds hoisted to the root, nor one behind a link. `--remove` takes the copies away again.
// Run from the packed package's folder, as its prepack and postpack scripts.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
// The workspace packages by name.
const workspace = new Map(
  readdirSync(packages)
    .filter((d) => existsSync(join(packages, d, 'package.json')))
    .map((d) => [readJson(join(packages, d, 'package.json')).name, join(packages, d)]),
);
const bundled = readJson(join(process.cwd(), 'package.json')).bundleDependencies ?? [];
for (const name of bundled) {
  const source = workspace.get(name);
  if (!source) throw new Error(`${name} is bundled but is not a workspace package`);
  const target = join(process.cwd(), 'node_modules', ...name.split('/'));
  rmSync(target, { recursive: true, force: true });
  if (process.argv.includes('--remove')) continue;
  if (!existsSync(join(source, 'dist'))) throw new Error(`${source}/dist is missing: build first`);
  // Source maps stay behind: they point at sources that are not published.
  for (const entry of ['package.json', 'dist'])
    cpSync(join(source, entry), join(target, entry), {
      recursive: true,
      filter: (path) => !path.endsWith('.map') && !path.endsWith('.tsbuildinfo'),
    });
}
if (process.argv.includes('--remove')) {
  // Leave no empty folders behind.
  const modules = join(process.cwd(), 'node_modules');
  for (const dir of [join(modules, '@meterd'), modules])
    if (existsSync(dir) && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
}
