// IPv6 header and its extension-header chain (hop-by-hop, routing, destination options, fragment, AH),
// plus RFC 5952 text for addresses.

import { HeaderStatus, type HeaderStatusCode } from './ipv4.js';

const NH_HOP_BY_HOP = 0;
const NH_ROUTING = 43;
const NH_FRAGMENT = 44;
const NH_AH = 51;
const NH_DEST_OPTS = 60;

/** Filled in by parseIpv6 / walkIpv6Extensions; reused across packets. */
export interface Ipv6Header {
  /** Offsets of the 16-byte source and destination addresses in the frame. */
  srcAt: number;
  dstAt: number;
  /** The upper-layer protocol where the chain stopped (6 for TCP), or the fragment's next header. */
  proto: number;
  /** First byte of the upper-layer header (or of the fragment data when `fragment`). */
  payloadStart: number;
  capturedEnd: number;
  declaredEnd: number;
  /** The chain reached a fragment header: the fields below describe it and `payloadStart` is its data. */
  fragment: boolean;
  fragOffset: number;
  moreFragments: boolean;
  fragId: number;
  problem: string;
}

export function newIpv6Header(): Ipv6Header {
  return { srcAt: 0, dstAt: 0, proto: 0, payloadStart: 0, capturedEnd: 0, declaredEnd: 0, fragment: false, fragOffset: 0, moreFragments: false, fragId: 0, problem: '' };
}

export function parseIpv6(data: Uint8Array, off: number, h: Ipv6Header): HeaderStatusCode {
  const avail = data.length - off;
  if (avail < 1) {
    h.problem = 'IPv6 header missing';
    return HeaderStatus.SHORT;
  }
  const version = (data[off] as number) >> 4;
  if (version !== 6) {
    h.problem = `IP version ${version} where IPv6 was expected`;
    return HeaderStatus.MALFORMED;
  }
  if (avail < 40) {
    h.problem = `IPv6 header needs 40 bytes, ${avail} present`;
    return HeaderStatus.SHORT;
  }
  const payloadLen = ((data[off + 4] as number) << 8) | (data[off + 5] as number);
  h.srcAt = off + 8;
  h.dstAt = off + 24;
  // Payload length 0 is a jumbogram or a sender's offloaded segment: trust the frame.
  h.declaredEnd = payloadLen === 0 ? data.length : off + 40 + payloadLen;
  h.capturedEnd = h.declaredEnd < data.length ? h.declaredEnd : data.length;
  return walkIpv6Extensions(data, off + 40, data[off + 6] as number, h);
}

/**
 * Walks extension headers from `at` (whose type is `next`) until an upper-layer protocol or a fragment
 * header; bounded by h.capturedEnd / h.declaredEnd. Also used on a reassembled fragmentable part.
 */
export function walkIpv6Extensions(data: Uint8Array, at: number, next: number, h: Ipv6Header): HeaderStatusCode {
  h.fragment = false;
  for (;;) {
    let len: number;
    switch (next) {
      case NH_HOP_BY_HOP:
      case NH_ROUTING:
      case NH_DEST_OPTS:
        if (at + 2 > h.capturedEnd) return cut(h, at + 2, 'IPv6 extension header');
        len = ((data[at + 1] as number) + 1) * 8;
        break;
      case NH_AH:
        if (at + 2 > h.capturedEnd) return cut(h, at + 2, 'IPv6 authentication header');
        len = ((data[at + 1] as number) + 2) * 4;
        break;
      case NH_FRAGMENT: {
        if (at + 8 > h.capturedEnd) return cut(h, at + 8, 'IPv6 fragment header');
        const fo = ((data[at + 2] as number) << 8) | (data[at + 3] as number);
        h.fragment = true;
        h.proto = data[at] as number;
        h.fragOffset = fo & 0xfff8;
        h.moreFragments = (fo & 1) !== 0;
        h.fragId = (((data[at + 4] as number) << 24) | ((data[at + 5] as number) << 16) | ((data[at + 6] as number) << 8) | (data[at + 7] as number)) >>> 0;
        h.payloadStart = at + 8;
        return HeaderStatus.OK;
      }
      default:
        h.proto = next;
        h.payloadStart = at;
        return HeaderStatus.OK;
    }
    if (at + len > h.capturedEnd) return cut(h, at + len, 'IPv6 extension header');
    next = data[at] as number;
    at += len;
  }
}

/** A header ending at `end` is past what was captured: SHORT if the datagram really was longer
 * (snaplen), MALFORMED if the header claims more than the datagram holds. */
function cut(h: Ipv6Header, end: number, what: string): HeaderStatusCode {
  if (end <= h.declaredEnd) {
    h.problem = `${what} cut by the capture`;
    return HeaderStatus.SHORT;
  }
  h.problem = `${what} runs past the end of the datagram`;
  return HeaderStatus.MALFORMED;
}

// Formatting IPv6 text per packet would dominate the decode cost, and a capture holds few hosts: cache
// the text by a hash of the 16 bytes (buckets compare the bytes). The bound only guards against scans.
const MAX_CACHED_ADDRESSES = 4096;
interface CachedAddress {
  bytes: Uint8Array;
  text: string;
}
const cache = new Map<number, CachedAddress[]>();
let cachedCount = 0;

/** RFC 5952 text of the 16-byte address at `at`: lower-case, no leading zeros, longest zero run as "::". */
export function ipv6ToString(data: Uint8Array, at: number): string {
  let hash = 0;
  for (let i = at; i < at + 16; i += 4) {
    const word = ((data[i] as number) << 24) | ((data[i + 1] as number) << 16) | ((data[i + 2] as number) << 8) | (data[i + 3] as number);
    hash = Math.imul(hash ^ word, 0x9e3779b1) ^ (hash >>> 15);
  }
  const bucket = cache.get(hash);
  if (bucket !== undefined) {
    for (let b = 0; b < bucket.length; b++) {
      const entry = bucket[b] as CachedAddress;
      let i = 0;
      while (i < 16 && entry.bytes[i] === data[at + i]) i++;
      if (i === 16) return entry.text;
    }
  }
  if (cachedCount >= MAX_CACHED_ADDRESSES) {
    cache.clear();
    cachedCount = 0;
  }
  const entry = { bytes: data.slice(at, at + 16), text: formatIpv6(data, at) };
  const list = cache.get(hash);
  if (list === undefined) cache.set(hash, [entry]);
  else list.push(entry);
  cachedCount++;
  return entry.text;
}

function formatIpv6(data: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((data[at + 2 * i] as number) << 8) | (data[at + 2 * i + 1] as number));
  // IPv4-mapped addresses keep their dotted tail (RFC 5952 §5).
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${data[at + 12]}.${data[at + 13]}.${data[at + 14]}.${data[at + 15]}`;
  }
  // Longest run of zero groups, first one on a tie; a single zero group is not collapsed (§4.2.2).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}
