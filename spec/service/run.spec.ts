import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { followLog, getRun, runLog, submitRun, type LogLine } from '../../lib/index.js';
import type { JobSummary } from '../../lib/index.js';
import { lastJson, runCli, tempDir } from '../helpers.js';
import { startServer, streamJob, until } from './server.js';

// What two runs of the same job must agree on (ids, clocks and memory differ).
const comparable = (s: JobSummary) => ({
  state: s.state, recordsRead: s.recordsRead, recordsWritten: s.recordsWritten, bytesRead: s.bytesRead, bytesWritten: s.bytesWritten,
  readFailures: s.readFailures, writeFailures: s.writeFailures, filtered: s.filtered, dirty: s.dirty, channels: s.channels, taskGroups: s.taskGroups, tasks: s.tasks, warnings: s.warnings,
});

test('submit → id → RUNNING → SUCCEEDED with the summary ferry run --json gives; its log followed live and kept after', async () => {
  const { dir, cleanup } = tempDir();
  const server = await startServer({ data: join(dir, 'data'), slots: 4 });
  try {
    const job = streamJob({ records: 3000, channel: 2, recordsPerSecond: 2000 });
    const submitted = await submitRun({ job }, server.client);
    assert.type(submitted.id, 'number');

    const live: Array<{ line: LogLine; receivedAt: number }> = [];
    const following = followLog(submitted.id, (line) => live.push({ line, receivedAt: Date.now() }), server.client);
    const running = await until('RUNNING', async () => {
      const r = await getRun(submitted.id, server.client);
      return r.state === 'RUNNING' ? r : undefined;
    });
    assert.ok(running.startedAt);
    const withProgress = await until('live progress', async () => (await getRun(submitted.id, server.client)).progress ?? undefined);
    assert.ok(withProgress.tasks.total === 2, 'live progress counts the tasks');

    const end = await following;
    assert.equal({ state: end.state, exitCode: end.exitCode }, { state: 'SUCCEEDED', exitCode: 0 });
    const done = await getRun(submitted.id, server.client);
    assert.is(done.state, 'SUCCEEDED');
    assert.equal(done.transitions.map((t) => t.to), ['QUEUED', 'RUNNING', 'SUCCEEDED']);
    assert.ok(live.length > 0 && live[0]!.receivedAt < Date.parse(done.endedAt!), 'the first log line arrived while the run ran');
    assert.match(live[0]!.line.message, new RegExp(`^run ${submitted.id} started on 2 of 4 slots`));

    const path = join(dir, 'job.json');
    writeFileSync(path, JSON.stringify(job));
    const local = await runCli(['run', path, '--json', '--quiet']);
    assert.is(local.code, 0, local.stderr);
    assert.equal(comparable(done.summary!), comparable(lastJson<JobSummary>(local.stdout)));
    assert.is(done.summary!.recordsWritten, 3000);

    const kept = await runLog(submitted.id, server.client);
    assert.equal(kept.map((l) => l.message), live.map((l) => l.line.message), 'the stored log holds the lines that were followed');
    assert.ok(kept.some((l) => /Records written\s+: 3,000/.test(l.message)), 'the log ends with the summary');
  } finally {
    await server.stop();
    cleanup();
  }
});

test('ferry submit --wait follows the log and exits with the code ferry run exits with; runs and status show it', async () => {
  const { dir, cleanup } = tempDir();
  const server = await startServer({ data: join(dir, 'data'), slots: 4 });
  try {
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify(streamJob({ records: 100, channel: 1 })));
    // A column that cannot be read as a long: every record is dirty, errorLimit 0 → exit 3.
    const dirty = join(dir, 'dirty.json');
    writeFileSync(dirty, JSON.stringify({
      job: {
        content: [{
          reader: { name: 'txtfilereader', parameter: { path: [join(dir, 'in.csv')], column: [{ index: 0, type: 'long' }] } },
          writer: { name: 'streamwriter', parameter: { print: false } },
        }],
        setting: { errorLimit: { record: 0 } },
      },
    }));
    writeFileSync(join(dir, 'in.csv'), 'not-a-number\n');
    const env = { ...process.env, FERRY_SERVER: server.url };
    for (const [job, code, state] of [[ok, 0, 'SUCCEEDED'], [dirty, 3, 'LIMIT_EXCEEDED']] as const) {
      const local = await runCli(['run', job, '--quiet']);
      const remote = await runCli(['submit', job, '--wait'], { env });
      assert.is(local.code, code, local.stderr);
      assert.is(remote.code, code, remote.stderr);
      assert.match(remote.stderr, new RegExp(`run \\d+ ${state}`));
    }
    const runs = await runCli(['runs'], { env });
    assert.is(runs.code, 0, runs.stderr);
    assert.match(runs.stdout, /^ID\s+STATE\s+SLOTS\s+SUBMITTED\s+JOB\s+REASON\n2\s+LIMIT_EXCEEDED\s+1 .*dirty\.json\s+1 dirty record, more than job\.setting\.errorLimit\.record 0 allows.*\n1\s+SUCCEEDED\s+1 .*ok\.json\n$/);
    const limited = await runCli(['runs', '--state', 'limit_exceeded', '--json'], { env });
    assert.equal(JSON.parse(limited.stdout).map((r: { id: number }) => r.id), [2]);
    const status = await runCli(['status', '1'], { env });
    assert.match(status.stdout, /Run\s+: 1 \(SUCCEEDED\)[\s\S]*Records written\s+: 100/);
    const logs = await runCli(['logs', '1'], { env });
    assert.match(logs.stdout, /INFO  run 1 started on 1 of 4 slots/);
    const followed = await runCli(['logs', '2', '-f'], { env });
    assert.is(followed.code, 0, followed.stderr);
    assert.match(followed.stdout, /ERROR error: 1 dirty record, more than job\.setting\.errorLimit\.record 0 allows/);
    const missing = await runCli(['status', '99'], { env });
    assert.is(missing.code, 2);
    assert.is(missing.stderr, 'error: id: there is no run 99\n');
  } finally {
    await server.stop();
    cleanup();
  }
});

test.run();
