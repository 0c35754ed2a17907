/**
 * Where a writer keeps the pass-through text of its open batch until the batch has committed:
 * a failed batch is written again, or cut into records to isolate the refused one, from these
 * bytes. One Buffer per frame was external memory that only a full GC gave back (RSS ~90 MB a
 * thread higher); one arena that doubled when full grew with the task, not the batch (a batch
 * rarely ends on a frame's end, so it was never empty to start over), and began again at 1 MB for
 * every task. So the text goes into fixed blocks, each given back when every batch with bytes in
 * it has committed, to a per-thread pool the next batch and the next task take from.
 */

const BLOCK_BYTES = 1 << 20;
/** Blocks a thread keeps for its next batches; more are left to the GC. */
const POOL_BLOCKS = 32;
const pool: Buffer[] = [];

interface Block {
  readonly buf: Buffer;
  used: number;
  /** The latest batch with bytes in this block. */
  lastBatch: number;
}

export class TextArena {
  /** Oldest first; text is added to the last one. */
  private readonly blocks: Block[] = [];

  /** A copy of `view`, kept while batch `batch` (the open one) and any later one it reaches is uncommitted. */
  keep(view: Buffer, batch: number): Buffer {
    let tail = this.blocks[this.blocks.length - 1];
    if (tail === undefined || tail.used + view.length > tail.buf.length) {
      tail = { buf: takeBlock(view.length), used: 0, lastBatch: batch };
      this.blocks.push(tail);
    }
    const at = tail.used;
    view.copy(tail.buf, at);
    tail.used += view.length;
    tail.lastBatch = Math.max(tail.lastBatch, batch);
    return tail.buf.subarray(at, tail.used);
  }

  /** `part` (text from keep) went into batch `batch`: a frame cut at a batch's end reaches the next one. */
  belongsTo(part: Buffer, batch: number): void {
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i]!;
      if (b.buf.buffer === part.buffer) {
        b.lastBatch = Math.max(b.lastBatch, batch);
        return;
      }
    }
  }

  /**
   * Batches up to `batch` have committed: their blocks go back (blocks are filled in batch
   * order). Never the last one: the frame kept last may be cut at this batch's end, its rest not
   * yet in the next batch (belongsTo comes after the commit).
   */
  committed(batch: number): void {
    while (this.blocks.length > 1 && this.blocks[0]!.lastBatch <= batch) giveBlock(this.blocks.shift()!.buf);
  }

  /** Bytes of the blocks held now. */
  get heldBytes(): number {
    let n = 0;
    for (const b of this.blocks) n += b.buf.length;
    return n;
  }

  /** The writer is done: every block goes back. */
  close(): void {
    for (const b of this.blocks.splice(0)) giveBlock(b.buf);
  }
}

function takeBlock(bytes: number): Buffer {
  if (bytes > BLOCK_BYTES) return Buffer.allocUnsafe(bytes);
  return pool.pop() ?? Buffer.allocUnsafe(BLOCK_BYTES);
}

function giveBlock(buf: Buffer): void {
  if (buf.length === BLOCK_BYTES && pool.length < POOL_BLOCKS) pool.push(buf);
}
