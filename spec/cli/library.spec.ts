/**
 * ferry as a library: a plugin module outside a ferry checkout imports 'ferry/plugin', and a
 * consumer's TypeScript sees the typed job, summary and exit codes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot, runCli, tempDir } from '../helpers.js';

test("a --plugin module outside the checkout imports 'ferry/plugin' and runs", async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const f of ['job.json', 'uppercase-writer.mjs']) copyFileSync(join(repoRoot, 'examples', 'custom-plugin', f), join(dir, f));
    const r = await runCli(['run', 'job.json', '--plugin', './uppercase-writer.mjs', '--quiet', '--json'], { cwd: dir });
    assert.is(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout.trim().split('\n').pop()!) as { state: string; recordsWritten: number };
    assert.is(s.state, 'succeeded');
    assert.ok(s.recordsWritten > 0);
  } finally {
    cleanup();
  }
});

test('a consumer type-checks: defineJob, err.summary?.recordsWritten, ErrorLimitError, EXIT_ERROR_LIMIT; a typo in a setting does not', () => {
  const { dir, cleanup } = tempDir();
  try {
    const lib = JSON.stringify(join(repoRoot, 'dist', 'lib', 'index.js'));
    const good = `import { runJob, defineJob, JobFailedError, ErrorLimitError, EXIT_ERROR_LIMIT, type JobConfig } from ${lib};
const job: JobConfig = defineJob({ job: { content: [{ reader: { name: 'streamreader', parameter: {} }, writer: { name: 'my-own-writer' } }], setting: { speed: { channel: 2 } } } });
try { await runJob(job); } catch (err) {
  if (err instanceof ErrorLimitError) process.exitCode = EXIT_ERROR_LIMIT;
  else if (err instanceof JobFailedError) console.log(err.summary?.recordsWritten.toFixed(0));
}
`;
    writeFileSync(join(dir, 'good.mts'), good);
    writeFileSync(join(dir, 'bad.mts'), good.replace('speed: { channel: 2 }', 'sped: { channel: 2 }'));
    const tsc = (f: string) => spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', join(repoRoot, 'node_modules', '@types'), join(dir, f)], { encoding: 'utf8', cwd: dir });
    const ok = tsc('good.mts');
    assert.is(ok.status, 0, ok.stdout + ok.stderr);
    const bad = tsc('bad.mts');
    assert.is.not(bad.status, 0, bad.stdout);
    assert.match(bad.stdout, /'sped' does not exist/);
  } finally {
    cleanup();
  }
});

test.run();
