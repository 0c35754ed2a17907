/**
 * The records of a pass-through as the writer's batch keeps them: bytes in the database's own
 * format (COPY or LOAD DATA text lines, binary COPY tuples), cut, keyed and decoded only where
 * the batch needs it — a batch filled exactly, the restore key of its last record, a refused
 * record's fields for the dirty file.
 */
import type { Value } from '../../channel/value.js';
import { FerryError } from '../errors.js';
import { afterLines, copyField, copyFields, lastLine } from './postgresql/copy-text.js';

export interface RecordCodec {
  /** The byte offset just past the first `n` records of `buf` (n ≥ 1, at most its count). */
  after(buf: Buffer, n: number): number;
  /** Each record of `buf` as its own view. */
  split(buf: Buffer): Buffer[];
  /** Field `index` of the last record of `buf`, as key text ('' for NULL). */
  lastKey(buf: Buffer, index: number): string;
  /** Every field of one record (null for NULL), for the dirty file. */
  fields(record: Buffer): Value[];
}

/** Lines of tab-separated text, each ending with a newline (COPY text, LOAD DATA text). */
export const textLines: RecordCodec = {
  after: afterLines,
  split(buf) {
    const out: Buffer[] = [];
    for (let at = 0; at < buf.length; ) {
      const nl = buf.indexOf(10, at);
      if (nl < 0) throw new FerryError('FERRY_INTERNAL', `a pass-through batch ends inside a line (byte ${at} of ${buf.length})`);
      out.push(buf.subarray(at, nl + 1));
      at = nl + 1;
    }
    return out;
  },
  lastKey: (buf, index) => copyField(lastLine(buf), index) ?? '',
  fields: (line) => copyFields(line.toString('utf8', 0, line.length - 1)),
};
