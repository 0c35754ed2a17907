/**
 * The `expr` transformer's language: a small expression language over the record, parsed by
 * hand (tokenizer + recursive descent) and compiled once per task into closures over a fixed
 * function table. Nothing in a job file is ever eval'd.
 *
 *   c[1] = upper(c[1]); c[4] = c[2] * 100; c[3] = c[3] == null ? 'n/a' : c[3]
 *
 * c[i] is column i (from 0). A statement `c[i] = e` sets column i, or adds it when i is the
 * record's length. null propagates through arithmetic and `+` (as SQL does); concat() and
 * coalesce() are the ways around it.
 */
import { createHash } from 'node:crypto';
import { Decimal, valueToString, type Row, type Value } from '../../channel/value.js';
import type { RecordTransform } from './spi.js';

export class ExprSyntaxError extends Error {
  constructor(readonly position: number, message: string) {
    super(`${message} at position ${position + 1}`);
  }
}

type Token =
  | { kind: 'num'; value: number | bigint; pos: number }
  | { kind: 'str'; value: string; pos: number }
  | { kind: 'id'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number }
  | { kind: 'end'; value: ''; pos: number };

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '+', '-', '*', '/', '%', '<', '>', '!', '?', ':', '(', ')', '[', ']', ',', ';', '='];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const pos = i;
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i))!;
      const text = m[0];
      const whole = /^\d+$/.test(text);
      out.push({ kind: 'num', value: whole && !Number.isSafeInteger(Number(text)) ? BigInt(text) : Number(text), pos });
      i += text.length;
    } else if (ch === "'" || ch === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExprSyntaxError(pos, 'unterminated string');
        const c = src[i]!;
        if (c === ch) break;
        if (c === '\\') {
          const n = src[i + 1];
          if (n === undefined) throw new ExprSyntaxError(i, 'unterminated string');
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          i += 2;
        } else {
          s += c;
          i++;
        }
      }
      i++;
      out.push({ kind: 'str', value: s, pos });
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ kind: 'id', value: m[0], pos });
      i += m[0].length;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (!op) throw new ExprSyntaxError(pos, `unexpected character ${JSON.stringify(ch)}`);
      out.push({ kind: 'op', value: op, pos });
      i += op.length;
    }
  }
  out.push({ kind: 'end', value: '', pos: src.length });
  return out;
}

type Eval = (row: Row) => Value;

function isNumeric(v: Value): v is number | bigint | Decimal {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof Decimal;
}

function toNumber(v: Value, what: string): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof Decimal) return Number(v.text);
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw new Error(`${what}: ${JSON.stringify(valueToString(v))} is not a number`);
}

function truthy(v: Value): boolean {
  return !(v === null || v === false || v === 0 || v === 0n || v === '');
}

function arith(op: string, a: Value, b: Value): Value {
  if (a === null || b === null) return null;
  if (op === '+' && !(isNumeric(a) && isNumeric(b)) && (typeof a === 'string' || typeof b === 'string')) return valueToString(a)! + valueToString(b)!;
  let x = toNumber(a, op);
  let y = toNumber(b, op);
  if (typeof x !== typeof y) {
    x = Number(x);
    y = Number(y);
  }
  if (typeof x === 'bigint' && typeof y === 'bigint') {
    if ((op === '/' || op === '%') && y === 0n) throw new Error('division by zero');
    const r = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
    return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
  }
  const n = x as number;
  const m = y as number;
  const r = op === '+' ? n + m : op === '-' ? n - m : op === '*' ? n * m : op === '/' ? n / m : n % m;
  // Integer arithmetic past 2^53 goes on exactly, as a long does.
  if (Number.isInteger(n) && Number.isInteger(m) && op !== '/' && !Number.isSafeInteger(r) && Number.isFinite(r)) {
    return arith(op, BigInt(n), BigInt(m));
  }
  return r;
}

const NUMBER_OPS: Record<string, (n: number, m: number) => number> = {
  '+': (n, m) => n + m,
  '-': (n, m) => n - m,
  '*': (n, m) => n * m,
  '/': (n, m) => n / m,
  '%': (n, m) => n % m,
};

/**
 * `l op r` per row: two numbers whose result arith() would return as it is are done here, with
 * the operator chosen once; everything else (null, text, bigint, a result past 2^53) goes to arith().
 */
function arithOf(op: string, l: Eval, r: Eval): Eval {
  const f = NUMBER_OPS[op]!;
  const division = op === '/';
  return (row) => {
    const a = l(row);
    const b = r(row);
    if (typeof a === 'number' && typeof b === 'number') {
      const x = f(a, b);
      if (Number.isSafeInteger(x) || division || !Number.isFinite(x) || !Number.isInteger(a) || !Number.isInteger(b)) return x;
    }
    return arith(op, a, b);
  };
}

function compare(op: string, a: Value, b: Value): Value {
  if (op === '==' || op === '!=') {
    let eq: boolean;
    if (a === null || b === null) eq = a === b;
    else if (isNumeric(a) && isNumeric(b)) eq = Number(toNumber(a, op)) === Number(toNumber(b, op)) && (typeof a !== 'bigint' || typeof b !== 'bigint' || a === b);
    else eq = valueToString(a) === valueToString(b);
    return op === '==' ? eq : !eq;
  }
  if (a === null || b === null) return null;
  let x: number | bigint | string;
  let y: number | bigint | string;
  if (isNumeric(a) && isNumeric(b)) {
    x = toNumber(a, op);
    y = toNumber(b, op);
  } else {
    x = valueToString(a)!;
    y = valueToString(b)!;
  }
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function text(v: Value): string | null {
  return valueToString(v);
}

const digest = (algorithm: string) => (v: Value) => (v === null ? null : createHash(algorithm).update(text(v)!, 'utf8').digest('hex'));

/** The functions an expression may call: name → [min args, max args, implementation]. */
const FUNCTIONS: Record<string, [number, number, (...args: Value[]) => Value]> = {
  upper: [1, 1, (v) => (v === null ? null : text(v)!.toUpperCase())],
  lower: [1, 1, (v) => (v === null ? null : text(v)!.toLowerCase())],
  trim: [1, 1, (v) => (v === null ? null : text(v)!.trim())],
  length: [1, 1, (v) => (v === null ? null : text(v)!.length)],
  substr: [2, 3, (v, s, l) => (v === null ? null : l === undefined || l === null ? text(v)!.substring(Number(toNumber(s!, 'substr'))) : text(v)!.substr(Number(toNumber(s!, 'substr')), Number(toNumber(l, 'substr'))))],
  replace: [3, 3, (v, from, to) => (v === null ? null : text(v)!.split(text(from!) ?? '').join(text(to!) ?? ''))],
  concat: [1, Infinity, (...vs) => vs.map((v) => text(v) ?? '').join('')],
  coalesce: [1, Infinity, (...vs) => vs.find((v) => v !== null) ?? null],
  str: [1, 1, (v) => text(v)],
  num: [1, 1, (v) => (v === null ? null : toNumber(v, 'num'))],
  int: [1, 1, (v) => {
    if (v === null) return null;
    const n = toNumber(v, 'int');
    return typeof n === 'bigint' ? n : Math.trunc(n);
  }],
  round: [1, 2, (v, d) => {
    if (v === null) return null;
    const n = Number(toNumber(v, 'round'));
    const f = 10 ** (d === undefined || d === null ? 0 : Number(toNumber(d, 'round')));
    return Math.round(n * f) / f;
  }],
  abs: [1, 1, (v) => {
    if (v === null) return null;
    const n = toNumber(v, 'abs');
    return n < 0 ? -n : n;
  }],
  lpad: [3, 3, (v, n, p) => (v === null ? null : text(v)!.padStart(Number(toNumber(n!, 'lpad')), text(p!) ?? ' '))],
  rpad: [3, 3, (v, n, p) => (v === null ? null : text(v)!.padEnd(Number(toNumber(n!, 'rpad')), text(p!) ?? ' '))],
  startsWith: [2, 2, (v, p) => (v === null ? null : text(v)!.startsWith(text(p!) ?? ''))],
  endsWith: [2, 2, (v, p) => (v === null ? null : text(v)!.endsWith(text(p!) ?? ''))],
  contains: [2, 2, (v, p) => (v === null ? null : text(v)!.includes(text(p!) ?? ''))],
  md5: [1, 1, digest('md5')],
  sha1: [1, 1, digest('sha1')],
};

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === value;
  }
  private expect(value: string): Token {
    const t = this.next();
    if (t.kind !== 'op' || t.value !== value) throw new ExprSyntaxError(t.pos, `expected "${value}", found ${describe(t)}`);
    return t;
  }

  /** Statements separated by ';': `c[i] = e`, or a bare `e` when `target` (the parameter's columnIndex) is given. */
  program(target: number | undefined): Array<{ index: number; value: Eval }> {
    const out: Array<{ index: number; value: Eval }> = [];
    while (this.peek().kind !== 'end') {
      if (this.isOp(';')) {
        this.next();
        continue;
      }
      const start = this.i;
      let index: number | undefined;
      const t = this.peek();
      if (t.kind === 'id' && t.value === 'c' && this.tokens[this.i + 1]?.value === '[') {
        index = this.columnRef();
        if (this.isOp('=')) this.next();
        else {
          this.i = start;
          index = undefined;
        }
      }
      if (index === undefined) {
        if (target === undefined) throw new ExprSyntaxError(this.peek().pos, 'expected an assignment "c[N] = ..." (or set "columnIndex" to say where the value goes)');
        index = target;
      }
      out.push({ index, value: this.expr() });
      const end = this.peek();
      if (end.kind !== 'end' && !this.isOp(';')) throw new ExprSyntaxError(end.pos, `expected ";" or the end, found ${describe(end)}`);
    }
    if (out.length === 0) throw new ExprSyntaxError(0, 'empty expression');
    return out;
  }

  private columnRef(): number {
    this.next(); // c
    this.expect('[');
    const n = this.next();
    if (n.kind !== 'num' || typeof n.value !== 'number' || !Number.isInteger(n.value)) throw new ExprSyntaxError(n.pos, `expected a column number in c[...], found ${describe(n)}`);
    this.expect(']');
    return n.value;
  }

  expr(): Eval {
    const cond = this.binary(0);
    if (!this.isOp('?')) return cond;
    this.next();
    const yes = this.expr();
    this.expect(':');
    const no = this.expr();
    return (row) => (truthy(cond(row)) ? yes(row) : no(row));
  }

  private static readonly LEVELS = [['||'], ['&&'], ['==', '!='], ['<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];

  private binary(level: number): Eval {
    if (level === Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    const ops = Parser.LEVELS[level]!;
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !ops.includes(t.value)) return left;
      this.next();
      const right = this.binary(level + 1);
      const l = left;
      const op = t.value;
      if (op === '||') left = (row) => truthy(l(row)) || truthy(right(row));
      else if (op === '&&') left = (row) => truthy(l(row)) && truthy(right(row));
      else if (level <= 3) left = (row) => compare(op, l(row), right(row));
      else left = arithOf(op, l, right);
    }
  }

  private unary(): Eval {
    if (this.isOp('!')) {
      this.next();
      const e = this.unary();
      return (row) => !truthy(e(row));
    }
    if (this.isOp('-')) {
      this.next();
      const e = this.unary();
      return (row) => arith('-', 0, e(row));
    }
    return this.primary();
  }

  private primary(): Eval {
    const t = this.peek();
    if (t.kind === 'num' || t.kind === 'str') {
      this.next();
      const v = t.value;
      return () => v;
    }
    if (t.kind === 'op' && t.value === '(') {
      this.next();
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (t.kind === 'id') {
      if (t.value === 'null' || t.value === 'true' || t.value === 'false') {
        this.next();
        const v = t.value === 'null' ? null : t.value === 'true';
        return () => v;
      }
      if (t.value === 'c' && this.tokens[this.i + 1]?.value === '[') {
        const index = this.columnRef();
        return (row) => {
          if (index >= row.length) throw new Error(`c[${index}] is past the end of the record (${row.length} columns)`);
          return row[index] as Value;
        };
      }
      this.next();
      const fn = FUNCTIONS[t.value];
      if (!fn) throw new ExprSyntaxError(t.pos, `unknown function or name "${t.value}" (functions: ${Object.keys(FUNCTIONS).join(', ')})`);
      this.expect('(');
      const args: Eval[] = [];
      if (!this.isOp(')')) {
        args.push(this.expr());
        while (this.isOp(',')) {
          this.next();
          args.push(this.expr());
        }
      }
      this.expect(')');
      const [min, max, impl] = fn;
      if (args.length < min || args.length > max) throw new ExprSyntaxError(t.pos, `${t.value}() takes ${min === max ? min : max === Infinity ? `${min} or more` : `${min} to ${max}`} arguments, got ${args.length}`);
      if (args.length === 1) {
        const a = args[0]!;
        return (row) => impl(a(row));
      }
      return (row) => impl(...args.map((a) => a(row)));
    }
    throw new ExprSyntaxError(t.pos, `expected a value, found ${describe(t)}`);
  }
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'the end' : t.kind === 'str' ? `'${t.value}'` : `"${String(t.value)}"`;
}

function assign(row: Row, index: number, v: Value): void {
  if (index > row.length) throw new Error(`c[${index}] = ...: the record has ${row.length} columns; a new column must be c[${row.length}]`);
  row[index] = v;
}

/** Compiles an expression (ExprSyntaxError on a mistake); `target` is where a bare expression's value goes. */
export function compileExpr(source: string, target?: number): RecordTransform {
  const statements = new Parser(tokenize(source)).program(target);
  if (statements.length === 1) {
    const { index, value } = statements[0]!;
    return (row) => {
      assign(row, index, value(row));
      return row;
    };
  }
  return (row) => {
    for (let i = 0; i < statements.length; i++) {
      const s = statements[i]!;
      assign(row, s.index, s.value(row));
    }
    return row;
  };
}
