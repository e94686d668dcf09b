/**
 * @module Where a SQLite worker thread starts (SQLite only), shared by the checkpointer and the
 * summary thread. Built, it is the compiled module beside this one. From sources (tests run
 * under tsx) the worker must load TypeScript too, and on Node 20 a worker gets none of the main
 * thread's module hooks: it registers tsx's before importing the entry.
 */

import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The entry of the worker module `name` (without extension) in this folder. */
export function workerEntry(name: string): URL {
  const ext = extname(fileURLToPath(import.meta.url));
  const module = new URL(`./${name}${ext}`, import.meta.url);
  if (ext !== '.ts') return module;
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const load = `import { register } from ${tsx}; register(); await import(${JSON.stringify(module.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(load)}`);
}
