/** The live progress line: every field when it fits, whole fields dropped (never cut mid-word) when it does not. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatLiveLine, ProgressTracker, type JobProgress } from '../../lib/container/progress.js';

const p: JobProgress = {
  elapsedMs: 83_000, recordsRead: 1_234_567, recordsWritten: 1_234_567, bytesRead: 0, bytesWritten: 123_456_789,
  recordsPerSecond: 20_500, bytesPerSecond: 2_048_000, readerWaitMs: 0, writerWaitMs: 0, dirtyRecords: 3,
  expectedRecords: 2_000_000, percent: 61.7, etaSeconds: 37, tasks: { total: 11, finished: 4, running: 2 },
};

test('wide terminal: elapsed, records, bytes, rate, percent, ETA, dirty and tasks', () => {
  assert.is(formatLiveLine(p, 200), '1m23s | 1,234,567 records | 117.74MB | 20,500 rec/s | 1.95MB/s | 61.7% | ETA 37.0s | 3 dirty | tasks 4/11');
});

test('80 columns: whole fields dropped, least useful first, the line fits', () => {
  const line = formatLiveLine(p, 80);
  assert.ok(line.length <= 79, `${line.length}: ${line}`);
  assert.is(line, '1,234,567 records | 20,500 rec/s | 61.7% | ETA 37.0s | 3 dirty | tasks 4/11');
  assert.is(formatLiveLine(p, 40), '1,234,567 records | 61.7% | ETA 37.0s');
});

test('an estimate (a catalog row count) is marked ~ and a stop is not counted as done', () => {
  const est: JobProgress = { ...p, estimated: true, percent: 42.7, tasks: { total: 11, finished: 4, running: 0, stopped: 7 } };
  assert.is(formatLiveLine(est, 200), '1m23s | 1,234,567 records | 117.74MB | 20,500 rec/s | 1.95MB/s | ~42% | ETA ~37.0s | 3 dirty | tasks 4/11 (7 stopped)');
});

test('the ETA follows the smoothed rate, and an estimate never shows 100% before every task is done', () => {
  const t = new ProgressTracker(2, { records: 100, estimate: true });
  const stats = (taskId: number, state: 'running' | 'succeeded', written: number) => ({
    taskId, state, attempt: 1, recordsRead: written, recordsWritten: written, bytesRead: 0, bytesWritten: 0, readerWaitMs: 0, writerWaitMs: 0, dirtyRecords: 0, filteredRecords: 0,
  });
  t.update(stats(0, 'succeeded', 80));
  t.update(stats(1, 'running', 70));
  const mid = t.snapshot();
  assert.is(mid.percent, 99); // 150 of an estimated 100
  assert.is(mid.etaSeconds, undefined);
  assert.equal(mid.tasks, { total: 2, finished: 1, running: 1, stopped: 0 });
  t.update(stats(1, 'succeeded', 70));
  assert.is(t.snapshot().percent, 100);
});

test.run();
