/**
 * The records of a pass-through as the writer's batch keeps them: bytes in the database's own
 * format (COPY or LOAD DATA text lines, binary COPY tuples), cut, keyed and decoded only where
 * the batch needs it — a batch filled exactly, the restore key of its last record, a refused
 * record's fields for the dirty file.
 */
import type { Value } from '../../channel/value.js';
import { FerryError } from '../errors.js';
import { copyField, copyFields, lastLine } from './postgresql/copy-text.js';
import { lineEnd } from '../../channel/channel.js';
import type { RecordEnd } from '../plugin/spi.js';

export interface RecordCodec {
  /** Where the record at `at` ends (the sender's cut points too). */
  end: RecordEnd;
  /** Field `index` of the last record of `buf`, as key text ('' for NULL). */
  lastKey(buf: Buffer, index: number): string;
  /** Every field of one record (null for NULL), for the dirty file. */
  fields(record: Buffer): Value[];
}

/** The byte offset just past the first `n` records of `buf` (n ≥ 1, at most its count). */
export function recordsAfter(codec: RecordCodec, buf: Buffer, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) at = codec.end(buf, at);
  return at;
}

/** Each record of `buf` as its own view. */
export function splitRecords(codec: RecordCodec, buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const end = codec.end(buf, at);
    if (end < 0) throw new FerryError('FERRY_INTERNAL', `a pass-through batch ends inside a record (byte ${at} of ${buf.length})`);
    out.push(buf.subarray(at, end));
    at = end;
  }
  return out;
}

/** Lines of tab-separated text, each ending with a newline (COPY text, LOAD DATA text). */
export const textLines: RecordCodec = {
  end: lineEnd,
  lastKey: (buf, index) => copyField(lastLine(buf), index) ?? '',
  fields: (line) => copyFields(line.toString('utf8', 0, line.length - 1)),
};
