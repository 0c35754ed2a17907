/**
 * The hook between reader and writer: the RecordSender the reader gets when its job.content
 * entry has transformers. Each record goes through the chain before the channel encodes it, so
 * a transformed record is encoded once and never decoded on the way. A dropped record is
 * counted as filtered; a throw makes it a dirty record of phase `transform`.
 */
import type { Row } from '../../channel/value.js';
import type { DirtyRecord, RecordSender } from '../plugin/spi.js';
import type { RecordTransform } from './spi.js';

export class TransformingSender implements RecordSender {
  filtered = 0;

  constructor(
    private readonly inner: RecordSender,
    private readonly transform: RecordTransform,
    private readonly dirty: (record: DirtyRecord) => void,
  ) {}

  send(row: Row): Promise<void> | undefined {
    let out: Row | null;
    try {
      // Transformers change the record in place; a reader may send the same array again (the
      // channel encodes at once, so that is allowed): they get a copy.
      out = this.transform(row.slice());
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      this.dirty({ phase: 'transform', values: row, code: typeof e?.code === 'string' ? e.code : 'FERRY_TRANSFORM', message: typeof e?.message === 'string' ? e.message : String(err) });
      return undefined;
    }
    if (out === null) {
      this.filtered++;
      return undefined;
    }
    return this.inner.send(out);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }
}
