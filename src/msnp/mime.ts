// MIME framing of MSG bodies: header lines up to the first empty line, then the body; plus the text
// helpers every body decoder shares (lenient split, field lists, media types, UTF-8 with a count of bad bytes).
// Header names compare case-insensitively; values are kept intact (colons inside values are legal).

import { isUtf8 } from 'node:buffer';
import { stripCr, utf8Text } from '../text.js';

export interface MimeHeader {
  name: string;
  value: string;
}

export interface MimeMessage {
  headers: MimeHeader[];
  /** Offset of the body within the payload bytes. */
  bodyOffset: number;
}

const MAX_HEADER_BYTES = 8192;

export interface HeaderBlock {
  /** Offset just past the header block's last line terminator (where the blank line starts), or -1. */
  end: number;
  /** Bytes of the blank line (1 for LF, 2 for CR LF). */
  sepLength: number;
  /** Bytes that belong to the header block (`limit` when no blank line was found). */
  headerEnd: number;
}

/**
 * Finds the blank line (LF LF or LF CR LF) that ends a header block starting at `start`; only line feeds
 * before `limit` are searched. Shared by MIME bodies, MSNSLP and MSNP21 multi-part blocks, which differ
 * only in where the search starts and stops; the body starts at `end + sepLength`.
 */
export function scanHeaderBlock(payload: Uint8Array, start = 0, limit = payload.length): HeaderBlock {
  for (let i = start; i < limit; i++) {
    if (payload[i] !== 10) continue;
    if (payload[i + 1] === 10) return { end: i + 1, sepLength: 1, headerEnd: i + 1 };
    if (payload[i + 1] === 13 && payload[i + 2] === 10) return { end: i + 1, sepLength: 2, headerEnd: i + 1 };
  }
  return { end: -1, sepLength: 0, headerEnd: limit };
}

/** A MIME header block: only the first MAX_HEADER_BYTES are searched for its end. */
function scanMimeHeaderBlock(payload: Uint8Array): HeaderBlock {
  return scanHeaderBlock(payload, 0, Math.min(payload.length, MAX_HEADER_BYTES));
}

/** Splits a payload into MIME headers and body, or null when it does not start with header lines. */
export function parseMime(payload: Uint8Array): MimeMessage | null {
  const block = scanMimeHeaderBlock(payload);
  // A header block that is the whole payload (no empty line) is still MIME: e.g. TypingUser bodies cut short.
  const text = utf8Text(payload, 0, block.headerEnd);
  const headers: MimeHeader[] = [];
  for (const raw of text.split('\n')) {
    const line = stripCr(raw);
    if (line === '') continue;
    const parsed = headerLine(line);
    if (parsed === null) return null;
    headers.push(parsed);
  }
  if (headers.length === 0) return null;
  return { headers, bodyOffset: block.end < 0 ? payload.length : block.end + block.sepLength };
}

/** The value (as stored) of the first header or field named `name`, compared case-insensitively. */
export function findHeader(list: readonly MimeHeader[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return list.find((h) => h.name.toLowerCase() === lower)?.value;
}

// ---------------------------------------------------------------------------------------------
// Lenient split for decoders: never null, and it says what it had to forgive.

export interface LenientMime extends MimeMessage {
  /** Lines inside the header block that were not `Name: value` (skipped). */
  badLines: number;
  /** No blank line was found; a body, if any, was taken to start at the first line that is not a header. */
  missingBlankLine: boolean;
  /** UTF-8 sequences in the header block that were invalid (shown as U+FFFD). */
  invalidUtf8: number;
}

/**
 * Like parseMime, but never gives up: header-looking lines become headers, other lines inside a
 * delimited header block are counted and skipped, and without a blank line the first non-header line
 * starts the body (clients that forget the blank line still get their text shown).
 */
export function splitMime(payload: Uint8Array): LenientMime {
  const block = scanMimeHeaderBlock(payload);
  const headerBytes = payload.subarray(0, block.headerEnd);
  const invalidUtf8 = isUtf8(headerBytes) ? 0 : countInvalidUtf8(headerBytes).invalid;
  const headers: MimeHeader[] = [];
  let badLines = 0;
  let missingBlankLine = false;
  let bodyOffset = block.end < 0 ? payload.length : block.end + block.sepLength;
  // Walk the raw bytes line by line so a body start can be given as a byte offset.
  let lineStart = 0;
  while (lineStart < block.headerEnd) {
    let lf = lineStart;
    while (lf < block.headerEnd && payload[lf] !== 10) lf++;
    const lineEnd = lf > lineStart && payload[lf - 1] === 13 ? lf - 1 : lf;
    const line = utf8Text(payload, lineStart, lineEnd);
    const parsed = line === '' ? null : headerLine(line);
    if (parsed !== null) {
      headers.push(parsed);
    } else if (line !== '') {
      if (block.end < 0 && headers.length > 0) {
        missingBlankLine = true;
        bodyOffset = lineStart;
        break;
      }
      badLines++;
    }
    lineStart = lf + 1;
  }
  if (block.end < 0 && headers.length > 0 && !missingBlankLine) {
    // Header lines right up to the end (or the search limit): still MIME, just without a blank line.
    missingBlankLine = true;
    bodyOffset = block.headerEnd;
  }
  return { headers, bodyOffset, badLines, missingBlankLine, invalidUtf8 };
}

/** `Name: value` with a name free of white space, or null. */
export function headerLine(line: string): MimeHeader | null {
  const colon = line.indexOf(':');
  if (colon <= 0) return null;
  const name = line.slice(0, colon);
  if (/\s/.test(name)) return null;
  return { name, value: line.slice(colon + 1).replace(/^[ \t]+/, '') };
}

/** A body that is itself a header list (invitations, datacasts, mail notifications): blank lines are skipped. */
export function parseFieldLines(text: string): { fields: MimeHeader[]; badLines: number } {
  const fields: MimeHeader[] = [];
  let badLines = 0;
  for (const raw of text.split('\n')) {
    const line = stripCr(raw);
    if (line === '' || line === '\0') continue;
    const parsed = headerLine(line);
    if (parsed === null) badLines++;
    else fields.push(parsed);
  }
  return { fields, badLines };
}

export interface MediaType {
  /** Lower-cased `type/subtype`, without parameters ('' when absent). */
  type: string;
  params: MimeHeader[];
}

/** `text/plain; charset=UTF-8` → type and parameters (names as sent, quotes removed). */
export function mediaType(value: string | undefined): MediaType {
  if (value === undefined) return { type: '', params: [] };
  const parts = value.split(';');
  const type = (parts[0] ?? '').trim().toLowerCase();
  const params: MimeHeader[] = [];
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    let v = p.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    params.push({ name: p.slice(0, eq).trim(), value: v });
  }
  return { type, params };
}

// ---------------------------------------------------------------------------------------------
// UTF-8 with accounting: the text shows U+FFFD where bytes were bad, and the caller learns how many.

export interface Utf8Text {
  text: string;
  /** Invalid sequences (each became one U+FFFD). */
  invalid: number;
  /** The bytes end inside a multi-byte sequence (a chunk boundary can do that legitimately). */
  trailingIncomplete: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function decodeUtf8(bytes: Uint8Array): Utf8Text {
  // Almost every body is valid UTF-8: the native check and decoder are far cheaper than the byte loop.
  if (isUtf8(bytes)) return { text: utf8Text(bytes), invalid: 0, trailingIncomplete: false };
  const check = countInvalidUtf8(bytes);
  return { text: utf8.decode(bytes), invalid: check.invalid, trailingIncomplete: check.trailingIncomplete };
}

/** Counts maximal invalid subparts the way the WHATWG decoder replaces them (one U+FFFD each). */
export function countInvalidUtf8(bytes: Uint8Array): { invalid: number; trailingIncomplete: boolean } {
  let invalid = 0;
  let trailingIncomplete = false;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) (need = 2), (lo = 0xa0);
    else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) need = 2;
    else if (b === 0xed) (need = 2), (hi = 0x9f);
    else if (b === 0xf0) (need = 3), (lo = 0x90);
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else if (b === 0xf4) (need = 3), (hi = 0x8f);
    else {
      invalid++;
      i++;
      continue;
    }
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++, j++) {
      if (j >= n) {
        trailingIncomplete = true;
        ok = false;
        break;
      }
      const c = bytes[j] as number;
      const min = k === 0 ? lo : 0x80;
      const max = k === 0 ? hi : 0xbf;
      if (c < min || c > max) {
        ok = false;
        break;
      }
    }
    if (ok) {
      i = j;
    } else {
      invalid++;
      i = j >= n ? n : j;
    }
  }
  return { invalid, trailingIncomplete };
}
