/**
 * A task group whose worker died (GroupLostError) goes on elsewhere only when nothing would be
 * written twice: the same rule as a task's local retry. With setting.restore, each unfinished
 * task starts after the last row its writer committed (the checkpoint in the target); without
 * it, a task that had begun writing cannot be told apart from one that committed rows, so the
 * job fails naming the group. Tasks that had not begun, and tasks that ended, are safe.
 */
import { FerryError } from '../errors.js';
import type { Checkpoint } from '../plugin/spi.js';
import type { TaskReport, TaskSpec } from '../../workers/messages.js';
import type { GroupLostError, GroupSpec } from './executor.js';

/** How many times one group may be lost and go on before the job gives up on it. */
export const MAX_GROUP_FAILOVERS = 3;

/** What the container heard of the tasks while they ran (ProgressSink.taskStarted / taskEnded). */
export class TaskLedger {
  readonly started = new Set<number>();
  readonly ended = new Map<number, TaskReport>();
  /** Per task: rows committed by lost attempts, added to the report of the attempt that finishes it. */
  readonly carried = new Map<number, number>();
}

export interface FailoverPlan {
  /** The group to run again; undefined when every task had ended. */
  spec: GroupSpec | undefined;
  /** Reports of tasks that need no new run. */
  kept: TaskReport[];
}

export async function planFailover(
  lost: GroupLostError,
  spec: GroupSpec,
  ledger: TaskLedger,
  checkpoints: (contentIndex: number, job: string) => Promise<Map<number, Checkpoint>>,
  writerName: (task: TaskSpec) => string,
): Promise<FailoverPlan> {
  // The ledger holds every group's tasks: keep only this group's.
  const kept = spec.tasks.flatMap((t) => ledger.ended.get(t.taskId) ?? []);
  const rerun: TaskSpec[] = [];
  const unsafe: TaskSpec[] = [];
  for (const task of spec.tasks) {
    if (ledger.ended.has(task.taskId)) continue;
    if (task.restore) {
      const cp = (await checkpoints(task.contentIndex, task.restore.job)).get(task.taskId);
      const rows = cp?.rows ?? task.restore.rows;
      ledger.carried.set(task.taskId, (ledger.carried.get(task.taskId) ?? 0) + rows - task.restore.rows);
      if (cp?.done) {
        kept.push(doneFromCheckpoint(task, ledger.carried.get(task.taskId)!));
        continue;
      }
      rerun.push({ ...task, restore: { ...task.restore, rows, after: cp && cp.rows > 0 && cp.value !== '' ? cp.value : task.restore.after } });
    } else if (ledger.started.has(task.taskId)) {
      unsafe.push(task);
    } else {
      rerun.push(task);
    }
  }
  if (unsafe.length > 0) {
    const writers = [...new Set(unsafe.map(writerName))].join(', ');
    throw new FerryError(
      'FERRY_GROUP_LOST',
      `${lost.message}; ${unsafe.length === 1 ? 'task' : 'tasks'} ${unsafe.map((t) => t.taskId).join(', ')} had begun writing into ${writers}, which keeps what it committed, and the job keeps no checkpoints, so the group was not run again (nothing is written twice): set job.setting.restore {"isRestore": true, "restoreColumnName": "<key column>"} so that a lost group goes on from its checkpoints on another worker`,
      { cause: lost },
    );
  }
  for (const t of rerun) ledger.started.delete(t.taskId);
  return { spec: rerun.length > 0 ? { ...spec, tasks: rerun } : undefined, kept };
}

/** A task whose checkpoint says done: its lost attempt had committed everything. */
function doneFromCheckpoint(task: TaskSpec, rows: number): TaskReport {
  return {
    taskId: task.taskId, state: 'succeeded', attempt: 1, elapsedMs: 0,
    recordsRead: rows, bytesRead: 0, recordsWritten: rows, bytesWritten: 0, readerWaitMs: 0, writerWaitMs: 0, dirtyRecords: 0, filteredRecords: 0,
  };
}

/** Adds what lost attempts committed to the reports of the run that finished their tasks. */
export function withCarried(reports: TaskReport[], ledger: TaskLedger): TaskReport[] {
  return reports.map((r) => {
    const rows = ledger.carried.get(r.taskId);
    if (!rows) return r;
    return { ...r, attempt: r.attempt + 1, recordsRead: r.recordsRead + rows, recordsWritten: r.recordsWritten + rows };
  });
}
