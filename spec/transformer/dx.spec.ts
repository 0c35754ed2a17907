import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Decimal, type Row } from '../../channel/value.js';
import { dxDigest, dxFilter, dxPad, dxReplace, dxSubstr, TransformerParameterError } from '../../lib/transformer/dx.js';

// Expected values are DataX's own: transformer/doc/transformer.md's examples and *Transformer.java.
const p = (columnIndex: number, ...paras: string[]) => ({ columnIndex, paras });
const one = (f: (r: Row) => Row | null, v: Row[number]) => f([0, v])?.[1];

test('dx_substr: DataX doc examples, null untouched, start past the end is an error, an index past the record too', () => {
  assert.is(one(dxSubstr(p(1, '2', '5'), 't'), 'dataxTest'), 'taxTe');
  assert.is(one(dxSubstr(p(1, '5', '10'), 't'), 'dataxTest'), 'Test');
  assert.is(one(dxSubstr(p(1, '9', '2'), 't'), 'dataxTest'), '', 'start == length: empty, as Java substring');
  assert.is(one(dxSubstr(p(1, '0', '3'), 't'), null), null);
  assert.is(one(dxSubstr(p(1, '0', '3'), 't'), 12345), '123', 'a long is taken as its text');
  assert.throws(() => dxSubstr(p(1, '10', '2'), 't')([0, 'dataxTest']), /dx_substr startIndex\(10\) out of range\(9\)/);
  assert.throws(() => dxSubstr(p(5, '1', '3'), 't')([0, 'x']), /columnIndex 5 is past the end of the record \(2 columns\)/);
  assert.throws(() => dxSubstr(p(1, 'a', '3'), 'job.content[0].transformer[0]'), (e: TransformerParameterError) => e.path === 'job.content[0].transformer[0].parameter.paras[0]');
  assert.throws(() => dxSubstr({ paras: ['1', '2'] }, 't'), /needs "columnIndex"/);
});

test('dx_pad: doc examples, longer values cut from the right, null pads from ""', () => {
  assert.is(one(dxPad(p(1, 'l', '4', 'A'), 't'), 'xyz'), 'Axyz');
  assert.is(one(dxPad(p(1, 'l', '4', 'A'), 't'), 'xyzzzzz'), 'xyzz');
  assert.is(one(dxPad(p(1, 'r', '4', 'A'), 't'), 'xyz'), 'xyzA');
  assert.is(one(dxPad(p(1, 'R', '8', '12345'), 't'), 'abc'), 'abc12345');
  assert.is(one(dxPad(p(1, 'l', '6', 'ab'), 't'), 'x'), 'ababax');
  assert.is(one(dxPad(p(1, 'l', '3', '0'), 't'), null), '000');
  assert.throws(() => dxPad(p(1, 'x', '3', '0'), 't'), /dx_pad first para\(x\) support l or r/);
});

test('dx_replace: doc examples, null untouched, start past the end is an error', () => {
  assert.is(one(dxReplace(p(1, '2', '4', '****'), 't'), 'dataxTest'), 'da****est');
  assert.is(one(dxReplace(p(1, '5', '10', '****'), 't'), 'dataxTest'), 'datax****');
  assert.is(one(dxReplace(p(1, '0', '1', 'X'), 't'), null), null);
  assert.throws(() => dxReplace(p(1, '10', '1', 'X'), 't')([0, 'dataxTest']), /dx_replace startIndex\(10\) out of range\(9\)/);
});

test('dx_digest: doc example, null digests "", case as DataX compares it', () => {
  assert.is(one(dxDigest(p(1, 'md5', 'toUpperCase'), 't'), 'xyzzzzz'), '9CDFFC4FA4E45A99DB8BBCD762ACFFA2');
  assert.is(one(dxDigest(p(1, 'md5', 'toLowerCase'), 't'), null), 'd41d8cd98f00b204e9800998ecf8427e');
  assert.is(one(dxDigest(p(1, 'sha1', 'toLowerCase'), 't'), 'abc'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  // DataX validates "MD5" ignoring case, then compares exactly: it gives sha1.
  assert.is(one(dxDigest(p(1, 'MD5', 'toLowerCase'), 't'), 'abc'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.throws(() => dxDigest(p(1, 'sha256', 'toLowerCase'), 't'), /must be md5 or sha1/);
});

test('dx_filter: a matching record is dropped; like is a whole-value Java regex; nulls as DataX', () => {
  const f = (op: string, value: string, v: Row[number]) => dxFilter(p(1, op, value), 't')([0, v]) === null;
  assert.ok(f('like', 'data.*', 'dataxTest'));
  assert.not.ok(f('like', 'data', 'dataxTest'), 'matches() needs the whole value');
  assert.not.ok(f('like', '.*', null), 'null never matches like');
  assert.ok(f('not like', '.*', null), 'so not like drops it');
  assert.ok(f('not like', 'abc', 'abd'));
  assert.ok(f('>=', '10', 10));
  assert.not.ok(f('>', '10', 10));
  assert.ok(f('<', '10', 9n));
  assert.not.ok(f('>', '10', null), 'null is never compared');
  assert.not.ok(f('<', '10', null));
  assert.ok(f('=', 'null', null));
  assert.not.ok(f('=', '5', null));
  assert.ok(f('!=', '5', null), '!= drops a null unless the value is "null"');
  assert.not.ok(f('!=', 'null', null));
  assert.ok(f('=', '1.5', 1.5));
  assert.ok(f('>', '1.25', new Decimal('1.5')));
  assert.ok(f('>', 'abc', 'abd'), 'strings by compareTo');
  assert.ok(f('=', 'true', true), 'booleans as text');
  assert.ok(f('==', 'x', 'x'));
  assert.throws(() => dxFilter(p(1, '=', 'abc'), 't')([0, 5]), /For input string: "abc"/);
  assert.throws(() => dxFilter(p(1, '<>', '1'), 't'), /can't suport code:<>/);
  assert.throws(() => dxFilter(p(1, '=', ''), 't'), /para 2 can't be null/);
  assert.throws(() => dxFilter(p(1, 'like', '('), 't'), (e: Error) => e instanceof TransformerParameterError && e.path === 't.parameter.paras[1]');
});

test.run();
