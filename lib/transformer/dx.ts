/**
 * DataX's built-in transformers (core/.../transport/transformer/*Transformer.java), with DataX's
 * semantics: columnIndex from 0; paras are strings (numbers are taken too); a column that is
 * not there is an error on the record (DataX: getColumn gives null and asString throws), so the
 * record goes to the dirty file. Each factory checks its parameters once, at load.
 */
import { createHash } from 'node:crypto';
import { Decimal, DateTime, valueToString, type Row, type Value } from '../../channel/value.js';
import type { RecordTransform } from './spi.js';

/** A parameter that DataX would refuse (TRANSFORMER_ILLEGAL_PARAMETER): reported at load with its path. */
export class TransformerParameterError extends Error {
  constructor(readonly path: string, message: string) {
    super(message);
  }
}

export interface DxParameter {
  columnIndex?: unknown;
  paras?: unknown;
}

function columnIndexOf(p: DxParameter, path: string, name: string): number {
  const i = p.columnIndex;
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0) {
    throw new TransformerParameterError(`${path}.parameter.columnIndex`, `${name} needs "columnIndex", the position of a column counted from 0 (got ${JSON.stringify(i)})`);
  }
  return i;
}

function parasOf(p: DxParameter, path: string, name: string, count: number, example: string): string[] {
  const paras = p.paras;
  if (!Array.isArray(paras) || paras.length !== count || !paras.every((x) => typeof x === 'string' || typeof x === 'number')) {
    throw new TransformerParameterError(`${path}.parameter.paras`, `${name} paras must be ${count} strings, e.g. ${example} (got ${JSON.stringify(paras)})`);
  }
  return paras.map(String);
}

/** Integer.valueOf: an optionally signed decimal integer, nothing else. */
function intPara(text: string, path: string, name: string, what: string): number {
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new TransformerParameterError(path, `${name} ${what} must be an integer (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}

function column(row: Row, index: number): Value {
  if (index >= row.length) throw new Error(`columnIndex ${index} is past the end of the record (${row.length} columns)`);
  return row[index] as Value;
}

/** The column's text (null for null): a string as it is, without a call (this runs per row). */
function columnText(row: Row, index: number): string | null {
  const v = row[index];
  return typeof v === 'string' ? v : valueToString(column(row, index));
}

/** dx_substr [start, length]: null stays null; start past the end is an error; a length past the end stops there. */
export function dxSubstr(p: DxParameter, path: string): RecordTransform {
  const ci = columnIndexOf(p, path, 'dx_substr');
  const [s, l] = parasOf(p, path, 'dx_substr', 2, '["1", "3"]') as [string, string];
  const start = intPara(s, `${path}.parameter.paras[0]`, 'dx_substr', 'start');
  const length = intPara(l, `${path}.parameter.paras[1]`, 'dx_substr', 'length');
  return (row) => {
    const v = columnText(row, ci);
    if (v === null) return row;
    if (start > v.length || start < 0) throw new Error(`dx_substr startIndex(${start}) out of range(${v.length})`);
    if (length < 0 && start + length < v.length) throw new Error(`dx_substr length(${length}) is negative`);
    row[ci] = start + length >= v.length ? v.substring(start) : v.substring(start, start + length);
    return row;
  };
}

/** dx_pad ["l"|"r", length, padString]: null pads as ""; a longer value is cut to length (from the left end, as DataX). */
export function dxPad(p: DxParameter, path: string): RecordTransform {
  const ci = columnIndexOf(p, path, 'dx_pad');
  const [type, l, pad] = parasOf(p, path, 'dx_pad', 3, '["l", "5", "0"]') as [string, string, string];
  const left = type.toLowerCase() === 'l';
  if (!left && type.toLowerCase() !== 'r') throw new TransformerParameterError(`${path}.parameter.paras[0]`, `dx_pad first para(${type}) support l or r`);
  const length = intPara(l, `${path}.parameter.paras[1]`, 'dx_pad', 'length');
  if (length < 0) throw new TransformerParameterError(`${path}.parameter.paras[1]`, `dx_pad length must not be negative (got ${length})`);
  // DataX loops forever on an empty padString; refuse it instead.
  if (pad === '') throw new TransformerParameterError(`${path}.parameter.paras[2]`, 'dx_pad padString must not be empty');
  return (row) => {
    const v = columnText(row, ci) ?? '';
    if (length <= v.length) {
      row[ci] = v.substring(0, length);
    } else {
      const need = length - v.length;
      const fill = pad.repeat(Math.ceil(need / pad.length)).substring(0, need);
      row[ci] = left ? fill + v : v + fill;
    }
    return row;
  };
}

/** dx_replace [start, length, replacement]: null stays null; start past the end is an error; a length past the end replaces the rest. */
export function dxReplace(p: DxParameter, path: string): RecordTransform {
  const ci = columnIndexOf(p, path, 'dx_replace');
  const [s, l, replacement] = parasOf(p, path, 'dx_replace', 3, '["1", "2", "**"]') as [string, string, string];
  const start = intPara(s, `${path}.parameter.paras[0]`, 'dx_replace', 'start');
  const length = intPara(l, `${path}.parameter.paras[1]`, 'dx_replace', 'length');
  return (row) => {
    const v = columnText(row, ci);
    if (v === null) return row;
    if (start > v.length || start < 0) throw new Error(`dx_replace startIndex(${start}) out of range(${v.length})`);
    row[ci] = start + length >= v.length ? v.substring(0, start) + replacement : v.substring(0, start) + replacement + v.substring(start + length);
    return row;
  };
}

/** dx_digest [md5|sha1, toUpperCase|toLowerCase]: the hex digest of the value's text (null: of ""). */
export function dxDigest(p: DxParameter, path: string): RecordTransform {
  const ci = columnIndexOf(p, path, 'dx_digest');
  const [type, chars] = parasOf(p, path, 'dx_digest', 2, '["md5", "toLowerCase"]') as [string, string];
  if (type.toLowerCase() !== 'md5' && type.toLowerCase() !== 'sha1') throw new TransformerParameterError(`${path}.parameter.paras[0]`, `dx_digest paras index 1 must be md5 or sha1 (got ${JSON.stringify(type)})`);
  if (chars.toLowerCase() !== 'touppercase' && chars.toLowerCase() !== 'tolowercase') {
    throw new TransformerParameterError(`${path}.parameter.paras[1]`, `dx_digest paras index 2 must be toUpperCase or toLowerCase (got ${JSON.stringify(chars)})`);
  }
  // DataX checks both paras ignoring case but then compares them exactly: "MD5" gives sha1 and
  // "TOUPPERCASE" lower case. Followed, so a job gives the digests it gave under DataX.
  const algorithm = type === 'md5' ? 'md5' : 'sha1';
  const upper = chars === 'toUpperCase';
  return (row) => {
    const hex = createHash(algorithm).update(columnText(row, ci) ?? '', 'utf8').digest('hex');
    row[ci] = upper ? hex.toUpperCase() : hex;
    return row;
  };
}

type Compare = (a: number | bigint | string, b: number | bigint | string) => boolean;
const COMPARES: Record<string, Compare> = {
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/** Java's Long.parseLong. */
function parseLong(text: string): bigint {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`For input string: "${text}"`);
  return BigInt(text);
}

/** Java's Double.parseDouble (leading/trailing blanks allowed, as Java trims them). */
function parseDouble(text: string): number {
  const t = text.trim();
  if (!/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?)$/.test(t)) throw new Error(`For input string: "${text}"`);
  return Number(t.replace(/[dDfF]$/, ''));
}

/**
 * dx_filter [operator, value]: a record that matches is dropped (filtered). As DataX:
 * like / not like are Java's String.matches (the whole value matches the regex; null never
 * matches); >, <, >=, <= leave a null alone; = drops a null only when value is "null", != drops
 * a null unless value is "null". Doubles and decimals compare as doubles, integers and dates as
 * longs (a date as epoch milliseconds), strings, bytes and booleans as text (Java's compareTo).
 */
export function dxFilter(p: DxParameter, path: string): RecordTransform {
  const ci = columnIndexOf(p, path, 'dx_filter');
  const [op, value] = parasOf(p, path, 'dx_filter', 2, '["like", "^abc.*"]') as [string, string];
  if (value === '') throw new TransformerParameterError(`${path}.parameter.paras[1]`, "dx_filter para 2 can't be null");
  const code = op.toLowerCase();
  if (code === 'like' || code === 'not like') {
    let re: RegExp;
    try {
      // String.matches needs the whole value to match. JS regexes are close to Java's for the
      // patterns jobs use; 'u' keeps code points whole as Java does.
      re = new RegExp(`^(?:${value})$`, 'u');
    } catch (err) {
      throw new TransformerParameterError(`${path}.parameter.paras[1]`, `dx_filter like: ${(err as Error).message}`);
    }
    const drop = code === 'like';
    return (row) => {
      const v = columnText(row, ci);
      const matches = v !== null && re.test(v);
      return matches === drop ? null : row;
    };
  }
  const compare = COMPARES[code];
  if (!compare) throw new TransformerParameterError(`${path}.parameter.paras[0]`, `dx_filter can't suport code:${op} (use like, not like, >, <, =, !=, >=, <=)`);
  // Parsed lazily, as DataX does per record: "abc" against a string column is fine, against a number it is a dirty record.
  let asLong: bigint | undefined;
  let asDouble: number | undefined;
  return (row) => {
    const v = column(row, ci);
    if (v === null) {
      if (code === '=' || code === '==') return value.toLowerCase() === 'null' ? null : row;
      if (code === '!=') return value.toLowerCase() === 'null' ? row : null;
      return row;
    }
    let hit: boolean;
    if (typeof v === 'number' && !Number.isInteger(v)) {
      hit = compare(v, (asDouble ??= parseDouble(value)));
    } else if (v instanceof Decimal) {
      hit = compare(Number(v.text), (asDouble ??= parseDouble(value)));
    } else if (typeof v === 'number' || typeof v === 'bigint') {
      // The codec cannot tell a long from a whole double: a value that is not an integer
      // compares as a double rather than failing Long.parseLong.
      if (asLong === undefined && /^[+-]?\d+$/.test(value)) asLong = parseLong(value);
      hit = asLong !== undefined ? compare(BigInt(v), asLong) : compare(Number(v), (asDouble ??= parseDouble(value)));
    } else if (v instanceof DateTime || v instanceof Date) {
      hit = compare(BigInt((v instanceof DateTime ? v.toDate() : v).getTime()), (asLong ??= parseLong(value)));
    } else {
      // Java's compareTo compares UTF-16 code units, as JS's < does.
      hit = compare(valueToString(v) ?? '', value);
    }
    return hit ? null : row;
  };
}
