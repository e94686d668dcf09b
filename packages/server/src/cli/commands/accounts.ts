/**
 * @module `meterd accounts`: AWS accounts and their access keys. `create` and `add-key` refuse
 * an id that exists; `put` and `put-key` create or replace; `delete` takes the account's keys
 * with it. Secrets are taken from the environment, off the command line, where `ps` shows them.
 */

import { Option, type Command } from 'commander';
import { adminRequest } from '../admin-client.js';
import { conn, print, required, withAdmin } from '../options.js';

const SECRET = () =>
  new Option('--secret-access-key <secret>', 'the secret (generated when absent)').env(
    'METERD_SECRET_ACCESS_KEY',
  );
const SESSION = () =>
  new Option('--session-token <token>', 'make it temporary credentials').env(
    'METERD_SESSION_TOKEN',
  );

interface KeyOptions {
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
}
const keyBody = (opts: KeyOptions) => ({
  ...(opts.secretAccessKey ? { secretAccessKey: opts.secretAccessKey } : {}),
  ...(opts.sessionToken ? { sessionToken: opts.sessionToken } : {}),
  ...(opts.region ? { region: opts.region } : {}),
});
const account = (id: string) => `/accounts/${encodeURIComponent(id)}`;

/**
 * Adds `accounts` to the program.
 * @example addAccountCommands(program) // meterd accounts create --name newco
 */
export function addAccountCommands(program: Command): void {
  const accounts = program.command('accounts').description('AWS accounts and their access keys');
  withAdmin(accounts.command('list').description('list accounts and their key ids')).action(
    async (opts) => print(await adminRequest(conn(opts), 'GET', '/accounts')),
  );
  withAdmin(
    accounts
      .command('get')
      .description('show an account and its keys (without secrets)')
      .addOption(required('--account-id <id>', '12-digit account id')),
  ).action(async (opts) => print(await adminRequest(conn(opts), 'GET', account(opts.accountId))));
  withAdmin(
    accounts
      .command('create')
      .description('create an account with one generated access key; fails if it exists')
      .option('--account-id <id>', '12-digit account id (generated when absent)')
      .option('--name <name>', 'account name')
      .option('--region <region>', 'region of the resource holding the key'),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'POST', '/accounts', {
        ...(opts.accountId ? { accountId: opts.accountId } : {}),
        ...(opts.name ? { name: opts.name } : {}),
        accessKeys: [opts.region ? { region: opts.region } : {}],
      }),
    ),
  );
  withAdmin(
    accounts
      .command('put')
      .description('create an account, or rename it (its keys stay as they are)')
      .addOption(required('--account-id <id>', '12-digit account id'))
      .option('--name <name>', 'account name'),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'PUT', account(opts.accountId), {
        ...(opts.name ? { name: opts.name } : {}),
      }),
    ),
  );
  withAdmin(
    accounts
      .command('delete')
      .description(
        'delete an account and its access keys; refused while it sells products, unless --force (which deletes them and their agreements); usage records stay',
      )
      .addOption(required('--account-id <id>', '12-digit account id'))
      .option('--force', 'also delete the products it sells and their agreements'),
  ).action(async (opts) =>
    print(
      await adminRequest(
        conn(opts),
        'DELETE',
        `${account(opts.accountId)}${opts.force ? '?force=true' : ''}`,
      ),
    ),
  );
  withAdmin(
    accounts
      .command('add-key')
      .description('add an access key to an account (an instance, task or pod); fails if it exists')
      .addOption(required('--account-id <id>', '12-digit account id'))
      .option('--access-key-id <id>', 'key id (generated when absent)')
      .addOption(SECRET())
      .addOption(SESSION())
      .option('--region <region>', 'region of the resource holding the key'),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'POST', `${account(opts.accountId)}/access-keys`, {
        ...(opts.accessKeyId ? { accessKeyId: opts.accessKeyId } : {}),
        ...keyBody(opts),
      }),
    ),
  );
  withAdmin(
    accounts
      .command('put-key')
      .description('create an access key, or replace its secret, session token and region')
      .addOption(required('--account-id <id>', '12-digit account id'))
      .addOption(required('--access-key-id <id>', 'key id'))
      .addOption(SECRET())
      .addOption(SESSION())
      .option('--region <region>', 'region of the resource holding the key'),
  ).action(async (opts) =>
    print(
      await adminRequest(
        conn(opts),
        'PUT',
        `${account(opts.accountId)}/access-keys/${encodeURIComponent(opts.accessKeyId)}`,
        keyBody(opts),
      ),
    ),
  );
  withAdmin(
    accounts
      .command('delete-key')
      .description('delete an access key: calls signed with it are refused')
      .argument('[accessKeyId]', 'key id (or --access-key-id)')
      .option('--access-key-id <id>', 'key id'),
  ).action(async (positional: string | undefined, opts, command: Command) => {
    const id = opts.accessKeyId ?? positional;
    if (!id) command.error("error: required option '--access-key-id <id>' not specified");
    await adminRequest(conn(opts), 'DELETE', `/access-keys/${encodeURIComponent(id)}`);
    print({ removed: { accessKeys: [id] } });
  });
}
