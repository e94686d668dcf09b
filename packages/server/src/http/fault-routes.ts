/**
 * @module The fault rules over HTTP, in the verbs and bodies of LocalStack's Chaos API: GET lists
 * the rules, POST replaces them, PATCH appends, DELETE removes the rules equal to those given;
 * each answers with the rules then in force (a JSON array). Under /admin/v1/faults with the
 * admin token, and, when enabled, at LocalStack's own path /_localstack/chaos/faults without
 * one (as LocalStack serves it), so that existing scripts work unchanged.
 */

import type { FastifyInstance } from 'fastify';
import { FaultRuleError } from '../domain/faults.js';
import type { FaultInjector } from '../operations/faults.js';
import { requireAdmin } from './admin-auth.js';
import { AdminError } from './errors.js';

export interface FaultRoutesOptions {
  faults: FaultInjector;
  /** The admin token, for /admin/v1/faults. */
  adminToken: string;
  /** Serve /_localstack/chaos/faults too, without a token. */
  localstackPath?: boolean;
}

const rulesOf = (body: unknown) => (body === undefined || body === null ? [] : body);

async function checked<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof FaultRuleError)
      throw new AdminError(400, 'InvalidFaultRule', error.message);
    throw error;
  }
}

function routes(app: FastifyInstance, path: string, faults: FaultInjector) {
  app.get(path, async () => faults.rules);
  app.post(path, async (request) => checked(() => faults.replace(rulesOf(request.body))));
  app.patch(path, async (request) => checked(() => faults.append(rulesOf(request.body))));
  app.delete(path, async (request) => checked(() => faults.remove(rulesOf(request.body))));
}

/** Registers the fault routes. */
export async function faultRoutes(app: FastifyInstance, options: FaultRoutesOptions) {
  const { faults } = options;
  await app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => {
      requireAdmin(request, options.adminToken);
    });
    routes(admin, '/admin/v1/faults', faults);
    admin.delete<{ Params: { id: string } }>('/admin/v1/faults/:id', async (request, reply) => {
      if (!(await faults.removeById(request.params.id)))
        throw new AdminError(404, 'NotFound', `No fault rule has the id ${request.params.id}.`);
      return reply.code(200).send(faults.rules);
    });
  });
  if (options.localstackPath) routes(app, '/_localstack/chaos/faults', faults);
}
