// Runs every compiled spec file with uvu, each in its own process with a time limit, and ends with the
// plain line CI reads: `N passed, N failed`.
// Usage: node spec/run.mjs [dir under dist/spec] [file name pattern]
//
// One process per file, so that a spec that hangs (a job that never ends, a socket nobody closes) is
// killed with everything it started and reported by name, and the files after it still run: in one
// uvu process a hang ate CI's whole 90 minutes and said nothing about where.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const base = join(root, 'dist', 'spec');
const dir = join(base, process.argv[2] ?? '');
const pattern = new RegExp(process.argv[3] ? `${process.argv[3]}.*\\.spec\\.js$` : '\\.spec\\.js$');
// The slowest file takes about 2 minutes on a loaded 2-core machine; a file past this limit hangs.
const limitMs = Number(process.env.FERRY_SPEC_TIMEOUT_S ?? 360) * 1000;

const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((f) => pattern.test(f))
  .map((f) => join(dir, f))
  .sort();

const plain = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** Runs one file; resolves to its counts. */
function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    // detached: the file's children (ferry workers, servers) share its process group and die with it.
    const child = spawn(process.execPath, [file], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    let out = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      out += chunk.toString();
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = plain(out);
      const total = Number(/Total:\s+(\d+)/.exec(text)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(text)?.[1] ?? 0);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(text)?.[1] ?? 0);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (timedOut) console.log(`\nFAIL ${relative(base, file)}: still running after ${limitMs / 1000} s, killed (a test in it hangs)`);
      // A file that crashed before its totals, or exited non-zero, counts as at least one failure.
      const failed = Math.max(total - passed - skipped, code === 0 && !timedOut ? 0 : 1);
      console.log(`  ${relative(base, file)}: ${passed} passed, ${failed} failed in ${secs} s`);
      resolve({ passed, failed, skipped });
    });
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  process.stdout.write(`\n${relative(base, file)}\n`);
  const r = await runFile(file);
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
