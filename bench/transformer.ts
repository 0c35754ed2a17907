/**
 * The cost of a transformer chain per row, through the whole runtime (worker thread, ring,
 * codec), in one run: stream→stream plain, and the same job with three transformers
 * (dx_substr, dx_replace, an expr assignment), alternating, best of --reps.
 *
 *   npm run bench:transformer [-- --rows 2000000] [-- --reps 3]
 */
import { availableParallelism, cpus } from 'node:os';
import { runJob } from '../lib/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rows = arg('rows', 2_000_000);
const reps = arg('reps', 3);

const CHAIN = [
  { name: 'dx_substr', parameter: { columnIndex: 1, paras: ['0', '8'] } },
  { name: 'dx_replace', parameter: { columnIndex: 2, paras: ['2', '3', '***'] } },
  { name: 'expr', parameter: { expr: 'c[0] = c[0] * 100' } },
];

function job(transformer?: unknown[]): object {
  return {
    job: {
      content: [{
        reader: {
          name: 'streamreader',
          parameter: {
            column: [
              { type: 'long', value: '12345' },
              { type: 'string', value: 'a customer name of some length' },
              { type: 'string', value: 'jdbc:mysql://host:3306/db' },
              { type: 'double', value: '3.25' },
              { type: 'date', value: '2024-01-02 03:04:05' },
            ],
            sliceRecordCount: rows,
          },
        },
        writer: { name: 'streamwriter', parameter: { print: false } },
        ...(transformer ? { transformer } : {}),
      }],
      setting: { speed: { channel: 1 } },
    },
  };
}

async function rate(transformer?: unknown[]): Promise<number> {
  const s = await runJob(job(transformer));
  if (s.recordsWritten !== rows) throw new Error(`wrote ${s.recordsWritten} of ${rows}`);
  return rows / (s.phases.runMs / 1000);
}

const best = { plain: 0, chain: 0 };
for (let r = 0; r < reps; r++) {
  best.plain = Math.max(best.plain, await rate());
  best.chain = Math.max(best.chain, await rate(CHAIN));
}
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(11);
console.log(`stream→stream, ${rows.toLocaleString('en-US')} rows of 5 columns, channel 1, best of ${reps} (${cpus()[0]?.model ?? '?'}, ${availableParallelism()} cpus, node ${process.version})`);
console.log(`  plain                          ${fmt(best.plain)} rows/s`);
console.log(`  3 transformers (substr, replace, expr) ${fmt(best.chain)} rows/s   ${(((best.plain - best.chain) / best.plain) * 100).toFixed(1)}% off (target < 15%)`);
console.log(`  cost per row                   ${(((1 / best.chain - 1 / best.plain) * 1e9)).toFixed(0)} ns`);
