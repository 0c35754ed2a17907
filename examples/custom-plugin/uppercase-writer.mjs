// A user plugin: a writer that prints every string value upper-cased. Load it with
//   ferry run examples/custom-plugin/job.json --plugin examples/custom-plugin/uppercase-writer.mjs
// (API: runJob(job, { plugins: ['examples/custom-plugin/uppercase-writer.mjs'] })).
//
// A plugin module default-exports one object: name, kind ('reader' or 'writer'), description,
// the schema of its `parameter` block, createJob (runs on the main thread: split the work) and
// createTask (runs in a worker thread: move the records). See lib/plugin/spi.ts for every hook.
import { defineWriter, valueToString } from 'ferry/plugin';

export default defineWriter({
  name: 'uppercasewriter',
  kind: 'writer',
  description: 'prints records with their strings upper-cased',
  parameter: {
    type: 'object',
    properties: { separator: { type: 'string', description: 'between values (default " | ")' } },
  },
  createJob(ctx) {
    // One task config per reader task; here every task gets the same parameter block.
    return { split: (readerTasks) => Array.from({ length: readerTasks }, () => ({ ...ctx.parameter })) };
  },
  createTask(ctx) {
    const separator = ctx.parameter.separator ?? ' | ';
    return {
      async startWrite(receiver) {
        for await (const batch of receiver) {
          const lines = batch.map((row) => row.map((v) => (typeof v === 'string' ? v.toUpperCase() : valueToString(v))).join(separator));
          process.stdout.write(lines.join('\n') + '\n');
        }
      },
    };
  },
});
