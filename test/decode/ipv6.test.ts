// IPv6: extension-header chains, fragments (reassembled with the IPv4 code), chains that end elsewhere,
// and RFC 5952 address text.

import { describe, expect, it } from 'vitest';
import { ipv6ToString } from '../../src/decode/ipv6.js';
import { Conversation, type Ipv6Ext, buildFrames, fragmentIpv6, ipDatagram, ipv6Bytes, tcpDatagram } from '../support/capture-builder.js';
import { decodeAll, payloadText } from '../support/decode-frames.js';


const text = payloadText;
const BIG = Array.from({ length: 4000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');

function conv6(): Conversation {
  return new Conversation({ client: '[2001:db8:0:1::2]:50000', server: '[2001:db8:0:1::1]:1863' });
}

describe('IPv6 extension headers', () => {
  const chains: Array<[string, Ipv6Ext[]]> = [
    ['none', []],
    ['hop-by-hop', [{ type: 0 }]],
    ['hop-by-hop 24 bytes', [{ type: 0, length: 24 }]],
    ['routing', [{ type: 43 }]],
    ['destination options', [{ type: 60, length: 16 }]],
    ['authentication header', [{ type: 51 }]],
    ['hop-by-hop, routing, dest opts, AH', [{ type: 0 }, { type: 43 }, { type: 60 }, { type: 51 }]],
  ];
  it.each(chains)('walks %s to TCP', (_name, ipv6Ext) => {
    const conv = conv6().client('CHG 3 NLN 0\r\n', { ipv6Ext });
    const { segments, diags } = decodeAll(buildFrames(conv.segments, { link: 'ethernet' }));
    expect(diags).toEqual([]);
    expect(segments.map(text)).toEqual(['CHG 3 NLN 0\r\n']);
    expect(segments[0]!.srcAddr).toBe('2001:db8:0:1::2');
  });

  it.each([
    ['UDP', 17, 'udp'],
    ['ICMPv6', 58, 'icmp'],
    ['no next header', 59, 'otherIp'],
    ['ESP', 50, 'otherIp'],
  ] as const)('counts a chain ending in %s', (_name, proto, counter) => {
    const ip = ipDatagram({ src: 'fe80::1', dst: 'fe80::2', proto, payload: new Uint8Array(16), ipv6Ext: [{ type: 0 }] });
    const { decoder, diags } = decodeAll(buildFrames([{ ip }]));
    expect(diags).toEqual([]);
    expect(decoder.stats[counter]).toBe(1);
  });

  it('reports an extension header longer than the datagram as malformed', () => {
    const conv = conv6().client('x', { ipv6Ext: [{ type: 60 }] });
    const ip = tcpDatagram(conv.segments[0]!);
    ip[41] = 200; // dest opts claims (200+1)*8 bytes
    const { diags } = decodeAll(buildFrames([{ ip }], { link: 'raw' }));
    expect(diags.map((d) => [d.code, d.severity])).toEqual([['decode.malformed', 'warning']]);
  });
});

describe('IPv6 fragments', () => {
  it('reassembles builder output with fragmentMtu', () => {
    const conv = conv6().client(BIG).server('ACK\r\n');
    const frames = buildFrames(conv.segments, { fragmentMtu: 1280 });
    const { segments, diags, decoder } = decodeAll(frames);
    expect(diags).toEqual([]);
    expect(segments.map(text)).toEqual([BIG, 'ACK\r\n']);
    expect(segments[0]!.packet).toBe(frames.length - 1);
    expect(decoder.stats.fragmentsReassembled).toBe(1);
  });

  it.each([
    ['in order', (f: Uint8Array[]) => f],
    ['reversed', (f: Uint8Array[]) => f.slice().reverse()],
    ['duplicated', (f: Uint8Array[]) => [...f.slice(0, 2), ...f]],
  ])('reassembles fragments %s, with a hop-by-hop header before and dest options after the fragment header', (_name, order) => {
    const conv = conv6().client(BIG, { ipv6Ext: [{ type: 0 }, { type: 60 }] });
    const frags = fragmentIpv6(tcpDatagram(conv.segments[0]!), 1280, 0xdeadbeef);
    expect(frags.length).toBeGreaterThan(3);
    // The fragment header goes after hop-by-hop: the frame says 0 → 44 → 60 → 6.
    expect(frags[0]![6]).toBe(0);
    expect(frags[0]![40]).toBe(44);
    const { segments, diags } = decodeAll(buildFrames(order(frags).map((ip) => ({ ip })), { link: 'sll2' }));
    expect(diags).toEqual([]);
    expect(segments.map(text)).toEqual([BIG]);
  });

  it('expires an incomplete IPv6 datagram at the end of the capture', () => {
    const conv = conv6().client(BIG);
    const frags = fragmentIpv6(tcpDatagram(conv.segments[0]!), 1280, 5);
    const { diags, decoder } = decodeAll(buildFrames(frags.slice(1).map((ip) => ({ ip }))));
    expect(diags.map((d) => [d.code, d.severity])).toEqual([['ip.fragment_expired', 'warning']]);
    expect(decoder.stats.fragmentsExpired).toBe(1);
  });
});

describe('IPv6 address text (RFC 5952)', () => {
  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'], // one zero group stays
    ['2001:0000:0000:0001:0000:0000:0000:0001', '2001:0:0:1::1'], // longest run wins
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // first of equal runs
    ['FE80:0000:0000:0000:ABCD:00EF:0000:0000', 'fe80::abcd:ef:0:0'],
    ['0000:0000:0000:0000:0000:FFFF:C000:0201', '::ffff:192.0.2.1'],
    ['0001:0000:0000:0000:0000:0000:0000:0000', '1::'],
  ])('%s → %s', (full, want) => {
    const bytes = Buffer.from(full.replace(/:/g, ''), 'hex');
    expect(ipv6ToString(bytes, 0)).toBe(want);
    // The builder's parser reads the compressed form back to the same bytes.
    expect(Buffer.from(ipv6Bytes(want))).toEqual(bytes);
  });

  it('does not confuse addresses that share the cache', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const b = new Uint8Array(18);
      b[17] = i;
      seen.add(ipv6ToString(b, 2));
      seen.add(ipv6ToString(b, 2));
    }
    expect(seen.size).toBe(20);
  });
});
