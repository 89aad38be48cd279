// Sequence-number arithmetic modulo 2^32 and the unwrapping of sequence numbers into stream offsets.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { offsetToSeq, seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqToOffset } from '../../src/tcp/seq.js';

describe('sequence arithmetic', () => {
  it('compares across the wrap', () => {
    expect(seqDiff(5, 0xfffffffb)).toBe(10);
    expect(seqDiff(0xfffffffb, 5)).toBe(-10);
    expect(seqLt(0xffffffff, 0)).toBe(true);
    expect(seqGt(0, 0xffffffff)).toBe(true);
    expect(seqLe(7, 7) && seqGe(7, 7)).toBe(true);
    expect(seqAdd(0xffffffff, 2)).toBe(1);
    expect(seqAdd(0, -1)).toBe(0xffffffff);
  });

  it('unwraps sequence numbers into offsets that keep growing past 2^32', () => {
    const base = 0xfffffff0;
    expect(seqToOffset(0xfffffff0, base, 0)).toBe(0);
    expect(seqToOffset(0x10, base, 0)).toBe(0x20);
    expect(seqToOffset(0xffffffef, base, 0)).toBe(-1);
    // Five gigabytes into the stream, near the reference.
    const far = 5 * 2 ** 30;
    expect(seqToOffset(offsetToSeq(far + 100, base), base, far)).toBe(far + 100);
    expect(seqToOffset(offsetToSeq(far - 100, base), base, far)).toBe(far - 100);
  });

  it('round-trips any offset within 2^31 of the reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (base, near, delta) => {
        const off = near + delta;
        expect(seqToOffset(offsetToSeq(off, base), base, near)).toBe(off);
      }),
    );
  });
});
