// Small presentation helpers shared by the reporters: timestamps, endpoints, payload classification.

import { isUtf8 } from 'node:buffer';
import type { Endpoint } from '../tcp/stream.js';
import { latin1Text, utf8Text } from '../text.js';

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

/** `c3` for TCP connection 3, `g1` for the first HTTP gateway session (negative ids, see gateway-tunnels.ts). */
export function connName(connId: number): string {
  return connId < 0 ? `g${-connId}` : `c${connId}`;
}

/** A connection's endpoints are written with every command: each is formatted once. */
const endpointNames = new WeakMap<Endpoint, string>();

export function endpoint(e: Endpoint): string {
  let name = endpointNames.get(e);
  if (name === undefined) {
    name = e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`;
    endpointNames.set(e, name);
  }
  return name;
}

/** Control characters other than TAB, LF and CR: their presence makes a payload binary. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/**
 * The payload as text when it is valid UTF-8 without control characters besides CR, LF, TAB, else null.
 * (Decoded once and tested with a native regex: this runs over every payload byte of the output.)
 */
export function readableText(bytes: Uint8Array): string | null {
  if (!isUtf8(bytes)) return null;
  const text = utf8Text(bytes);
  return CONTROL.test(text) ? null : text;
}

/** Text-like bytes (no control characters besides CR, LF, TAB), whether or not they are valid UTF-8. */
export function hasNoControlChars(bytes: Uint8Array): boolean {
  return !hasControlChars(latin1Text(bytes));
}

/** Decoded text with a control character other than CR, LF, TAB (they are all ASCII, so any decoding will do). */
export function hasControlChars(text: string): boolean {
  return CONTROL.test(text);
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
