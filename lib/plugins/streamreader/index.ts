/**
 * streamreader (DataX, FlinkX): generates rows from column definitions — constants (`value`),
 * `random` ranges and `incr` sequences — `sliceRecordCount` rows per task.
 */
import { defineReader } from '../../plugin/spi.js';
import { configError } from '../../errors.js';
import type { Row } from '../../../channel/value.js';
import type { Schema } from '../../job/schema.js';
import { ColumnProblem, compileColumn, type ColumnSource, type StreamColumn } from './columns.js';

interface Params {
  column: StreamColumn[];
  sliceRecordCount: number | string | Array<number | string>;
}

interface TaskParams extends Params {
  sliceIndex: number;
}

const columnSchema: Schema = {
  type: 'object',
  properties: {
    type: { type: 'string', description: 'long, double, decimal, string, bool, date or bytes' },
    value: { type: 'any', description: 'the constant value of the column' },
    random: { type: 'string', description: '"min,max": a random number, string length or date in that range' },
    incr: { type: 'string', description: '"start,step" (long, double) or "start,step,unit" (date; unit s, m, h, d, M, y)' },
    dateFormat: { type: 'string' },
    format: { type: 'string' },
    name: { type: 'string' },
    key: { type: 'string' },
    index: { type: 'integer' },
  },
  required: ['type'],
  check: (col: StreamColumn) => {
    try {
      compileColumn(col);
      return undefined;
    } catch (err) {
      if (err instanceof ColumnProblem) return { key: err.key, message: err.message };
      throw err;
    }
  },
};

const countSchema: Schema = {
  type: 'oneOf',
  expected: 'a whole number of records per task',
  options: [
    { type: 'integer', min: 0 },
    { type: 'string', check: (s: string) => (/^\d+$/.test(s.trim()) ? undefined : `expected a whole number of records per task, got ${JSON.stringify(s)}`) },
    { type: 'array', items: { type: 'oneOf', expected: 'a whole number', options: [{ type: 'integer', min: 0 }, { type: 'string' }] }, minItems: 1 },
  ],
};

/** FlinkX gives one count per channel as a list; DataX one count for every task. */
function countFor(spec: Params['sliceRecordCount'], index: number): number {
  const v = Array.isArray(spec) ? (spec[index] ?? spec[spec.length - 1]) : spec;
  return Number(v);
}

function compileAll(columns: StreamColumn[]): ColumnSource[] {
  return columns.map((c) => compileColumn(c));
}

export default defineReader<Params>({
  name: 'streamreader',
  kind: 'reader',
  description: 'Generates rows: constant, random or incrementing columns, sliceRecordCount rows per task.',
  parameter: {
    type: 'object',
    properties: {
      column: { type: 'array', items: columnSchema, minItems: 1 },
      sliceRecordCount: countSchema,
      haveMixupFunction: { type: 'boolean', warn: 'not supported, ignored' },
    },
    required: ['column', 'sliceRecordCount'],
  },
  example: { column: [{ type: 'long', value: '10' }, { type: 'string', value: 'hello, world' }], sliceRecordCount: 10 },

  createJob(ctx) {
    const p = ctx.parameter;
    let tasks = 0;
    return {
      split(adviceNumber) {
        tasks = adviceNumber;
        return Array.from({ length: adviceNumber }, (_, i): TaskParams => ({ ...p, sliceIndex: i }));
      },
      columnCount: () => p.column.length,
      expectedRecords() {
        let n = 0;
        for (let i = 0; i < tasks; i++) n += countFor(p.sliceRecordCount, i);
        return n;
      },
      preCheck() {
        p.column.forEach((c, i) => {
          try {
            compileColumn(c);
          } catch (err) {
            if (err instanceof ColumnProblem) throw configError('FERRY_JOB_INVALID', `${ctx.path}.column[${i}].${err.key}`, err.message);
            throw err;
          }
        });
      },
    };
  },

  createTask(ctx) {
    const p = ctx.parameter as TaskParams;
    const sources = compileAll(p.column);
    const count = countFor(p.sliceRecordCount, p.sliceIndex);
    return {
      async startRead(sender) {
        // The sender encodes a row as soon as send() returns, so one array serves every row.
        const row: Row = sources.map((s) => (s.constant ? s.value : null));
        const dynamic = sources.flatMap((s, i) => (s.constant ? [] : [{ i, next: s.next }]));
        const signal = ctx.signal;
        for (let n = 0; n < count; n++) {
          for (let d = 0; d < dynamic.length; d++) {
            const c = dynamic[d]!;
            row[c.i] = c.next(n);
          }
          const wait = sender.send(row);
          if (wait) {
            await wait;
            if (signal.aborted) return;
          }
        }
      },
    };
  },
});
