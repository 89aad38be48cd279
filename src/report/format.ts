// Small presentation helpers shared by the reporters: timestamps, endpoints, payload classification.

import { isUtf8 } from 'node:buffer';
import type { Endpoint } from '../tcp/stream.js';

let cachedSecond = NaN;
let cachedPrefix = '';

/** ISO-8601 UTC with microseconds: 2005-05-06T09:17:57.123456Z. */
export function isoMicros(tsMicros: number): string {
  const us = Math.floor(tsMicros);
  const second = Math.floor(us / 1e6);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  return `${cachedPrefix}.${String(us - second * 1e6).padStart(6, '0')}Z`;
}

export function endpoint(e: Endpoint): string {
  return e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`;
}

/** Text is shown as text when it is valid UTF-8 and holds no control characters besides CR, LF, TAB. */
export function isReadableText(bytes: Uint8Array): boolean {
  return hasNoControlChars(bytes) && isUtf8(bytes);
}

/** Text-like bytes (no control characters besides CR, LF, TAB), whether or not they are valid UTF-8. */
export function hasNoControlChars(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) return false;
  }
  return true;
}

export function toText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
