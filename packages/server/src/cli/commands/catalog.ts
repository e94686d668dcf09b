/**
 * @module `meterd catalog`: the whole catalog. `apply` prints what it changed, per kind, and
 * never a secret; `--prune` deletes what the file does not name. `export` leaves secrets out
 * unless asked for them.
 */

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { CatalogKind } from '../../catalog/service.js';
import { adminRequest, CliError } from '../admin-client.js';
import { conn, print, withAdmin } from '../options.js';

type Counts = { created: number; updated: number; unchanged: number; removed: number };
interface Applied {
  summary: Record<CatalogKind, Counts>;
  changes: Record<CatalogKind, { created: string[]; updated: string[]; removed: string[] }>;
}

async function readCatalog(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new CliError(`${file} is not YAML or JSON: ${(error as Error).message}`);
  }
}

/**
 * Adds `catalog` to the program.
 * @example addCatalogCommands(program) // meterd catalog apply catalog.yaml --prune
 */
export function addCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('the whole catalog');
  withAdmin(
    catalog
      .command('apply')
      .argument('<file>', 'catalog file (YAML or JSON)')
      .description(
        'apply a catalog file to a running meterd; prints how many accounts, access keys, products and agreements were created, updated, unchanged and removed',
      )
      .option(
        '--prune',
        'delete what the file does not name (its references must then resolve within the file); usage records stay',
      )
      .option('--details', 'also list the ids created, updated and removed'),
  ).action(async (file: string, opts) => {
    const doc = await readCatalog(file);
    const applied = await adminRequest<Applied>(
      conn(opts),
      'POST',
      `/catalog${opts.prune ? '?prune=true' : ''}`,
      doc,
    );
    print(opts.details ? applied : { summary: applied.summary });
  });
  withAdmin(
    catalog
      .command('export')
      .description(
        'print the catalog as a file `catalog apply` takes; secrets left out unless --include-secrets (applied back, such a file keeps the secrets a meterd holds)',
      )
      .option('--include-secrets', 'include secret access keys and session tokens'),
  ).action(async (opts) =>
    print(
      await adminRequest(
        conn(opts),
        'GET',
        `/catalog${opts.includeSecrets ? '' : '?secrets=false'}`,
      ),
    ),
  );
}
