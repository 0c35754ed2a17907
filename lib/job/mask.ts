/**
 * Keeping passwords out of everything ferry prints. maskSecrets() copies a job with the values
 * of secret keys (schema.ts isSecretKey, plus keys a plugin marks `secret`) and the passwords
 * inside URLs replaced; maskText() scrubs a message of known secret values.
 */
import { isSecretKey, type Schema } from './schema.js';

export const MASK = '******';

type KeyTest = (key: string) => boolean;

function keyTest(extraKeys: Iterable<string>): KeyTest {
  const extra = new Set(extraKeys);
  return extra.size === 0 ? isSecretKey : (key) => isSecretKey(key) || extra.has(key);
}

// scheme://user:password@host: the authority runs to the first / ? # whitespace or quote, and
// the user info to its last @ (a password may hold an @).
const URL_AUTHORITY = /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>]*)/gi;
// jdbc:mysql://h/db?user=u&password=p, and ;password=p as SQL Server writes it.
const QUERY_PASSWORD = /([?&;]\s*(?:password|passwd|pwd)\s*=)([^&;\s"']*)/gi;
// jdbc:oracle:thin:user/password@host:1521:sid
const ORACLE_PASSWORD = /(jdbc:oracle:[a-z0-9]+:[^/@\s:"']+\/)([^@\s"']+)(@)/gi;

/** Replaces the passwords inside URLs in a text: `mysql://user:******@h:3306/db`. */
export function maskUrlPasswords(text: string): string {
  if (!text.includes('://') && !/password|passwd|pwd|oracle/i.test(text)) return text;
  return text
    .replace(URL_AUTHORITY, (whole, scheme: string, authority: string) => {
      const atSign = authority.lastIndexOf('@');
      const colon = authority.indexOf(':');
      if (atSign === -1 || colon === -1 || colon > atSign) return whole;
      return `${scheme}${authority.slice(0, colon + 1)}${MASK}${authority.slice(atSign)}`;
    })
    .replace(QUERY_PASSWORD, (_whole, key: string) => `${key}${MASK}`)
    .replace(ORACLE_PASSWORD, (_whole, head: string, _pw: string, at: string) => `${head}${MASK}${at}`);
}

/** The passwords inside URLs in a text (what maskUrlPasswords would hide). */
function urlPasswords(text: string, out: Set<string>): void {
  if (!text.includes('://') && !/password|passwd|pwd|oracle/i.test(text)) return;
  for (const m of text.matchAll(URL_AUTHORITY)) {
    const authority = m[2] as string;
    const atSign = authority.lastIndexOf('@');
    const colon = authority.indexOf(':');
    if (atSign !== -1 && colon !== -1 && colon < atSign) out.add(authority.slice(colon + 1, atSign));
  }
  for (const m of text.matchAll(QUERY_PASSWORD)) out.add(m[2] as string);
  for (const m of text.matchAll(ORACLE_PASSWORD)) out.add(m[2] as string);
}

/**
 * A deep copy of a JSON value with every secret key's value (whatever its type) replaced by
 * "******" and passwords inside URL strings masked. `extraKeys`: keys a plugin marks secret.
 */
export function maskSecrets<T>(value: T, extraKeys: Iterable<string> = []): T {
  const secret = keyTest(extraKeys);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskUrlPasswords(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, secret(k) && item !== undefined ? MASK : walk(item)]));
    }
    return v;
  };
  return walk(value) as T;
}

/** Every secret value in a job: values under secret keys and passwords inside URLs; longest first. */
export function collectSecrets(value: unknown, extraKeys: Iterable<string> = []): string[] {
  const secret = keyTest(extraKeys);
  const out = new Set<string>();
  const leaves = (v: unknown): void => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') out.add(String(v));
    else if (Array.isArray(v)) v.forEach(leaves);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(leaves);
  };
  const walk = (v: unknown): void => {
    if (typeof v === 'string') urlPasswords(v, out);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) (secret(k) ? leaves : walk)(item);
    }
  };
  walk(value);
  out.delete('');
  return [...out].sort((a, b) => b.length - a.length);
}

/**
 * Scrubs a message: each secret (also as it appears JSON-quoted, and its first 57 characters,
 * which is what describeValue shows of a long string) becomes "******"; URL passwords too.
 */
export function maskText(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s === '') continue;
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1));
    if (s.length > 60) forms.add(s.slice(0, 57));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(MASK);
  return maskUrlPasswords(out);
}

/** Names of the keys a parameter schema marks `secret` (at any depth), for maskSecrets' extraKeys. */
export function secretKeysOf(schema: Schema, out: Set<string> = new Set()): Set<string> {
  switch (schema.type) {
    case 'object':
      for (const [key, sub] of Object.entries(schema.properties)) {
        if (sub.secret) out.add(key);
        secretKeysOf(sub, out);
      }
      if (typeof schema.additional === 'object') secretKeysOf(schema.additional, out);
      break;
    case 'array':
      secretKeysOf(schema.items, out);
      break;
    case 'oneOf':
      for (const option of schema.options) secretKeysOf(option, out);
      break;
  }
  return out;
}
