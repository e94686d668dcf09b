/**
 * @module Keeps secrets out of audit events: registration tokens are bearer credentials.
 */

export function redactRequest(operation: string, request: unknown): unknown {
  if (operation !== 'ResolveCustomer' || request === null || typeof request !== 'object')
    return request;
  return { ...(request as object), RegistrationToken: '***' };
}
