// Small helpers shared by the parameter decoders (params*.ts): message clipping, safe key setting.

import type { ParamValue } from './params.js';

/** A value shortened for a problem message. */
export function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/**
 * Sets a key taken from traffic as an own property: a plain assignment of `__proto__` would be
 * swallowed by the prototype setter, and the key must simply show up in the output.
 */
export function setOwn(obj: { [key: string]: ParamValue }, key: string, value: ParamValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
