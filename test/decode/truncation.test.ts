// Robustness: every prefix of a frame decodes without an exception (cut by snaplen → decode.truncated,
// short on the wire → malformed), and random or mutated frames never throw nor break the decoder.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawPacket } from '../../src/capture/packet.js';
import { PacketDecoder } from '../../src/decode/decoder.js';
import type { Diagnostic } from '../../src/diag.js';
import { type BuildOptions, Conversation, buildFrames } from '../support/capture-builder.js';

const PAYLOAD = 'MSG 4 N 11\r\nhello world';

/** One data frame per link/IP variant, each with options or extension headers in the way. */
const variants: Array<[string, BuildOptions, string, string]> = [
  ['Ethernet IPv4 + IP and TCP options', { link: 'ethernet' }, '10.0.0.2:50000', '10.0.0.1:1863'],
  ['QinQ IPv4', { link: 'qinq' }, '10.0.0.2:50000', '10.0.0.1:1863'],
  ['SLL IPv6 + ext headers', { link: 'sll' }, '[2001:db8::2]:50000', '[2001:db8::1]:1863'],
  ['SLL2 IPv4', { link: 'sll2' }, '10.0.0.2:50000', '10.0.0.1:1863'],
  ['raw IPv6', { link: 'raw' }, '[2001:db8::2]:50000', '[2001:db8::1]:1863'],
  ['NULL IPv4', { link: 'null' }, '10.0.0.2:50000', '10.0.0.1:1863'],
  ['LOOP IPv6', { link: 'loop' }, '[::1]:50000', '[::1]:1863'],
];

function frameOf(opts: BuildOptions, client: string, server: string): RawPacket {
  const conv = new Conversation({ client, server });
  conv.client(PAYLOAD, {
    tcpOptions: Uint8Array.of(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2),
    ipv4Options: Uint8Array.of(1, 1, 1, 0),
    ipv6Ext: [{ type: 0 }, { type: 60, length: 16 }],
  });
  return buildFrames(conv.segments, { ...opts, ethernetPadding: false })[0]!;
}

describe('every truncated prefix', () => {
  it.each(variants)('%s', (_name, opts, client, server) => {
    const full = frameOf(opts, client, server);
    for (let len = 0; len <= full.data.length; len++) {
      for (const onWire of [full.data.length, len]) {
        const diags: Diagnostic[] = [];
        const decoder = new PacketDecoder((d) => diags.push(d));
        const seg = decoder.decode({ ...full, data: full.data.subarray(0, len), origLen: onWire });
        const cutBySnaplen = onWire > len;
        if (seg === null) {
          expect(diags).toHaveLength(1);
          expect(diags[0]!.code).toBe(cutBySnaplen ? 'decode.truncated' : 'decode.malformed');
          expect(diags[0]!.packet).toBe(full.index);
        } else {
          // The headers fit: the payload is a prefix of the real one and missingTail accounts for the rest;
          // a cut payload is said once (decode.snaplen_cut).
          expect(diags.map((d) => d.code)).toEqual(seg.missingTail > 0 ? ['decode.snaplen_cut'] : []);
          expect(PAYLOAD.startsWith(Buffer.from(seg.payload).toString('latin1'))).toBe(true);
          expect(seg.payload.length + seg.missingTail).toBe(PAYLOAD.length);
        }
      }
    }
  });
});

describe('garbage', () => {
  const linkTypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147];
  const good = frameOf({ link: 'ethernet' }, '10.0.0.2:50000', '10.0.0.1:1863');

  it('random frames of every link type never throw, and the decoder still decodes afterwards', () => {
    const decoder = new PacketDecoder(() => {});
    fc.assert(
      fc.property(fc.constantFrom(...linkTypes), fc.uint8Array({ maxLength: 200 }), fc.nat(300), (linkType, data, extra) => {
        decoder.decode({ index: 1, tsMicros: 0, linkType, data, origLen: data.length + (extra % 2 === 0 ? 0 : extra) });
      }),
      { numRuns: 3000 },
    );
    const seg = decoder.decode(good);
    expect(seg && Buffer.from(seg.payload).toString()).toBe(PAYLOAD);
  });

  it('mutated real frames never throw', () => {
    const frames = variants.map(([, opts, c, s]) => frameOf(opts, c, s));
    const decoder = new PacketDecoder(() => {});
    fc.assert(
      fc.property(fc.nat(frames.length - 1), fc.array(fc.tuple(fc.nat(400), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (which, edits) => {
        const f = frames[which]!;
        const data = Uint8Array.from(f.data);
        for (const [at, value] of edits) data[at % data.length] = value;
        const reassembled = decoder.stats.fragmentsReassembled;
        const seg = decoder.decode({ ...f, data });
        // The decoder is shared: a mutated frame may complete a datagram from fragments of earlier runs,
        // whose payload can be longer than this frame (never longer than an IP datagram).
        const bound = decoder.stats.fragmentsReassembled > reassembled ? 65535 : data.length;
        if (seg !== null) expect(seg.payload.length).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 3000 },
    );
  });

  it('IPv4 fragments with random offsets and lengths never throw and stay bounded', () => {
    const diags: Diagnostic[] = [];
    const decoder = new PacketDecoder((d) => diags.push(d), { maxFragmentBytes: 20_000 });
    const base = frameOf({ link: 'raw' }, '10.0.0.2:50000', '10.0.0.1:1863').data;
    fc.assert(
      fc.property(fc.nat(0x1fff), fc.boolean(), fc.nat(3), fc.nat(1400), (offset8, more, id, len) => {
        const data = new Uint8Array(24 + len);
        data.set(base.subarray(0, 24));
        const v = new DataView(data.buffer);
        v.setUint16(2, data.length);
        v.setUint16(4, id);
        v.setUint16(6, (more ? 0x2000 : 0) | offset8);
        decoder.decode({ index: 1, tsMicros: 0, linkType: 101, data, origLen: data.length });
      }),
      { numRuns: 2000 },
    );
    decoder.flush();
    expect(diags.every((d) => ['decode.malformed', 'tcp.malformed', 'ip.fragment_limit', 'ip.fragment_expired'].includes(d.code))).toBe(true);
  });
});
