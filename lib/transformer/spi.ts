/**
 * What a transformer is to the worker: a function over one record, run between the reader and
 * the writer on the record codec's values. It returns the record (changed in place or a new
 * array), or null to drop it (counted as filtered, DataX's "Transformer filtered"). A throw
 * makes the record dirty, phase `transform`, with the error's message as the reason.
 *
 * A module transformer (`{"name": "module", "parameter": {"path": "./t.mjs"}}`) is a module
 * whose default export is a RecordTransform, or a function that returns one (called once per
 * task with the transformer's parameter):
 *
 *   import { defineTransformer } from 'ferry/plugin';
 *   export default defineTransformer((row) => (row[2] === null ? null : [...row, String(row[2]).length]));
 */
import type { Row } from '../../channel/value.js';

export type RecordTransform = (row: Row) => Row | null;

/** Identity helper that gives a module transformer its type: `export default defineTransformer((row) => ...)`. */
export function defineTransformer(transform: RecordTransform): RecordTransform {
  return transform;
}

/** A transformer entry of job.content[].transformer after loading: plain data, it crosses to the worker. */
export interface TransformerSpec {
  name: string;
  parameter: Record<string, unknown>;
  /** JSON path of the entry, for messages (`job.content[0].transformer[1]`). */
  path: string;
  /** module: the module's file URL, resolved against the job's base directory. */
  moduleUrl?: string;
}
