/**
 * The cost of a transformer chain per row, through the whole runtime (worker thread, ring,
 * codec), in one run: stream→stream plain, and the same job with three transformers
 * (dx_substr, dx_replace, an expr assignment), alternating, --reps of each. The machine is
 * shared, so it prints the median and the spread of each, and the median of the per-pair cost
 * (each chain run against the plain run just before it).
 *
 *   npm run bench:transformer [-- --rows 2000000] [-- --reps 5]
 */
import { availableParallelism, cpus } from 'node:os';
import { runJob } from '../lib/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rows = arg('rows', 2_000_000);
const reps = arg('reps', 5);

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

interface Run {
  /** rows per second of the job's run phase (wall clock) */
  rate: number;
  /** CPU time of the whole process per row (every thread: the worker's, GC's, the idle main thread's), ns */
  cpu: number;
}

async function measure(transformer?: unknown[]): Promise<Run> {
  const before = process.cpuUsage();
  const s = await runJob(job(transformer));
  const used = process.cpuUsage(before);
  if (s.recordsWritten !== rows) throw new Error(`wrote ${s.recordsWritten} of ${rows}`);
  return { rate: rows / (s.phases.runMs / 1000), cpu: ((used.user + used.system) * 1000) / rows };
}

const plain: Run[] = [];
const chain: Run[] = [];
for (let r = 0; r < reps; r++) {
  plain.push(await measure());
  chain.push(await measure(CHAIN));
}
const offWall = plain.map((p, i) => 1 - chain[i]!.rate / p.rate);
const offCpu = plain.map((p, i) => chain[i]!.cpu / p.cpu - 1);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(11);
const spread = (xs: number[]): string => `${Math.round(Math.min(...xs)).toLocaleString('en-US')}–${Math.round(Math.max(...xs)).toLocaleString('en-US')}`;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const rates = (rs: Run[]): number[] => rs.map((r) => r.rate);
const cpus_ = (rs: Run[]): number[] => rs.map((r) => r.cpu);
console.log(`stream→stream, ${rows.toLocaleString('en-US')} rows of 5 columns, channel 1, ${reps} runs each, alternating (${cpus()[0]?.model ?? '?'}, ${availableParallelism()} cpus, node ${process.version})`);
console.log(`  plain                                  ${fmt(median(rates(plain)))} rows/s median (${spread(rates(plain))})   CPU ${median(cpus_(plain)).toFixed(0)} ns/row (${spread(cpus_(plain))})`);
console.log(`  3 transformers (substr, replace, expr) ${fmt(median(rates(chain)))} rows/s median (${spread(rates(chain))})   CPU ${median(cpus_(chain)).toFixed(0)} ns/row (${spread(cpus_(chain))})`);
console.log(`  rows/s off plain, per pair: median ${pct(median(offWall))}   (${offWall.map(pct).join(', ')})   target < 15%: ${median(offWall) < 0.15 ? 'met' : 'NOT met'}`);
console.log(`  CPU per row above plain, per pair: median ${pct(median(offCpu))}   (${offCpu.map(pct).join(', ')}); ${(median(cpus_(chain)) - median(cpus_(plain))).toFixed(0)} ns/row`);
