import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot, tempDir } from '../helpers.js';

/** `ferry <args> | head -n <n>` through a real shell pipe; ferry's exit status from PIPESTATUS. */
function piped(args: string[], n: number): Promise<{ ferryCode: number; stdout: string; stderr: string; ms: number }> {
  const quoted = [process.execPath, cliPath, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const sh = spawn('bash', ['-c', `${quoted} | head -n ${n}; echo "ferry-exit=\${PIPESTATUS[0]}" >&2`], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    sh.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    sh.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => sh.kill('SIGKILL'), 30_000);
    sh.on('error', reject);
    sh.on('close', () => {
      clearTimeout(timer);
      const m = /ferry-exit=(\d+)\n$/.exec(stderr);
      resolve({ ferryCode: m ? Number(m[1]) : -1, stdout, stderr: stderr.replace(/ferry-exit=\d+\n$/, ''), ms: Date.now() - started });
    });
  });
}

test('ferry plugins | head -1: one line, exit 0, nothing on stderr', async () => {
  const r = await piped(['plugins'], 1);
  assert.is(r.ferryCode, 0, r.stderr);
  assert.is(r.stdout.split('\n').filter(Boolean).length, 1);
  assert.match(r.stdout, /^mysqlreader\s+reader /);
  assert.is(r.stderr, '');
});

test('ferry run <streamwriter print job> | head -2: two records, exit 0, no EPIPE stack, stops within seconds', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const job = join(dir, 'job.json');
    writeFileSync(job, JSON.stringify({
      job: {
        setting: { speed: { channel: 1 } },
        content: [{
          reader: { name: 'streamreader', parameter: { sliceRecordCount: 2_000_000, column: [{ type: 'long', value: '7' }, { type: 'string', value: 'x' }] } },
          writer: { name: 'streamwriter', parameter: { print: true } },
        }],
      },
    }));
    const r = await piped(['run', job], 2);
    assert.is(r.ferryCode, 0, r.stderr);
    assert.equal(r.stdout, '7\tx\n7\tx\n');
    assert.not.match(r.stderr, /EPIPE|\n\s+at |error:/);
    // a run of 2,000,000 records cut at 2 lines: the job was stopped, not run to the end
    assert.not.match(r.stderr, /Records written/);
    assert.ok(r.ms < 10_000, `${r.ms} ms`);
  } finally {
    cleanup();
  }
});

test.run();
