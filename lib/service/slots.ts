/**
 * Taier's resource check: the server has a number of channel slots and a run takes as many as
 * its job has channels. Runs wait first in, first out: a run that needs many slots is not
 * overtaken by smaller ones behind it, so it cannot starve.
 */
export interface Waiting {
  id: number;
  slots: number;
}

export class SlotQueue {
  private used = 0;
  private readonly waiting: Waiting[] = [];

  constructor(readonly total: number) {}

  get free(): number {
    return this.total - this.used;
  }

  enqueue(entry: Waiting): void {
    this.waiting.push(entry);
  }

  /** Takes a run off the queue (cancelled, or timed out); false when it was not waiting. */
  remove(id: number): boolean {
    const i = this.waiting.findIndex((w) => w.id === id);
    if (i === -1) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /** The runs that can start now, their slots taken: the head of the queue while it fits. */
  take(): Waiting[] {
    const out: Waiting[] = [];
    while (this.waiting[0] && this.waiting[0].slots <= this.free) {
      const w = this.waiting.shift()!;
      this.used += w.slots;
      out.push(w);
    }
    return out;
  }

  release(slots: number): void {
    this.used = Math.max(0, this.used - slots);
  }

  /** Why a run waits: "needs 4 slots, 1 free; 2 runs ahead". */
  reason(id: number): string | undefined {
    const i = this.waiting.findIndex((w) => w.id === id);
    if (i === -1) return undefined;
    const w = this.waiting[i]!;
    const ahead = i === 0 ? 'first in line' : `${i} ${i === 1 ? 'run' : 'runs'} ahead`;
    return `needs ${w.slots} ${w.slots === 1 ? 'slot' : 'slots'}, ${this.free} free; ${ahead}`;
  }

  ids(): number[] {
    return this.waiting.map((w) => w.id);
  }
}
