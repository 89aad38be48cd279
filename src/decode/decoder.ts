// The packet decoder: one captured frame in, its TCP segment (or null) out, through link → IP (with
// fragment reassembly) → TCP. Counts everything it skips and never throws on traffic.

import type { RawPacket } from '../capture/packet.js';
import type { DiagnosticSink } from '../diag.js';
import { DEFAULT_FRAGMENT_LIMITS, FragmentReassembler } from './fragments.js';
import { HeaderStatus, ipv4ToString, newIpv4Header, parseIpv4 } from './ipv4.js';
import { ipv6ToString, newIpv6Header, parseIpv6, walkIpv6Extensions } from './ipv6.js';
import { LinkResult, locateNetwork, type LinkCursor } from './link.js';
import { ipv4PseudoSum, ipv6PseudoSum, tcpChecksumOk } from './checksum.js';
import type { TcpSegment } from './segment.js';
import { TcpProblem, tcpHeaderLength, tcpSegment } from './tcp.js';

export interface DecoderOptions {
  /** Bytes held in incomplete IP datagrams, all together (default 4 MiB). */
  maxFragmentBytes?: number;
  /** Capture time after which an incomplete IP datagram is dropped (default 30 s). */
  fragmentTimeoutMicros?: number;
}

/** Flat counters (every value a number) so a summary can print them as they are. */
export interface DecodeStats {
  packets: number;
  ipv4: number;
  ipv6: number;
  /** Frames (or reassembled datagrams) that yielded a TCP segment. */
  tcp: number;
  udp: number;
  icmp: number;
  /** IP packets of any other protocol (including IPv6 chains ending in ESP, no-next-header, ...). */
  otherIp: number;
  /** Frames of a known link type that carry no IP (ARP, LLC, unknown loopback family, ...). */
  nonIp: number;
  /** Frames of a link type the decoder does not know (per type in PacketDecoder.unknownLinkTypes). */
  unknownLinkType: number;
  /** Headers with impossible values (decode.malformed + tcp.malformed). */
  malformed: number;
  /** Headers cut by the capture's snaplen (decode.truncated). */
  truncated: number;
  /** TCP segments whose payload the snaplen cut (decode.snaplen_cut, then tcp.gap). */
  payloadCut: number;
  /** Frames that were IP fragments. */
  fragments: number;
  fragmentsReassembled: number;
  fragmentsExpired: number;
  /** Incomplete datagrams dropped because the fragment buffer was full. */
  fragmentsDropped: number;
  /** Fragments of a datagram already reassembled, ignored. */
  fragmentsDuplicate: number;
}

function newStats(): DecodeStats {
  return {
    packets: 0, ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, otherIp: 0, nonIp: 0, unknownLinkType: 0,
    malformed: 0, truncated: 0, payloadCut: 0, fragments: 0, fragmentsReassembled: 0, fragmentsExpired: 0, fragmentsDropped: 0,
    fragmentsDuplicate: 0,
  };
}

const PROTO_ICMP = 1;
/** TCP segments whose checksum is sampled per capture. */
const CHECKSUM_SAMPLE = 1000;
const NO_CHECK = -1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;

export class PacketDecoder {
  readonly stats: DecodeStats = newStats();
  private readonly unknownLinks = new Map<number, number>();
  private readonly fragments: FragmentReassembler;
  // Scratch records reused for every packet: the hot path allocates only the TcpSegment it returns.
  private readonly link: LinkCursor = { offset: 0 };
  private readonly v4 = newIpv4Header();
  private readonly v6 = newIpv6Header();
  private lastTsMicros = 0;
  /** TCP checksums still to sample (the first segments of a capture say enough, and it costs a pass over the bytes). */
  private checksumBudget = CHECKSUM_SAMPLE;
  private readonly offloadReported = new Set<string>();

  constructor(
    private readonly diag: DiagnosticSink,
    opts: DecoderOptions = {},
  ) {
    this.fragments = new FragmentReassembler(
      {
        maxFragmentBytes: opts.maxFragmentBytes ?? DEFAULT_FRAGMENT_LIMITS.maxFragmentBytes,
        fragmentTimeoutMicros: opts.fragmentTimeoutMicros ?? DEFAULT_FRAGMENT_LIMITS.fragmentTimeoutMicros,
      },
      diag,
      this.stats,
    );
  }

  /** Frames seen per unknown link type number. */
  get unknownLinkTypes(): ReadonlyMap<number, number> {
    return this.unknownLinks;
  }

  decode(pkt: RawPacket): TcpSegment | null {
    this.stats.packets++;
    this.lastTsMicros = pkt.tsMicros;
    if (this.fragments.size > 0) this.fragments.expire(pkt.tsMicros);
    const data = pkt.data;
    const kind = locateNetwork(pkt.linkType, data, this.link);
    switch (kind) {
      case LinkResult.IPV4:
        return this.ipv4(pkt, this.link.offset);
      case LinkResult.IPV6:
        return this.ipv6(pkt, this.link.offset);
      case LinkResult.IP_ANY: {
        const off = this.link.offset;
        if (off >= data.length) return this.short(pkt, 'raw IP frame is empty');
        const version = (data[off] as number) >> 4;
        if (version === 4) return this.ipv4(pkt, off);
        if (version === 6) return this.ipv6(pkt, off);
        return this.malformed(pkt, 'decode.malformed', `raw IP frame with IP version ${version}`);
      }
      case LinkResult.NOT_IP:
        this.stats.nonIp++;
        return null;
      case LinkResult.SHORT:
        return this.short(pkt, `link header (link type ${pkt.linkType}) cut`);
      case LinkResult.UNKNOWN_LINK:
        this.unknownLinkType(pkt);
        return null;
    }
  }

  /** End of input: incomplete IP datagrams are reported and dropped. */
  flush(): void {
    this.fragments.flush(this.lastTsMicros);
  }

  private ipv4(pkt: RawPacket, off: number): TcpSegment | null {
    const h = this.v4;
    const data = pkt.data;
    const st = parseIpv4(data, off, h);
    if (st === HeaderStatus.SHORT) return this.short(pkt, h.problem);
    if (st === HeaderStatus.MALFORMED) return this.malformed(pkt, 'decode.malformed', h.problem);
    this.stats.ipv4++;
    if (h.moreFragments || h.fragOffset !== 0) {
      this.stats.fragments++;
      // Only TCP is worth the memory; a fragmented UDP or ICMP datagram is just counted.
      if (h.proto !== PROTO_TCP) return this.otherProto(h.proto);
      const key = `4|${h.src}|${h.dst}|${h.proto}|${h.id}`;
      const whole = this.fragments.add(key, h.fragOffset, data.subarray(h.payloadStart, h.capturedEnd), h.declaredEnd - h.payloadStart, h.moreFragments, h.proto, pkt.index, pkt.tsMicros);
      if (whole === null) return null;
      return this.tcp(pkt, whole, 0, whole.length, whole.length, ipv4ToString(h.src), ipv4ToString(h.dst));
    }
    if (h.proto !== PROTO_TCP) return this.otherProto(h.proto);
    const pseudo = this.checksumBudget > 0 ? ipv4PseudoSum(h.src, h.dst, h.declaredEnd - h.payloadStart) : NO_CHECK;
    return this.tcp(pkt, data, h.payloadStart, h.capturedEnd, h.declaredEnd, ipv4ToString(h.src), ipv4ToString(h.dst), pseudo);
  }

  private ipv6(pkt: RawPacket, off: number): TcpSegment | null {
    const h = this.v6;
    const data = pkt.data;
    const st = parseIpv6(data, off, h);
    if (st === HeaderStatus.SHORT) return this.short(pkt, h.problem);
    if (st === HeaderStatus.MALFORMED) return this.malformed(pkt, 'decode.malformed', h.problem);
    this.stats.ipv6++;
    if (!h.fragment) {
      if (h.proto !== PROTO_TCP) return this.otherProto(h.proto);
      const pseudo = this.checksumBudget > 0 ? ipv6PseudoSum(data, h.srcAt, h.dstAt, h.declaredEnd - h.payloadStart) : NO_CHECK;
      return this.tcp(pkt, data, h.payloadStart, h.capturedEnd, h.declaredEnd, ipv6ToString(data, h.srcAt), ipv6ToString(data, h.dstAt), pseudo);
    }
    this.stats.fragments++;
    const src = ipv6ToString(data, h.srcAt);
    const dst = ipv6ToString(data, h.dstAt);
    const whole = this.fragments.add(`6|${src}|${dst}|${h.fragId}`, h.fragOffset, data.subarray(h.payloadStart, h.capturedEnd), h.declaredEnd - h.payloadStart, h.moreFragments, h.proto, pkt.index, pkt.tsMicros);
    if (whole === null) return null;
    // The fragmentable part may itself open with extension headers (destination options, AH).
    h.capturedEnd = whole.length;
    h.declaredEnd = whole.length;
    const st2 = walkIpv6Extensions(whole, 0, this.fragments.completedProto, h);
    if (st2 !== HeaderStatus.OK) return this.malformed(pkt, 'decode.malformed', `reassembled IPv6 datagram: ${h.problem}`);
    if (h.fragment) return this.malformed(pkt, 'decode.malformed', 'reassembled IPv6 datagram holds another fragment header');
    if (h.proto !== PROTO_TCP) return this.otherProto(h.proto);
    return this.tcp(pkt, whole, h.payloadStart, whole.length, whole.length, src, dst);
  }

  private tcp(pkt: RawPacket, data: Uint8Array, start: number, capturedEnd: number, declaredEnd: number, src: string, dst: string, pseudo = NO_CHECK): TcpSegment | null {
    const hlen = tcpHeaderLength(data, start, capturedEnd, declaredEnd);
    if (hlen > 0) {
      this.stats.tcp++;
      if (pseudo !== NO_CHECK && capturedEnd === declaredEnd) this.sampleChecksum(pkt, data, start, declaredEnd, src, pseudo);
      if (capturedEnd < declaredEnd) this.payloadCut(pkt, declaredEnd - capturedEnd);
      return tcpSegment(data, start, hlen, capturedEnd, declaredEnd, src, dst, pkt.index, pkt.tsMicros);
    }
    if (hlen === TcpProblem.SHORT) return this.short(pkt, 'TCP header cut by the capture');
    const why =
      hlen === TcpProblem.BAD_OFFSET
        ? `TCP data offset ${((data[start + 12] as number) >> 4)} words < 5`
        : `TCP header runs past the end of the IP datagram (${declaredEnd - start} bytes)`;
    return this.malformed(pkt, 'tcp.malformed', why);
  }

  /**
   * Checks the TCP checksum of the first segments of a capture, to say once per sender that its checksums
   * are wrong — the mark of checksum offload on the capturing host — never to drop anything.
   */
  private sampleChecksum(pkt: RawPacket, data: Uint8Array, start: number, end: number, src: string, pseudo: number): void {
    this.checksumBudget--;
    if (tcpChecksumOk(pseudo, data, start, end) || this.offloadReported.has(src)) return;
    this.offloadReported.add(src);
    this.diag({
      code: 'tcp.checksum_offload',
      severity: 'info',
      message: `TCP checksums from ${src} are wrong: likely checksum offload on the capturing host (checksums are not verified; the segments are decoded)`,
      packet: pkt.index,
      tsMicros: pkt.tsMicros,
      details: { source: src },
    });
  }

  /** TCP payload cut by the snaplen: said once (with the first frame); each cut also becomes a tcp.gap. */
  private payloadCut(pkt: RawPacket, missing: number): void {
    this.stats.payloadCut++;
    if (this.stats.payloadCut > 1) return;
    this.diag({
      code: 'decode.snaplen_cut',
      severity: 'info',
      message: `TCP payload cut by the capture's snaplen (${missing} bytes missing here); every cut payload is reported as a tcp.gap`,
      packet: pkt.index,
      tsMicros: pkt.tsMicros,
      details: { captured: pkt.data.length, original: pkt.origLen, missing },
    });
  }

  private otherProto(proto: number): null {
    if (proto === PROTO_UDP) this.stats.udp++;
    else if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) this.stats.icmp++;
    else this.stats.otherIp++;
    return null;
  }

  /** Too few bytes for a header: the capture's snaplen cut it (info) or the frame itself is bogus. */
  private short(pkt: RawPacket, what: string): null {
    if (pkt.origLen > pkt.data.length) {
      this.stats.truncated++;
      this.diag({
        code: 'decode.truncated',
        severity: 'info',
        message: `${what}: frame captured ${pkt.data.length} of ${pkt.origLen} bytes`,
        packet: pkt.index,
        tsMicros: pkt.tsMicros,
        details: { captured: pkt.data.length, original: pkt.origLen },
      });
      return null;
    }
    return this.malformed(pkt, 'decode.malformed', `${what}: frame is only ${pkt.data.length} bytes`);
  }

  private malformed(pkt: RawPacket, code: 'decode.malformed' | 'tcp.malformed', message: string): null {
    this.stats.malformed++;
    this.diag({ code, severity: 'warning', message, packet: pkt.index, tsMicros: pkt.tsMicros });
    return null;
  }

  private unknownLinkType(pkt: RawPacket): void {
    this.stats.unknownLinkType++;
    const seen = this.unknownLinks.get(pkt.linkType) ?? 0;
    this.unknownLinks.set(pkt.linkType, seen + 1);
    if (seen === 0) {
      this.diag({
        code: 'decode.unknown_linktype',
        severity: 'info',
        message: `link type ${pkt.linkType} is not decoded; its frames are counted and skipped`,
        packet: pkt.index,
        tsMicros: pkt.tsMicros,
        details: { linkType: pkt.linkType },
      });
    }
  }
}
