/**
 * splitPk, as DataX: an integer key's MIN..MAX cut into ranges, the last one closed, plus one
 * task for NULL keys, so the tasks' union is the table exactly once.
 */

/** `count` ranges over [min, max]: [lo, hi) each, the last [lo, max]. Fewer when the span is small. */
export function integerRanges(min: bigint, max: bigint, count: number): Array<{ lo: bigint; hi: bigint; last: boolean }> {
  if (max < min) return [];
  const span = max - min + 1n;
  const n = BigInt(Math.max(1, count)) > span ? span : BigInt(Math.max(1, count));
  const out: Array<{ lo: bigint; hi: bigint; last: boolean }> = [];
  for (let i = 0n; i < n; i++) {
    const lo = min + (span * i) / n;
    const last = i === n - 1n;
    const hi = last ? max : min + (span * (i + 1n)) / n;
    out.push({ lo, hi, last });
  }
  return out;
}

/** The WHERE conditions of the tasks for a key column (quoted), integer literals only. */
export function rangeConditions(pk: string, min: bigint | null, max: bigint | null, count: number): string[] {
  if (min === null || max === null) return [`${pk} IS NULL`, `${pk} IS NOT NULL`];
  const ranges = integerRanges(min, max, count).map(({ lo, hi, last }) => `(${pk} >= ${lo} AND ${pk} ${last ? '<=' : '<'} ${hi})`);
  return [...ranges, `${pk} IS NULL`];
}
