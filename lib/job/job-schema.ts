/**
 * The schema of a whole job file except each plugin's `parameter` (the plugin validates that).
 * Both dialects are accepted: DataX (`speed.byte`, a top-level `core` block) and FlinkX/ChunJun
 * (`speed.bytes`, `readerChannel`/`writerChannel`, `restore`, `log`). Unknown keys warn, except
 * under `core` (DataX's core.json has many that mean nothing here) and `log`.
 */
import type { Schema, ValidationResult } from './schema.js';
import { validate } from './schema.js';

/** A bytes/s or records/s cap; 0 and -1 mean no cap (FlinkX writes `"bytes": 0`, DataX's core.json `-1`). */
const cap = (unit: string): Schema => ({ type: 'number', min: -1, expected: `a number of ${unit} per second (0 or -1: no cap)` });

const sideChannel: Schema = {
  type: 'integer',
  min: -1,
  warn: 'ferry runs readers and writers in pairs: used as the channel count when job.setting.speed.channel is absent',
};

const plugin = (kind: 'reader' | 'writer', example: string): Schema => ({
  type: 'object',
  expected: `an object {"name": "${example}", "parameter": {...}}`,
  required: ['name'],
  properties: {
    name: { type: 'string', nonEmpty: true, expected: `a ${kind} name such as "${example}"` },
    parameter: { type: 'object', properties: {}, additional: 'allow' },
  },
});

const speed: Schema = {
  type: 'object',
  properties: {
    channel: { type: 'integer', min: 1 },
    byte: cap('bytes'),
    bytes: cap('bytes'),
    record: cap('records'),
    readerChannel: sideChannel,
    writerChannel: sideChannel,
  },
  check: (v: Record<string, unknown>, path) =>
    v.byte !== undefined && v.bytes !== undefined && v.byte !== v.bytes
      ? `expected either "byte" or "bytes" (FlinkX's spelling of the same cap), got both (${String(v.byte)} and ${String(v.bytes)}); remove ${path}.bytes`
      : undefined,
};

const setting: Schema = {
  type: 'object',
  properties: {
    speed,
    errorLimit: {
      type: 'object',
      properties: {
        record: { type: 'integer', min: 0 },
        percentage: { type: 'number', min: 0, max: 1, expected: 'a fraction from 0 to 1 (0.02 = 2%)' },
      },
    },
    dirty: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        hadoopConfig: { type: 'any', warn: 'ignored: ferry writes dirty records to a local file (dirty.path)' },
      },
    },
    retry: {
      type: 'object',
      properties: {
        maxRetries: { type: 'integer', min: 0, description: 'retries of a transient failure (lost connection, deadlock) inside a task; default 5' },
        initialIntervalMs: { type: 'integer', min: 0, description: 'pause before the first retry, doubled each time; default 1000' },
        maxIntervalMs: { type: 'integer', min: 0, description: 'longest pause between retries; default 30000' },
      },
    },
    restore: {
      type: 'object',
      properties: {
        isRestore: { type: 'boolean', description: 'checkpoint every batch in the target, so that `ferry run --resume` goes on after a crash' },
        isStream: { type: 'boolean' },
        restoreColumnName: { type: 'string' },
        restoreColumnIndex: { type: 'integer', min: -1 },
        restoreColumnType: { type: 'string' },
        maxRowNumForCheckpoint: { type: 'integer', min: 0 },
      },
    },
    // FlinkX's logger: with isLogger false (its default) it writes no file, as ferry does
    log: {
      type: 'object',
      properties: {
        isLogger: {
          type: 'any',
          warn: (v: unknown) => (v === true || v === 'true' ? 'FlinkX\'s log file is not written: ferry logs to stderr; pass --log-file <path> to keep the log in a file' : undefined),
        },
      },
      additional: 'allow',
    },
  },
};

const contentEntry: Schema = {
  type: 'object',
  expected: 'an object {"reader": {...}, "writer": {...}}',
  required: ['reader', 'writer'],
  properties: {
    reader: plugin('reader', 'streamreader'),
    writer: plugin('writer', 'streamwriter'),
    // Checked entry by entry at load (lib/transformer/chain.ts transformerSpecs).
    transformer: { type: 'any' },
  },
};

/** An object whose other keys are DataX's business: allowed silently. */
const open = (properties: Record<string, Schema>): Schema => ({ type: 'object', properties, additional: 'allow' });

const core: Schema = open({
  container: open({
    taskGroup: open({ channel: { type: 'integer', min: 1 } }),
    maxThreads: { type: 'integer', min: 1, description: 'worker threads at most; default: the cores (os.availableParallelism())' },
    workerHeapMb: { type: 'integer', min: 64, description: 'heap of each worker thread in MB (default 1024, as DataX\'s -Xmx1g); raise it for rows of many MB' },
    job: open({ reportInterval: { type: 'integer', min: 1 } }),
    task: open({
      failover: open({
        maxRetryTimes: { type: 'integer', min: 0 },
        retryIntervalInMsec: { type: 'integer', min: 0 },
      }),
    }),
  }),
  transport: open({
    channel: open({
      speed: open({ byte: cap('bytes'), record: cap('records') }),
      byteCapacity: { type: 'integer', min: 1 },
      capacity: { type: 'integer', min: 1 },
    }),
    exchanger: open({ bufferSize: { type: 'integer', min: 1 } }),
  }),
});

export const jobFileSchema: Schema = {
  type: 'object',
  required: ['job'],
  properties: {
    $schema: { type: 'string', description: 'the JSON Schema editors complete from (ferry schema > job.schema.json); ignored by ferry' },
    job: {
      type: 'object',
      expected: 'an object {"content": [...], "setting": {...}}',
      required: ['content'],
      moved: { core: 'it belongs at the top level, beside "job"' },
      properties: {
        content: { type: 'array', minItems: 1, items: contentEntry, expected: 'a non-empty array of {"reader": ..., "writer": ...} pairs' },
        setting,
      },
    },
    core,
  },
};

/** Validates the structure of a job file (variables already replaced); paths start at `job` / `core`. */
export function validateJobStructure(root: unknown): ValidationResult {
  return validate(root, jobFileSchema, '');
}
