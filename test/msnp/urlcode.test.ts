// urlDecode's fast path (the engine's decodeURIComponent) must read every value exactly as the lenient
// decoder does: same text, same problem. Values are built from escapes that make valid, overlong,
// surrogate, truncated and out-of-range UTF-8, bad escapes, BOMs, NULs and plain characters.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lenientUrlDecode, urlDecode } from '../../src/msnp/urlcode.js';

const PIECES = [
  'a', 'Z', ' ', '+', '%', '%2', '%zz', '%20', '%25', '%2B', '%3C', '%3e', '%00', '%7F',
  '%C3', '%A9', '%c3%a9', '%C0%AF', '%E2%82%AC', '%E2%82', '%ED%A0%80', '%ED%9F%BF', '%EF%BB%BF',
  '%F0%9F%98%80', '%F4%8F%BF%BF', '%F4%90%80%80', '%F8%88%80%80%80', '%80', '%BF', '%FE', '%FF',
];

describe('urlDecode', () => {
  it('reads every value as the lenient decoder does', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }), (pieces) => {
        const value = pieces.join('');
        fc.pre(value.includes('%'));
        expect(urlDecode(value)).toEqual(lenientUrlDecode(value));
      }),
      { numRuns: 5000 },
    );
  });

  it('drops a leading BOM as the UTF-8 TextDecoder of the lenient path does (decodeURIComponent keeps it)', () => {
    expect(urlDecode('%EF%BB%BFhi').text).toBe('hi');
  });

  it('reports a bad escape and bytes that are not UTF-8', () => {
    expect(urlDecode('50%').problem).toBe('has an invalid %-escape (kept as written)');
    expect(urlDecode('caf%E9')).toEqual({ text: 'café', problem: 'is not UTF-8 once %-decoded (read as Latin-1)' });
  });
});
