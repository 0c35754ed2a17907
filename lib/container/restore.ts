/**
 * setting.restore on the main thread: the job's hash, its state directory
 * (`.ferry/state/<job hash>/` under the working directory), and the task list saved there by the
 * first run — a resumed run runs the same tasks (the same splitPk ranges) even if the source's
 * MIN/MAX moved since, so that every task's checkpoint still means what it meant.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskSpec } from '../../workers/messages.js';

export const STATE_DIR = join('.ferry', 'state');

/** The job after variable substitution, hashed: the same job file with other ${vars} is another job. */
export function jobHash(resolved: unknown): string {
  return createHash('sha256').update(JSON.stringify(resolved)).digest('hex').slice(0, 16);
}

export function stateDirOf(baseDir: string, hash: string): string {
  return join(baseDir, STATE_DIR, hash);
}

interface SavedTasks {
  ferry: 'tasks';
  version: 1;
  job: string;
  created: string;
  tasks: TaskSpec[];
}

export function saveTasks(dir: string, job: string, tasks: TaskSpec[]): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'tasks.json');
  const body: SavedTasks = { ferry: 'tasks', version: 1, job, created: new Date().toISOString(), tasks };
  const fd = openSync(`${file}.tmp`, 'w');
  try {
    writeSync(fd, JSON.stringify(body));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${file}.tmp`, file);
}

/** The tasks a first run saved; undefined when there is no state to resume. */
export function loadTasks(dir: string): TaskSpec[] | undefined {
  try {
    const saved = JSON.parse(readFileSync(join(dir, 'tasks.json'), 'utf8')) as Partial<SavedTasks>;
    return saved.ferry === 'tasks' && Array.isArray(saved.tasks) ? saved.tasks : undefined;
  } catch {
    return undefined;
  }
}
