/**
 * The "every type" table of the rdbms specs, for both databases: the same logical values in
 * each dialect's types, seeded with plain SQL literals (not through ferry), and a canonical
 * text per row so that two tables, in either database, compare equal when no value was lost.
 */
import { DateTime, Decimal, type Row, type Value } from '../../channel/value.js';
import type { TestDatabase } from './databases.js';

export const COLUMNS = ['id', 'i64', 'num', 'dbl', 'txt', 'bin', 'ts', 'tstz', 'd', 't', 'b', 'js', 'u', 'e'];

export function createAllTypes(db: TestDatabase, table: string): string[] {
  const q = db.dialect.quoteIdent(table);
  if (db.name === 'postgresql') {
    const type = `${table}_mood`;
    return [
      `DROP TYPE IF EXISTS ${db.dialect.quoteIdent(type)} CASCADE`,
      `CREATE TYPE ${db.dialect.quoteIdent(type)} AS ENUM ('sad', 'ok', 'happy')`,
      `CREATE TABLE ${q} (id bigint PRIMARY KEY, i64 bigint, num numeric(40,10), dbl double precision, txt text, bin bytea,
        ts timestamp(6), tstz timestamptz, d date, t time(6), b boolean, js jsonb, u uuid, e ${db.dialect.quoteIdent(type)})`,
    ];
  }
  return [
    `CREATE TABLE ${q} (id bigint PRIMARY KEY, i64 bigint, num decimal(40,10), dbl double, txt longtext, bin longblob,
      ts datetime(6), tstz timestamp(6) NULL, d date, t time(6), b tinyint(1), js json, u char(36), e enum('sad','ok','happy'))
      CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
  ];
}

export function dropAllTypes(db: TestDatabase, table: string): string[] {
  const q = db.dialect.quoteIdent(table);
  return db.name === 'postgresql' ? [`DROP TABLE IF EXISTS ${q}`, `DROP TYPE IF EXISTS ${db.dialect.quoteIdent(`${table}_mood`)}`] : [`DROP TABLE IF EXISTS ${q}`];
}

const TEXT = 'unicode 漢字 émoji 😀 newline\n tab\t quote" apostrophe\' backslash\\ end';

/** Rows as SQL literal lists, in COLUMNS order. */
export function seedAllTypes(db: TestDatabase, table: string): string {
  const pg = db.name === 'postgresql';
  const str = (s: string): string => (pg ? `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\t/g, '\\t')}'` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\t/g, '\\t')}'`);
  const bin = (hex: string): string => (pg ? `'\\x${hex}'::bytea` : hex === '' ? "''" : `X'${hex}'`);
  const tz = (s: string): string => (pg ? `'${s}+00'` : `'${s}'`);
  const bool = (b: boolean): string => (pg ? String(b) : b ? '1' : '0');
  const rows = [
    ['1', '9223372036854775807', "'123456789012345678901234567890.1234567890'", '1.7976931348623157e308', str(TEXT), bin('00ff10'),
      "'2024-02-29 23:59:59.123456'", tz('2024-02-29 23:59:59.123456'), "'2024-02-29'", "'23:59:59.999999'", bool(true),
      `'{"a": [1, 2, {"b": null}], "z": "ü"}'`, "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'happy'"],
    ['2', '-9223372036854775808', "'-0.0000000001'", '-2.5e-300', "''", bin(''),
      "'1970-01-01 00:00:00'", tz('1999-12-31 23:59:59.999999'), "'1000-01-01'", "'00:00:00'", bool(false),
      "'[]'", "'00000000-0000-0000-0000-000000000000'", "'sad'"],
    ['3', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL'],
    ['4', '9007199254740993', "'0.0000000000'", '0.1', "'x'", bin('ff'),
      "'2038-01-19 03:14:07.5'", tz('2038-01-19 03:14:07.5'), "'9999-12-31'", "'12:00:00.000001'", bool(true),
      "'{\"n\": 12345678901234567890}'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'", "'ok'"],
  ];
  return `INSERT INTO ${db.dialect.quoteIdent(table)} (${COLUMNS.join(', ')}) VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}`;
}

/** One value as canonical text: what "equal" means across databases. */
export function canonical(v: Value, column: string): string {
  if (v === null) return 'NULL';
  if (column === 'js' && typeof v === 'string') return JSON.stringify(sortKeys(JSON.parse(v.replace(/(\d{16,})/g, '"$1"'))));
  if (typeof v === 'bigint' || typeof v === 'number') return `n:${String(v)}`;
  if (v instanceof Decimal) return `dec:${v.text}`;
  if (v instanceof DateTime) return `${v.kind}:${v.toISOString()}`;
  if (v instanceof Uint8Array) return `hex:${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'boolean') return `bool:${v}`;
  return `s:${String(v)}`;
}

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === 'object') return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]));
  return x;
}

/** Every row of a table, ordered by id, each as canonical text. */
export async function tableText(db: TestDatabase, table: string, columns: string[] = COLUMNS): Promise<string[]> {
  const out: string[] = [];
  const sql = `SELECT ${columns.map((c) => db.dialect.quoteIdent(c)).join(', ')} FROM ${db.dialect.quoteIdent(table)} ORDER BY ${db.dialect.quoteIdent(columns[0]!)}`;
  for await (const batch of db.session.stream(sql, {})) for (const row of batch) out.push(row.map((v, i) => canonical(v, columns[i]!)).join(' | '));
  return out;
}

export type { Row };
