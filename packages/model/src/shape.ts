/**
 * @module The form every service model takes as data: its shapes (with the constraints the model
 * declares), operations and modelled errors. The generated modules fill it in, one per service.
 */

/** What every shape carries: its name in the model, and the model's documentation, as text. */
interface Named {
  readonly name: string;
  readonly documentation?: string;
}

/** A string; `min`/`max` count characters, `pattern` is the model's regular expression. */
export interface StringShape extends Named {
  readonly type: 'string';
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
}

/** A number; `min`/`max` bound its value. */
export interface NumberShape extends Named {
  readonly type: 'integer' | 'long' | 'float' | 'double';
  readonly min?: number;
  readonly max?: number;
}

export interface BooleanShape extends Named {
  readonly type: 'boolean';
}

/** A point in time: a `Date` in TypeScript, epoch seconds on the AWS JSON wire. */
export interface TimestampShape extends Named {
  readonly type: 'timestamp';
}

/** Bytes: base64 on the AWS JSON wire. */
export interface BlobShape extends Named {
  readonly type: 'blob';
  readonly min?: number;
  readonly max?: number;
}

/** A list; `min`/`max` bound its length. */
export interface ListShape extends Named {
  readonly type: 'list';
  readonly member: Shape;
  readonly min?: number;
  readonly max?: number;
}

/** A map from strings; `min`/`max` bound its number of entries. */
export interface MapShape extends Named {
  readonly type: 'map';
  readonly key: StringShape;
  readonly value: Shape;
  readonly min?: number;
  readonly max?: number;
}

/** A member of a structure: its shape, and what the model says of this use of it. */
export interface Member {
  readonly shape: Shape;
  readonly documentation?: string;
  /** The member is an idempotency token, which a client fills in when left out. */
  readonly idempotencyToken?: true;
}

/** A structure: members in the model's order, and which of them are required. */
export interface StructureShape extends Named {
  readonly type: 'structure';
  readonly members: Readonly<Record<string, Member>>;
  readonly required: readonly string[];
}

export type Shape =
  | StringShape
  | NumberShape
  | BooleanShape
  | TimestampShape
  | BlobShape
  | ListShape
  | MapShape
  | StructureShape;

/** An operation: its input and output, and the modelled errors it may answer with. */
export interface Operation {
  readonly name: string;
  readonly input: StructureShape;
  readonly output: StructureShape;
  readonly errors: readonly string[];
  /** The input member that is an idempotency token, if any. */
  readonly idempotencyToken: string | undefined;
  readonly documentation?: string;
}

/** Whether the caller (`client`) or the service (`server`) is at fault. */
export type Fault = 'client' | 'server';

/** A modelled error: its shape's name, HTTP status, fault and the operations that throw it. */
export interface ModelledError {
  readonly name: string;
  /** The status the model declares; where it declares none, 400 (client fault) or 500 (server). */
  readonly httpStatus: number;
  readonly fault: Fault;
  readonly operations: readonly string[];
  readonly documentation?: string;
}

/** The service's metadata, as the model states it. */
export interface ServiceMetadata {
  readonly apiVersion: string;
  readonly endpointPrefix: string;
  readonly jsonVersion: string;
  /** The protocol a client uses by default. */
  readonly protocol: string;
  /** Every protocol the service speaks, in the model's order of preference. */
  readonly protocols: readonly string[];
  readonly serviceFullName: string;
  readonly serviceId: string;
  readonly signatureVersion: string;
  readonly signingName: string;
  readonly targetPrefix: string;
  readonly uid: string;
}
