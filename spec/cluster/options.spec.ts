/**
 * The cluster options as a user mistypes them: each is one line naming the option, exit 2 for a
 * usage error and 1 for a Redis that does not answer, a password never shown. No Redis needed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../helpers.js';

const job = 'examples/quickstart.json';

const oneLine = (stderr: string, line: string): void => {
  assert.is(stderr.trimEnd(), line);
};

test('--queue without --cluster names what is missing', async () => {
  const r = await runCli(['run', job, '--queue', 'team-a']);
  assert.is(r.code, 2);
  oneLine(r.stderr, 'error: --queue: names a queue of a cluster: give --cluster redis://host:6379 too');
});

test('a queue name outside the safe alphabet is refused', async () => {
  const r = await runCli(['run', job, '--cluster', 'redis://127.0.0.1:6379', '--queue', 'a b']);
  assert.is(r.code, 2);
  oneLine(r.stderr, 'error: --queue: a queue name is 1-64 letters, digits, _ or -, got "a b"');
});

test('a URL that is not redis:// is refused for run and worker; its password is masked', async () => {
  const run = await runCli(['run', job, '--cluster', 'redis://u:sec ret@h:x']);
  assert.is(run.code, 2);
  oneLine(run.stderr, 'error: --cluster: expected a Redis URL such as redis://127.0.0.1:6379, got "redis://u:******@h:x"');
  const worker = await runCli(['worker', '--redis', 'http://127.0.0.1:6379']);
  assert.is(worker.code, 2);
  oneLine(worker.stderr, 'error: --redis: expected a redis:// URL, got "http://…"');
});

test('a Redis that does not answer: one line before the job starts (no summary), the password masked', async () => {
  const run = await runCli(['run', job, '--cluster', 'redis://:s3cret@127.0.0.1:1']);
  assert.is(run.code, 1);
  oneLine(run.stderr, 'error: cannot reach Redis at redis://:***@127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1; is redis-server running there?');
  const worker = await runCli(['worker', '--redis', 'redis://:s3cret@127.0.0.1:1']);
  assert.is(worker.code, 1);
  oneLine(worker.stderr, 'error: cannot reach Redis at redis://:***@127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1; is redis-server running there?');
});

test('--slots of a worker is a whole number above 0', async () => {
  const r = await runCli(['worker', '--redis', 'redis://127.0.0.1:6379', '--slots', '0']);
  assert.is(r.code, 2);
  oneLine(r.stderr, 'error: --slots: expected a whole number above 0, got 0');
});

test.run();
