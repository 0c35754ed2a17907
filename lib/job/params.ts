/**
 * `-p` values from the command line: `-p name=value` (the value may hold spaces and `=`), or
 * DataX's spelling, several in one string: `-p "-Dname=value -Dother='x y'"`.
 */
import { configError } from '../errors.js';

export const PARAM_NAME = /^[A-Za-z_][\w.-]*$/;

const USAGE = 'expected name=value or "-Dname=value -Dother=x"';

function malformed(item: string, why = ''): never {
  throw configError('FERRY_USAGE', '-p', `${USAGE}, got ${JSON.stringify(item)}${why}`);
}

/** Parses `-p` items into a map; a later item wins over an earlier one with the same name. */
export function parseParams(list: readonly string[]): Record<string, string> {
  const out = new Map<string, string>();
  for (const item of list) {
    if (item.trimStart().startsWith('-D')) {
      for (const [name, value] of parseDataX(item)) out.set(name, value);
      continue;
    }
    const eq = item.indexOf('=');
    if (eq === -1) malformed(item);
    const name = item.slice(0, eq).trim();
    if (!PARAM_NAME.test(name)) malformed(item, name === '' ? ' (the name is missing)' : ` (${JSON.stringify(name)} is not a variable name)`);
    out.set(name, item.slice(eq + 1));
  }
  return Object.fromEntries(out);
}

/** `-Da=1 -Db="x y" -Dc='z'`: values end at unquoted whitespace; quotes may wrap all or part of one. */
function parseDataX(item: string): [string, string][] {
  const pairs: [string, string][] = [];
  let i = 0;
  const n = item.length;
  const space = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  for (;;) {
    while (i < n && space(item[i])) i++;
    if (i >= n) return pairs;
    const start = i;
    while (i < n && !space(item[i])) {
      if (item[i] === '=') break;
      i++;
    }
    const head = item.slice(start, i);
    if (!head.startsWith('-D') || item[i] !== '=') malformed(item, ` (at ${JSON.stringify(item.slice(start).split(/\s/)[0])})`);
    const name = head.slice(2);
    if (!PARAM_NAME.test(name)) malformed(item, ` (${JSON.stringify(name)} is not a variable name)`);
    i++; // =
    let value = '';
    while (i < n && !space(item[i])) {
      const c = item[i] as string;
      if (c === '"' || c === "'") {
        const end = item.indexOf(c, i + 1);
        if (end === -1) malformed(item, ` (the quote after -D${name}= is not closed)`);
        value += item.slice(i + 1, end);
        i = end + 1;
      } else {
        value += c;
        i++;
      }
    }
    pairs.push([name, value]);
  }
}
