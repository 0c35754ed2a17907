/**
 * MySQL's pass-through text (mysql-load-text, lib/rdbms/mysql/load-text.ts) into PostgreSQL's
 * COPY. Its escapes are COPY text's, so a line goes in as it is where every MySQL column's text
 * is what the PostgreSQL column reads as the value the row path would write: digits into
 * integer and numeric columns, DOUBLE's shortest round-trip text into a float, a DATETIME's
 * digits into a timestamp with no zone, text into text. A value the target cannot take (out of
 * range, a zero date, a NUL byte, a string too long) is refused by the server, a dirty record with
 * the server's reason, as on the row path. Bytes (hex for MySQL's UNHEX), BIT, JSON, booleans and
 * zoned timestamps are not listed: their text or meaning differs between the two.
 */

/** [MySQL COLUMN_TYPE, lower case; the PostgreSQL types (format_type) its text goes into as it is]. */
const INTO: ReadonlyArray<readonly [RegExp, RegExp]> = [
  [/^(?:tinyint|smallint|mediumint|int|integer|bigint|year)\b/, /^(?:smallint|integer|bigint|numeric)\b/],
  [/^(?:decimal|numeric)\b/, /^numeric\b/],
  // FLOAT is written as its exact value as a double, the number the row path formats.
  [/^(?:float|double|real)\b/, /^(?:real|double precision)$/],
  [/^date$/, /^date$/],
  // Wall-clock digits, as the row path writes a DateTime without a zone.
  [/^(?:datetime|timestamp)\b/, /^timestamp(?:\(\d\))? without time zone$/],
  [/^time\b/, /^(?:time(?:\(\d\))? without time zone|interval)\b/],
  [/^(?:char|varchar|tinytext|text|mediumtext|longtext|enum|set)\b/, /^(?:text|character varying|character)\b/],
];

/** Why a MySQL column's pass-through text cannot go into this PostgreSQL column as it is, or undefined when it can. */
export function mysqlTextInto(mysqlType: string, pgType: string): string | undefined {
  for (const [from, into] of INTO) {
    if (from.test(mysqlType)) return into.test(pgType) ? undefined : `MySQL's ${mysqlType} text is not read as the same value by a ${pgType} column`;
  }
  return `a MySQL ${mysqlType} column is read as a value`;
}
