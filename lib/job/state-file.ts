/**
 * The state file of incremental runs (`--state-file F`, API `stateFile`): what each
 * job.content entry's reader returned from nextState() on the last successful run, so that the
 * next run starts where that one ended without editing the job. Written only after a run
 * succeeded, atomically (a temporary file, fsync, rename): a crash leaves the old state.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { configError } from '../errors.js';

export interface StateFileContent {
  ferry: 'state';
  version: 1;
  /** The job file (or "<object>") the state came from, for people reading the file. */
  job: string;
  updated: string;
  content: Array<Record<string, unknown> | null>;
}

/** The states per job.content entry; undefined when the file does not exist yet (a first run). */
export function readStateFile(path: string, baseDir: string): Array<Record<string, unknown> | null> | undefined {
  const full = resolve(baseDir, path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw configError('FERRY_USAGE', '--state-file', `cannot read ${full}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw configError('FERRY_USAGE', '--state-file', `${full} is not JSON (${(err as Error).message}); it is ferry's own file: delete it to start from the job's startLocation`);
  }
  const s = parsed as Partial<StateFileContent>;
  if (s?.ferry !== 'state' || s.version !== 1 || !Array.isArray(s.content)) {
    throw configError('FERRY_USAGE', '--state-file', `${full} is not a ferry state file (expected {"ferry": "state", "version": 1, "content": [...]})`);
  }
  return s.content;
}

export function writeStateFile(path: string, baseDir: string, job: string, content: Array<Record<string, unknown> | null>): string {
  const full = resolve(baseDir, path);
  mkdirSync(dirname(full), { recursive: true });
  const body: StateFileContent = { ferry: 'state', version: 1, job, updated: new Date().toISOString(), content };
  const tmp = `${full}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${JSON.stringify(body, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, full);
  const dir = openSync(dirname(full), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return full;
}
