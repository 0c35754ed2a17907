/**
 * Everything a submitting `ferry run --cluster` and a `ferry worker` say to each other over
 * Redis, in one place.
 *
 * submitter → worker: one BullMQ job per run of a task group (on the named queue, prefix PREFIX), and
 *                     'stop' / 'abort' on the executor's control channel (pub/sub, also kept in
 *                     its flags hash for groups that start later).
 * worker → submitter: RunEvents on the executor's stream, in order: a group's dirty records
 *                     always arrive before its result. BullMQ's stalled-job check says when a
 *                     worker died holding a group (the job fails as stalled; QueueEvents).
 * both:               the submitter refreshes its alive key; a worker whose submitter is gone
 *                     stops its groups. Workers list themselves in their queue's workers hash.
 */
import type { SerializedError } from '../errors.js';
import type { DirtyReport, ProgressReport, TaskGroupResult, TaskReport } from '../../workers/messages.js';
import type { GroupSpec } from '../container/executor.js';

export const PREFIX = 'ferry';
/**
 * Workers take groups from one named queue (--queue): a team's jobs go to its own machines, and
 * a test's to its own workers. The name goes into Redis keys, so it is kept to a safe alphabet.
 */
export const DEFAULT_QUEUE = 'default';
export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const workersKey = (queue: string): string => `${PREFIX}:workers:${queue}`;

/** Where the groups go: a Redis server and a queue on it. */
export interface ClusterOptions {
  /** redis://[user:password@]host:6379[/db] */
  redis: string;
  /** The queue the workers take groups from (default "default"). */
  queue?: string | undefined;
}

/** A worker refreshes its entry this often; one not seen for WORKER_STALE_MS is not counted. */
export const WORKER_HEARTBEAT_MS = 2_000;
export const WORKER_STALE_MS = 10_000;
/** The submitter refreshes its alive key this often; the key lives ALIVE_TTL_MS. */
export const ALIVE_EVERY_MS = 1_000;
export const ALIVE_TTL_MS = 5_000;

/**
 * A run's keys outlive it by this much at most when its submitter dies without cleaning up
 * (kill -9): a group still queued then sees the abort flag, and Redis is not left holding events.
 */
export const KEYS_TTL_MS = 3_600_000;

export const keys = {
  events: (exec: string) => `${PREFIX}:exec:${exec}:events`,
  control: (exec: string) => `${PREFIX}:exec:${exec}:control`,
  flags: (exec: string) => `${PREFIX}:exec:${exec}:flags`,
  alive: (exec: string) => `${PREFIX}:exec:${exec}:alive`,
};
/** Every executor's control channel, for a worker's PSUBSCRIBE. */
export const CONTROL_PATTERN = `${PREFIX}:exec:*:control`;
export function execOfControl(channel: string): string | undefined {
  return /^ferry:exec:([^:]+):control$/.exec(channel)?.[1];
}

export type ControlMessage = 'stop' | 'abort';

/** The payload of one BullMQ job: one run of one task group. */
export interface GroupJobData {
  exec: string;
  /** 1 for the group's first run, 2 after it was lost once, ... */
  attempt: number;
  spec: GroupSpec;
}

export function groupJobId(exec: string, taskGroupId: number, attempt: number): string {
  return `${exec}.${taskGroupId}.${attempt}`;
}

export interface EventBase {
  group: number;
  attempt: number;
  worker: string;
}

export type RunEvent = EventBase &
  (
    | { kind: 'claimed' }
    | { kind: 'progress'; report: ProgressReport }
    | { kind: 'dirty'; records: DirtyReport[] }
    | { kind: 'log'; level: 'info' | 'warn'; message: string }
    | { kind: 'taskStarted'; taskId: number; taskAttempt: number }
    | { kind: 'taskEnded'; report: TaskReport }
    | { kind: 'result'; result: TaskGroupResult }
    /** The group could not run on the worker (its thread died): the job fails with this error. */
    | { kind: 'failed'; error: SerializedError }
  );

/** An event as a worker's group sends it; the worker adds group, attempt and its name. */
export type EventBody = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, keyof EventBase> : never) : never;

/** What a worker says of itself in its queue's workers hash. */
export interface WorkerInfo {
  name: string;
  slots: number;
  host: string;
  pid: number;
  /** Date.now() of its last heartbeat. */
  seen: number;
}

/**
 * Built-in plugins travel as `ferry:<path inside the package>` and resolve against the
 * worker's own install, which need not sit at the same path as the submitter's; a user's
 * plugin module must be at the same path on every machine.
 */
const PACKAGE_ROOT = new URL('../../', import.meta.url).href;

export function toWire(spec: GroupSpec): GroupSpec {
  const wire = (url: string): string => (url.startsWith(PACKAGE_ROOT) ? `ferry:${url.slice(PACKAGE_ROOT.length)}` : url);
  return { ...spec, tasks: spec.tasks.map((t) => ({ ...t, reader: { ...t.reader, moduleUrl: wire(t.reader.moduleUrl) }, writer: { ...t.writer, moduleUrl: wire(t.writer.moduleUrl) } })) };
}

export function fromWire(spec: GroupSpec): GroupSpec {
  const local = (url: string): string => (url.startsWith('ferry:') ? new URL(url.slice('ferry:'.length), PACKAGE_ROOT).href : url);
  return { ...spec, tasks: spec.tasks.map((t) => ({ ...t, reader: { ...t.reader, moduleUrl: local(t.reader.moduleUrl) }, writer: { ...t.writer, moduleUrl: local(t.writer.moduleUrl) } })) };
}
