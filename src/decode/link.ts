// Link layer: finds where the IP header starts in a captured frame for every link type msnsniff
// reads (Ethernet with VLAN/QinQ tags, Linux SLL/SLL2, raw IP, BSD NULL/LOOP).

import { LinkType } from '../capture/packet.js';

/** What the link layer found. IP_ANY means "IP, version taken from the header's first nibble". */
export const LinkResult = {
  IPV4: 4,
  IPV6: 6,
  IP_ANY: 1,
  NOT_IP: 0,
  /** The link header itself is shorter than its fixed size. */
  SHORT: -1,
  UNKNOWN_LINK: -2,
} as const;
export type LinkResultCode = (typeof LinkResult)[keyof typeof LinkResult];

/** Filled in by locateNetwork; reused across packets so the hot path allocates nothing. */
export interface LinkCursor {
  /** Offset of the network-layer header in the frame. */
  offset: number;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
/** More stacked tags than this is garbage, not a real frame; stop rather than walk the whole frame. */
const MAX_VLAN_TAGS = 8;

// BSD loopback address families: AF_INET is 2 everywhere, AF_INET6 differs per OS
// (24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS/Darwin).
const AF_INET = 2;
const AF_INET6_BSD = 24;
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;

/**
 * Locates the IP header in `data` for `linkType`; writes the offset into `out` and returns what kind
 * of network layer follows. Never throws; never reads past `data.length`.
 */
export function locateNetwork(linkType: number, data: Uint8Array, out: LinkCursor): LinkResultCode {
  switch (linkType) {
    case LinkType.ETHERNET:
      if (data.length < 14) return LinkResult.SHORT;
      return walkEtherType(data, 12, out);
    case LinkType.LINUX_SLL: // 16-byte cooked header, protocol in the last two bytes
      if (data.length < 16) return LinkResult.SHORT;
      return walkEtherType(data, 14, out);
    case LinkType.LINUX_SLL2: {
      // 20-byte header, protocol in the first two bytes
      if (data.length < 20) return LinkResult.SHORT;
      const proto = ((data[0] as number) << 8) | (data[1] as number);
      return classifyAfterTags(data, proto, 20, out);
    }
    case LinkType.RAW:
    case LinkType.RAW_BSD:
    case LinkType.RAW_OPENBSD:
      out.offset = 0;
      return LinkResult.IP_ANY;
    case LinkType.IPV4:
      out.offset = 0;
      return LinkResult.IPV4;
    case LinkType.IPV6:
      out.offset = 0;
      return LinkResult.IPV6;
    case LinkType.NULL: // AF in the capturing host's byte order
    case LinkType.LOOP: // AF in network byte order (but some writers got that wrong too)
      return nullLoopback(data, out);
    default:
      return LinkResult.UNKNOWN_LINK;
  }
}

function walkEtherType(data: Uint8Array, typeAt: number, out: LinkCursor): LinkResultCode {
  const proto = ((data[typeAt] as number) << 8) | (data[typeAt + 1] as number);
  return classifyAfterTags(data, proto, typeAt + 2, out);
}

/** Skips any stack of 802.1Q / 802.1ad tags starting at `offset`, then classifies the EtherType. */
function classifyAfterTags(data: Uint8Array, proto: number, offset: number, out: LinkCursor): LinkResultCode {
  let tags = 0;
  while (proto === ETHERTYPE_VLAN || proto === ETHERTYPE_QINQ || proto === ETHERTYPE_QINQ_OLD) {
    // A tag is TCI (2 bytes) followed by the next EtherType (2 bytes).
    if (offset + 4 > data.length) return LinkResult.SHORT;
    if (++tags > MAX_VLAN_TAGS) return LinkResult.NOT_IP;
    proto = ((data[offset + 2] as number) << 8) | (data[offset + 3] as number);
    offset += 4;
  }
  out.offset = offset;
  if (proto === ETHERTYPE_IPV4) return LinkResult.IPV4;
  if (proto === ETHERTYPE_IPV6) return LinkResult.IPV6;
  return LinkResult.NOT_IP;
}

function nullLoopback(data: Uint8Array, out: LinkCursor): LinkResultCode {
  if (data.length < 4) return LinkResult.SHORT;
  // The family is a small number, so whichever byte order gives a value below 2^16 is the right one.
  let af = ((data[0] as number) | ((data[1] as number) << 8) | ((data[2] as number) << 16) | ((data[3] as number) << 24)) >>> 0;
  if (af > 0xffff) af = ((data[0] as number) << 24 | (data[1] as number) << 16 | (data[2] as number) << 8 | (data[3] as number)) >>> 0;
  out.offset = 4;
  if (af === AF_INET) return LinkResult.IPV4;
  if (af === AF_INET6_BSD || af === AF_INET6_FREEBSD || af === AF_INET6_DARWIN) return LinkResult.IPV6;
  return LinkResult.NOT_IP;
}

