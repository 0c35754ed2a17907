/** The two row shapes the channel bench moves, from a fixed pool so generation costs next to nothing. */
import { DateTime, Decimal, type Row } from '../channel/value.js';

export type Shape = 'six-columns' | 'kilobyte-string';

export function rowPool(shape: Shape): Row[] {
  const base = Date.UTC(2024, 0, 1);
  if (shape === 'six-columns') {
    return Array.from({ length: 1024 }, (_, i): Row => [
      1_000_000_000 + i * 7919,
      i * 1.25 + 0.5,
      `customer-${String(i * 7).padStart(6, '0')}-abcd`, // 21 chars
      new DateTime(base + i * 60_000), // the in-flight date type: both cases move the same values
      i % 3 === 0,
      new Decimal(`${i * 13}.${String(i % 100).padStart(2, '0')}`),
    ]);
  }
  // 1024 distinct row arrays: structured clone would send a row repeated within a batch only once.
  const strings = Array.from({ length: 64 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(1024));
  return Array.from({ length: 1024 }, (_, i): Row => [i, strings[i % 64]!]);
}
