// The capture builder itself: sequence bookkeeping, scripting helpers, timestamps, link framing and the
// capture formats (read back with its own reader; the decoder tests check the other direction).

import { describe, expect, it } from 'vitest';
import {
  Conversation,
  TCP,
  buildCapture,
  buildFrames,
  frameIp,
  fragmentIpv4,
  ipv4Bytes,
  ipv6Bytes,
  linkTypeOf,
  mergeConversations,
  parseEndpoint,
  readCaptureBytes,
  tcpDatagram,
  toIpv6,
  udpDatagram,
  type ScriptSegment,
} from './capture-builder.js';

const str = (s: ScriptSegment): string => Buffer.from(s.payload).toString('latin1');
const brief = (s: ScriptSegment): [string, number, number, number, string] => [s.dir, s.seq, s.ack, s.flags, str(s)];

describe('Conversation', () => {
  it('numbers a full connection: handshake, data both ways, close', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863', isn: { client: 1000, server: 5000 } });
    conv.handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').close();
    expect(conv.segments.map(brief)).toEqual([
      ['c2s', 1000, 0, TCP.SYN, ''],
      ['s2c', 5000, 1001, TCP.SYN | TCP.ACK, ''],
      ['c2s', 1001, 5001, TCP.ACK, ''],
      ['c2s', 1001, 5001, TCP.ACK | TCP.PSH, 'VER 1 MSNP8 CVR0\r\n'],
      ['s2c', 5001, 1019, TCP.ACK | TCP.PSH, 'VER 1 MSNP8\r\n'],
      ['c2s', 1019, 5014, TCP.FIN | TCP.ACK, ''],
      ['s2c', 5014, 1020, TCP.FIN | TCP.ACK, ''],
      ['c2s', 1020, 5015, TCP.ACK, ''],
    ]);
    expect(conv.segments[0]!.tcpOptions).toBeDefined();
    expect(conv.segments[3]!.src).toEqual({ addr: '10.0.0.2', port: 50000 });
    expect(conv.streamOffset('c2s')).toBe(19);
  });

  it('starts mid-stream at isn+1 without a handshake, one direction only', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863', isn: { client: 41, server: 99 } });
    conv.client('PNG\r\n').client('PNG\r\n');
    expect(conv.segments.map(brief)).toEqual([
      ['c2s', 42, 100, TCP.ACK | TCP.PSH, 'PNG\r\n'],
      ['c2s', 47, 100, TCP.ACK | TCP.PSH, 'PNG\r\n'],
    ]);
  });

  it('wraps sequence numbers past 2^32', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863', isn: { client: 0xfffffffa, server: 0xffffffff } });
    conv.handshake().client('0123456789').server('x');
    expect(conv.segments.map((s) => s.seq)).toEqual([0xfffffffa, 0xffffffff, 0xfffffffb, 0xfffffffb, 0]);
    expect(conv.nextSeq('c2s')).toBe(5);
    expect(conv.last.ack).toBe(5);
    expect(conv.streamOffset('c2s')).toBe(10);
  });

  it('splits data at offsets and by MSS, PSH on the last piece', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863', isn: { client: 0, server: 0 } });
    conv.client('abcdefghijklmnop', { split: [3, 10] }).server('0123456789', { mss: 4 }).client('xyz', { split: [0, 3, 99] });
    expect(conv.segments.map(brief)).toEqual([
      ['c2s', 1, 1, TCP.ACK, 'abc'],
      ['c2s', 4, 1, TCP.ACK, 'defghij'],
      ['c2s', 11, 1, TCP.ACK | TCP.PSH, 'klmnop'],
      ['s2c', 1, 17, TCP.ACK, '0123'],
      ['s2c', 5, 17, TCP.ACK, '4567'],
      ['s2c', 9, 17, TCP.ACK | TCP.PSH, '89'],
      ['c2s', 17, 11, TCP.ACK | TCP.PSH, 'xyz'],
    ]);
  });

  it('scripts retransmissions, overlaps with other bytes, and lost data', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863', isn: { client: 0, server: 0 } });
    conv.client('MSG 1 U 5\r\nhello').retransmit(0).retransmit(0, { payload: 'MSG 1 U 5\r\nHELLO' });
    conv.overlap('c2s', 11, 'HELLO world'); // starts inside what was sent, reaches past it
    conv.lose('c2s', 'lost!').client('after');
    expect(conv.segments.map(brief)).toEqual([
      ['c2s', 1, 1, TCP.ACK | TCP.PSH, 'MSG 1 U 5\r\nhello'],
      ['c2s', 1, 1, TCP.ACK | TCP.PSH, 'MSG 1 U 5\r\nhello'],
      ['c2s', 1, 1, TCP.ACK | TCP.PSH, 'MSG 1 U 5\r\nHELLO'],
      ['c2s', 12, 1, TCP.ACK | TCP.PSH, 'HELLO world'],
      ['c2s', 28, 1, TCP.ACK | TCP.PSH, 'after'],
    ]);
    const ts = conv.segments.map((s) => s.tsMicros);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts); // retransmissions happen later
  });

  it('parses IPv4 and bracketed IPv6 endpoints', () => {
    expect(parseEndpoint('10.0.0.1:1863')).toEqual({ addr: '10.0.0.1', port: 1863 });
    expect(parseEndpoint('[2001:db8::1]:1863')).toEqual({ addr: '2001:db8::1', port: 1863 });
    expect(() => parseEndpoint('2001:db8::1')).toThrow();
  });
});

describe('timestamps and merging', () => {
  const a = new Conversation({ client: '10.0.0.2:1000', server: '10.0.0.1:1863', startMicros: 1_000_000, stepMicros: 10 }).client('a1').client('a2').client('a3');
  const b = new Conversation({ client: '10.0.0.3:2000', server: '10.0.0.1:1863', startMicros: 1_000_005, stepMicros: 10 }).client('b1').client('b2');

  it('merges conversations by their clocks', () => {
    expect(mergeConversations([a, b]).map(str)).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
  });

  it('keeps times non-decreasing in list order, so a permuted list reads as reordered packets', () => {
    const segs = [a.segments[2]!, a.segments[0]!, a.segments[1]!];
    expect(buildFrames(segs).map((f) => f.tsMicros)).toEqual([1_000_020, 1_000_021, 1_000_022]);
    expect(buildFrames(segs, { timestamps: 'recorded' }).map((f) => f.tsMicros)).toEqual([1_000_020, 1_000_000, 1_000_010]);
  });

  it('keeps waits and numbers frames from 1', () => {
    const c = new Conversation({ client: '10.0.0.2:1000', server: '10.0.0.1:1863', startMicros: 0, stepMicros: 1 }).client('x').wait(60_000_000).client('y');
    const frames = buildFrames(c.segments);
    expect(frames.map((f) => [f.index, f.tsMicros])).toEqual([
      [1, 0],
      [2, 60_000_001],
    ]);
  });
});

describe('framing and formats', () => {
  const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).handshake().client('USR 1 MD5 I a@b.c\r\n').server('USR 1 MD5 S 1013928519.693957190\r\n');

  it.each([
    ['pcap', false],
    ['pcap', true],
    ['pcap-ns', false],
    ['pcap-ns', true],
    ['pcapng', false],
    ['pcapng', true],
  ] as const)('%s (big-endian %s) reads back to the same frames', (format, bigEndian) => {
    const frames = buildFrames(conv.segments, { link: 'sll2' });
    const back = readCaptureBytes(buildCapture(conv.segments, { link: 'sll2', format, bigEndian }));
    expect(back.linkType).toBe(276);
    expect(back.packets).toEqual(frames);
  });

  it('cuts frames at snaplen and keeps the wire length', () => {
    const back = readCaptureBytes(buildCapture(conv.segments, { link: 'ethernet', snaplen: 58 }));
    expect(back.packets.map((p) => [p.data.length, p.origLen])).toEqual([
      [58, 66], // SYN: 14 + 20 + 20 + 12 option bytes
      [58, 66],
      [58, 60], // pure ACK, padded to the Ethernet minimum
      [58, 73],
      [58, 88],
    ]);
  });

  it.each([
    ['ethernet', 1, [0x08, 0x00], 12],
    ['vlan', 1, [0x81, 0x00, 0x00, 0x64, 0x08, 0x00], 12],
    ['qinq', 1, [0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00], 12],
    ['sll', 113, [0x08, 0x00], 14],
    ['sll2', 276, [0x08, 0x00], 0],
    ['null', 0, [2, 0, 0, 0], 0],
    ['loop', 108, [0, 0, 0, 2], 0],
    ['raw', 101, [0x45], 0],
    ['ipv4', 228, [0x45], 0],
  ] as const)('%s frames carry link type %i and the right protocol word', (link, linkType, bytes, at) => {
    const ip = udpDatagram('10.0.0.2:1', '10.0.0.1:2', 'x');
    expect(linkTypeOf({ link })).toBe(linkType);
    expect([...frameIp(ip, { link }).subarray(at, at + bytes.length)]).toEqual(bytes);
  });

  it('frames IPv6 with the family numbers of each OS', () => {
    const ip = udpDatagram('[::1]:1', '[::1]:2', 'x');
    expect([...frameIp(ip, { link: 'null' }).subarray(0, 4)]).toEqual([30, 0, 0, 0]);
    expect([...frameIp(ip, { link: 'null', nullAf6: 28, nullBigEndian: true }).subarray(0, 4)]).toEqual([0, 0, 0, 28]);
    expect([...frameIp(ip, { link: 'ethernet' }).subarray(12, 14)]).toEqual([0x86, 0xdd]);
    expect(() => frameIp(ip, { link: 'ipv4' })).toThrow();
  });

  it('fragments at the MTU on 8-byte boundaries with MF on all but the last', () => {
    const big = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).client('z'.repeat(2000));
    const frags = fragmentIpv4(tcpDatagram(big.segments[0]!), 576);
    expect(frags.map((f) => f.length)).toEqual([572, 572, 572, 384]);
    const fields = frags.map((f) => (f[6]! << 8) | f[7]!);
    expect(fields).toEqual([0x2000 | 0, 0x2000 | 69, 0x2000 | 138, 207]);
    expect(buildFrames(big.segments, { fragmentMtu: 576, link: 'raw' }).map((f) => f.data.length)).toEqual([572, 572, 572, 384]);
  });
});

describe('addresses', () => {
  it('parses IPv6 text forms', () => {
    expect([...ipv6Bytes('::')]).toEqual(new Array(16).fill(0));
    expect([...ipv6Bytes('::ffff:1.2.3.4').subarray(10)]).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect([...ipv6Bytes('64:ff9b::10.0.0.1').subarray(12)]).toEqual([10, 0, 0, 1]);
    expect([...ipv6Bytes('1:2:3:4:5:6:7:8')]).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(() => ipv6Bytes('1::2::3')).toThrow();
    expect(() => ipv6Bytes('1:2:3')).toThrow();
    expect(() => ipv4Bytes('1.2.3.256')).toThrow();
  });

  it('maps IPv4 addresses into 2001:db8::/96 when a build forces IPv6', () => {
    expect(toIpv6('207.46.26.167')).toBe('2001:db8::cf2e:1aa7');
    expect(toIpv6('::1')).toBe('::1');
  });
});
