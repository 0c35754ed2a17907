/**
 * Job files as DataX's own examples write them, read as DataX reads them, with a warning that
 * shows the spelling meant. Runs before the schema, which would refuse them.
 */
import { isPlainObject } from './read.js';
import type { JobIssue } from '../errors.js';

/** DataX's postgresqlreader example has `"speed": 1048576`: a byte cap, spelled `{"byte": 1048576}`. */
export function readDataxHabits(root: Record<string, unknown>, warnings: JobIssue[]): void {
  const setting = isPlainObject(root.job) ? root.job.setting : undefined;
  if (!isPlainObject(setting)) return;
  const speed = setting.speed;
  if (typeof speed === 'number') {
    setting.speed = { byte: speed };
    warnings.push({ path: 'job.setting.speed', message: `a number: read as {"byte": ${speed}} (at most ${speed} bytes/s, as DataX does); write "speed": {"byte": ${speed}}, or {"channel": N} for N channels` });
  }
}
