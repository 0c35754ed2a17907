/**
 * Streaming CSV (RFC 4180 and the variants DataX users have): a field delimiter of one or more
 * characters, `"` quoting with doubled quotes inside, delimiters and newlines inside quoted
 * fields, LF or CR LF line ends, a leading BOM skipped. Fed string chunks of any size; a chunk
 * may end anywhere (inside a field, between the two quotes of a pair, between CR and LF).
 *
 * Each record tells the 1-based line it starts on and, per field, whether it was quoted: a
 * reader needs that to tell the null marker (`\N` unquoted) from the string "\N" (quoted).
 *
 * In "text" mode (`quoting: false`) quotes are ordinary characters: lines split on the delimiter.
 *
 * Speed: fields are cut with indexOf and slice, never built a character at a time.
 */

export interface CsvOptions {
  /** Field delimiter, one or more characters. Default ",". */
  delimiter?: string;
  /** `"` quoting (csv). False: text mode, quotes are data. Default true. */
  quoting?: boolean;
  /** Skip lines with no characters at all (as DataX's CsvReader does). Default true. */
  skipEmptyLines?: boolean;
}

export interface CsvRecord {
  fields: string[];
  /** quoted[i]: whether field i was written in quotes. */
  quoted: boolean[];
  /** 1-based line number the record starts on. */
  line: number;
}

/** Malformed input the parser cannot recover from (an unterminated quoted field). */
export class CsvError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
    this.name = 'CsvError';
  }
}

const LF = 10;
const CR = 13;
const QUOTE = 34;

function countLf(s: string, from: number, to: number): number {
  let n = 0;
  let i = s.indexOf('\n', from);
  while (i !== -1 && i < to) {
    n++;
    i = s.indexOf('\n', i + 1);
  }
  return n;
}

export class CsvParser {
  private readonly delim: string;
  private readonly delimLen: number;
  private readonly delimCode: number;
  private readonly quoting: boolean;
  private readonly skipEmpty: boolean;

  /** Unconsumed text; it starts at the beginning of the current field. */
  private buf = '';
  /** Fields of the record in progress (the record is incomplete when the buffer ran out). */
  private fields: string[] = [];
  private quoted: boolean[] = [];
  /** Line the record in progress starts on; line the buffer's first character is on. */
  private recordLine = 1;
  private line = 1;
  private first = true;
  private inRecord = false;

  constructor(options: CsvOptions = {}) {
    this.delim = options.delimiter ?? ',';
    if (this.delim.length === 0) throw new Error('the field delimiter must not be empty');
    this.delimLen = this.delim.length;
    this.delimCode = this.delim.charCodeAt(0);
    this.quoting = options.quoting ?? true;
    this.skipEmpty = options.skipEmptyLines ?? true;
    if (this.quoting && this.delim.includes('"')) throw new Error('the field delimiter must not contain a quote (") in csv mode');
    if (this.delim.includes('\n') || this.delim.includes('\r')) throw new Error('the field delimiter must not contain a newline');
  }

  /** Feeds a chunk; returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    if (this.first && chunk.length > 0) {
      this.first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    this.buf = this.buf.length === 0 ? chunk : this.buf + chunk;
    const out: CsvRecord[] = [];
    this.run(out, false);
    return out;
  }

  /** Ends the input; returns the last record when the text did not end with a newline. */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    this.run(out, true);
    this.buf = '';
    return out;
  }

  private emit(out: CsvRecord[]): void {
    const fields = this.fields;
    if (this.skipEmpty && fields.length === 1 && fields[0] === '' && !this.quoted[0]) {
      // an empty line
    } else {
      out.push({ fields, quoted: this.quoted, line: this.recordLine });
    }
    this.fields = [];
    this.quoted = [];
    this.inRecord = false;
  }

  private run(out: CsvRecord[], final: boolean): void {
    const buf = this.buf;
    const len = buf.length;
    const delim = this.delim;
    const delimLen = this.delimLen;
    let pos = 0;
    // position of the next LF at or after pos (-1: none in the buffer); recomputed when passed
    let nl = -2;
    // position of the next delimiter at or after pos, cached the same way (a file with one
    // column has none: without the cache every line would scan the rest of the buffer)
    let dp = -2;

    while (pos < len || (final && this.inRecord)) {
      if (!this.inRecord) {
        this.inRecord = true;
        this.recordLine = this.line;
      }
      if (pos >= len) {
        // final, and the record ended right after a delimiter: one more empty field
        this.fields.push('');
        this.quoted.push(false);
        this.emit(out);
        break;
      }

      if (this.quoting && buf.charCodeAt(pos) === QUOTE) {
        // quoted field: find the closing quote (one not followed by another quote)
        let q = pos + 1;
        let hasDoubled = false;
        let close = -1;
        for (;;) {
          q = buf.indexOf('"', q);
          if (q === -1) break;
          if (q + 1 < len) {
            if (buf.charCodeAt(q + 1) === QUOTE) {
              hasDoubled = true;
              q += 2;
              continue;
            }
            close = q;
            break;
          }
          // the quote is the buffer's last character: closing only if the input ended
          if (final) close = q;
          break;
        }
        if (close === -1) {
          if (final) throw new CsvError(`unterminated quoted field starting on line ${this.line}`, this.line);
          break; // need more input
        }
        let value = buf.slice(pos + 1, close);
        if (hasDoubled) value = value.replaceAll('""', '"');
        const after = close + 1;
        // what follows the closing quote: a delimiter, a line end, the end of input, or stray text
        if (after >= len) {
          if (!final) break;
          this.line += countLf(buf, pos + 1, close);
          this.fields.push(value);
          this.quoted.push(true);
          pos = len;
          this.emit(out);
          break;
        }
        const c = buf.charCodeAt(after);
        if (c === CR && after + 1 >= len && !final) break; // CR LF split by the chunk
        if (this.startsDelim(buf, after)) {
          this.line += countLf(buf, pos + 1, close);
          this.fields.push(value);
          this.quoted.push(true);
          pos = after + delimLen;
          continue;
        }
        if (c === LF || (c === CR && after + 1 < len && buf.charCodeAt(after + 1) === LF)) {
          this.line += countLf(buf, pos + 1, close) + 1;
          this.fields.push(value);
          this.quoted.push(true);
          pos = after + (c === LF ? 1 : 2);
          this.emit(out);
          continue;
        }
        // `"ab"cd,` : lenient, as DataX's CsvReader: the stray text up to the field end joins the value
        const end = this.findFieldEnd(buf, after, final);
        if (end === -1) break;
        let stop = end;
        if (stop > after && buf.charCodeAt(stop - 1) === CR && (end === len || buf.charCodeAt(end) === LF)) stop--;
        value += buf.slice(after, stop);
        this.line += countLf(buf, pos + 1, close);
        this.fields.push(value);
        this.quoted.push(true);
        if (end >= len) {
          pos = len;
          this.emit(out);
          break;
        }
        if (buf.charCodeAt(end) === LF) {
          this.line += 1;
          pos = end + 1;
          this.emit(out);
        } else {
          pos = end + delimLen;
        }
        continue;
      }

      // unquoted field: ends at the next delimiter or LF
      if (nl === -2 || (nl !== -1 && nl < pos)) nl = buf.indexOf('\n', pos);
      if (dp === -2 || (dp !== -1 && dp < pos)) dp = buf.indexOf(delim, pos);
      const d = dp;
      if (d !== -1 && (nl === -1 || d < nl)) {
        this.fields.push(buf.slice(pos, d));
        this.quoted.push(false);
        pos = d + delimLen;
        continue;
      }
      if (nl !== -1) {
        const stop = nl > pos && buf.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
        this.fields.push(buf.slice(pos, stop));
        this.quoted.push(false);
        this.line += 1;
        pos = nl + 1;
        this.emit(out);
        continue;
      }
      // neither in the buffer
      if (!final) break;
      let stop = len;
      if (stop > pos && buf.charCodeAt(stop - 1) === CR) stop--;
      this.fields.push(buf.slice(pos, stop));
      this.quoted.push(false);
      pos = len;
      this.emit(out);
      break;
    }
    this.buf = pos >= len ? '' : buf.slice(pos);
  }

  private startsDelim(buf: string, at: number): boolean {
    return this.delimLen === 1 ? buf.charCodeAt(at) === this.delimCode : buf.startsWith(this.delim, at);
  }

  /** End of an unquoted stretch from `from`: the next delimiter or LF, len when neither (if final), -1 when more input is needed. */
  private findFieldEnd(buf: string, from: number, final: boolean): number {
    const nl = buf.indexOf('\n', from);
    const d = buf.indexOf(this.delim, from);
    if (d !== -1 && (nl === -1 || d < nl)) return d;
    if (nl !== -1) return nl;
    return final ? buf.length : -1;
  }
}

/** Parses a whole text. */
export function parseCsv(text: string, options?: CsvOptions): CsvRecord[] {
  const p = new CsvParser(options);
  const out = p.push(text);
  for (const r of p.end()) out.push(r);
  return out;
}

/**
 * Whether a field's text would be cut short by the delimiter: it contains it or, for a
 * delimiter of several characters, it ends with a part of it that runs into the delimiter
 * after it (with "||", the value "a|" followed by "||" reads back as "a" and "|...").
 */
export function clashesWithDelimiter(value: string, delimiter: string): boolean {
  if (value.includes(delimiter)) return true;
  if (delimiter.length === 1 || value.length === 0) return false;
  const tail = value.slice(-(delimiter.length - 1));
  return (tail + delimiter).indexOf(delimiter) !== tail.length;
}

/**
 * A field as csv text: quoted (with inner quotes doubled) only when it has to be: when it
 * contains the delimiter, a quote, CR or LF, or equals the null marker (so that the string
 * "\N" reads back as a string, not as null). Leading and trailing spaces stay unquoted.
 */
export function csvField(value: string, delimiter: string, nullFormat?: string): string {
  if (
    value.includes('"') ||
    value.includes('\n') ||
    value.includes('\r') ||
    clashesWithDelimiter(value, delimiter) ||
    (nullFormat !== undefined && value === nullFormat)
  ) {
    return '"' + value.replaceAll('"', '""') + '"';
  }
  return value;
}

/**
 * One record as a csv line, without the line end. Fields are already-escaped text (csvField);
 * a record of one empty field is written `""` so that it does not read back as an empty line.
 */
export function csvLine(fields: readonly string[], delimiter: string): string {
  if (fields.length === 1 && fields[0] === '') return '""';
  return fields.join(delimiter);
}
