/**
 * @module RegisterUsage: a paid container proves its entitlement at start-up. The first call
 * of a task (its credentials) checks the buyer's agreement; later calls of the same task never
 * fail on entitlement. The answer is a PS256 JWS the container verifies offline.
 */

import { randomUUID } from 'node:crypto';
import type { CallContext } from '../domain/call-context.js';
import { pickAgreement } from '../domain/agreements.js';
import type { SigningKeys } from '../catalog/signing-keys.js';
import {
  InvalidProductCodeException,
  InvalidPublicKeyVersionException,
  InvalidRegionException,
  PlatformNotSupportedException,
} from '../protocol/errors.js';
import type { RegisterUsageInput, RegisterUsageOutput } from '../protocol/shapes.js';
import type { CallRecorder, OperationDeps } from './deps.js';
import { checkEntitled } from './usage-rules.js';

export interface RegisterUsageDeps {
  signingKeys: SigningKeys;
}

export async function registerUsage(
  deps: OperationDeps & RegisterUsageDeps,
  ctx: CallContext,
  input: RegisterUsageInput,
  recorder: CallRecorder<RegisterUsageOutput>,
): Promise<RegisterUsageOutput> {
  const { principal } = ctx;
  const product = await deps.store.getProduct(input.ProductCode);
  if (!product)
    throw new InvalidProductCodeException(`The product code ${input.ProductCode} is invalid.`);
  if (product.type !== 'container')
    throw new PlatformNotSupportedException(
      `Product ${input.ProductCode} is not a container product; RegisterUsage is for paid containers on Amazon ECS, Amazon EKS and AWS Fargate.`,
    );
  if (principal.resourceRegion !== deps.region)
    throw new InvalidRegionException(
      `RegisterUsage must be called in the region the task runs in (${principal.resourceRegion}), not ${deps.region}.`,
    );
  const key = await deps.signingKeys.get(input.PublicKeyVersion);
  const allowed = product.publicKeyVersions;
  if (!key || (allowed && !allowed.includes(input.PublicKeyVersion)))
    throw new InvalidPublicKeyVersionException(
      `Public key version ${input.PublicKeyVersion} is not valid for product ${product.productCode}.`,
    );

  const first = !(await deps.store.isTaskRegistered(principal.accessKeyId, product.productCode));
  if (first) {
    const agreement = pickAgreement(
      await deps.store.findAgreements({
        productCode: product.productCode,
        customerAWSAccountId: principal.accountId,
      }),
      ctx.now,
    );
    checkEntitled(agreement, principal.accountId, product.productCode, ctx.now, ctx.now);
  }

  const signature = await deps.signingKeys.sign(key, {
    productCode: product.productCode,
    publicKeyVersion: key.version,
    nonce: input.Nonce ?? randomUUID(),
    customerAWSAccountId: principal.accountId,
    iat: Math.floor(ctx.now.getTime() / 1000),
  });
  const expired = key.expiresAt !== null && key.expiresAt.getTime() <= ctx.now.getTime();
  const output: RegisterUsageOutput = {
    Signature: signature,
    ...(expired ? { PublicKeyRotationTimestamp: key.expiresAt! } : {}),
  };
  // A task's first call commits with its registration; the dispatcher audits later ones.
  if (first)
    await recorder.registerTask(principal.accessKeyId, product.productCode, ctx.now, output);
  return output;
}
