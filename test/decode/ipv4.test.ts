// IPv4: options, padding, snaplen-cut payloads, offloaded length 0, and fragment reassembly (in order,
// reversed, overlapping, duplicated, expired, over the byte limit).

import { describe, expect, it } from 'vitest';
import { Conversation, buildFrames, fragmentIpv4, tcpDatagram, udpDatagram } from '../support/capture-builder.js';
import { decodeAll, payloadText } from '../support/decode-frames.js';


const text = payloadText;

/** A 3000-byte MSG, recognisable at every offset. */
const BIG = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('');

function bigSegment(): Conversation {
  return new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).client(BIG);
}

describe('IPv4 header', () => {
  it.each([
    ['no options', undefined],
    ['NOP + end (4 bytes)', Uint8Array.of(1, 1, 1, 0)],
    ['record route (39 bytes, padded to 40)', Uint8Array.from([7, 39, 4, ...new Array<number>(36).fill(0)])],
  ])('skips %s', (_name, ipv4Options) => {
    const conv = new Conversation({ client: '192.168.0.114:3331', server: '207.46.26.167:1863' });
    conv.client('MSG 5 N 4\r\nabcd', ipv4Options === undefined ? {} : { ipv4Options });
    const { segments, diags } = decodeAll(buildFrames(conv.segments));
    expect(diags).toEqual([]);
    expect(segments.map(text)).toEqual(['MSG 5 N 4\r\nabcd']);
    expect(segments[0]!.srcAddr).toBe('192.168.0.114');
  });

  it('uses the total length to drop Ethernet padding', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).client('X');
    const frames = buildFrames(conv.segments, { link: 'ethernet' });
    expect(frames[0]!.data.length).toBe(60); // 14 + 20 + 20 + 1, padded
    const { segments } = decodeAll(frames);
    expect(text(segments[0]!)).toBe('X');
  });

  it('gives the captured part of a payload cut by snaplen and says how much is missing', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).client('0123456789');
    const frames = buildFrames(conv.segments, { link: 'ethernet', snaplen: 14 + 20 + 20 + 4, ethernetPadding: false });
    const { segments, diags } = decodeAll(frames);
    expect(diags.map((d) => [d.code, d.details?.missing])).toEqual([['decode.snaplen_cut', 6]]);
    expect(text(segments[0]!)).toBe('0123');
    expect(segments[0]!.missingTail).toBe(6);
  });

  it('trusts the frame when total length is 0 (segmentation offload on the sender)', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).client('hello');
    const ip = tcpDatagram(conv.segments[0]!);
    ip[2] = 0;
    ip[3] = 0;
    const { segments } = decodeAll(buildFrames([{ ip }], { link: 'raw' }));
    expect(text(segments[0]!)).toBe('hello');
  });

  it.each([
    ['IHL below 5', (ip: Uint8Array) => (ip[0] = 0x44)],
    ['total length below the header', (ip: Uint8Array) => ((ip[2] = 0), (ip[3] = 12))],
    ['version 5', (ip: Uint8Array) => (ip[0] = 0x55)],
  ])('reports %s as decode.malformed', (_name, spoil) => {
    const ip = udpDatagram('10.0.0.2:1', '10.0.0.1:2', 'payload');
    spoil(ip);
    const { diags, decoder } = decodeAll(buildFrames([{ ip }], { link: 'ethernet' }));
    expect(diags.map((d) => [d.code, d.severity, d.packet])).toEqual([['decode.malformed', 'warning', 1]]);
    expect(decoder.stats.malformed).toBe(1);
  });

  it('prints addresses at the ends of the range', () => {
    const conv = new Conversation({ client: '0.0.0.0:1', server: '255.255.255.255:1863' }).client('a').server('b');
    const { segments } = decodeAll(buildFrames(conv.segments));
    expect(segments.map((s) => [s.srcAddr, s.dstAddr])).toEqual([
      ['0.0.0.0', '255.255.255.255'],
      ['255.255.255.255', '0.0.0.0'],
    ]);
  });
});

describe('IPv4 fragments', () => {
  const fragmentsOf = (conv: Conversation, mtu: number): Uint8Array[] => fragmentIpv4(tcpDatagram({ ...conv.segments[0]!, ipId: 77 }), mtu);

  it('builder output with fragmentMtu is reassembled, numbered by the completing frame', () => {
    const conv = bigSegment().server('OK\r\n');
    const frames = buildFrames(conv.segments, { fragmentMtu: 576 });
    expect(frames.length).toBe(Math.ceil((3000 + 20) / 552) + 1);
    const { segments, decoder, diags } = decodeAll(frames);
    expect(diags).toEqual([]);
    expect(segments.map(text)).toEqual([BIG, 'OK\r\n']);
    expect(segments[0]!.packet).toBe(frames.length - 1);
    expect(segments[0]!.tsMicros).toBe(frames[frames.length - 2]!.tsMicros);
    expect(decoder.stats).toMatchObject({ fragments: frames.length - 1, fragmentsReassembled: 1, tcp: 2 });
  });

  it.each([
    ['reversed', (f: Uint8Array[]) => f.reverse()],
    ['last first', (f: Uint8Array[]) => [f[f.length - 1]!, ...f.slice(0, -1)]],
    ['interleaved odd/even', (f: Uint8Array[]) => [...f.filter((_, i) => i % 2 === 1), ...f.filter((_, i) => i % 2 === 0)]],
    ['with duplicates', (f: Uint8Array[]) => [f[0]!, ...f]],
  ])('reassembles fragments %s', (_name, order) => {
    const ips = order(fragmentsOf(bigSegment(), 1000));
    const { segments, diags } = decodeAll(buildFrames(ips.map((ip) => ({ ip })), { link: 'ethernet' }));
    expect(diags).toEqual([]);
    expect(segments.map(text)).toEqual([BIG]);
  });

  it('ignores a fragment duplicated after its datagram completed, without a spurious expiry', () => {
    const frags = fragmentsOf(bigSegment(), 1000);
    const { segments, diags, decoder } = decodeAll(buildFrames([...frags, frags[1]!, frags[0]!].map((ip) => ({ ip }))));
    expect(segments.map(text)).toEqual([BIG]);
    expect(diags).toEqual([]);
    expect(decoder.stats).toMatchObject({ fragmentsReassembled: 1, fragmentsDuplicate: 2, fragmentsExpired: 0 });
  });

  it('reassembles a later datagram that reuses the IP id', () => {
    const first = fragmentsOf(bigSegment(), 1000);
    const again = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863', startMicros: 9_000_000_000_000_000 }).client(BIG.toLowerCase());
    const second = fragmentIpv4(tcpDatagram({ ...again.segments[0]!, ipId: 77 }), 1000);
    const frames = buildFrames([...first.map((ip) => ({ ip })), ...second.map((ip) => ({ ip, tsMicros: 9_000_000_000_000_000 }))]);
    const { segments, diags } = decodeAll(frames);
    expect(diags).toEqual([]);
    expect(segments.map(text)).toEqual([BIG, BIG.toLowerCase()]);
  });

  it('keeps the first copy of overlapping bytes', () => {
    const frags = fragmentsOf(bigSegment(), 1000); // 976 data bytes each
    // A second fragment that starts 488 bytes into the first one's data and holds different bytes.
    const rogue = Uint8Array.from(frags[1]!);
    rogue.fill(0x7a, 20);
    new DataView(rogue.buffer).setUint16(6, 0x2000 | (488 / 8));
    // Arriving after the two fragments it overlaps, the rogue changes nothing.
    const { segments } = decodeAll(buildFrames([frags[0]!, frags[1]!, rogue, ...frags.slice(2)].map((ip) => ({ ip }))));
    expect(text(segments[0]!)).toBe(BIG);
    // The rogue arriving first wins where it overlaps the real second fragment (TCP header is 20 bytes).
    const { segments: s2 } = decodeAll(buildFrames([rogue, ...frags].map((ip) => ({ ip }))));
    const got = text(s2[0]!);
    expect(got.slice(0, 488 - 20)).toBe(BIG.slice(0, 488 - 20));
    expect(got.slice(488 - 20, 488 - 20 + 976)).toBe('z'.repeat(976));
    expect(got.slice(488 - 20 + 976)).toBe(BIG.slice(488 - 20 + 976));
  });

  it('expires an incomplete datagram after the timeout, with a warning', () => {
    const frags = fragmentsOf(bigSegment(), 1000);
    const later = new Conversation({ client: '10.0.0.3:1', server: '10.0.0.1:1863', startMicros: 2_000_000_000_000_000 }).client('late');
    const frames = buildFrames([{ ip: frags[0]!, tsMicros: 1_000_000_000_000_000 }, ...later.segments, { ip: frags[1]! }], { timestamps: 'recorded' });
    const { segments, diags, decoder } = decodeAll(frames, { fragmentTimeoutMicros: 5_000_000 });
    expect(segments.map(text)).toEqual(['late']);
    // Reported against the datagram's first fragment; the straggler starts a new one that never completes.
    expect(diags.map((d) => [d.code, d.severity, d.packet, d.tsMicros])).toEqual([
      ['ip.fragment_expired', 'warning', 1, 1_000_000_000_000_000],
      ['ip.fragment_expired', 'warning', 3, frames[2]!.tsMicros],
    ]);
    expect(diags[0]!.details).toMatchObject({ fragments: 1, droppedAtMicros: frames[1]!.tsMicros });
    expect(decoder.stats.fragmentsExpired).toBe(2);
  });

  it('reports datagrams still incomplete at the end of the capture', () => {
    const frags = fragmentsOf(bigSegment(), 1000);
    const { diags, decoder } = decodeAll(buildFrames([{ ip: frags[0]! }, { ip: frags[2]! }]));
    expect(diags.map((d) => d.code)).toEqual(['ip.fragment_expired']);
    expect(diags[0]!.packet).toBe(1);
    expect(diags[0]!.details).toMatchObject({ fragments: 2, bytes: 2 * 976 });
    expect(decoder.stats.fragmentsExpired).toBe(1);
  });

  it('drops the oldest datagrams past maxFragmentBytes', () => {
    // Each datagram is 3020 bytes in fragments of 976: the second one's second fragment crosses 3500.
    const a = fragmentIpv4(tcpDatagram({ ...bigSegment().segments[0]!, ipId: 1 }), 1000);
    const b = fragmentIpv4(tcpDatagram({ ...bigSegment().segments[0]!, ipId: 2 }), 1000);
    const { segments, diags, decoder } = decodeAll(buildFrames([a[0]!, a[1]!, b[0]!, b[1]!, ...b.slice(2)].map((ip) => ({ ip }))), { maxFragmentBytes: 3500 });
    expect(segments.map(text)).toEqual([BIG]);
    expect(diags.map((d) => [d.code, d.severity, d.packet])).toEqual([['ip.fragment_limit', 'warning', 1]]);
    expect(decoder.stats.fragmentsDropped).toBe(1);
  });

  it('does not complete a fragment cut by snaplen', () => {
    const frags = fragmentsOf(bigSegment(), 1000);
    const frames = buildFrames(frags.map((ip) => ({ ip })), { link: 'raw', snaplen: 600 });
    const { segments, diags } = decodeAll(frames);
    expect(segments).toEqual([]);
    expect(diags.map((d) => d.code)).toEqual(['ip.fragment_expired']);
  });

  it('counts fragmented UDP without holding it', () => {
    const udp = udpDatagram('10.0.0.2:1', '10.0.0.1:2', BIG);
    const { decoder, diags } = decodeAll(buildFrames(fragmentIpv4(udp, 1000).slice(1).map((ip) => ({ ip }))));
    expect(diags).toEqual([]);
    expect(decoder.stats).toMatchObject({ udp: 3, fragments: 3, fragmentsExpired: 0 });
  });

  it('rejects a fragment reaching past 65535 bytes', () => {
    const frags = fragmentsOf(bigSegment(), 1000);
    const f = Uint8Array.from(frags[1]!);
    new DataView(f.buffer).setUint16(6, 0x2000 | 0x1fff);
    const { diags } = decodeAll(buildFrames([{ ip: f }]));
    expect(diags.map((d) => [d.code, d.severity])).toEqual([['decode.malformed', 'warning']]);
  });
});

describe('IPv4 fragment buffer limit', () => {
  it('drops a single datagram larger than the whole buffer', () => {
    const frags = fragmentIpv4(tcpDatagram({ ...bigSegment().segments[0]!, ipId: 9 }), 1000);
    const { segments, diags, decoder } = decodeAll(buildFrames(frags.map((ip) => ({ ip }))), { maxFragmentBytes: 1500 });
    expect(diags.map((d) => [d.code, d.packet])).toEqual([
      ['ip.fragment_limit', 1],
      ['ip.fragment_expired', 3], // the rest starts again and cannot complete without its first part
    ]);
    expect(segments).toEqual([]);
    expect(decoder.stats.fragmentsDropped).toBe(1);
  });
});
