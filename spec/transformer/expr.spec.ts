import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileExpr, ExprSyntaxError } from '../../lib/transformer/expr.js';

test('expr: functions, arithmetic, ternary with null, assigning and adding columns', () => {
  const f = compileExpr("c[1] = upper(c[1]); c[2] = c[2] * 100; c[3] = c[3] == null ? 'n/a' : c[3]; c[4] = concat(c[1], '-', c[0])");
  assert.equal(f([7, 'ab', 1.5, null]), [7, 'AB', 150, 'n/a', 'AB-7']);
  assert.equal(f([7, 'ab', 2, 'x']), [7, 'AB', 200, 'x', 'AB-7']);
  assert.equal(compileExpr('length(c[0]) + 1', 1)(['abc', 0]), ['abc', 4], 'a bare expression goes to columnIndex');
  assert.equal(compileExpr('c[1] = c[0] + 1')([9007199254740991, 0])![1], 9007199254740992n, 'integers stay exact past 2^53');
  assert.equal(compileExpr('c[0] = c[0] + 1')([null])![0], null, 'null propagates');
  assert.equal(compileExpr("c[0] = coalesce(c[0], 'd') + '!' ; c[1] = -c[1] % 3 == -1 && !false")(['x', 4]), ['x!', true]);
  assert.equal(compileExpr('c[0] = round(c[0] / 3, 2)')([10])![0], 3.33);
  assert.equal(compileExpr("c[0] = md5(c[0])")(["xyzzzzz"])![0], '9cdffc4fa4e45a99db8bbcd762acffa2');
});

test('expr: number arithmetic as a long or a double does it, on every path', () => {
  const ops = compileExpr('c[1] = c[0] * 100; c[2] = c[0] / 2; c[3] = c[0] % 7; c[4] = c[0] - 0.5; c[5] = c[0] / 0');
  assert.equal(ops([12345]), [12345, 1234500, 6172.5, 4, 12344.5, Infinity]);
  assert.equal(compileExpr('c[1] = c[0] * c[0]')([2 ** 40, 0])![1], 2n ** 80n, 'a product past 2^53 stays exact');
  assert.equal(compileExpr('c[1] = c[0] * 3')([9007199254740991n, 0])![1], 27021597764222973n, 'a bigint times a number');
  assert.equal(compileExpr("c[1] = c[0] + 1")(['41', 0])![1], '411', 'text + number concatenates');
  assert.ok(Object.is(compileExpr('c[0] = c[0] * -1')([0])![0], -0));
});

test('expr: a syntax mistake says where; a bad column on a record throws', () => {
  assert.throws(() => compileExpr('c[1] = upper(c[1]'), (e: ExprSyntaxError) => e instanceof ExprSyntaxError && /expected "\)", found the end at position 18/.test(e.message));
  assert.throws(() => compileExpr('c[1] = shout(c[1])'), /unknown function or name "shout".* at position 8/);
  assert.throws(() => compileExpr('upper(c[1])'), /expected an assignment/);
  assert.throws(() => compileExpr("c[0] = 'x"), /unterminated string at position 8/);
  assert.throws(() => compileExpr('c[0] = c[5]')(['a']), /c\[5\] is past the end of the record \(1 columns\)/);
  assert.throws(() => compileExpr('c[3] = 1')(['a']), /a new column must be c\[1\]/);
  assert.throws(() => compileExpr("c[0] = c[0] * 2")(['abc']), /"abc" is not a number/);
});

test.run();
