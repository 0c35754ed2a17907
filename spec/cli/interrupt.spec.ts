import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers.js';

test('Ctrl-C stops every task, writers take back their partial files, exit 1 says what was written', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'out');
    const path = join(dir, 'job.json');
    writeFileSync(path, JSON.stringify({
      job: {
        content: [{
          reader: { name: 'streamreader', parameter: { sliceRecordCount: 1_000_000, column: [{ type: 'long', incr: '1' }] } },
          writer: { name: 'txtfilewriter', parameter: { path: out, fileName: 'part', writeMode: 'truncate' } },
        }],
        setting: { speed: { channel: 2, record: 20_000 } },
      },
    }));
    const r = await runCli(['run', path], { onSpawn: (pid) => setTimeout(() => process.kill(pid, 'SIGINT'), 1500) });
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, /WARN  interrupted: stopping \(a polling job ends cleanly, any other stops every task and lets writers clean up\); Ctrl-C again to quit at once/);
    assert.match(r.stderr, /\nerror: the job was stopped; 0 records were written by 0 finished tasks\n/);
    assert.match(r.stderr, /Job\s+: .*job\.json \(aborted\)/);
    assert.equal(readdirSync(out), [], 'the stopped tasks removed the files they had started');
  } finally {
    cleanup();
  }
});

test.run();
