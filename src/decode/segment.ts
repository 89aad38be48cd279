// The decoder's output: one TCP segment lifted out of a captured frame, whatever the link and IP layers were.

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

export interface TcpSegment {
  /** 1-based frame number of the packet that carried (or, for IP fragments, completed) the segment. */
  packet: number;
  tsMicros: number;
  /** Printable addresses: dotted IPv4 ("10.0.0.1") or RFC 5952 IPv6 ("::1"). */
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  /** Unsigned 32-bit sequence and acknowledgement numbers. */
  seq: number;
  ack: number;
  /** TCP flag bits (TcpFlag). */
  flags: number;
  /** TCP payload bytes that were captured (a view; copy to keep). */
  payload: Uint8Array;
  /** Payload bytes the IP header announced but the capture did not hold (snaplen cut). 0 normally. */
  missingTail: number;
}
