/**
 * The job a run executes holds its passwords; the store keeps it sealed (AES-256-GCM) with a
 * key kept beside the database in its own file (mode 0600), so that the SQLite file, its
 * backups and anything dumped from it never show a password in plain text.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const ALGORITHM = 'aes-256-gcm';

export class Sealer {
  private constructor(private readonly key: Buffer) {}

  /** The key in `file`, made on first use. */
  static open(file: string): Sealer {
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte key: remove it only if no queued run needs it`);
    return new Sealer(key);
  }

  seal(value: unknown): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  open<T>(sealed: Buffer): T {
    const decipher = createDecipheriv(ALGORITHM, this.key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8')) as T;
  }
}
