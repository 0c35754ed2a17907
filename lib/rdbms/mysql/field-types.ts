/**
 * MySQL's column type codes and the binary character set: what the protocol says a column is.
 * Kept apart from convert.ts (which needs mysql2 for escaping) so that code deciding a path by
 * column type — the PostgreSQL reader among it — does not load the MySQL driver.
 */

/** mysql2's column type codes (mysql2/lib/constants/types.js). */
export const T = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9,
  DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16, TIMESTAMP2: 17, DATETIME2: 18,
  TIME2: 19, VECTOR: 242, JSON: 245, NEWDECIMAL: 246, ENUM: 247, SET: 248, TINY_BLOB: 249, MEDIUM_BLOB: 250,
  LONG_BLOB: 251, BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
} as const;

/** The binary pseudo character set: BINARY, VARBINARY and BLOB columns carry it. */
export const BINARY_CHARSET = 63;
