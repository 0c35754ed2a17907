import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runJob, type JobSummary } from '../../lib/index.js';

function streamJob(speed: Record<string, number>, records: number, column: unknown[]): Record<string, unknown> {
  return {
    job: {
      content: [{ reader: { name: 'streamreader', parameter: { sliceRecordCount: records / 2, column } }, writer: { name: 'streamwriter', parameter: { print: false } } }],
      setting: { speed: { channel: 2, ...speed } },
    },
  };
}

const within10 = (measured: number, target: number): boolean => Math.abs(measured - target) / target <= 0.1;

/**
 * Runs the job and measures its rate from the first progress sample with records to the end,
 * so that starting the worker threads (slow on a loaded machine) is not counted as throttling.
 */
async function measure(job: Record<string, unknown>, what: 'records' | 'bytes'): Promise<{ summary: JobSummary; rate: number }> {
  let first: { at: number; n: number } | undefined;
  const summary = await runJob(job, {
    progressIntervalMs: 50,
    onProgress: (p) => {
      const n = what === 'records' ? p.recordsWritten : p.bytesWritten;
      if (first === undefined && n > 0) first = { at: performance.now(), n };
    },
  });
  const end = performance.now();
  const total = what === 'records' ? summary.recordsWritten : summary.bytesWritten;
  return { summary, rate: ((total - first!.n) * 1000) / (end - first!.at) };
}

test('speed.record 20000 over 2 channels for ~3 s measures within ±10%', async () => {
  const { summary: s, rate } = await measure(streamJob({ record: 20_000 }, 60_000, [{ type: 'long', incr: '1' }, { type: 'string', value: 'x' }]), 'records');
  assert.is(s.recordsWritten, 60_000);
  assert.ok(within10(rate, 20_000), `measured ${rate.toFixed(0)} records/s`);
  if (process.env.FERRY_SPEC_VERBOSE) console.log(`records/s ${rate.toFixed(0)}`);
});

test('speed.byte 1 MB/s over 2 channels for ~3 s measures within ±10%', async () => {
  // ~200 encoded bytes a row: 15,000 rows are ~3 MB.
  const { summary: s, rate } = await measure(streamJob({ byte: 1_000_000 }, 15_000, [{ type: 'long', incr: '1' }, { type: 'string', value: 'y'.repeat(190) }]), 'bytes');
  assert.is(s.recordsWritten, 15_000);
  assert.ok(s.bytesWritten > 2_700_000 && s.bytesWritten < 3_300_000, `moved ${s.bytesWritten} bytes`);
  assert.ok(within10(rate, 1_000_000), `measured ${rate.toFixed(0)} bytes/s`);
});

test('FlinkX spells the byte cap "bytes"; 0 means no cap', async () => {
  const { rate } = await measure(streamJob({ bytes: 500_000 }, 3_000, [{ type: 'string', value: 'z'.repeat(490) }]), 'bytes');
  assert.ok(within10(rate, 500_000), `measured ${rate.toFixed(0)} bytes/s`);
  const free = await runJob(streamJob({ bytes: 0 }, 200_000, [{ type: 'long', value: 1 }]));
  assert.ok(free.phases.runMs < 2000, `uncapped run took ${free.phases.runMs} ms`);
});

test.run();
