// TCP header: options skipped, flags and 32-bit numbers read as unsigned, bad data offsets reported.

import { describe, expect, it } from 'vitest';
import { TcpFlag } from '../../src/decode/segment.js';
import { Conversation, TCP, buildFrames, tcpDatagram } from '../support/capture-builder.js';
import { decodeAll, payloadText } from '../support/decode-frames.js';


const text = payloadText;

describe('TCP header', () => {
  it.each([
    ['none', undefined],
    ['MSS', Uint8Array.of(2, 4, 5, 0xb4)],
    ['timestamps (10 bytes, padded to 12)', Uint8Array.of(8, 10, 0, 0, 0, 1, 0, 0, 0, 2)],
    ['the 40-byte maximum', new Uint8Array(40).fill(1)],
  ])('skips options: %s', (_name, tcpOptions) => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
    conv.client('PNG\r\n', tcpOptions === undefined ? {} : { tcpOptions });
    const { segments, diags } = decodeAll(buildFrames(conv.segments));
    expect(diags).toEqual([]);
    expect(segments.map(text)).toEqual(['PNG\r\n']);
  });

  it('reads the handshake flags and the SYN options', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).handshake().close().reset('s2c');
    const { segments } = decodeAll(buildFrames(conv.segments));
    expect(segments.map((s) => s.flags)).toEqual([
      TcpFlag.SYN,
      TcpFlag.SYN | TcpFlag.ACK,
      TcpFlag.ACK,
      TcpFlag.FIN | TcpFlag.ACK,
      TcpFlag.FIN | TcpFlag.ACK,
      TcpFlag.ACK,
      TcpFlag.RST | TcpFlag.ACK,
    ]);
    expect(segments.every((s) => s.payload.length === 0)).toBe(true);
  });

  it('keeps ECE/CWR bits in flags', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).client('x', { flags: 0xc0 | TCP.ACK });
    expect(decodeAll(buildFrames(conv.segments)).segments[0]!.flags).toBe(0xd0);
  });

  it('reads sequence numbers above 2^31 as unsigned, across the wrap', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863', isn: { client: 0xfffffff0, server: 0x7fffffff } });
    conv.handshake().client('0123456789').client('abcdefghij').server('ok');
    const { segments } = decodeAll(buildFrames(conv.segments));
    expect(segments.map((s) => s.seq)).toEqual([0xfffffff0, 0x7fffffff, 0xfffffff1, 0xfffffff1, 0xfffffffb, 0x80000000]);
    expect(segments[5]!.ack).toBe(5);
  });

  it.each([
    ['data offset 4', 0x40, 'TCP data offset 4 words < 5'],
    ['data offset 0', 0x00, 'TCP data offset 0 words < 5'],
    ['data offset 15 past a short segment', 0xf0, 'runs past the end'],
  ])('reports %s as tcp.malformed', (_name, byte12, message) => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).client('tiny');
    const ip = tcpDatagram(conv.segments[0]!);
    ip[20 + 12] = byte12;
    const { diags, decoder, segments } = decodeAll(buildFrames([{ ip }], { link: 'ethernet' }));
    expect(segments).toEqual([]);
    expect(diags.map((d) => [d.code, d.severity, d.packet])).toEqual([['tcp.malformed', 'warning', 1]]);
    expect(diags[0]!.message).toContain(message);
    expect(decoder.stats.malformed).toBe(1);
  });

  it('reports a TCP header cut by snaplen as truncated, not malformed', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).client('payload');
    const { diags, decoder } = decodeAll(buildFrames(conv.segments, { link: 'ethernet', snaplen: 14 + 20 + 10 }));
    expect(diags.map((d) => [d.code, d.severity])).toEqual([['decode.truncated', 'info']]);
    expect(decoder.stats).toMatchObject({ truncated: 1, malformed: 0 });
  });
});

describe('checksums (never verified, only explained)', () => {
  it('correct checksums (the capture builder fills them in) say nothing', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
    conv.handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n');
    expect(decodeAll(buildFrames(conv.segments, { link: 'raw' })).diags).toEqual([]);
  });

  it('wrong checksums from one sender give one tcp.checksum_offload naming it, and every segment is still decoded', () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
    conv.handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').client('CVR 2 0x0409\r\n');
    const frames = conv.segments.map((seg, i) => ({
      index: i + 1,
      tsMicros: seg.tsMicros,
      linkType: 101,
      data: tcpDatagram(seg, { offloadedChecksum: seg.dir === 'c2s' }),
      origLen: 0,
    }));
    for (const f of frames) f.origLen = f.data.length;
    const { segments, diags } = decodeAll(frames);
    expect(segments).toHaveLength(conv.segments.length);
    expect(diags.map((d) => [d.code, d.details?.source])).toEqual([['tcp.checksum_offload', '10.0.0.2']]);
  });
});
