/**
 * Reads a job file: JSON as DataX and FlinkX users write it, which in practice means `//` and
 * `/* *\/` comments and trailing commas. Our own small parser rather than stripping comments
 * and calling JSON.parse: Node's JSON.parse messages often carry no position, and the user
 * needs a line and a column. Two extensions besides: duplicate keys are reported as warnings
 * (the later one wins, as in JSON.parse), and a bare `${name}` where a value belongs (DataX
 * substitutes variables in the raw text, so `"channel": ${ch}` works there) is read as a
 * BareVariable that variables.ts replaces by the JSON value of its text.
 */
import { readFile } from 'node:fs/promises';
import { configError, type JobIssue } from '../errors.js';
import { describeValue } from './describe.js';
import { childPath } from './schema.js';

/** A `${name}` written where a JSON value belongs; replaced in resolveVariables. */
export class BareVariable {
  constructor(readonly name: string) {}
  toString(): string {
    return `\${${this.name}}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/** Reads the file; a missing file is FERRY_JOB_NOT_FOUND (exit code 2). */
export async function readJobText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw configError('FERRY_JOB_NOT_FOUND', '', `job file not found: ${path}`);
    if (code === 'EISDIR') throw configError('FERRY_JOB_NOT_FOUND', '', `job file is a directory, expected a JSON file: ${path}`);
    throw configError('FERRY_JOB_NOT_FOUND', '', `cannot read job file ${path}: ${(err as Error).message}`);
  }
}

/**
 * Parses a job file's text. `source` names the file in messages. Throws FERRY_JOB_PARSE
 * (`<source>: not valid JSON at line L, column C: <reason>`) or, when the top is not an object
 * with a `job` key, FERRY_JOB_INVALID. Duplicate keys are added to `warnings` when given.
 */
export function parseJobText(text: string, source: string, warnings?: JobIssue[]): Record<string, unknown> {
  const value = new Parser(text, source, warnings ?? []).parse();
  checkTop(value, source);
  return value as Record<string, unknown>;
}

/** The top of a job must be an object with a `job` key (the file as a whole, or the API's object). */
export function checkTop(value: unknown, source: string): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw configError('FERRY_JOB_INVALID', '', `${source}: expected an object with a "job" key at the top, got ${describeValue(value)}`);
  }
  if (value.job === undefined) {
    const hint = 'content' in value || 'setting' in value ? '; wrap the file in {"job": {...}}' : '';
    throw configError('FERRY_JOB_INVALID', 'job', `expected an object {"content": [...], "setting": {...}}, got nothing${hint}`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof BareVariable);
}

/** 1-based line and column of an offset in the text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const BARE_VARIABLE = /\$\{\s*([A-Za-z_][\w.-]*)\s*\}/y;
const WORD = /[\w$.+-]+/y;
const MAX_DEPTH = 512;

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly source: string,
    private readonly warnings: JobIssue[],
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1; // a byte-order mark, as Windows editors write it
  }

  parse(): unknown {
    const value = this.value('', 0);
    this.skip();
    if (this.pos < this.text.length) this.fail(`expected the end of the file after the top value, got ${this.shown()}`);
    return value;
  }

  private fail(reason: string, at = this.pos): never {
    const { line, column } = lineColumn(this.text, at);
    throw configError('FERRY_JOB_PARSE', '', `${this.source}: not valid JSON at line ${line}, column ${column}: ${reason}`);
  }

  /** What stands at the position, for a message: `"}"`, `"undefined"`, or `the end of the file`. */
  private shown(): string {
    if (this.pos >= this.text.length) return 'the end of the file';
    if (this.text[this.pos] === '"') {
      const m = /"(?:[^"\\\n]|\\.)*"?/y;
      m.lastIndex = this.pos;
      const s = m.exec(this.text)?.[0] ?? '"';
      return `the string ${s.length > 40 ? `${s.slice(0, 37)}...` : s}`;
    }
    WORD.lastIndex = this.pos;
    const word = WORD.exec(this.text)?.[0];
    return JSON.stringify(word ?? this.text[this.pos]);
  }

  /** Skips whitespace and comments. */
  private skip(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        this.pos++;
      } else if (c === 0x2f /* / */ && t[this.pos + 1] === '/') {
        const end = t.indexOf('\n', this.pos);
        this.pos = end === -1 ? t.length : end;
      } else if (c === 0x2f && t[this.pos + 1] === '*') {
        const end = t.indexOf('*/', this.pos + 2);
        if (end === -1) this.fail('unterminated /* comment', this.pos);
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  private value(path: string, depth: number): unknown {
    this.skip();
    if (depth > MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} levels deep`);
    const c = this.text[this.pos];
    switch (c) {
      case '{': return this.object(path, depth);
      case '[': return this.array(path, depth);
      case '"': return this.string();
      case 't': return this.literal('true', true);
      case 'f': return this.literal('false', false);
      case 'n': return this.literal('null', null);
      case '$': {
        BARE_VARIABLE.lastIndex = this.pos;
        const m = BARE_VARIABLE.exec(this.text);
        if (m) {
          this.pos = BARE_VARIABLE.lastIndex;
          return new BareVariable(m[1] as string);
        }
        break;
      }
      case "'": this.fail(`expected a value, got "'": strings take double quotes`);
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    this.fail(`expected a value, got ${this.shown()}`);
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected a value, got ${this.shown()}`);
    this.pos += word.length;
    return value;
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail(`expected a number, got ${this.shown()}`);
    this.pos = NUMBER.lastIndex;
    return Number(m[0]);
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    for (;;) {
      if (i >= t.length) this.fail('unterminated string (a closing " is missing)', start);
      const c = t.charCodeAt(i);
      if (c === 0x22 /* " */) break;
      if (c < 0x20) this.fail(c === 0x0a ? 'unterminated string (a closing " is missing before the end of the line)' : 'control character in a string; write it as an escape such as \\t', i);
      if (c === 0x5c /* \ */) {
        const e = t[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) this.fail('expected 4 hex digits after \\u', i);
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail(`invalid escape \\${e ?? ''} in a string; write a backslash as \\\\`, i);
        i += 2;
        continue;
      }
      i++;
    }
    this.pos = i + 1;
    return JSON.parse(t.slice(start, i + 1)) as string;
  }

  private array(path: string, depth: number): unknown[] {
    const out: unknown[] = [];
    this.pos++; // [
    this.skip();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(`${path}[${out.length}]`, depth + 1));
      this.skip();
      const c = this.text[this.pos];
      if (c === ']') {
        this.pos++;
        return out;
      }
      if (c !== ',') this.fail(`expected "," or "]" after an array item, got ${this.shown()}`);
      this.pos++;
      this.skip();
      if (this.text[this.pos] === ']') {
        this.pos++; // trailing comma
        return out;
      }
    }
  }

  private object(path: string, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++; // {
    this.skip();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.fail(`expected a key in double quotes, got ${this.shown()}`);
      const key = this.string();
      this.skip();
      if (this.text[this.pos] !== ':') this.fail(`expected ":" after the key ${JSON.stringify(key)}, got ${this.shown()}`);
      this.pos++;
      const keyPath = childPath(path, key);
      const value = this.value(keyPath, depth + 1);
      if (Object.hasOwn(out, key)) this.warnings.push({ path: keyPath, message: 'duplicate key; the later value is used' });
      // defineProperty: a "__proto__" key stays a plain key, as with JSON.parse.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      this.skip();
      const c = this.text[this.pos];
      if (c === '}') {
        this.pos++;
        return out;
      }
      if (c !== ',') this.fail(`expected "," or "}" after the value of ${JSON.stringify(key)}, got ${this.shown()}`);
      this.pos++;
      this.skip();
      if (this.text[this.pos] === '}') {
        this.pos++; // trailing comma
        return out;
      }
    }
  }
}
