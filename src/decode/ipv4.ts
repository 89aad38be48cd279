// IPv4 header: validates and measures the header (IHL, options, total length, fragment fields) and
// prints addresses, caching the dotted strings because a capture repeats the same few hosts.

/** Outcome of a header parse. SHORT: fewer bytes than the header needs (the caller decides whether
 * the capture cut it or the frame is bogus). MALFORMED: a field holds an impossible value. */
export const HeaderStatus = { OK: 0, SHORT: 1, MALFORMED: 2 } as const;
export type HeaderStatusCode = (typeof HeaderStatus)[keyof typeof HeaderStatus];

/** Filled in by parseIpv4; reused across packets. Offsets index the frame the header came from. */
export interface Ipv4Header {
  src: number;
  dst: number;
  proto: number;
  id: number;
  /** Fragment offset in bytes (the header's 13-bit field × 8). */
  fragOffset: number;
  moreFragments: boolean;
  /** First byte after the header and its options. */
  payloadStart: number;
  /** End of the datagram as far as it was captured (Ethernet padding excluded). */
  capturedEnd: number;
  /** End of the datagram according to the total length field (> capturedEnd when snaplen cut it). */
  declaredEnd: number;
  /** Why the header was SHORT or MALFORMED. */
  problem: string;
}

export function newIpv4Header(): Ipv4Header {
  return { src: 0, dst: 0, proto: 0, id: 0, fragOffset: 0, moreFragments: false, payloadStart: 0, capturedEnd: 0, declaredEnd: 0, problem: '' };
}

export function parseIpv4(data: Uint8Array, off: number, h: Ipv4Header): HeaderStatusCode {
  const avail = data.length - off;
  if (avail < 1) {
    h.problem = 'IPv4 header missing';
    return HeaderStatus.SHORT;
  }
  const b0 = data[off] as number;
  if (b0 >> 4 !== 4) {
    h.problem = `IP version ${b0 >> 4} where IPv4 was expected`;
    return HeaderStatus.MALFORMED;
  }
  const hlen = (b0 & 0x0f) * 4;
  if (hlen < 20) {
    h.problem = `IPv4 header length ${hlen} < 20`;
    return HeaderStatus.MALFORMED;
  }
  if (avail < hlen) {
    h.problem = `IPv4 header needs ${hlen} bytes, ${avail} present`;
    return HeaderStatus.SHORT;
  }
  const totalLen = ((data[off + 2] as number) << 8) | (data[off + 3] as number);
  // Total length 0 is what a sender's capture shows under TCP segmentation offload: trust the frame.
  const declaredLen = totalLen === 0 ? avail : totalLen;
  if (declaredLen < hlen) {
    h.problem = `IPv4 total length ${totalLen} < header length ${hlen}`;
    return HeaderStatus.MALFORMED;
  }
  const frag = ((data[off + 6] as number) << 8) | (data[off + 7] as number);
  h.id = ((data[off + 4] as number) << 8) | (data[off + 5] as number);
  h.moreFragments = (frag & 0x2000) !== 0;
  h.fragOffset = (frag & 0x1fff) * 8;
  h.proto = data[off + 9] as number;
  h.src = readU32(data, off + 12);
  h.dst = readU32(data, off + 16);
  h.payloadStart = off + hlen;
  h.declaredEnd = off + declaredLen;
  // Anything past the total length is link padding (Ethernet minimum frame, FCS): not ours.
  h.capturedEnd = h.declaredEnd < data.length ? h.declaredEnd : data.length;
  return HeaderStatus.OK;
}

function readU32(d: Uint8Array, i: number): number {
  return (((d[i] as number) << 24) | ((d[i + 1] as number) << 16) | ((d[i + 2] as number) << 8) | (d[i + 3] as number)) >>> 0;
}

// A capture talks to few hosts; the bound only guards against a scan of millions of addresses.
const MAX_CACHED_ADDRESSES = 4096;
const dotted = new Map<number, string>();

/** Dotted-quad text of a 32-bit IPv4 address. */
export function ipv4ToString(addr: number): string {
  let s = dotted.get(addr);
  if (s === undefined) {
    s = `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
    if (dotted.size >= MAX_CACHED_ADDRESSES) dotted.clear();
    dotted.set(addr, s);
  }
  return s;
}
