/**
 * streamwriter (DataX, FlinkX): prints each record as a line of its values joined by
 * fieldDelimiter (print: true, DataX's default), or discards it (print: false) — the
 * writer for trying a reader, and for measuring the runtime itself.
 */
import { defineWriter } from '../../plugin/spi.js';
import { valueToString } from '../../../channel/value.js';

interface Params {
  print?: boolean;
  fieldDelimiter?: string;
  encoding?: string;
}

function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}

export default defineWriter<Params>({
  name: 'streamwriter',
  kind: 'writer',
  description: 'Prints records to stdout (print: true) or discards them (print: false).',
  parameter: {
    type: 'object',
    properties: {
      print: { type: 'boolean', description: 'print each record (default true, as DataX)' },
      fieldDelimiter: { type: 'string', description: 'between values when printing (default a tab)' },
      encoding: { type: 'string', check: (e: string) => (/^utf-?8$/i.test(e) ? undefined : `only UTF-8 is supported, got ${JSON.stringify(e)}`) },
      recordNumBeforeSleep: { type: 'integer', warn: 'not supported, ignored' },
      sleepTime: { type: 'integer', warn: 'not supported, ignored' },
    },
  },
  example: { print: true, fieldDelimiter: ',' },

  createJob(ctx) {
    return { split: (n) => Array.from({ length: n }, () => ({ ...ctx.parameter })) };
  },

  createTask(ctx) {
    const p = ctx.parameter as Params;
    const print = p.print ?? true;
    const delimiter = p.fieldDelimiter ?? '\t';
    return {
      async startWrite(receiver) {
        if (!print) {
          while ((await receiver.read()) !== null);
          return;
        }
        for await (const batch of receiver) {
          let text = '';
          for (const row of batch) {
            let line = '';
            for (let i = 0; i < row.length; i++) {
              if (i > 0) line += delimiter;
              line += valueToString(row[i]!) ?? 'null';
            }
            text += line + '\n';
          }
          await writeOut(text);
        }
      },
      // Printed lines cannot be taken back; discarded ones leave nothing to undo.
      supportsFailover: () => !print,
    };
  },
});
