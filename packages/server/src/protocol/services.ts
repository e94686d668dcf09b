/**
 * @module The AWS services meterd serves on its one endpoint, as their models state them: each
 * one's metadata, its Smithy namespace, the protocols it speaks, and which service each
 * operation belongs to. Everything about a service that the wire needs is read from here.
 */

import * as entitlement from '@meterd/model/entitlement';
import * as metering from '@meterd/model/metering';
import type { ServiceMetadata } from '@meterd/model';

/** The wire protocols meterd speaks, as the models name them. */
export type Protocol = 'json' | 'smithy-rpc-v2-cbor';

export interface Service {
  /** meterd's short name for the service. */
  readonly key: 'metering' | 'entitlement';
  readonly metadata: ServiceMetadata;
  /**
   * The Smithy namespace of the service's shapes (`com.amazonaws.` and the service id in lower
   * case without spaces, as the AWS SDKs' models have it): RPC v2 CBOR errors name their shape
   * by it.
   */
  readonly namespace: string;
  /** The CloudTrail `eventSource` of the service's calls. */
  readonly eventSource: string;
  readonly operations: readonly string[];
  /** The operations that change nothing (CloudTrail's `readOnly`). */
  readonly readOnly: readonly string[];
}

const namespaceOf = (metadata: ServiceMetadata) =>
  `com.amazonaws.${metadata.serviceId.replace(/\s+/g, '').toLowerCase()}`;

export const METERING: Service = {
  key: 'metering',
  metadata: metering.SERVICE,
  namespace: namespaceOf(metering.SERVICE),
  eventSource: 'metering-marketplace.amazonaws.com',
  operations: Object.keys(metering.operations),
  readOnly: [],
};

export const ENTITLEMENT: Service = {
  key: 'entitlement',
  metadata: entitlement.SERVICE,
  namespace: namespaceOf(entitlement.SERVICE),
  // CloudTrail names AWS Marketplace's sources after the service's endpoint prefix, as
  // metering's `metering-marketplace.amazonaws.com`.
  eventSource: 'entitlement-marketplace.amazonaws.com',
  operations: Object.keys(entitlement.operations),
  readOnly: Object.keys(entitlement.operations),
};

export const SERVICES: readonly Service[] = [METERING, ENTITLEMENT];

const byOperation = new Map(SERVICES.flatMap((s) => s.operations.map((o) => [o, s] as const)));

/** The service an operation belongs to (every operation name is unique across them). */
export function serviceOf(operation: string): Service {
  const service = byOperation.get(operation);
  if (!service) throw new Error(`no service has an operation ${operation}`);
  return service;
}

/** The service of an operation name, if meterd serves one of that name. */
export const findServiceOf = (operation: string): Service | undefined => byOperation.get(operation);

/** The service whose JSON target prefix (or RPC v2 service name) is `name`. */
export function serviceNamed(name: string): Service | undefined {
  return SERVICES.find((s) => s.metadata.targetPrefix === name);
}

/** Whether `service` speaks `protocol`, per its model. */
export const speaks = (service: Service, protocol: Protocol) =>
  service.metadata.protocols.includes(protocol);
