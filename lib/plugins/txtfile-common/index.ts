/** What txtfilereader and txtfilewriter share: option parsing, schema pieces, file names in messages. */
import { isAbsolute, relative } from 'node:path';
import type { Schema } from '../../job/schema.js';
import { dateFormatProblem } from '../../util/date-format.js';

export { decoderEncoding, encoderFor, writerEncodingProblem, EncodeError } from './encoding.js';
export type { TextEncoderLike } from './encoding.js';

export const DEFAULT_NULL_FORMAT = '\\N';

/**
 * The delimiter as the job gives it. JSON has already turned "\t" and "\u0001" into the
 * characters; a job that spells the escape as text ("\\t", "\\u0001", "\\001", as Hive users
 * do) means the character too.
 */
export function unescapeDelimiter(text: string): string {
  if (!text.includes('\\') || text.length < 2) return text;
  const named: Record<string, string> = { '\\t': '\t', '\\n': '\n', '\\r': '\r', '\\\\': '\\' };
  const n = named[text];
  if (n !== undefined) return n;
  let m = /^\\u([0-9a-fA-F]{4})$/.exec(text);
  if (m) return String.fromCharCode(parseInt(m[1]!, 16));
  m = /^\\x([0-9a-fA-F]{2})$/.exec(text);
  if (m) return String.fromCharCode(parseInt(m[1]!, 16));
  m = /^\\([0-7]{1,3})$/.exec(text);
  if (m) return String.fromCharCode(parseInt(m[1]!, 8));
  return text;
}

/** Why a delimiter cannot be used, or undefined. */
export function delimiterProblem(delimiter: string, csv: boolean): string | undefined {
  if (delimiter.length === 0) return 'must not be empty';
  if (delimiter.includes('\n') || delimiter.includes('\r')) return 'must not contain a line break';
  if (csv && delimiter.includes('"')) return 'must not contain a quote (") with fileFormat "csv"';
  return undefined;
}

/** A file as messages name it: relative to the job's base directory when inside it. */
export function displayPath(file: string, baseDir: string): string {
  const rel = relative(baseDir, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export const dateFormatSchema: Schema = {
  type: 'string',
  description: 'Date pattern, Java SimpleDateFormat style: yyyy-MM-dd HH:mm:ss',
  check: (v: string) => dateFormatProblem(v),
};

export const fieldDelimiterSchema: Schema = {
  type: 'string',
  description: 'Field delimiter, one or more characters (default ","); "\\t", "\\u0001" spelled as text are accepted too',
  check: (v: string) => delimiterProblem(unescapeDelimiter(v), false),
};

export const fileFormatSchema: Schema = {
  type: 'string',
  enum: ['csv', 'text'],
  description: 'csv: RFC 4180 quoting; text: no quoting, lines split on the delimiter',
};

export const compressSchema: Schema = {
  type: 'string',
  enum: ['gzip', 'none'],
  description: 'gzip or none',
};

export const nullFormatSchema: Schema = {
  type: 'string',
  description: 'The text that stands for null (default "\\N"); a quoted field with that text is the string',
};
