/**
 * @module The clock over HTTP, under /admin/v1/clock with the admin token: GET shows it, PUT
 * moves it (`{"now": "<ISO time>"}` or `{"advanceSeconds": N}`), DELETE returns it to real
 * time; each answers `{now, real, offsetSeconds, controlled}`. Without `--clock-control` each
 * answers 403 `ClockControlDisabled`.
 */

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ClockChangeError, type ClockChange, type MovableClock } from '../operations/clock.js';
import { requireAdmin } from './admin-auth.js';
import { AdminError } from './errors.js';

export interface ClockRoutesOptions {
  /** The movable clock; absent when the clock is real time. */
  clock?: MovableClock;
  adminToken: string;
  region: string;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The change a PUT body asks for. */
function changeOf(body: unknown): ClockChange {
  const b = (body ?? {}) as Record<string, unknown>;
  const keys = Object.keys(b);
  if (keys.length === 1 && typeof b.now === 'string' && ISO_TIME.test(b.now)) {
    const now = new Date(b.now);
    if (!Number.isNaN(now.getTime())) return { now };
  }
  if (
    keys.length === 1 &&
    typeof b.advanceSeconds === 'number' &&
    Number.isFinite(b.advanceSeconds)
  )
    return { advanceSeconds: b.advanceSeconds };
  throw new AdminError(
    400,
    'InvalidParameter',
    'The body must be {"now": "<ISO 8601 time with a zone>"} or {"advanceSeconds": <number>}.',
  );
}

/** Registers the clock routes. */
export async function clockRoutes(app: FastifyInstance, options: ClockRoutesOptions) {
  const { clock } = options;
  const call = (request: FastifyRequest) => ({
    requestId: request.id,
    sourceIp: request.ip,
    userAgent: String(request.headers['user-agent'] ?? ''),
    region: options.region,
  });
  const change = async (request: FastifyRequest, what: ClockChange) => {
    try {
      return await clock!.change(what, call(request));
    } catch (error) {
      if (error instanceof ClockChangeError)
        throw new AdminError(400, 'InvalidClockTime', error.message);
      throw error;
    }
  };
  await app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => {
      requireAdmin(request, options.adminToken);
      if (!clock)
        throw new AdminError(
          403,
          'ClockControlDisabled',
          'The clock is real time. Start meterd with --clock-control (METERD_CLOCK_CONTROL=true) to move it.',
        );
    });
    admin.get('/admin/v1/clock', async () => clock!.state());
    admin.put('/admin/v1/clock', async (request) => change(request, changeOf(request.body)));
    admin.delete('/admin/v1/clock', async (request) => change(request, { reset: true }));
  });
}
