/**
 * Text encodings for the txtfile plugins. Reading uses TextDecoder, so any label it knows
 * works (utf-8, gbk, gb18030, big5, shift_jis, euc-kr, windows-125x, iso-8859-x, utf-16le...).
 * Writing: utf-8 and utf-16 natively; the single- and double-byte legacy encodings (gbk, big5,
 * shift_jis, euc-kr, windows-125x, iso-8859-x, ...) through a table built once per process by
 * running TextDecoder backwards. A character the encoding has no bytes for is an error, never
 * a silent "?".
 */

/** The WHATWG name of an encoding label ("UTF8" → "utf-8", "latin1" → "windows-1252"), or undefined. */
export function decoderEncoding(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

/** Encodings the writer cannot produce even though TextDecoder reads them. */
const NOT_WRITABLE = new Set(['iso-2022-jp', 'replacement']);

export const WRITABLE_ENCODINGS_TEXT = 'utf-8, utf-16le, utf-16be, and the single/double-byte ones TextDecoder knows (gbk, gb18030 without its 4-byte forms, big5, shift_jis, euc-kr, euc-jp, windows-125x, iso-8859-x, koi8-r, ...)';

/** Why the writer cannot use this label, or undefined when it can. */
export function writerEncodingProblem(label: string): string | undefined {
  const enc = decoderEncoding(label);
  if (enc === undefined) return `unknown encoding "${label}"; supported: ${WRITABLE_ENCODINGS_TEXT}`;
  if (NOT_WRITABLE.has(enc)) return `encoding "${label}" cannot be written; supported: ${WRITABLE_ENCODINGS_TEXT}`;
  return undefined;
}

export interface TextEncoderLike {
  readonly encoding: string;
  /** The bytes of `text`; throws EncodeError for a character the encoding cannot represent. */
  encode(text: string): Uint8Array;
}

export class EncodeError extends Error {
  constructor(readonly char: string, readonly encoding: string) {
    super(`character ${JSON.stringify(char)} (U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) cannot be written in ${encoding}`);
    this.name = 'EncodeError';
  }
}

class Utf8Encoder implements TextEncoderLike {
  readonly encoding = 'utf-8';
  encode(text: string): Uint8Array {
    return Buffer.from(text, 'utf8');
  }
}

class Utf16Encoder implements TextEncoderLike {
  constructor(readonly encoding: 'utf-16le' | 'utf-16be') {}
  encode(text: string): Uint8Array {
    const buf = Buffer.from(text, 'utf16le');
    if (this.encoding === 'utf-16be') buf.swap16();
    return buf;
  }
}

/** Encoder for a single- or double-byte encoding, from a reverse table of its decoder. */
class TableEncoder implements TextEncoderLike {
  /** For BMP code units: -1 none, else (b1) or (b1 << 8 | b2) + 0x10000 for two bytes. */
  private readonly bmp: Int32Array;
  private readonly astral: Map<number, number>;
  constructor(readonly encoding: string) {
    const bmp = new Int32Array(0x10000).fill(-1);
    const astral = new Map<number, number>();
    const dec = new TextDecoder(encoding, { fatal: true });
    const one = new Uint8Array(1);
    const two = new Uint8Array(2);
    const set = (s: string, code: number): void => {
      const cp = s.codePointAt(0)!;
      if (s.length !== (cp > 0xffff ? 2 : 1)) return; // decodes to more than one character
      if (cp > 0xffff) {
        if (!astral.has(cp)) astral.set(cp, code);
      } else if (bmp[cp] === -1) bmp[cp] = code;
    };
    const leads: number[] = [];
    for (let b = 0; b < 0x100; b++) {
      one[0] = b;
      try {
        set(dec.decode(one), b);
      } catch {
        if (b >= 0x80) leads.push(b);
      }
    }
    for (const lead of leads) {
      two[0] = lead;
      for (let t = 0x30; t < 0x100; t++) {
        two[1] = t;
        try {
          set(dec.decode(two), 0x10000 + ((lead << 8) | t));
        } catch {
          // not a character
        }
      }
    }
    this.bmp = bmp;
    this.astral = astral;
  }

  encode(text: string): Uint8Array {
    const out = Buffer.allocUnsafe(text.length * 2);
    let o = 0;
    const bmp = this.bmp;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      let code: number;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const cp = text.codePointAt(i)!;
        code = this.astral.get(cp) ?? -1;
        if (code === -1) throw new EncodeError(String.fromCodePoint(cp), this.encoding);
        i++;
        c = cp;
      } else {
        code = bmp[c]!;
        if (code === -1) throw new EncodeError(String.fromCharCode(c), this.encoding);
      }
      if (code < 0x10000) out[o++] = code;
      else {
        out[o++] = (code >> 8) & 0xff;
        out[o++] = code & 0xff;
      }
    }
    return out.subarray(0, o);
  }
}

const tables = new Map<string, TableEncoder>();

/** An encoder for the label; throws an Error with the writerEncodingProblem() text when there is none. */
export function encoderFor(label: string): TextEncoderLike {
  const problem = writerEncodingProblem(label);
  if (problem) throw new Error(problem);
  const enc = decoderEncoding(label)!;
  if (enc === 'utf-8') return new Utf8Encoder();
  if (enc === 'utf-16le' || enc === 'utf-16be') return new Utf16Encoder(enc);
  let t = tables.get(enc);
  if (!t) {
    t = new TableEncoder(enc);
    tables.set(enc, t);
  }
  return t;
}
