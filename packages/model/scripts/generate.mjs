// Generates TypeScript from each service model in models/<service>/service-2.json (AWS's JSON
// model form), with what models/<service>/docs.mjs adds to its documentation:
//   src/generated/<service>/model.ts       metadata, shapes as data, operations, modelled errors
//                                          and the TypeScript type of every structure and enum;
//   src/generated/<service>/exceptions.ts  one exception class per modelled error.
// `--check` writes nothing and fails when a generated file is not what it would write.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';

const PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODELS = join(PACKAGE, 'models');
const OUT = join(PACKAGE, 'src', 'generated');
const WIDTH = 100;

// ---- documentation ---------------------------------------------------------------------------

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The model's HTML documentation as plain text: paragraphs, `- ` list items, `code` spans. */
function docText(html) {
  if (!html) return undefined;
  const text = html
    .replace(/<code>\s*([\s\S]*?)\s*<\/code>/g, '`$1`')
    .replace(/<li>\s*(<p>)?/g, '\n- ')
    .replace(/(<\/p>\s*)?<\/li>/g, '')
    .replace(/<\/?(p|ul|ol|note|important|fullname)>/g, '\n\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#\d+|\w+);/g, (all, name) =>
      name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : (ENTITIES[name] ?? all),
    );
  const blocks = text
    .split(/\n\s*\n/)
    .map((block) =>
      block
        .split('\n')
        .map((line) => line.replace(/\s+/g, ' ').trim())
        .filter(Boolean)
        .join('\n'),
    )
    .filter(Boolean);
  return blocks.length > 0 ? blocks.join('\n\n') : undefined;
}

/** Lines of `text` at most `width` long, broken between words; list items keep an indent. */
function wrap(text, width) {
  const lines = [];
  for (const line of text.split('\n')) {
    const indent = line.startsWith('- ') ? '  ' : '';
    let current = '';
    for (const word of line.split(' ')) {
      if (current && current.length + 1 + word.length > width) {
        lines.push(current);
        current = indent + word;
      } else current = current ? `${current} ${word}` : word;
    }
    lines.push(current);
  }
  return lines;
}

/** A JSDoc comment of paragraphs (`undefined` ones left out) and an optional example. */
function jsdoc(paragraphs, example, indent = '') {
  const body = paragraphs.filter(Boolean).map((p) => p.replaceAll('*/', '*\\/'));
  if (body.length === 0 && !example) return '';
  const lines = [];
  body.forEach((p, i) => {
    if (i > 0) lines.push('');
    lines.push(...wrap(p, WIDTH - indent.length - 3));
  });
  if (example) {
    if (lines.length > 0) lines.push('');
    lines.push('@example', ...example.split('\n'));
  }
  const single = `${indent}/** ${lines[0]} */`;
  if (lines.length === 1 && single.length <= WIDTH) return `${single}\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} *${l ? ` ${l}` : ''}`).join('\n')}\n${indent} */\n`;
}

// ---- the model ------------------------------------------------------------------------------

const NUMBER_TYPES = ['integer', 'long', 'float', 'double'];
const SHAPE_TYPE = {
  string: 'StringShape',
  boolean: 'BooleanShape',
  timestamp: 'TimestampShape',
  blob: 'BlobShape',
  list: 'ListShape',
  map: 'MapShape',
  structure: 'StructureShape',
  ...Object.fromEntries(NUMBER_TYPES.map((t) => [t, 'NumberShape'])),
};

/** The shapes `name` refers to (list members, map keys and values, structure members). */
function references(shape) {
  if (shape.type === 'list') return [shape.member.shape];
  if (shape.type === 'map') return [shape.key.shape, shape.value.shape];
  if (shape.type === 'structure') return Object.values(shape.members).map((m) => m.shape);
  return [];
}

/**
 * The names of the shapes the operations' inputs and outputs use, each after the shapes it refers
 * to; a model whose shapes recurse is refused. (Error bodies are in the table of errors.)
 */
function ordered(shapes, operations) {
  const done = new Set();
  const visiting = new Set();
  const order = [];
  const visit = (name) => {
    if (done.has(name)) return;
    if (visiting.has(name)) throw new Error(`shape ${name} refers to itself: not supported`);
    const shape = shapes[name];
    if (!shape) throw new Error(`unknown shape ${name}`);
    if (!SHAPE_TYPE[shape.type]) throw new Error(`shape ${name}: type ${shape.type} not supported`);
    visiting.add(name);
    references(shape).forEach(visit);
    visiting.delete(name);
    done.add(name);
    order.push(name);
  };
  Object.values(operations)
    .flatMap((op) => [op.input.shape, op.output.shape])
    .forEach(visit);
  return order;
}

const literal = (value) => JSON.stringify(value);
const ref = (name) => `$${name}`;

/** A string literal in single quotes (the data is laid out here, not by prettier). */
const quote = (text) =>
  `'${JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
/** A value as a literal: strings single-quoted, arrays of them inline. */
const value = (v) =>
  Array.isArray(v) ? `[${v.map(value).join(', ')}]` : typeof v === 'string' ? quote(v) : String(v);
const key = (name) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : quote(name));

/**
 * The data of one shape, as a TypeScript object literal: scalars and lists on one line, a
 * structure with one line per member.
 */
function shapeData(name, shape) {
  const fields = [`type: ${value(shape.type)}`, `name: ${value(name)}`];
  for (const k of ['min', 'max', 'pattern', 'enum'])
    if (shape[k] !== undefined) fields.push(`${k}: ${value(shape[k])}`);
  if (shape.type === 'list') fields.push(`member: ${ref(shape.member.shape)}`);
  if (shape.type === 'map')
    fields.push(`key: ${ref(shape.key.shape)}`, `value: ${ref(shape.value.shape)}`);
  if (shape.type === 'structure') fields.push(`required: ${value(shape.required ?? [])}`);
  const documentation = docText(shape.documentation);
  if (shape.type !== 'structure' && !documentation) return `{ ${fields.join(', ')} }`;
  const lines = [fields.join(', ') + ','];
  if (documentation) lines.push(`documentation: ${quote(documentation)},`);
  if (shape.type === 'structure') {
    lines.push('members: {');
    for (const [member, m] of Object.entries(shape.members)) {
      const parts = [`shape: ${ref(m.shape)}`];
      const doc = docText(m.documentation);
      if (doc) parts.push(`documentation: ${quote(doc)}`);
      if (m.idempotencyToken) parts.push('idempotencyToken: true');
      lines.push(`  ${key(member)}: { ${parts.join(', ')} },`);
    }
    lines.push('},');
  }
  return `{\n${lines.map((l) => `  ${l}`).join('\n')}\n}`;
}

/** The constraints the model puts on a shape, worded for documentation. */
function constraints(shape, idempotencyToken) {
  const said = [];
  const range = (what, unit = '') => {
    const { min, max } = shape;
    if (min !== undefined && max !== undefined) said.push(`${what}${min} to ${max}${unit}`);
    else if (min !== undefined) said.push(`${what}at least ${min}${unit}`);
    else if (max !== undefined) said.push(`${what}at most ${max}${unit}`);
  };
  if (shape.type === 'string') {
    range('', ' characters');
    if (shape.pattern) said.push(`pattern \`${shape.pattern}\``);
    if (shape.enum) said.push(`one of ${shape.enum.map((v) => `\`${v}\``).join(', ')}`);
  } else if (NUMBER_TYPES.includes(shape.type)) range('value ');
  else if (shape.type === 'list') range('', ' items');
  else if (shape.type === 'blob') range('', ' bytes');
  else if (shape.type === 'map') range('', ' entries');
  if (idempotencyToken) said.push('an idempotency token, which a client fills in when left out');
  return said.length > 0 ? `Constraints: ${said.join('; ')}.` : undefined;
}

/** The TypeScript type of values of shape `name`. */
function typeOf(shapes, name) {
  const shape = shapes[name];
  switch (shape.type) {
    case 'string':
      return shape.enum ? name : 'string';
    case 'boolean':
      return 'boolean';
    case 'timestamp':
      return 'Date';
    case 'blob':
      return 'Uint8Array';
    case 'list':
      return `${typeOf(shapes, shape.member.shape)}[]`;
    case 'map': {
      const key = typeOf(shapes, shape.key.shape);
      const value = typeOf(shapes, shape.value.shape);
      return key === 'string' ? `Record<string, ${value}>` : `Partial<Record<${key}, ${value}>>`;
    }
    case 'structure':
      return name;
    default:
      return 'number';
  }
}

/** The service's base exception class, named as the AWS SDK for JavaScript names it. */
const baseExceptionName = (metadata) => `${metadata.serviceId.replace(/\W/g, '')}ServiceException`;

function generate(model, docs) {
  const { metadata, shapes, operations } = model;
  const order = ordered(shapes, operations);
  const shapeDocs = docs.shapes ?? {};
  const ioOf = new Map();
  for (const op of Object.values(operations)) {
    ioOf.set(op.input.shape, `Input of \`${op.name}\`.`);
    ioOf.set(op.output.shape, `Output of \`${op.name}\`.`);
  }
  const exceptions = Object.keys(shapes).filter((n) => shapes[n].exception);
  const thrownBy = (error) =>
    Object.values(operations)
      .filter((op) => (op.errors ?? []).some((e) => e.shape === error))
      .map((op) => op.name);
  const faultOf = (error) => (shapes[error].fault ? 'server' : 'client');
  const header = (what) =>
    jsdoc([
      `@module ${what} of the ${metadata.serviceId} API (${metadata.apiVersion}), generated from models/${docs.dir}/service-2.json by scripts/generate.mjs: do not edit, run \`npm run generate\`.`,
    ]);

  // model.ts
  const types = new Set(['Operation', 'ModelledError', 'ServiceMetadata']);
  const data = order.map((name) => {
    const type = SHAPE_TYPE[shapes[name].type];
    types.add(type);
    return `// prettier-ignore\nconst ${ref(name)}: ${type} = ${shapeData(name, shapes[name])};`;
  });
  const opNames = Object.keys(operations);
  const serviceFields = [
    'apiVersion',
    'endpointPrefix',
    'jsonVersion',
    'protocol',
    'protocols',
    'serviceFullName',
    'serviceId',
    'signatureVersion',
    'signingName',
    'targetPrefix',
    'uid',
  ];
  const union = (names) => names.map(literal).join(' | ');
  const out = [header('Shapes, operations, modelled errors and types')];
  out.push(`import type { ${[...types].sort().join(', ')} } from '../../shape.js';\n`);
  out.push(jsdoc([docText(model.documentation)]));
  out.push(
    `export const SERVICE = { ${serviceFields.map((f) => `${f}: ${literal(metadata[f])}`).join(', ')} } as const satisfies ServiceMetadata;\n`,
  );
  out.push('// ---- shapes, each after those it refers to\n', ...data);
  out.push(
    '\n/** Every shape of the model, by name. */',
    `export const shapes = { ${order.map((n) => `${n}: ${ref(n)}`).join(', ')} } as const;\n`,
  );
  const structureMembers = order
    .filter((n) => shapes[n].type === 'structure')
    .flatMap((n) => Object.keys(shapes[n].members).map((m) => `${n}.${m}`));
  out.push(
    '/** A member of a structure, as `Structure.Member`. */',
    `export type MemberPath = ${union(structureMembers)};\n`,
  );
  out.push('// ---- operations\n', `export type OperationName = ${union(opNames)};\n`);
  const opData = Object.values(operations).map((op) => {
    const input = shapes[op.input.shape];
    const token = Object.entries(input.members).find(([, m]) => m.idempotencyToken)?.[0];
    const doc = docText(op.documentation);
    return `${op.name}: { name: ${literal(op.name)}, input: ${ref(op.input.shape)}, output: ${ref(op.output.shape)}, errors: ${literal((op.errors ?? []).map((e) => e.shape))}, idempotencyToken: ${token ? literal(token) : 'undefined'}${doc ? `, documentation: ${literal(doc)}` : ''} }`;
  });
  out.push(
    '/** Every operation, by name. */',
    `export const operations: { readonly [O in OperationName]: Operation } = { ${opData.join(', ')} };\n`,
  );
  out.push('// ---- modelled errors\n', `export type ErrorName = ${union(exceptions)};\n`);
  const errorData = exceptions.map((name) => {
    const shape = shapes[name];
    const status = shape.error?.httpStatusCode ?? (shape.fault ? 500 : 400);
    const doc = docText(shape.documentation);
    return `${name}: { name: ${literal(name)}, httpStatus: ${status}, fault: ${literal(faultOf(name))}, operations: ${literal(thrownBy(name))}${doc ? `, documentation: ${literal(doc)}` : ''} }`;
  });
  out.push(
    '/** Every modelled error, by name: its HTTP status, fault, and the operations that throw it. */',
    `export const errors: { readonly [E in ErrorName]: ModelledError } = { ${errorData.join(', ')} };\n`,
  );

  out.push('// ---- types\n');
  for (const name of order) {
    const shape = shapes[name];
    const own = shapeDocs[name] ?? {};
    if (shape.type === 'string' && shape.enum) {
      const values = own.values ?? {};
      const doc = docText(shape.documentation) ?? own.documentation;
      out.push(
        jsdoc([doc], own.example) +
          `export const ${name} = {\n${shape.enum.map((v) => `${jsdoc([values[v]], undefined, '  ')}  ${literal(v)}: ${literal(v)},`).join('\n')}\n} as const;\n`,
        `/** One of the values of {@link ${name}}. */\nexport type ${name} = (typeof ${name})[keyof typeof ${name}];\n`,
      );
    }
    if (shape.type === 'structure') {
      const doc = docText(shape.documentation) ?? own.documentation ?? ioOf.get(name);
      const members = Object.entries(shape.members).map(([member, m]) => {
        const optional = (shape.required ?? []).includes(member) ? '' : '?';
        const target = shapes[m.shape];
        const memberDoc = jsdoc(
          [
            docText(m.documentation) ?? docText(target.documentation),
            constraints(target, m.idempotencyToken),
          ],
          undefined,
          '  ',
        );
        return `${memberDoc}  ${member}${optional}: ${typeOf(shapes, m.shape)};`;
      });
      out.push(
        `${jsdoc([doc], own.example)}export interface ${name} {\n${members.join('\n')}\n}\n`,
      );
    }
  }
  out.push(
    '/** The input and output type of each operation. */',
    `export interface OperationTypes {\n${Object.values(operations)
      .map((op) => `  ${op.name}: { input: ${op.input.shape}; output: ${op.output.shape} };`)
      .join('\n')}\n}\n`,
  );

  // exceptions.ts
  const base = baseExceptionName(metadata);
  const serviceException = docs.serviceException ?? {};
  const ex = [header('Exception classes')];
  ex.push(
    "import { ServiceException, type ServiceExceptionInit } from '../../service-exception.js';\n",
  );
  ex.push(
    jsdoc(
      [serviceException.documentation?.replace(/\n/g, ' ') ?? `An error answered by the service.`],
      serviceException.example,
    ) + `export class ${base} extends ServiceException {}\n`,
  );
  for (const name of exceptions) {
    const ops = thrownBy(name).map((o) => `\`${o}\``);
    const by = ops.length > 1 ? `${ops.slice(0, -1).join(', ')} and ${ops.at(-1)}` : ops[0];
    ex.push(
      jsdoc(
        [docText(shapes[name].documentation), `Thrown by ${by}; fault: \`${faultOf(name)}\`.`],
        `if (err instanceof ${name}) console.error(err.message, err.requestId);`,
      ) +
        `export class ${name} extends ${base} {\n  constructor(init: ServiceExceptionInit) {\n    super({ ...init, name: ${literal(name)}, $fault: ${literal(faultOf(name))} });\n  }\n}\n`,
    );
  }
  return { 'model.ts': out.join('\n'), 'exceptions.ts': ex.join('\n') };
}

// ---- main -----------------------------------------------------------------------------------

const check = process.argv.includes('--check');
const stale = [];
for (const dir of readdirSync(MODELS).sort()) {
  const modelFile = join(MODELS, dir, 'service-2.json');
  if (!existsSync(modelFile)) continue;
  const docsFile = join(MODELS, dir, 'docs.mjs');
  const docs = existsSync(docsFile) ? (await import(pathToFileURL(docsFile).href)).default : {};
  const files = generate(JSON.parse(readFileSync(modelFile, 'utf8')), { ...docs, dir });
  for (const [file, code] of Object.entries(files)) {
    const path = join(OUT, dir, file);
    const options = { ...(await prettier.resolveConfig(path)), filepath: path };
    const text = await prettier.format(code, options);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (current === text) continue;
    stale.push(relative(process.cwd(), path));
    if (!check) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
  }
}
if (check && stale.length > 0) {
  console.error(`Generated files are not current (run \`npm run generate\`): ${stale.join(', ')}`);
  process.exit(1);
}
if (!check) console.log(stale.length > 0 ? `wrote ${stale.join(', ')}` : 'generated files current');
