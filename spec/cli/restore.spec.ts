/** setting.restore and --resume asked for where they cannot work: one line each, exit code 2, nothing run. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers.js';

function streamJob(dir: string, setting: Record<string, unknown>): string {
  const file = join(dir, 'job.json');
  writeFileSync(file, JSON.stringify({
    job: {
      setting,
      content: [{ reader: { name: 'streamreader', parameter: { column: [{ type: 'long', value: 1 }], sliceRecordCount: 10 } }, writer: { name: 'streamwriter', parameter: { print: false } } }],
    },
  }));
  return file;
}

const cases: Array<[string, Record<string, unknown>, string[], RegExp]> = [
  ['--resume on a job that keeps no checkpoints', {}, ['--resume'], /^error: --resume: this job keeps no checkpoints: set job\.setting\.restore \{"isRestore": true, "restoreColumnName": "<key column>"\} so that a run can be resumed$/m],
  ['isRestore without restoreColumnName', { restore: { isRestore: true } }, [], /^error: job\.setting\.restore\.restoreColumnName: isRestore needs restoreColumnName: a key column the tasks are read in the order of \(an id\)$/m],
  ['isRestore with a writer that keeps no checkpoints', { restore: { isRestore: true, restoreColumnName: 'id' } }, [], /^error: job\.content\[0\]\.writer: streamwriter keeps no checkpoints, so job\.setting\.restore cannot resume it: mysqlwriter, postgresqlwriter and txtfilewriter do$/m],
];

for (const [name, setting, args, message] of cases) {
  test(`${name}: exit code 2 and one line`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(['run', streamJob(dir, setting), ...args], { cwd: dir });
      assert.is(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.not.match(r.stderr, /\n\s+at /);
    } finally {
      cleanup();
    }
  });
}

test.run();
