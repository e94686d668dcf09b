import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as sdk from '@aws-sdk/client-marketplace-metering';
import { wireOrder } from '../protocol/aws-json.js';
import { OPERATIONS, type Shape, type StructureShape } from './shapes.js';

// The official SDK ships the same API model as schema tuples:
// [3, namespace, name, traits, memberNames, memberSchemas, requiredCount]. A member schema of 4
// is a timestamp; [schema, traits] with trait bit 4 is an idempotency token.
type SdkStruct = [number, string, string, unknown, string[], unknown[], number?];
const sdkSchemas = sdk as unknown as Record<string, SdkStruct | undefined>;

function structures(
  shape: Shape,
  into = new Map<string, StructureShape>(),
): Map<string, StructureShape> {
  if (shape.type === 'list') return structures(shape.member, into);
  if (shape.type !== 'structure') return into;
  into.set(shape.name, shape);
  for (const member of Object.values(shape.members)) structures(member.shape, into);
  return into;
}

const all = new Map<string, StructureShape>();
for (const op of Object.values(OPERATIONS)) {
  structures(op.input, all);
  structures(op.output, all);
}

describe('shapes agree with the official SDK model', () => {
  test('every structure of the model is here', () => {
    const sdkStructures = Object.entries(sdkSchemas)
      .filter(([key, v]) => key.endsWith('$') && Array.isArray(v) && v[0] === 3)
      .map(([key]) => key.slice(0, -1))
      .sort();
    assert.deepEqual([...all.keys()].sort(), sdkStructures);
  });

  for (const [name, shape] of all) {
    test(name, () => {
      const schema = sdkSchemas[`${name}$`];
      assert.ok(schema, `${name}$ is exported by the SDK`);
      const [, , , , memberNames, memberSchemas, requiredCount = 0] = schema;
      assert.deepEqual(wireOrder(shape), memberNames, 'members in wire order');
      assert.deepEqual(shape.required, memberNames.slice(0, requiredCount), 'required members');
      const timestamps = memberNames.filter((_, i) => memberSchemas[i] === 4);
      assert.deepEqual(
        Object.keys(shape.members).filter((m) => shape.members[m]?.shape.type === 'timestamp'),
        timestamps,
        'timestamp members',
      );
    });
  }

  test('idempotency tokens', () => {
    for (const [name, op] of Object.entries(OPERATIONS)) {
      const [, , , , memberNames, memberSchemas] = sdkSchemas[`${op.input.name}$`]!;
      const tokens = memberNames.filter((_, i) => {
        const s = memberSchemas[i];
        return Array.isArray(s) && (Number(s[1]) & 4) !== 0;
      });
      assert.deepEqual(tokens, op.idempotencyToken ? [op.idempotencyToken] : [], name);
    }
  });
});
