/**
 * Business dates and the `$[...]` date expressions of DataWorks / Taiga schedulers.
 *
 * bizdate is the day the data belongs to (default: yesterday); cyctime is the run's time,
 * bizdate + 1 day at the time of day of `now`. `$[...]` expressions are relative to cyctime:
 * `$[yyyyMMdd]`, `$[yyyyMMdd-1]` (days), `$[yyyyMMddHH-1/24]` (hours), `$[HHmm-30/24/60]`
 * (minutes), `$[add_months(yyyyMMdd,-1)]`. All in the process's local time zone.
 *
 * Patterns come in two spellings:
 * - Java's (SimpleDateFormat): yyyy yy MM dd HH hh mm ss SSS, where `mm` is minutes.
 * - DataWorks' lower-case one: yyyy yy mm dd hh24 hh mi ss, where `mm` is the MONTH and `mi`
 *   the minutes (`$[yyyymmdd]`, `$[hh24miss]`, `$[yyyy-mm-dd hh24:mi:ss]`).
 * A pattern with no upper-case letter is read the DataWorks way, any other the Java way. (So
 * `$[HHmmss]` is hours, minutes, seconds and `$[yyyymmdd]` is year, month, day.) `hh24` and
 * `mi` are understood in both; `hh` is the 12-hour clock in both, as in Java and Oracle.
 */
import { configError } from '../errors.js';

type Field = 'year' | 'year2' | 'month' | 'day' | 'hour' | 'hour12' | 'minute' | 'second' | 'millis';
type Token = Field | { literal: string };

const COMMON: [string, Field][] = [['yyyy', 'year'], ['yy', 'year2'], ['dd', 'day'], ['hh24', 'hour'], ['hh', 'hour12'], ['mi', 'minute'], ['ss', 'second']];
const JAVA: [string, Field][] = [...COMMON, ['MM', 'month'], ['HH', 'hour'], ['mm', 'minute'], ['SSS', 'millis']];
const DATAWORKS: [string, Field][] = [...COMMON, ['mm', 'month']];

/** Splits a pattern into fields and literal text; a string is the problem (an unknown letter). */
function tokenize(pattern: string): Token[] | string {
  const table = /[A-Z]/.test(pattern) ? JAVA : DATAWORKS;
  const tokens: Token[] = [];
  let i = 0;
  outer: while (i < pattern.length) {
    for (const [text, field] of table) {
      if (pattern.startsWith(text, i)) {
        tokens.push(field);
        i += text.length;
        continue outer;
      }
    }
    const c = pattern[i] as string;
    if (/[A-Za-z]/.test(c)) return `unknown pattern letter "${c}"`;
    const last = tokens[tokens.length - 1];
    if (typeof last === 'object') last.literal += c;
    else tokens.push({ literal: c });
    i++;
  }
  return tokens;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function fieldText(date: Date, field: Field): string {
  switch (field) {
    case 'year': return pad(date.getFullYear(), 4);
    case 'year2': return pad(date.getFullYear() % 100);
    case 'month': return pad(date.getMonth() + 1);
    case 'day': return pad(date.getDate());
    case 'hour': return pad(date.getHours());
    case 'hour12': return pad(date.getHours() % 12 === 0 ? 12 : date.getHours() % 12);
    case 'minute': return pad(date.getMinutes());
    case 'second': return pad(date.getSeconds());
    case 'millis': return pad(date.getMilliseconds(), 3);
  }
}

function render(date: Date, tokens: Token[]): string {
  return tokens.map((t) => (typeof t === 'string' ? fieldText(date, t) : t.literal)).join('');
}

/** Formats a date (local time) with a Java or DataWorks pattern; throws on an unknown letter. */
export function formatDate(date: Date, pattern: string): string {
  const tokens = tokenize(pattern);
  if (typeof tokens === 'string') throw new Error(`${tokens} in date pattern "${pattern}"`);
  return render(date, tokens);
}

/** Local midnight of a yyyyMMdd text; undefined when it is not one or not a real day. */
export function parseYyyyMMdd(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(y, mo - 1, d);
  date.setFullYear(y); // years below 100 would otherwise mean 19xx
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return undefined;
  return date;
}

/** The `--bizdate` value as a date; FERRY_USAGE when it is not a real yyyyMMdd day. */
export function parseBizdate(text: string, option = '--bizdate'): Date {
  const date = parseYyyyMMdd(text);
  if (!date) {
    const why = /^\d{8}$/.test(text) ? ' (no such day)' : '';
    throw configError('FERRY_USAGE', option, `expected a date as yyyyMMdd such as 20240131, got ${JSON.stringify(text)}${why}`);
  }
  return date;
}

/** Yesterday (local midnight) relative to `now`: the default business date. */
export function defaultBizdate(now: Date): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
}

/** The run's time: the day after bizdate, at the time of day of `now`. */
export function cyctimeOf(bizdate: Date, now: Date): Date {
  const d = new Date(bizdate.getFullYear(), bizdate.getMonth(), bizdate.getDate() + 1, now.getHours(), now.getMinutes(), now.getSeconds());
  d.setFullYear(bizdate.getFullYear(), bizdate.getMonth(), bizdate.getDate() + 1);
  return d;
}

/** The date n months later, the day of month clamped to the month's last day (Jan 31 + 1 month = Feb 29 or 28). */
export function addMonths(date: Date, n: number): Date {
  const out = new Date(date.getTime());
  const day = date.getDate();
  out.setDate(1);
  out.setMonth(out.getMonth() + n);
  const last = new Date(out.getFullYear(), out.getMonth() + 1, 0).getDate();
  out.setDate(Math.min(day, last));
  return out;
}

const EXAMPLES = '$[yyyyMMdd-1], $[yyyyMMddHH-1/24] or $[add_months(yyyyMMdd,-1)]';

/**
 * Evaluates the inside of a `$[...]` against cyctime: `{value}`, `{error}` when it reads as a
 * date expression but is wrong, or undefined when it is no date expression at all (no letters,
 * or characters such as quotes and `*`, as in a JSONPath `$['name']` or `$[*]`): those stay.
 */
export function evaluateDateExpression(expr: string, cyctime: Date): { value: string } | { error: string } | undefined {
  const text = expr.trim();
  if (!/[A-Za-z]/.test(text) || !/^[A-Za-z0-9 +\-/:_.,()]*$/.test(text)) return undefined;
  const bad = (why: string) => ({ error: `expected a date expression such as ${EXAMPLES}, got $[${expr}] (${why})` });

  let pattern: string;
  let date: Date;
  const months = /^add_months\s*\(\s*(.*?)\s*,\s*([+-]?\d+)\s*\)$/i.exec(text);
  if (months) {
    pattern = months[1] as string;
    date = addMonths(cyctime, Number(months[2]));
  } else if (/^add_months\b/i.test(text)) {
    return bad('add_months takes a pattern and a number of months');
  } else {
    // A trailing offset: -N days, -N/24 hours, -N/24/60 minutes. Patterns hold no digits but
    // the 24 of hh24, which is never preceded by a sign.
    const offset = /^(.*?)\s*([+-])\s*(\d+)\s*(\/\s*24\s*(\/\s*60\s*)?)?$/.exec(text);
    pattern = offset ? (offset[1] as string) : text;
    date = new Date(cyctime.getTime());
    if (offset) {
      const n = Number(offset[3]) * (offset[2] === '-' ? -1 : 1);
      if (offset[5] !== undefined) date = new Date(date.getTime() + n * 60_000);
      else if (offset[4] !== undefined) date = new Date(date.getTime() + n * 3_600_000);
      else date.setDate(date.getDate() + n);
    }
  }
  const tokens = tokenize(pattern);
  if (typeof tokens === 'string') return bad(tokens);
  if (!tokens.some((t) => typeof t === 'string')) return bad('no date pattern such as yyyyMMdd');
  return { value: render(date, tokens) };
}
