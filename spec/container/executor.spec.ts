/** The JobContainer hands task groups to a TaskGroupExecutor and nothing else (issue 16 adds a remote one). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadJob } from '../../lib/job/load.js';
import { JobContainer } from '../../lib/container/job-container.js';
import { PiscinaExecutor } from '../../lib/container/piscina-executor.js';
import type { GroupSpec, TaskGroupExecutor } from '../../lib/container/executor.js';
import type { ProgressSink } from '../../workers/messages.js';

const SILENT = { info: (): void => {}, warn: (): void => {} };

const job = (channel: number, sliceRecordCount: number, record?: number): object => ({
  job: {
    content: [{
      reader: { name: 'streamreader', parameter: { sliceRecordCount, column: [{ type: 'long', incr: '1' }] } },
      writer: { name: 'streamwriter', parameter: { print: false } },
    }],
    setting: { speed: { channel, ...(record ? { record } : {}) } },
  },
});

/** The local executor, with every call the container makes written down. */
class RecordingExecutor implements TaskGroupExecutor {
  readonly calls: string[] = [];
  private readonly inner: PiscinaExecutor;
  constructor(groups: number, maxThreads: number | undefined) {
    this.inner = new PiscinaExecutor(groups, maxThreads);
  }
  get threads(): number {
    return this.inner.threads;
  }
  run(spec: GroupSpec, sink: ProgressSink): ReturnType<TaskGroupExecutor['run']> {
    this.calls.push(`run ${spec.taskGroupId}: ${spec.tasks.length} tasks`);
    return this.inner.run(spec, sink);
  }
  stop(): void {
    this.calls.push('stop');
    this.inner.stop();
  }
  abort(): void {
    this.calls.push('abort');
    this.inner.abort();
  }
  close(): Promise<void> {
    this.calls.push('close');
    return this.inner.close();
  }
}

test('every group goes through the executor; its thread count is the summary\'s', async () => {
  let made: RecordingExecutor | undefined;
  const spec = await loadJob(job(12, 100));
  const summary = await new JobContainer(spec, { log: SILENT, executor: (g, m) => (made = new RecordingExecutor(g, m)) }).run();
  assert.is(summary.recordsWritten, 1200);
  assert.is(summary.taskGroups, 3);
  assert.is(summary.threads, made!.threads);
  assert.equal(made!.calls.sort(), ['close', 'run 0: 4 tasks', 'run 1: 4 tasks', 'run 2: 4 tasks']);
});

test('an AbortSignal reaches the groups through executor.abort()', async () => {
  let made: RecordingExecutor | undefined;
  const spec = await loadJob(job(2, 1_000_000, 2_000));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const started = Date.now();
  const err = await new JobContainer(spec, { log: SILENT, signal: controller.signal, executor: (g, m) => (made = new RecordingExecutor(g, m)) }).run().catch((e: Error) => e);
  assert.instance(err, Error);
  assert.match((err as Error).message, /^the job was stopped/);
  assert.ok(made!.calls.includes('abort'));
  assert.ok(Date.now() - started < 10_000);
});

test.run();
