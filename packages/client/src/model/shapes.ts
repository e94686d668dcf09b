/**
 * @module The service's shapes as data (member order, required members, timestamps, enum values),
 * read by the serializer and the deserializer, and the facts the client needs of the service:
 * the generated model's (`@meterd/model/metering`).
 */
import { SERVICE as MODEL, operations } from '@meterd/model/metering';

export type { Shape, StructureShape } from '@meterd/model';
export { UsageRecordResultStatus, type OperationName } from '@meterd/model/metering';

/** The input and output shapes of each operation, and its idempotency-token member if any. */
export const OPERATIONS = operations;

/** Service facts shared by the client: JSON target prefix, SigV4 signing name, API version. */
export const SERVICE = {
  targetPrefix: MODEL.targetPrefix,
  signingName: MODEL.signingName,
  endpointPrefix: MODEL.endpointPrefix,
  apiVersion: MODEL.apiVersion,
  contentType: `application/x-amz-json-${MODEL.jsonVersion}`,
} as const;
