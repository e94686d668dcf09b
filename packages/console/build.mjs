// Builds the console into the server's dist/console/ (served at /console, published in the
// meterd package), and the forwarder's status page into the forwarder's dist/status/ (served by
// `meterd forward` at /status): for each, one script and one style sheet bundled by esbuild,
// named by a hash of their content so that they can be cached for good, and the page that
// loads them.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

async function page({ entry, out, title }) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'assets'), { recursive: true });
  const result = await build({
    entryPoints: [join(here, 'src', entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    entryNames: 'main-[hash]',
    outdir: join(out, 'assets'),
    metafile: true,
    legalComments: 'eof',
    logLevel: 'warning',
  });
  const built = Object.keys(result.metafile.outputs).map((f) => basename(f));
  const script = built.find((f) => f.endsWith('.js'));
  const style = built.find((f) => f.endsWith('.css'));
  writeFileSync(
    join(out, 'index.html'),
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/${style}">
<script type="module" src="assets/${script}"></script>
</head>
<body>
<div id="app"></div>
</body>
</html>
`,
  );
}

await page({
  entry: 'main.js',
  out: join(here, '..', 'server', 'dist', 'console'),
  title: 'meterd console',
});
await page({
  entry: 'forwarder.js',
  out: join(here, '..', 'forwarder', 'dist', 'status'),
  title: 'meterd forward',
});
