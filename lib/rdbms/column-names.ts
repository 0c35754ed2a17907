/**
 * How a `column` entry names a table column, the same on the reader and the writer side: an
 * entry that is one of the table's column names is that column (ferry quotes it, so `select`
 * or `order` work), and so is a name the user quoted the DataX way ("select", `order`),
 * whichever quote character the database itself uses. Anything else is not a column name.
 */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const QUOTED = /^(["`])(.+)\1$/s;

export type ColumnEntry =
  | { kind: 'column'; name: string }
  /** Quoted or a plain word, but the table has no such column. */
  | { kind: 'missing'; name: string }
  /** Not a name: an SQL expression (readers only; DataX allows "id + 1", "now()"). */
  | { kind: 'expression' };

export function columnEntry(entry: string, tableColumns: readonly string[]): ColumnEntry {
  const quoted = QUOTED.exec(entry);
  // A doubled quote inside a quoted name is one quote character, as SQL writes it.
  const name = quoted ? quoted[2]!.split(quoted[1]!.repeat(2)).join(quoted[1]!) : entry;
  if (tableColumns.includes(name)) return { kind: 'column', name };
  // Unquoted names fold case in both databases; a quoted one still matches when only its case differs.
  const folded = tableColumns.find((c) => c.toLowerCase() === name.toLowerCase());
  if (folded !== undefined) return { kind: 'column', name: folded };
  return quoted || PLAIN_NAME.test(entry) ? { kind: 'missing', name } : { kind: 'expression' };
}
