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
