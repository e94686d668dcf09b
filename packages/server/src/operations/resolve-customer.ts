/**
 * @module ResolveCustomer: a SaaS seller exchanges the registration token posted to its
 * fulfillment URL for the buyer's identity. Tokens of another seller's products are invalid.
 */

import type { CallContext } from '../domain/call-context.js';
import { ExpiredTokenException, InvalidTokenException } from '../protocol/errors.js';
import type { ResolveCustomerInput, ResolveCustomerOutput } from '../protocol/shapes.js';
import type { OperationDeps } from './deps.js';

export async function resolveCustomer(
  deps: OperationDeps,
  ctx: CallContext,
  input: ResolveCustomerInput,
): Promise<ResolveCustomerOutput> {
  const invalid = () => new InvalidTokenException('Registration token is invalid.');
  const token = await deps.store.getRegistrationToken(input.RegistrationToken);
  if (!token) throw invalid();
  const product = await deps.store.getProduct(token.productCode);
  if (!product || product.sellerAccountId !== ctx.principal.accountId) throw invalid();
  if (ctx.now.getTime() > token.expiresAt.getTime())
    throw new ExpiredTokenException('Registration token has expired.');
  const agreement = await deps.store.getAgreement(token.licenseArn);
  if (!agreement) throw invalid();
  return {
    CustomerIdentifier: agreement.customerIdentifier,
    CustomerAWSAccountId: agreement.customerAWSAccountId,
    ProductCode: agreement.productCode,
    LicenseArn: agreement.licenseArn,
  };
}
