/**
 * @module Booleans and ports as people write them, on the command line and in METERD_*
 * variables, through commander as `meterd serve` parses them.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { booleanOption, parseBoolean, parsePort } from './env.js';

const BOOLEANS: Array<[string, boolean]> = [
  ['1', true],
  ['true', true],
  ['TRUE', true],
  ['yes', true],
  ['Yes', true],
  ['on', true],
  [' true ', true],
  ['0', false],
  ['false', false],
  ['False', false],
  ['no', false],
  ['NO', false],
  ['off', false],
];
const NOT_BOOLEANS = ['', 'maybe', '2', 'y', 'n', 'enabled', 'truee', '-1'];

const FLAG = '--insecure-skip-signature-verification';
const ENV = 'METERD_INSECURE_SKIP_SIGNATURE_VERIFICATION';

/** Parses `argv` as `meterd serve` would, with `env` set; the option's value or the error. */
function parse(argv: string[], env?: string): { value?: boolean; error?: string } {
  const saved = process.env[ENV];
  if (env === undefined) delete process.env[ENV];
  else process.env[ENV] = env;
  let error = '';
  const program = new Command('serve')
    .exitOverride()
    .configureOutput({ writeErr: (text) => (error += text), writeOut: () => undefined })
    .addOption(booleanOption(FLAG, ENV, 'help'));
  try {
    program.parse(argv, { from: 'user' });
    return { value: program.opts().insecureSkipSignatureVerification as boolean };
  } catch {
    return { error };
  } finally {
    if (saved === undefined) delete process.env[ENV];
    else process.env[ENV] = saved;
  }
}

describe('parseBoolean', () => {
  for (const [text, value] of BOOLEANS)
    it(`reads ${JSON.stringify(text)} as ${value}`, () => assert.equal(parseBoolean(text), value));
  for (const text of NOT_BOOLEANS)
    it(`refuses ${JSON.stringify(text)}, naming the accepted values`, () =>
      assert.throws(
        () => parseBoolean(text),
        /accepted values: 1, true, yes, on .* 0, false, no, off/,
      ));
});

describe('a boolean flag and its variable', () => {
  it('is false when neither is set, and true for the flag alone', () => {
    assert.deepEqual(parse([]), { value: false });
    assert.deepEqual(parse([FLAG]), { value: true });
  });
  for (const [text, value] of BOOLEANS) {
    it(`${ENV}=${JSON.stringify(text)} means ${value}`, () =>
      assert.deepEqual(parse([], text), { value }));
  }
  it('takes a value on the command line too, which wins over the variable', () => {
    assert.deepEqual(parse([`${FLAG}=false`], 'true'), { value: false });
    assert.deepEqual(parse([FLAG, 'no']), { value: false });
  });
  for (const text of NOT_BOOLEANS.filter(Boolean)) {
    it(`refuses ${ENV}=${JSON.stringify(text)}, naming the variable`, () => {
      const { error } = parse([], text);
      assert.match(error ?? '', new RegExp(`from env '${ENV}' is invalid`));
      assert.match(error ?? '', /accepted values/);
    });
  }
  it('refuses an empty variable rather than taking it as false', () => {
    assert.match(parse([], '').error ?? '', new RegExp(ENV));
  });
});

describe('parsePort', () => {
  for (const [text, port] of [
    ['0', 0],
    ['9400', 9400],
    ['65535', 65535],
  ] as const)
    it(`reads ${text}`, () => assert.equal(parsePort(text), port));
  for (const text of ['70000', '65536', '-1', '94.5', 'http', ''])
    it(`refuses ${JSON.stringify(text)}`, () =>
      assert.throws(() => parsePort(text), /0 .* to 65535/));
});
