/**
 * PostgreSQL's COPY text format (https://www.postgresql.org/docs/current/sql-copy.html):
 * one line per row, fields separated by a tab, \N for NULL, and backslash escapes for
 * backslash, tab, newline, carriage return, \b \f \v, \NNN (octal) and \xHH (hex).
 *
 * A newline byte only ever ends a row (a newline in a value is written \n), so a chunk of
 * bytes is cut at its last newline and the whole rows before it are decoded as one string,
 * which is then scanned with indexOf: no per-byte JavaScript loop for the common case of a
 * field without a backslash.
 */
import type { Row, Value } from '../../../channel/value.js';
import type { Converter } from './types.js';

const NEWLINE = 10;

/** Turns COPY ... TO STDOUT chunks into rows of ferry values, one converter per column. */
export class CopyTextDecoder {
  private pending: Buffer[] = [];
  private readonly last: number;

  constructor(private readonly converters: Converter[]) {
    this.last = converters.length - 1;
  }

  /** Appends the complete rows of `chunk` to `out`; a partial last row waits for the next chunk. */
  push(chunk: Buffer, out: Row[]): void {
    const nl = chunk.lastIndexOf(NEWLINE);
    if (nl < 0) {
      this.pending.push(chunk);
      return;
    }
    let text: string;
    if (this.pending.length > 0) {
      this.pending.push(chunk.subarray(0, nl + 1));
      text = Buffer.concat(this.pending).toString('utf8');
      this.pending = [];
    } else {
      text = chunk.toString('utf8', 0, nl + 1);
    }
    if (nl + 1 < chunk.length) this.pending.push(chunk.subarray(nl + 1));
    this.parse(text, out);
  }

  /** Throws when the data ended inside a row (the stream was cut). */
  end(): void {
    if (this.pending.some((b) => b.length > 0)) throw new Error('the COPY data ended in the middle of a row');
  }

  /** Parses whole lines (text ends with a newline). */
  parse(text: string, out: Row[]): void {
    const n = text.length;
    const conv = this.converters;
    const last = this.last;
    if (last < 0) {
      // A query without columns: one empty line per row.
      for (let i = 0; i < n; i++) if (text.charCodeAt(i) === NEWLINE) out.push([]);
      return;
    }
    let pos = 0;
    let bs = text.indexOf('\\');
    if (bs < 0) bs = n;
    while (pos < n) {
      const row: Value[] = new Array(last + 1);
      for (let c = 0; c <= last; c++) {
        const end = c < last ? text.indexOf('\t', pos) : text.indexOf('\n', pos);
        if (end < 0) throw new Error(`COPY data has fewer fields than the ${last + 1} columns`);
        if (bs >= end) {
          row[c] = conv[c]!(text.slice(pos, end));
        } else {
          // A backslash in this field: \N (NULL) or escapes.
          if (end - pos === 2 && text.charCodeAt(pos + 1) === 78) row[c] = null;
          else row[c] = conv[c]!(unescapeCopyText(text, pos, end));
          bs = text.indexOf('\\', end);
          if (bs < 0) bs = n;
        }
        pos = end + 1;
      }
      out.push(row);
    }
  }
}

function isOctal(c: number): boolean {
  return c >= 48 && c <= 55;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * The value of an escaped field text[from, to). \NNN and \xHH name bytes; PostgreSQL never
 * writes them on output (it escapes control characters by name and sends other bytes as they
 * are), so they are read here as the character with that code, which is the byte for ASCII.
 */
export function unescapeCopyText(text: string, from: number, to: number): string {
  let out = '';
  let start = from;
  let i = text.indexOf('\\', from);
  while (i >= 0 && i < to) {
    out += text.slice(start, i);
    const c = text.charCodeAt(i + 1);
    let next = i + 2;
    switch (c) {
      case 98: out += '\b'; break; // b
      case 102: out += '\f'; break; // f
      case 110: out += '\n'; break; // n
      case 114: out += '\r'; break; // r
      case 116: out += '\t'; break; // t
      case 118: out += '\v'; break; // v
      case 120: { // x: one or two hex digits
        const h1 = i + 2 < to ? hexValue(text.charCodeAt(i + 2)) : -1;
        if (h1 < 0) {
          out += 'x';
          break;
        }
        const h2 = i + 3 < to ? hexValue(text.charCodeAt(i + 3)) : -1;
        out += String.fromCharCode(h2 < 0 ? h1 : h1 * 16 + h2);
        next = h2 < 0 ? i + 3 : i + 4;
        break;
      }
      default:
        if (isOctal(c)) {
          let v = c - 48;
          let j = i + 2;
          for (let k = 0; k < 2 && j < to && isOctal(text.charCodeAt(j)); k++, j++) v = v * 8 + text.charCodeAt(j) - 48;
          out += String.fromCharCode(v & 0xff);
          next = j;
        } else if (i + 1 < to) {
          out += text[i + 1]; // \\ and any other escaped character stand for themselves
        }
    }
    start = next;
    i = text.indexOf('\\', next);
  }
  return start < to ? out + text.slice(start, to) : out;
}

/** Characters that need work when writing COPY text: backslash, tab, newline, CR and NUL. */
const NEEDS_ESCAPE = /[\\\t\n\r\0]/;
const ESCAPES = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Thrown for a NUL character, which PostgreSQL cannot store in text. */
export class NulCharacterError extends Error {
  constructor() {
    super('a NUL character (\\0), which PostgreSQL cannot store in text');
  }
}

/** A field's COPY text: escaped. Throws NulCharacterError for a NUL character. */
export function escapeCopyText(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  if (s.includes('\0')) throw new NulCharacterError();
  return s.replace(ESCAPES, (ch) => ESCAPED[ch]!);
}

/** A parameter's text: only the NUL check. */
export function checkNul(s: string): string {
  if (s.includes('\0')) throw new NulCharacterError();
  return s;
}

/**
 * Field `index` of one COPY text line (without its newline), unescaped; null for \N. The
 * pass-through reads the restore or splitPk key this way, from a batch's last line only.
 */
export function copyField(line: string, index: number): string | null {
  let from = 0;
  for (let i = 0; i < index; i++) {
    const tab = line.indexOf('\t', from);
    if (tab < 0) return null;
    from = tab + 1;
  }
  let to = line.indexOf('\t', from);
  if (to < 0) to = line.length;
  if (to - from === 2 && line.charCodeAt(from) === 92 && line.charCodeAt(from + 1) === 78) return null;
  return unescapeCopyText(line, from, to);
}

/** Every field of a COPY text line as text (null for \N): a refused pass-through row's values, for the dirty file. */
export function copyFields(line: string): Array<string | null> {
  const out: Array<string | null> = [];
  let from = 0;
  for (;;) {
    let to = line.indexOf('\t', from);
    const last = to < 0;
    if (last) to = line.length;
    out.push(to - from === 2 && line.charCodeAt(from) === 92 && line.charCodeAt(from + 1) === 78 ? null : unescapeCopyText(line, from, to));
    if (last) return out;
    from = to + 1;
  }
}

/** The last line of a buffer of whole lines (each ends with a newline), without its newline. */
export function lastLine(text: Buffer): string {
  const end = text.length - 1;
  const start = text.lastIndexOf(10, end - 1) + 1;
  return text.toString('utf8', start, end);
}

/** Newlines in `text`: its line count. */
export function countLines(text: Buffer): number {
  let n = 0;
  for (let at = text.indexOf(10); at >= 0; at = text.indexOf(10, at + 1)) n++;
  return n;
}
