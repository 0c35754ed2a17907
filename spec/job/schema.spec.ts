// The schema language's messages, as plugins see them (the additions made for job files).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { childPath, validate, type Schema } from '../../lib/job/schema.js';

const errorsOf = (value: unknown, schema: Schema, path = 'p') => validate(value, schema, path).errors.map((e) => `${e.path}: ${e.message}`);

test('number bounds are part of what is expected, for a wrong type and a wrong value alike', () => {
  const channel: Schema = { type: 'integer', min: 1 };
  assert.equal(errorsOf(0, channel), ['p: expected an integer of at least 1, got 0']);
  assert.equal(errorsOf('4', channel), ['p: expected an integer of at least 1, got "4"']);
  assert.equal(errorsOf(1.5, { type: 'number', min: 0, max: 1 }), ['p: expected a number from 0 to 1, got 1.5']);
  assert.equal(errorsOf(9, { type: 'integer', max: 5 }), ['p: expected an integer of at most 5, got 9']);
});

test('empty arrays and strings; a missing required key is "got nothing"', () => {
  assert.equal(errorsOf([], { type: 'array', items: { type: 'any' }, minItems: 1 }), ['p: expected a non-empty array, got an empty array']);
  assert.equal(errorsOf([1], { type: 'array', items: { type: 'any' }, minItems: 2 }), ['p: expected an array of at least 2 items, got 1 item']);
  assert.equal(errorsOf('x', { type: 'array', items: { type: 'any' }, minItems: 1 }), ['p: expected an array, got "x"']);
  assert.equal(errorsOf('', { type: 'string', nonEmpty: true }), ['p: expected a non-empty string, got ""']);
  const obj: Schema = { type: 'object', properties: { table: { type: 'string' } }, required: ['table'] };
  assert.equal(errorsOf({}, obj), ['p.table: expected a string, got nothing']);
});

test('expected overrides the type\'s name; warn reports a warning; constructor is an unknown key', () => {
  const schema: Schema = {
    type: 'object',
    properties: {
      name: { type: 'string', expected: 'a reader name such as "streamreader"' },
      old: { type: 'any', warn: 'ignored' },
      mode: { type: 'string', warn: (v: string) => (v === 'fast' ? 'fast is slow here' : undefined) },
    },
  };
  const r = validate({ name: 5, old: 1, mode: 'fast', constructor: 1 }, schema, 'r');
  assert.equal(r.errors, [{ path: 'r.name', message: 'expected a reader name such as "streamreader", got 5' }]);
  assert.equal(r.warnings, [
    { path: 'r.old', message: 'ignored' },
    { path: 'r.mode', message: 'fast is slow here' },
    { path: 'r.constructor', message: 'unknown key, ignored' },
  ]);
});

test('a wrong-typed value under a secret key is never shown', () => {
  const schema: Schema = { type: 'object', properties: { password: { type: 'string' }, key: { type: 'string', secret: true } } };
  assert.equal(errorsOf({ password: 123456, key: 42 }, schema), ['p.password: expected a string, got "******"', 'p.key: expected a string, got "******"']);
  assert.equal(errorsOf(['x'], { type: 'array', items: { type: 'integer' } }, 'a["db.password"]'), ['a["db.password"][0]: expected an integer, got "x"']);
  assert.equal(errorsOf(7, { type: 'string' }, 'a["db.password"]'), ['a["db.password"]: expected a string, got "******"']);
});

test('childPath: plain keys with a dot, others in brackets', () => {
  assert.is(childPath('', 'job'), 'job');
  assert.is(childPath('job', 'content'), 'job.content');
  assert.is(childPath('a', 'dfs.nameservices'), 'a["dfs.nameservices"]');
  assert.is(childPath('a', 'my key'), 'a["my key"]');
  assert.is(childPath('a', 'read-only'), 'a.read-only');
});

test.run();
