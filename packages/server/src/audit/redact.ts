/**
 * @module Keeps secrets out of audit events: registration tokens are bearer credentials.
 */

/**
 * ResolveCustomer's only member is the token, so every member value is masked: a rejected call
 * may carry it under a misspelt name.
 */
export function redactRequest(operation: string, request: unknown): unknown {
  if (operation !== 'ResolveCustomer' || request === null || typeof request !== 'object')
    return request;
  return Object.fromEntries(Object.keys(request).map((key) => [key, '***']));
}
