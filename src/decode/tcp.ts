// TCP header: measures it (data offset, options skipped, never checksummed) and lifts the segment out
// as a TcpSegment whose payload is a view into the captured bytes.

import type { TcpSegment } from './segment.js';

/** tcpHeaderLength results below zero. */
export const TcpProblem = {
  /** The header was cut by the capture (snaplen): incomplete, not wrong. */
  SHORT: -1,
  /** Data offset below 5 words. */
  BAD_OFFSET: -2,
  /** The header (with options) claims more bytes than the IP datagram carries. */
  PAST_END: -3,
} as const;

/**
 * Length of the TCP header at `start`, or a TcpProblem. `capturedEnd` is where the captured datagram
 * ends, `declaredEnd` where the IP header says it ends (later when the capture cut it).
 */
export function tcpHeaderLength(data: Uint8Array, start: number, capturedEnd: number, declaredEnd: number): number {
  if (start + 13 > capturedEnd) return start + 20 <= declaredEnd ? TcpProblem.SHORT : TcpProblem.PAST_END;
  const hlen = ((data[start + 12] as number) >> 4) * 4;
  if (hlen < 20) return TcpProblem.BAD_OFFSET;
  if (start + hlen > declaredEnd) return TcpProblem.PAST_END;
  if (start + hlen > capturedEnd) return TcpProblem.SHORT;
  return hlen;
}

/** Builds the segment of a header already measured by tcpHeaderLength. */
export function tcpSegment(
  data: Uint8Array,
  start: number,
  hlen: number,
  capturedEnd: number,
  declaredEnd: number,
  srcAddr: string,
  dstAddr: string,
  packet: number,
  tsMicros: number,
): TcpSegment {
  return {
    packet,
    tsMicros,
    srcAddr,
    dstAddr,
    srcPort: ((data[start] as number) << 8) | (data[start + 1] as number),
    dstPort: ((data[start + 2] as number) << 8) | (data[start + 3] as number),
    seq: (((data[start + 4] as number) << 24) | ((data[start + 5] as number) << 16) | ((data[start + 6] as number) << 8) | (data[start + 7] as number)) >>> 0,
    ack: (((data[start + 8] as number) << 24) | ((data[start + 9] as number) << 16) | ((data[start + 10] as number) << 8) | (data[start + 11] as number)) >>> 0,
    // The whole flags byte: FIN..URG as TcpFlag names them, plus ECE/CWR, which nobody downstream needs to strip.
    flags: data[start + 13] as number,
    payload: data.subarray(start + hlen, capturedEnd),
    missingTail: declaredEnd - capturedEnd,
  };
}
