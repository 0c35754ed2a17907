/**
 * MySQL identifiers: backticks, an embedded backtick doubled. A dotted name (db.table) is split on
 * the dots outside backticks, so `my.db`.t and we"ird;drop both come out as one safe identifier
 * each. A part that does not start with a backtick is taken literally up to the next dot.
 */
import { FerryError } from '../../errors.js';

/** Splits `db.table` / `` `a.b`.c `` into its unquoted parts. */
export function splitIdent(name: string): string[] {
  const parts: string[] = [];
  let i = 0;
  const n = name.length;
  for (;;) {
    let part = '';
    if (name[i] === '`') {
      // A quoted part: up to the closing backtick; `` inside is one backtick.
      i++;
      let closed = false;
      while (i < n) {
        const c = name[i]!;
        if (c === '`') {
          if (name[i + 1] === '`') {
            part += '`';
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        part += c;
        i++;
      }
      if (!closed) throw new FerryError('FERRY_JOB_INVALID', `identifier ${JSON.stringify(name)} has an unclosed backtick`);
      if (i < n && name[i] !== '.') {
        throw new FerryError('FERRY_JOB_INVALID', `identifier ${JSON.stringify(name)}: expected "." after the quoted part ${JSON.stringify(part)}`);
      }
    } else {
      const dot = name.indexOf('.', i);
      const end = dot < 0 ? n : dot;
      part = name.slice(i, end);
      i = end;
    }
    if (part === '') throw new FerryError('FERRY_JOB_INVALID', `identifier ${JSON.stringify(name)} has an empty part`);
    parts.push(part);
    if (i >= n) return parts;
    i++; // the dot
    if (i >= n) throw new FerryError('FERRY_JOB_INVALID', `identifier ${JSON.stringify(name)} ends with "."`);
  }
}

/** One identifier part, quoted. */
export function quotePart(part: string): string {
  return '`' + part.replace(/`/g, '``') + '`';
}

export function quoteIdent(name: string): string {
  return splitIdent(name).map(quotePart).join('.');
}

/** A table name as [schema or undefined (the current database), table]. */
export function tableParts(name: string): [string | undefined, string] {
  const parts = splitIdent(name);
  if (parts.length === 1) return [undefined, parts[0]!];
  if (parts.length === 2) return [parts[0]!, parts[1]!];
  throw new FerryError('FERRY_JOB_INVALID', `table name ${JSON.stringify(name)}: expected table or database.table`);
}
