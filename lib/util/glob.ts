/**
 * File patterns as DataX's txtfilereader takes them: a path, relative to a base directory,
 * whose segments may hold `*` (any run of characters but `/`) and `?` (one character). A
 * directory, named or matched, stands for the regular files directly inside it. Names that
 * start with "." are left out unless the pattern segment itself starts with "." (Hadoop's
 * `.part-0.crc`, editors' swap files).
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';

export function hasWildcard(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

function segmentRegex(segment: string): RegExp {
  let re = '^';
  for (const c of segment) {
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$', 'u');
}

async function statOrUndefined(p: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await stat(p);
  } catch {
    return undefined;
  }
}

/** The regular files directly inside dir (following symlinks), sorted, hidden ones left out. */
async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = await statOrUndefined(p);
    if (st?.isFile()) out.push(p);
  }
  return out;
}

/** Absolute paths of the files a pattern names, sorted; [] when nothing matches. */
export async function expandPattern(pattern: string, baseDir: string): Promise<string[]> {
  const abs = isAbsolute(pattern) ? resolve(pattern) : resolve(baseDir, pattern);
  if (!hasWildcard(abs)) {
    const st = await statOrUndefined(abs);
    if (!st) return [];
    if (st.isDirectory()) return filesIn(abs);
    return st.isFile() ? [abs] : [];
  }
  const parts = abs.split(sep);
  // the fixed prefix before the first segment with a wildcard
  let i = 0;
  while (i < parts.length && !hasWildcard(parts[i]!)) i++;
  let current = [parts.slice(0, i).join(sep) || sep];
  for (; i < parts.length; i++) {
    const segment = parts[i]!;
    const next: string[] = [];
    for (const dir of current) {
      if (!hasWildcard(segment)) {
        next.push(join(dir, segment));
        continue;
      }
      let names: string[];
      try {
        names = (await readdir(dir)).sort();
      } catch {
        continue;
      }
      const re = segmentRegex(segment);
      const showHidden = segment.startsWith('.');
      for (const name of names) {
        if (name.startsWith('.') && !showHidden) continue;
        if (re.test(name)) next.push(join(dir, name));
      }
    }
    current = next;
  }
  const files: string[] = [];
  for (const p of current) {
    const st = await statOrUndefined(p);
    if (!st) continue;
    if (st.isFile()) files.push(p);
    else if (st.isDirectory()) files.push(...(await filesIn(p)));
  }
  return files;
}

/**
 * Expands several patterns; a file named twice is kept once, in first-seen order.
 * `unmatched` lists the patterns that matched nothing.
 */
export async function expandPatterns(patterns: readonly string[], baseDir: string): Promise<{ files: string[]; unmatched: string[] }> {
  const seen = new Set<string>();
  const files: string[] = [];
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const found = await expandPattern(pattern, baseDir);
    if (found.length === 0) unmatched.push(pattern);
    for (const f of found) {
      if (!seen.has(f)) {
        seen.add(f);
        files.push(f);
      }
    }
  }
  return { files, unmatched };
}
