/** Backoff for transient failures (setting.retry): the pause before retry n, and an abortable sleep. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RetryPolicy } from '../plugin/spi.js';

export const RETRY_DEFAULTS: RetryPolicy = { maxRetries: 5, initialIntervalMs: 1000, maxIntervalMs: 30_000 };

/** The pause before retry `n` (1-based): initialIntervalMs doubled each time, capped at maxIntervalMs. */
export function backoffMs(policy: RetryPolicy, n: number): number {
  return Math.min(policy.maxIntervalMs, policy.initialIntervalMs * 2 ** Math.max(0, n - 1));
}

/** Sleeps, but returns early (without throwing) when the signal aborts: the caller checks it. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return;
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}
