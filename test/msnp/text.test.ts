// src/text.ts decodes bytes without a Buffer per call; it must agree with Buffer#toString everywhere.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latin1Text, utf8Text } from '../../src/text.js';

describe('utf8Text / latin1Text', () => {
  it('agree with Buffer#toString on any bytes, range and view offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(8), fc.nat(64), fc.nat(64), (raw, lead, a, b) => {
        const backing = new Uint8Array(lead + raw.length);
        backing.set(raw, lead);
        const view = backing.subarray(lead);
        const [start, end] = [Math.min(a, b, view.length), Math.min(Math.max(a, b), view.length)];
        const buf = Buffer.from(raw);
        expect(utf8Text(view, start, end)).toBe(buf.toString('utf8', start, end));
        expect(latin1Text(view, start, end)).toBe(buf.toString('latin1', start, end));
        expect(utf8Text(view)).toBe(buf.toString('utf8'));
      }),
      { numRuns: 500 },
    );
  });
});
