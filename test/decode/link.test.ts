// Link layers: every link type the decoder reads, built by the capture builder, decodes to the script's
// segments; unknown link types and non-IP frames are counted, not fatal.

import { describe, expect, it } from 'vitest';
import type { RawPacket } from '../../src/capture/packet.js';
import { type BuildOptions, Conversation, buildFrames, frameIp, toIpv6, udpDatagram } from '../support/capture-builder.js';
import { decodeAll } from '../support/decode-frames.js';


function chat(client = '10.0.0.2:50000', server = '10.0.0.1:1863'): Conversation {
  return new Conversation({ client, server, isn: { client: 1000, server: 5000 } })
    .handshake()
    .client('VER 1 MSNP8 CVR0\r\n')
    .server('VER 1 MSNP8\r\n')
    .client('USR 2 MD5 I alice@hotmail.com\r\n', { split: [4, 10] })
    .close();
}

const cases: Array<{ name: string; opts: BuildOptions; linkType: number }> = [
  { name: 'Ethernet', opts: { link: 'ethernet' }, linkType: 1 },
  { name: 'Ethernet unpadded', opts: { link: 'ethernet', ethernetPadding: false }, linkType: 1 },
  { name: '802.1Q VLAN', opts: { link: 'vlan' }, linkType: 1 },
  { name: 'QinQ 802.1ad', opts: { link: 'qinq' }, linkType: 1 },
  { name: 'three stacked tags', opts: { link: 'qinq', vlanIds: [1, 2, 3] }, linkType: 1 },
  { name: 'Linux SLL', opts: { link: 'sll' }, linkType: 113 },
  { name: 'Linux SLL2', opts: { link: 'sll2' }, linkType: 276 },
  { name: 'raw IP (101)', opts: { link: 'raw' }, linkType: 101 },
  { name: 'raw IP (DLT 12)', opts: { link: 'raw', rawLinkType: 12 }, linkType: 12 },
  { name: 'raw IP (DLT 14)', opts: { link: 'raw', rawLinkType: 14 }, linkType: 14 },
  { name: 'NULL, little-endian host', opts: { link: 'null' }, linkType: 0 },
  { name: 'NULL, big-endian host', opts: { link: 'null', nullBigEndian: true }, linkType: 0 },
  { name: 'LOOP', opts: { link: 'loop' }, linkType: 108 },
];

describe('link types carrying IPv4', () => {
  it.each([...cases, { name: 'LINKTYPE_IPV4', opts: { link: 'ipv4' } as BuildOptions, linkType: 228 }])('$name', ({ opts, linkType }) => {
    const conv = chat();
    const frames = buildFrames(conv.segments, opts);
    expect(frames.every((f) => f.linkType === linkType)).toBe(true);
    const { segments, diags, decoder } = decodeAll(frames);
    expect(diags).toEqual([]);
    expect(segments).toHaveLength(conv.segments.length);
    segments.forEach((s, i) => {
      const want = conv.segments[i]!;
      expect(s.srcAddr).toBe(want.src.addr);
      expect(s.dstAddr).toBe(want.dst.addr);
      expect([s.srcPort, s.dstPort, s.seq, s.ack, s.flags]).toEqual([want.src.port, want.dst.port, want.seq, want.ack, want.flags]);
      expect(Buffer.from(s.payload)).toEqual(Buffer.from(want.payload));
      expect(s.missingTail).toBe(0);
      expect(s.packet).toBe(i + 1);
      expect(s.tsMicros).toBe(frames[i]!.tsMicros);
    });
    expect(decoder.stats).toMatchObject({ packets: frames.length, tcp: frames.length, ipv4: frames.length, malformed: 0, nonIp: 0 });
  });
});

describe('link types carrying IPv6', () => {
  const v6cases = [
    ...cases,
    { name: 'LINKTYPE_IPV6', opts: { link: 'ipv6' } as BuildOptions, linkType: 229 },
    { name: 'NULL with FreeBSD AF_INET6 28', opts: { link: 'null', nullAf6: 28 } as BuildOptions, linkType: 0 },
    { name: 'NULL with OpenBSD AF_INET6 24', opts: { link: 'null', nullAf6: 24 } as BuildOptions, linkType: 0 },
  ];
  it.each(v6cases)('$name', ({ opts }) => {
    const conv = chat('[2001:db8::2]:50000', '[2001:db8::1]:1863');
    const { segments, diags, decoder } = decodeAll(buildFrames(conv.segments, opts));
    expect(diags).toEqual([]);
    expect(segments.map((s) => [s.srcAddr, s.dstAddr])).toEqual(conv.segments.map((s) => [s.src.addr, s.dst.addr]));
    expect(segments.map((s) => Buffer.from(s.payload).toString())).toEqual(conv.segments.map((s) => Buffer.from(s.payload).toString()));
    expect(decoder.stats.ipv6).toBe(conv.segments.length);
  });

  it('IPv4 scripts forced to IPv6 get the builder’s mapped addresses', () => {
    const conv = chat();
    const { segments } = decodeAll(buildFrames(conv.segments, { ipVersion: 6 }));
    expect(segments[0]!.srcAddr).toBe(toIpv6('10.0.0.2'));
    expect(segments[0]!.srcAddr).toBe('2001:db8::a00:2');
  });
});

describe('what is not TCP over IP', () => {
  it('counts an unknown link type once per type with one info diagnostic', () => {
    const frame = (linkType: number, i: number): RawPacket => ({ index: i, tsMicros: i, linkType, data: new Uint8Array(40), origLen: 40 });
    const { decoder, diags, segments } = decodeAll([frame(147, 1), frame(147, 2), frame(9999, 3), frame(147, 4)]);
    expect(segments).toEqual([]);
    expect(diags.map((d) => [d.code, d.severity, d.packet])).toEqual([
      ['decode.unknown_linktype', 'info', 1],
      ['decode.unknown_linktype', 'info', 3],
    ]);
    expect(decoder.stats.unknownLinkType).toBe(4);
    expect([...decoder.unknownLinkTypes]).toEqual([[147, 3], [9999, 1]]);
  });

  it('counts ARP, 802.3/LLC and unknown loopback families as non-IP', () => {
    const arp = new Uint8Array(42);
    arp[12] = 0x08;
    arp[13] = 0x06;
    const llc = new Uint8Array(60);
    llc[12] = 0x00;
    llc[13] = 0x2e; // an 802.3 length, not an EtherType
    const nullAf = Uint8Array.of(7, 0, 0, 0, 0x45, 0);
    const frames: RawPacket[] = [
      { index: 1, tsMicros: 1, linkType: 1, data: arp, origLen: arp.length },
      { index: 2, tsMicros: 2, linkType: 1, data: llc, origLen: llc.length },
      { index: 3, tsMicros: 3, linkType: 0, data: nullAf, origLen: nullAf.length },
    ];
    const { decoder, diags } = decodeAll(frames);
    expect(diags).toEqual([]);
    expect(decoder.stats.nonIp).toBe(3);
  });

  it('counts UDP, ICMP and other IP protocols', () => {
    const udp = udpDatagram('10.0.0.2:5353', '224.0.0.251:5353', 'mdns');
    const udp6 = udpDatagram('[fe80::1]:546', '[ff02::1:2]:547', 'dhcp');
    const icmp = Uint8Array.from(udp);
    icmp[9] = 1;
    const gre = Uint8Array.from(udp);
    gre[9] = 47;
    const frames = buildFrames([{ ip: udp }, { ip: udp6 }, { ip: icmp }, { ip: gre }], { link: 'ethernet' });
    const { decoder, diags, segments } = decodeAll(frames);
    expect(diags).toEqual([]);
    expect(segments).toEqual([]);
    expect(decoder.stats).toMatchObject({ packets: 4, udp: 2, icmp: 1, otherIp: 1, tcp: 0 });
  });

  it('reports an Ethertype/version mismatch as malformed', () => {
    const ip = udpDatagram('10.0.0.2:1', '10.0.0.1:2', 'x');
    const frame = frameIp(ip, { link: 'ethernet' });
    frame[12] = 0x86; // claims IPv6
    frame[13] = 0xdd;
    const { diags, decoder } = decodeAll([{ index: 1, tsMicros: 0, linkType: 1, data: frame, origLen: frame.length }]);
    expect(diags.map((d) => [d.code, d.severity, d.packet])).toEqual([['decode.malformed', 'warning', 1]]);
    expect(decoder.stats.malformed).toBe(1);
  });

  it('reports a raw frame whose first nibble is no IP version as malformed', () => {
    const data = Uint8Array.of(0x55, 0, 0, 20);
    const { diags } = decodeAll([{ index: 7, tsMicros: 0, linkType: 101, data, origLen: 4 }]);
    expect(diags.map((d) => [d.code, d.packet])).toEqual([['decode.malformed', 7]]);
  });
});
