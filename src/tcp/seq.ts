// TCP sequence-number arithmetic modulo 2^32 (RFC 1982 style), and the unwrapping of a 32-bit sequence
// number into a plain stream offset so that the reassembler's bookkeeping never has to think about wraparound.

/** Signed distance a - b in sequence space, in [-2^31, 2^31). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a + n modulo 2^32 (n may be negative). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** a comes strictly before b (within half the sequence space). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/**
 * The stream offset of `seq`, given that offset 0 has sequence number `base` and that the answer lies within
 * 2^31 of `near` (an offset already known, typically the next expected byte). Offsets are plain numbers that
 * keep growing past 2^32, so ranges compare with < and > without wraparound cases.
 */
export function seqToOffset(seq: number, base: number, near: number): number {
  // ToUint32 reduces near + base modulo 2^32 exactly for any offset below 2^53.
  return near + ((seq - ((base + near) >>> 0)) | 0);
}

/** The sequence number of stream offset `offset` (inverse of seqToOffset). */
export function offsetToSeq(offset: number, base: number): number {
  return (base + offset) >>> 0;
}
