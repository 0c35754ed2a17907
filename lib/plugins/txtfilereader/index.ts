/**
 * txtfilereader: reads delimited text files (csv or plain text), optionally gzip-compressed,
 * with DataX's parameter keys. The Job side expands the paths and hands each task a share of
 * the files; a task streams them: file → gunzip → TextDecoder → CSV parser → typed rows.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { columnType, COLUMN_TYPE_NAMES, type ColumnType, type Row, type Value } from '../../../channel/value.js';
import { configError, FerryError, PluginError, RecordError } from '../../errors.js';
import { describeValue } from '../../job/describe.js';
import type { Schema } from '../../job/schema.js';
import { defineReader, type JobContext, type ReaderTask, type RecordSender, type TaskContext, type TaskParameter } from '../../plugin/spi.js';
import { CsvError, CsvParser, type CsvRecord } from '../../util/csv.js';
import { dateFormatProblem } from '../../util/date-format.js';
import { expandPatterns } from '../../util/glob.js';
import {
  compressSchema,
  dateFormatSchema,
  decoderEncoding,
  DEFAULT_NULL_FORMAT,
  delimiterProblem,
  displayPath,
  fieldDelimiterSchema,
  fileFormatSchema,
  nullFormatSchema,
  unescapeDelimiter,
} from '../txtfile-common/index.js';
import { converterFor, expectation, type Converter } from './convert.js';

/** A column object as job files write it (DataX `{index, type, format}`, `{type, value}`; FlinkX adds `name`). */
export interface ReaderColumnParam {
  index?: number;
  type: string;
  format?: string;
  value?: unknown;
  name?: string;
}

export interface TxtFileReaderParameter {
  path: string | string[];
  column?: Array<'*' | ReaderColumnParam>;
  fieldDelimiter?: string;
  encoding?: string;
  skipHeader?: boolean;
  nullFormat?: string;
  compress?: 'gzip' | 'none';
  fileFormat?: 'csv' | 'text';
  dateFormat?: string;
  csvReaderConfig?: Record<string, unknown>;
}

/** A column after validation: a field (index) or a constant (value, as text; null for a null constant). */
export interface ReaderColumn {
  index: number | null;
  type: ColumnType;
  format: string | null;
  value: string | null;
}

/** What a task gets: plain data, it crosses to the worker by structured clone. */
export interface ReaderTaskConfig {
  files: string[];
  /** null: `["*"]`, every field as a string. */
  columns: ReaderColumn[] | null;
  delimiter: string;
  quoting: boolean;
  encoding: string;
  skipHeader: boolean;
  nullFormat: string;
  /** auto: gzip when the file starts with gzip's magic bytes. */
  compress: 'gzip' | 'none' | 'auto';
}

const typeSchema: Schema = {
  type: 'string',
  description: `Column type: ${COLUMN_TYPE_NAMES.join(', ')}`,
  check: (v: string) => (columnType(v) ? undefined : `unknown column type ${JSON.stringify(v)}; known: long, double, decimal, string, bool, date, bytes`),
};

const columnItemSchema: Schema = {
  type: 'oneOf',
  expected: '"*" or a column object {index, type} / {type, value}',
  options: [
    { type: 'string', check: (v: string) => (v === '*' ? undefined : `expected "*" or a column object {index, type}, got ${describeValue(v)}`) },
    {
      type: 'object',
      properties: {
        index: { type: 'integer', min: 0, description: 'Field position in the line, from 0' },
        type: typeSchema,
        format: { ...dateFormatSchema, check: (v: string) => (v === '' ? undefined : dateFormatProblem(v)) }, // FlinkX: "" is no format
        value: { type: 'any', description: 'A constant instead of a field' },
        name: { type: 'string', description: 'Column name (FlinkX); not used' },
      },
      required: ['type'],
      check: (v: ReaderColumnParam) => (v.index === undefined && v.value === undefined ? 'needs "index" (the field position, from 0) or "value" (a constant)' : undefined),
    },
  ],
};

const parameterSchema: Schema = {
  type: 'object',
  required: ['path'],
  properties: {
    path: {
      type: 'oneOf',
      expected: 'a path or a list of paths',
      description: 'File, directory or pattern (* and ?), or a list of them; relative to the working directory',
      options: [
        { type: 'string', nonEmpty: true },
        { type: 'array', items: { type: 'string', nonEmpty: true }, minItems: 1 },
      ],
    },
    column: {
      type: 'array',
      items: columnItemSchema,
      minItems: 1,
      description: '["*"] (every field as a string) or column objects; default ["*"]',
    },
    fieldDelimiter: fieldDelimiterSchema,
    encoding: {
      type: 'string',
      description: 'Any encoding TextDecoder knows: utf-8 (default), gbk, gb18030, big5, utf-16le, ...',
      check: (v: string) => (decoderEncoding(v) ? undefined : `unknown encoding ${JSON.stringify(v)}`),
    },
    skipHeader: { type: 'boolean', description: 'Skip the first line of every file' },
    nullFormat: nullFormatSchema,
    compress: { ...compressSchema, description: 'gzip or none; absent: gzip files are recognised by their first bytes' },
    fileFormat: fileFormatSchema,
    dateFormat: { ...dateFormatSchema, description: 'Pattern for date columns without their own "format"' },
    csvReaderConfig: { type: 'object', properties: {}, additional: 'allow', description: 'DataX CsvReader settings: accepted and ignored' },
  },
};

/** Validates what the schema cannot (combinations) and gives the task config without files. */
function normalize(p: TxtFileReaderParameter, path: string): Omit<ReaderTaskConfig, 'files'> {
  const quoting = (p.fileFormat ?? 'csv') === 'csv';
  const delimiter = unescapeDelimiter(p.fieldDelimiter ?? ',');
  const dProblem = delimiterProblem(delimiter, quoting);
  if (dProblem) throw configError('FERRY_JOB_INVALID', `${path}.fieldDelimiter`, dProblem);
  const encoding = decoderEncoding(p.encoding ?? 'utf-8');
  if (!encoding) throw configError('FERRY_JOB_INVALID', `${path}.encoding`, `unknown encoding ${JSON.stringify(p.encoding)}`);
  if (p.dateFormat !== undefined) {
    const problem = dateFormatProblem(p.dateFormat);
    if (problem) throw configError('FERRY_JOB_INVALID', `${path}.dateFormat`, problem);
  }
  const nullFormat = p.nullFormat ?? DEFAULT_NULL_FORMAT;

  let columns: ReaderColumn[] | null = null;
  const list = p.column ?? ['*'];
  if (list.some((c) => c === '*')) {
    if (list.length !== 1) throw configError('FERRY_JOB_INVALID', `${path}.column`, '"*" must be the only column');
  } else {
    columns = list.map((c, i) => {
      const col = c as ReaderColumnParam;
      const at = `${path}.column[${i}]`;
      const type = columnType(String(col.type));
      if (!type) throw configError('FERRY_JOB_INVALID', `${at}.type`, `unknown column type ${JSON.stringify(col.type)}`);
      // FlinkX writes `"format": ""` for "no format"
      const own = col.format || undefined;
      const format = type === 'date' ? (own ?? p.dateFormat ?? null) : null;
      if (own !== undefined) {
        const problem = dateFormatProblem(own);
        if (problem) throw configError('FERRY_JOB_INVALID', `${at}.format`, problem);
      }
      if (col.value !== undefined) {
        const v = col.value;
        if (v !== null && typeof v === 'object') throw configError('FERRY_JOB_INVALID', `${at}.value`, 'expected a string, number or boolean constant');
        const text = v === null ? null : String(v);
        if (text !== null) {
          const converted = converterFor(type, format ?? undefined)(text);
          if (converted === undefined) throw configError('FERRY_JOB_INVALID', `${at}.value`, `${describeValue(text)} is not ${expectation(type, format ?? undefined)}`);
        }
        return { index: null, type, format, value: text };
      }
      if (col.index === undefined || !Number.isInteger(col.index) || col.index < 0) {
        throw configError('FERRY_JOB_INVALID', at, 'needs "index" (the field position, from 0) or "value" (a constant)');
      }
      return { index: col.index, type, format, value: null };
    });
  }
  const compress = p.compress ?? 'auto';
  return { columns, delimiter, quoting, encoding, skipHeader: p.skipHeader ?? false, nullFormat, compress };
}

function patternsOf(p: TxtFileReaderParameter): string[] {
  return typeof p.path === 'string' ? [p.path] : p.path;
}

async function expand(ctx: JobContext<TxtFileReaderParameter>): Promise<string[]> {
  const patterns = patternsOf(ctx.parameter);
  const { files } = await expandPatterns(patterns, ctx.baseDir);
  if (files.length === 0) {
    throw configError('FERRY_JOB_INVALID', `${ctx.path}.path`, `no file matches ${patterns.map((x) => JSON.stringify(x)).join(', ')}`);
  }
  return files;
}

/** Splits files round robin over min(adviceNumber, files) tasks. */
export function splitFiles(files: readonly string[], adviceNumber: number): string[][] {
  const n = Math.max(1, Math.min(Math.floor(adviceNumber) || 1, files.length));
  const groups: string[][] = Array.from({ length: n }, () => []);
  files.forEach((f, i) => groups[i % n]!.push(f));
  return groups;
}

async function isGzipFile(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

type Slot = { kind: 'field'; index: number; conv: Converter; expect: string } | { kind: 'const'; value: Value };

class TxtFileReaderTask implements ReaderTask {
  private readonly cfg: ReaderTaskConfig;
  private readonly slots: Slot[] | null;

  constructor(private readonly ctx: TaskContext<ReaderTaskConfig>) {
    this.cfg = ctx.parameter;
    this.slots = this.cfg.columns === null
      ? null
      : this.cfg.columns.map((c): Slot => {
          const format = c.format ?? undefined;
          const conv = converterFor(c.type, format);
          if (c.index === null) {
            return { kind: 'const', value: c.value === null ? null : (conv(c.value) ?? null) };
          }
          return { kind: 'field', index: c.index, conv, expect: expectation(c.type, format) };
        });
  }

  async startRead(sender: RecordSender): Promise<void> {
    for (const file of this.cfg.files) {
      if (this.ctx.signal.aborted) return;
      await this.readFile(file, sender);
    }
  }

  private toRow(rec: CsvRecord, name: string): Row {
    const { fields, quoted } = rec;
    const nullFormat = this.cfg.nullFormat;
    const slots = this.slots;
    if (slots === null) {
      const row: Row = new Array(fields.length);
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        row[i] = f === nullFormat && !quoted[i] ? null : f;
      }
      return row;
    }
    const row: Row = new Array(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (s.kind === 'const') {
        const v = s.value;
        row[i] = v instanceof Uint8Array ? v.slice() : v;
        continue;
      }
      const f = fields[s.index];
      if (f === undefined) {
        throw new RecordError(`${name} line ${rec.line}, column ${s.index}: the line has only ${fields.length} field${fields.length === 1 ? '' : 's'}`,
          { dbCode: 'FERRY_FIELD_COUNT', column: String(s.index) });
      }
      if (f === nullFormat && !quoted[s.index]) {
        row[i] = null;
        continue;
      }
      const v = s.conv(f);
      if (v === undefined) {
        throw new RecordError(`${name} line ${rec.line}, column ${s.index}: ${describeValue(f)} is not ${s.expect}`, { dbCode: 'FERRY_BAD_VALUE', column: String(s.index) });
      }
      row[i] = v;
    }
    return row;
  }

  private async readFile(file: string, sender: RecordSender): Promise<void> {
    const cfg = this.cfg;
    const name = displayPath(file, this.ctx.baseDir);
    let gzip: boolean;
    try {
      gzip = cfg.compress === 'gzip' || (cfg.compress === 'auto' && (await isGzipFile(file)));
    } catch (err) {
      throw new PluginError(`${name}: ${(err as Error).message}`, { cause: err });
    }
    const source = createReadStream(file, { highWaterMark: 1 << 16 });
    let stream: Readable = source;
    if (gzip) {
      const gunzip = createGunzip();
      pipeline(source, gunzip, () => {
        // errors reach the loop below through gunzip
      });
      stream = gunzip;
    }
    const decoder = new TextDecoder(cfg.encoding);
    const parser = new CsvParser({ delimiter: cfg.delimiter, quoting: cfg.quoting });
    let skip = cfg.skipHeader;
    const signal = this.ctx.signal;

    const sendAll = async (records: CsvRecord[]): Promise<void> => {
      for (let i = 0; i < records.length; i++) {
        const rec = records[i]!;
        if (skip) {
          skip = false;
          continue;
        }
        let row: Row;
        try {
          row = this.toRow(rec, name);
        } catch (err) {
          if (!(err instanceof RecordError)) throw err;
          // A line that does not fit the columns is a dirty record: the job goes on without it.
          this.ctx.dirty({ phase: 'read', file: name, line: rec.line, column: err.column, code: err.dbCode, message: err.message, values: rec.fields });
          continue;
        }
        const pending = sender.send(row);
        if (pending) await pending;
      }
    };

    try {
      for await (const chunk of stream) {
        const text = decoder.decode(chunk as Buffer, { stream: true });
        if (text.length > 0) await sendAll(parser.push(text));
        if (signal.aborted) return;
      }
      const tail = decoder.decode();
      if (tail.length > 0) await sendAll(parser.push(tail));
      await sendAll(parser.end());
    } catch (err) {
      if (err instanceof FerryError) throw err;
      if (err instanceof CsvError) throw new PluginError(`${name} line ${err.line}: ${err.message}`, { cause: err });
      const e = err as NodeJS.ErrnoException;
      if (gzip && typeof e.code === 'string' && e.code.startsWith('Z_')) {
        throw new PluginError(`${name}: not a valid gzip file (${e.message})`, { cause: err });
      }
      throw new PluginError(`${name}: ${e.message}`, { cause: err });
    } finally {
      if (!stream.destroyed) stream.destroy();
    }
  }
}

export default defineReader<TxtFileReaderParameter>({
  name: 'txtfilereader',
  kind: 'reader',
  description: 'Reads delimited text files (csv or plain text, gzip or not), as DataX txtfilereader',
  parameter: parameterSchema,
  example: {
    path: ['data/*.csv'],
    column: [
      { index: 0, type: 'long' },
      { index: 1, type: 'string' },
      { index: 2, type: 'date', format: 'yyyy-MM-dd HH:mm:ss' },
    ],
    fieldDelimiter: ',',
    encoding: 'utf-8',
    skipHeader: true,
    nullFormat: '\\N',
  },

  createJob(ctx: JobContext<TxtFileReaderParameter>) {
    const base = normalize(ctx.parameter, ctx.path);
    return {
      async preCheck() {
        await expand(ctx);
      },
      async split(adviceNumber: number): Promise<TaskParameter[]> {
        const files = await expand(ctx);
        return splitFiles(files, adviceNumber).map((group): TaskParameter => ({ ...base, files: group }) satisfies ReaderTaskConfig);
      },
      columnCount() {
        return base.columns === null ? undefined : base.columns.length;
      },
    };
  },

  createTask(ctx: TaskContext<ReaderTaskConfig>) {
    return new TxtFileReaderTask(ctx);
  },
});
