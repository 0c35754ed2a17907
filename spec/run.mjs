// Runs every compiled spec with uvu and ends with the plain line CI reads: `N passed, N failed`.
// Usage: node spec/run.mjs [dir under dist/spec] [file name pattern]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join('dist', 'spec', process.argv[2] ?? '');
const pattern = process.argv[3] ? `${process.argv[3]}.*\\.spec\\.js$` : '\\.spec\\.js$';
const child = spawn(process.execPath, [join(root, 'node_modules', 'uvu', 'bin.js'), dir, pattern], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk.toString();
});
child.on('close', (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  // uvu counts suites that crashed before their totals as nothing: treat a non-zero exit as a failure.
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code ?? 1);
});
