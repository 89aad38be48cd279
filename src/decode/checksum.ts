// TCP checksums, computed only to *explain* wrong ones: captures taken on the sending host carry
// offloaded (unfilled) checksums, so msnsniff never drops a segment for one, it only says so.

/** One's-complement sum of 16-bit big-endian words of data[start, end), added to `sum` (not folded). */
function addWords(sum: number, data: Uint8Array, start: number, end: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((data[i] as number) << 8) | (data[i + 1] as number);
  if (i < end) sum += (data[i] as number) << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Pseudo-header sum of an IPv4 datagram (addresses as 32-bit numbers) for a TCP segment of `length` bytes. */
export function ipv4PseudoSum(src: number, dst: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 6 + length;
}

/** Pseudo-header sum of an IPv6 packet whose addresses sit at srcAt/dstAt in `data`. */
export function ipv6PseudoSum(data: Uint8Array, srcAt: number, dstAt: number, length: number): number {
  return addWords(addWords(0, data, srcAt, srcAt + 16), data, dstAt, dstAt + 16) + 6 + Math.floor(length / 0x10000) + (length & 0xffff);
}

/** Whether the TCP segment data[start, end) (header and payload) carries a correct checksum. */
export function tcpChecksumOk(pseudoSum: number, data: Uint8Array, start: number, end: number): boolean {
  return fold(addWords(pseudoSum, data, start, end)) === 0xffff;
}
