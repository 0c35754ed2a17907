/** Shared by the specs: where the repo is, fixtures, temp dirs, and database URLs. */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

// Specs run compiled from dist/spec/..., fixtures stay in spec/fixtures.
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixture = (...parts: string[]): string => join(repoRoot, 'spec', 'fixtures', ...parts);
export const cliPath = join(repoRoot, 'dist', 'lib', 'cli', 'main.js');

/** A fresh temp directory and a function that removes it. */
export function tempDir(prefix = 'ferry-spec-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`node dist/lib/cli/main.js ...args`) to the end; kills it after timeoutMs. */
export function runCli(args: string[], options: { timeoutMs?: number; cwd?: string; onSpawn?: (pid: number) => void; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The last line of a CLI's stdout parsed as JSON (the --json summary). */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '{}') as T;
}
