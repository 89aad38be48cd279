// URL-decoding of MSNP parameters (friendly names, group names, MSNObjects, phone numbers) as UTF-8,
// tolerant of what real servers send: raw UTF-8 next to %XX escapes, stray '%', Latin-1 bytes.

import { decodeUtf8 } from './mime.js';

export interface UrlDecoded {
  text: string;
  /** Why the value is not clean URL-encoded UTF-8, or null. The text is still the best reading. */
  problem: string | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes %XX escapes to bytes and reads the result as UTF-8 (reference §2.1). `+` stays `+`:
 * MSNP encodes spaces as %20 and real names contain plus signs.
 * Characters that are already non-ASCII (the 2005 MSN servers and Escargot put raw UTF-8 friendly
 * names on the wire) are kept as they are. An invalid escape (`%zz`, a trailing `%`) is kept
 * literally; escapes that do not form UTF-8 (an MSNP2 client's Latin-1) are read as Latin-1.
 */
export function urlDecode(value: string): UrlDecoded {
  if (value.indexOf('%') < 0) return { text: value, problem: null };
  // The usual case, ASCII with valid escapes of valid UTF-8, is what the engine's decodeURIComponent
  // reads the same way, natively (it throws on everything else). TextDecoder would drop a leading BOM.
  if (ASCII.test(value)) {
    try {
      const text = decodeURIComponent(value);
      if (text.charCodeAt(0) !== 0xfeff) return { text, problem: null };
    } catch {
      // a bad escape or bytes that are not UTF-8: the lenient reading below says which
    }
  }
  return lenientUrlDecode(value);
}

const ASCII = /^[\x00-\x7f]*$/;

/** urlDecode without the fast path (exported for the differential test). */
export function lenientUrlDecode(value: string): UrlDecoded {
  const bytes: number[] = [];
  let badEscape = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hi = hexValue(value.charCodeAt(i + 1));
      const lo = hexValue(value.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        bytes.push(hi * 16 + lo);
        i += 2;
        continue;
      }
      badEscape = true;
      bytes.push(c);
      continue;
    }
    if (c < 0x80) {
      bytes.push(c);
      continue;
    }
    const cp = value.codePointAt(i) ?? c;
    if (cp > 0xffff) i++;
    pushUtf8(bytes, cp);
  }
  let text: string;
  let notUtf8 = false;
  try {
    text = utf8.decode(Uint8Array.from(bytes));
  } catch {
    notUtf8 = true;
    text = latin1Escapes(value);
  }
  const problem = badEscape
    ? 'has an invalid %-escape (kept as written)'
    : notUtf8
      ? 'is not UTF-8 once %-decoded (read as Latin-1)'
      : null;
  return { text, problem };
}

/**
 * Percent-decoding for text inside message bodies (the X-MMS-IM-Format font name, MSNP18+ circle
 * friendly names): runs of %XX are read as UTF-8 (invalid sequences become U+FFFD), malformed escapes
 * are left as they are, and no problem is reported — unlike urlDecode, which reads non-UTF-8 as Latin-1.
 */
export function urlDecodeToText(s: string): string {
  return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return decodeUtf8(bytes).text;
  });
}

/** The value with every valid %XX escape read as one Latin-1 character; everything else as written. */
function latin1Escapes(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(value.charCodeAt(i + 1));
      const lo = hexValue(value.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out += String.fromCharCode(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += value[i];
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function pushUtf8(out: number[], cp: number): void {
  // Lone surrogates come out of a lenient UTF-8 decode only as U+FFFD, but a string built by
  // hand may hold one: encode it as U+FFFD too rather than emit an invalid sequence.
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x800) {
    out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  } else {
    out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
}
