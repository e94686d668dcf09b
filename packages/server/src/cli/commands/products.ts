/**
 * @module `meterd products`: `create` refuses a product code that exists; `put` creates or
 * replaces; `delete` is refused while agreements name the product, unless `--force`.
 */

import type { Command } from 'commander';
import { adminRequest } from '../admin-client.js';
import { conn, print, renamed, required, withAdmin } from '../options.js';

/** The flags of a product's fields (create and put). */
function withFields(command: Command): Command {
  return renamed(
    command
      .addOption(required('--product-code <code>', 'product code'))
      .addOption(required('--seller-account-id <id>', "the seller's 12-digit account id"))
      .addOption(required('--type <type>', 'saas | ami | container'))
      .addOption(required('--dimensions <names>', 'comma-separated dimension names'))
      .option('--fulfillment-url <url>', 'SaaS: where `meterd subscribe` posts the token')
      .option('--meter-usage-mode <mode>', 'hourly | continuous')
      .option('--public-key-versions <versions>', 'comma-separated (container products)'),
    '--seller',
    '--seller-account-id',
  );
}

const fields = (opts: Record<string, string | undefined>) => ({
  sellerAccountId: opts.sellerAccountId,
  type: opts.type,
  dimensions: String(opts.dimensions).split(','),
  ...(opts.fulfillmentUrl ? { fulfillmentUrl: opts.fulfillmentUrl } : {}),
  ...(opts.meterUsageMode ? { meterUsageMode: opts.meterUsageMode } : {}),
  ...(opts.publicKeyVersions
    ? { publicKeyVersions: String(opts.publicKeyVersions).split(',').map(Number) }
    : {}),
});
const product = (code: string) => `/products/${encodeURIComponent(code)}`;

/**
 * Adds `products` to the program.
 * @example addProductCommands(program) // meterd products delete --product-code acme-saas
 */
export function addProductCommands(program: Command): void {
  const products = program.command('products').description('products');
  withAdmin(products.command('list').description('list products')).action(async (opts) =>
    print(await adminRequest(conn(opts), 'GET', '/products')),
  );
  withAdmin(
    products
      .command('get')
      .description('show a product')
      .addOption(required('--product-code <code>', 'product code')),
  ).action(async (opts) => print(await adminRequest(conn(opts), 'GET', product(opts.productCode))));
  withAdmin(
    withFields(products.command('create').description('create a product; fails if it exists')),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'POST', '/products', {
        productCode: opts.productCode,
        ...fields(opts),
      }),
    ),
  );
  withAdmin(withFields(products.command('put').description('create or replace a product'))).action(
    async (opts) =>
      print(await adminRequest(conn(opts), 'PUT', product(opts.productCode), fields(opts))),
  );
  withAdmin(
    products
      .command('delete')
      .description(
        'delete a product; refused while agreements name it, unless --force (which deletes them); usage records stay',
      )
      .addOption(required('--product-code <code>', 'product code'))
      .option('--force', 'also delete its agreements'),
  ).action(async (opts) =>
    print(
      await adminRequest(
        conn(opts),
        'DELETE',
        `${product(opts.productCode)}${opts.force ? '?force=true' : ''}`,
      ),
    ),
  );
}
