/**
 * A run's states, named here and nowhere else. QUEUED → RUNNING → one of the ends; a queued run
 * can also end without running (cancelled, or it waited longer than its waitTimeoutMs), and a
 * RUNNING run whose job keeps checkpoints goes back to QUEUED when the server stopped under it.
 */
export const RUN_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'LIMIT_EXCEEDED'] as const;
export type RunState = (typeof RUN_STATES)[number];

export const END_STATES: ReadonlySet<RunState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'LIMIT_EXCEEDED']);

const NEXT: Record<RunState, readonly RunState[]> = {
  QUEUED: ['RUNNING', 'FAILED', 'CANCELLED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'CANCELLED', 'LIMIT_EXCEEDED', 'QUEUED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
  LIMIT_EXCEEDED: [],
};

export function isEnd(state: RunState): boolean {
  return END_STATES.has(state);
}

export function canMove(from: RunState, to: RunState): boolean {
  return NEXT[from].includes(to);
}

export function parseState(text: string): RunState | undefined {
  const up = text.toUpperCase();
  return (RUN_STATES as readonly string[]).includes(up) ? (up as RunState) : undefined;
}

/** The reason a run that was RUNNING when the server died is marked FAILED with. */
export const REASON_SERVER_STOPPED = 'the server stopped while it ran';
