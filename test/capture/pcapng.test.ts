// pcapng reader: sections in either byte order, interfaces with their own link type and clock, the three
// packet blocks, blocks it skips, and damage (truncation, bad lengths, unknown interfaces).

import { describe, expect, it } from 'vitest';
import type { RawPacket } from '../../src/capture/packet.js';
import { PcapngBlockType, PcapngWriter, concatBytes, writeCapture } from '../../src/capture/writer.js';
import { frameIp, udpDatagram } from '../support/capture-builder.js';
import { plain, read, renumber, sampleFrames } from './helpers.js';

const T0 = Date.UTC(2005, 4, 6, 9, 17, 57) * 1000 + 654_321;
const ip = udpDatagram('10.0.0.2:50000', '10.0.0.1:1863', 'PNG\r\n');
const ether = frameIp(ip, { link: 'ethernet' });
const sll = frameIp(ip, { link: 'sll' });
const nul = frameIp(ip, { link: 'null' });

function packet(index: number, tsMicros: number, linkType: number, data: Uint8Array, origLen = data.length): RawPacket {
  return { index, tsMicros, linkType, data, origLen };
}

/** Block offsets of a file made of the given blocks. */
function offsets(blocks: Uint8Array[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const b of blocks) {
    out.push(at);
    at += b.length;
  }
  return out;
}

describe('pcapng sections and interfaces', () => {
  it('reads what CaptureWriter writes, in both byte orders', async () => {
    const frames = sampleFrames();
    for (const bigEndian of [false, true]) {
      const r = await read(writeCapture({ format: 'pcapng', linkType: 1, bigEndian }, frames));
      expect(r.diags).toEqual([]);
      expect(plain(r.packets)).toEqual(plain(frames));
    }
  });

  it('keeps interfaces apart: link types and clocks (10^-6, 10^-9, 2^-20, 10^-3 with offset), per section', async () => {
    const w = new PcapngWriter();
    const blocks = [
      w.sectionHeader(),
      w.interfaceDescription({ linkType: 1, name: 'eth0' }),
      w.interfaceDescription({ linkType: 101, tsResolution: 9 }),
      w.interfaceDescription({ linkType: 113, tsResolution: 0x80 | 20, name: 'any' }),
      w.enhancedPacket({ interfaceId: 0, tsMicros: T0, data: ether }),
      // 1.7e18 ns does not fit a double: the reader must not lose the low digits.
      w.enhancedPacket({ interfaceId: 1, tsUnits: 1_700_000_000_123_456_789n, data: ip }),
      w.enhancedPacket({ interfaceId: 2, tsMicros: T0 + 1, data: sll, comment: 'via any' }),
      w.enhancedPacket({ interfaceId: 2, tsMicros: T0 + 999_999, data: sll }),
      // A second section, big-endian: interface ids start again at 0.
      w.sectionHeader({ bigEndian: true }),
      w.interfaceDescription({ linkType: 0, tsResolution: 3, tsOffsetSeconds: 3600 }),
      w.interfaceDescription({ linkType: 1, tsResolution: 9 }),
      w.enhancedPacket({ interfaceId: 0, tsUnits: 1_115_371_077_123n, data: nul }),
      w.enhancedPacket({ interfaceId: 1, tsMicros: T0 + 5, data: ether }),
      w.enhancedPacket({ interfaceId: 1, tsUnits: 999n, data: ether }),
    ];
    const r = await read(concatBytes(blocks));
    expect(r.diags).toEqual([]);
    expect(plain(r.packets)).toEqual(
      plain([
        packet(1, T0, 1, ether),
        packet(2, 1_700_000_000_123_456, 101, ip),
        packet(3, T0 + 1, 113, sll),
        packet(4, T0 + 999_999, 113, sll),
        packet(5, (1_115_371_077_123 + 3_600_000) * 1000, 0, nul),
        packet(6, T0 + 5, 1, ether),
        packet(7, 0, 1, ether),
      ]),
    );
  });

  it('converts power-of-two and exotic resolutions exactly', async () => {
    const w = new PcapngWriter();
    const blocks = [
      w.sectionHeader(),
      w.interfaceDescription({ linkType: 1, tsResolution: 0x80 | 32 }),
      // Clocks this fine overflow 64 bits by 2005: their counts start at an if_tsoffset.
      w.interfaceDescription({ linkType: 1, tsResolution: 0x80 | 40, tsOffsetSeconds: 1_115_371_000 }),
      w.interfaceDescription({ linkType: 1, tsResolution: 12, tsOffsetSeconds: 1_115_371_000 }),
      w.interfaceDescription({ linkType: 1, tsResolution: 15, tsOffsetSeconds: 1_115_371_000 }),
      w.interfaceDescription({ linkType: 1, tsResolution: 0 }),
      w.interfaceDescription({ linkType: 1, tsOffsetSeconds: -10 }),
    ];
    for (let id = 0; id < 6; id++) blocks.push(w.enhancedPacket({ interfaceId: id, tsMicros: T0, data: ether }));
    const r = await read(concatBytes(blocks));
    expect(r.diags).toEqual([]);
    // Whole seconds (10^0) lose the fraction; every other clock gives T0 back.
    expect(r.packets.map((p) => p.tsMicros)).toEqual([T0, T0, T0, T0, Math.floor(T0 / 1e6) * 1e6, T0]);
  });

  it('gives a packet whose time no date can hold the previous time, with a diagnostic (whole and cut blocks)', async () => {
    const w = new PcapngWriter();
    const blocks = [
      w.sectionHeader(),
      w.interfaceDescription({ linkType: 1 }),
      // A damaged if_tsoffset: every packet of this interface lands ~2^62 s from now.
      w.interfaceDescription({ linkType: 1, tsOffsetSeconds: 2 ** 62 }),
      w.enhancedPacket({ interfaceId: 0, tsMicros: T0, data: ether }),
      w.enhancedPacket({ interfaceId: 0, tsUnits: 2n ** 64n - 1n, data: ether }), // a damaged timestamp
      w.enhancedPacket({ interfaceId: 1, tsUnits: 0n, data: ether }),
      w.enhancedPacket({ interfaceId: 0, tsMicros: T0 + 1, data: ether }),
      w.enhancedPacket({ interfaceId: 0, tsUnits: 253_402_300_800_000_000n, data: ether }), // 10000-01-01
    ];
    const at = offsets(blocks);
    const file = concatBytes(blocks);
    const r = await read(file);
    expect(r.packets.map((p) => p.tsMicros)).toEqual([T0, T0, T0, T0 + 1, T0 + 1]);
    expect(r.diags).toMatchObject([
      { code: 'pcapng.bad_timestamp', severity: 'warning', packet: 2, tsMicros: T0, details: { offset: at[4], interfaceId: 0, timestampMicros: 2 ** 64 } },
      { code: 'pcapng.bad_timestamp', packet: 3, details: { offset: at[5], interfaceId: 1 } },
      { code: 'pcapng.bad_timestamp', packet: 5, details: { offset: at[7], timestampMicros: 253_402_300_800_000_000 } },
    ]);
    // The last block cut short: its packet is still given a writable time.
    const cut = await read(file.subarray(0, file.length - 8));
    expect(cut.packets.map((p) => p.tsMicros)).toEqual([T0, T0, T0, T0 + 1, T0 + 1]);
    expect(cut.diags.map((d) => d.code)).toEqual(['pcapng.bad_timestamp', 'pcapng.bad_timestamp', 'pcapng.bad_timestamp', 'pcapng.truncated_block']);
    // Just inside the range is kept as it is.
    const late = 253_402_300_799_000_000; // 9999-12-31T23:59:59Z, exact in a double
    const last = await read(concatBytes([w.sectionHeader(), w.interfaceDescription({ linkType: 1 }), w.enhancedPacket({ tsUnits: BigInt(late), data: ether })]));
    expect(last.diags).toEqual([]);
    expect(last.packets[0]?.tsMicros).toBe(late);
  });

  it('reads simple packet blocks (interface 0, previous time, length capped by snaplen) and obsolete packet blocks', async () => {
    const w = new PcapngWriter({ bigEndian: true });
    const long = frameIp(udpDatagram('10.0.0.2:50000', '10.0.0.1:1863', 'x'.repeat(200)));
    const blocks = [
      w.sectionHeader(),
      w.interfaceDescription({ linkType: 1, snaplen: 128 }),
      w.interfaceDescription({ linkType: 113 }),
      w.simplePacket({ data: ether }), // before any timestamp: time 0
      w.obsoletePacket({ interfaceId: 1, tsMicros: T0, data: sll, drops: 3 }),
      w.simplePacket({ data: long.subarray(0, 128), origLen: long.length }),
      w.simplePacket({ data: ether.subarray(0, 61) }), // padded to 64: the original length says where data ends
    ];
    const r = await read(concatBytes(blocks));
    expect(r.diags).toEqual([]);
    expect(plain(r.packets)).toEqual(
      plain([
        packet(1, 0, 1, ether),
        packet(2, T0, 113, sll),
        packet(3, T0, 1, long.subarray(0, 128), long.length),
        packet(4, T0, 1, ether.subarray(0, 61)),
      ]),
    );
  });

  it('skips blocks it does not read: name resolution, statistics, secrets, custom, unknown', async () => {
    const w = new PcapngWriter();
    const blocks = [
      w.sectionHeader(),
      w.block(PcapngBlockType.NAME_RESOLUTION, new Uint8Array(20).fill(7)),
      w.interfaceDescription({ linkType: 1 }),
      w.enhancedPacket({ tsMicros: T0, data: ether }),
      w.block(PcapngBlockType.INTERFACE_STATISTICS, new Uint8Array(30)),
      w.block(PcapngBlockType.DECRYPTION_SECRETS, new Uint8Array(9).fill(1)),
      w.block(PcapngBlockType.CUSTOM, new Uint8Array(4)),
      w.block(0x12345678),
      w.enhancedPacket({ tsMicros: T0 + 1, data: ether }),
    ];
    const r = await read(concatBytes(blocks));
    expect(r.diags).toEqual([]);
    expect(plain(r.packets)).toEqual(plain([packet(1, T0, 1, ether), packet(2, T0 + 1, 1, ether)]));
  });

  it('warns about an unknown major version and reads on', async () => {
    const w = new PcapngWriter();
    const r = await read(concatBytes([w.sectionHeader({ major: 2 }), w.interfaceDescription({ linkType: 1 }), w.enhancedPacket({ tsMicros: T0, data: ether })]));
    expect(r.packets).toHaveLength(1);
    expect(r.diags).toMatchObject([{ code: 'pcapng.unsupported_version', severity: 'warning', details: { major: 2 } }]);
  });
});

describe('damaged pcapng', () => {
  const w = new PcapngWriter();
  const blocks = [
    w.sectionHeader(),
    w.interfaceDescription({ linkType: 1 }),
    ...[0, 1, 2, 3, 4].map((i) => w.enhancedPacket({ tsMicros: T0 + i, data: ether })),
  ];
  const file = concatBytes(blocks);
  const at = offsets(blocks);
  const all = [0, 1, 2, 3, 4].map((i) => packet(i + 1, T0 + i, 1, ether));
  const without = (i: number): RawPacket[] => renumber(all.filter((_, j) => j !== i));
  const patched = (offset: number, value: number): Uint8Array => {
    const b = file.slice();
    new DataView(b.buffer).setUint32(offset, value, true);
    return b;
  };

  it('yields the bytes of a cut last packet block', async () => {
    const r = await read(file.subarray(0, file.length - 20));
    expect(plain(r.packets)).toEqual(plain([...all.slice(0, 4), { ...all[4]!, data: ether.subarray(0, ether.length - 16) }]));
    expect(r.diags).toMatchObject([{ code: 'pcapng.truncated_block', severity: 'warning', packet: 5, details: { offset: at[6], length: blocks[6]!.length } }]);
  });

  it('reports a file cut inside a block header or a non-packet block', async () => {
    const r1 = await read(file.subarray(0, (at[6] as number) + 7));
    expect(r1.packets).toHaveLength(4);
    expect(r1.diags).toMatchObject([{ code: 'pcapng.truncated_block', packet: 0, details: { offset: at[6], bytes: 7 } }]);
    const r2 = await read(file.subarray(0, (at[1] as number) + 14));
    expect(r2.packets).toEqual([]);
    expect(r2.diags).toMatchObject([{ code: 'pcapng.truncated_block', packet: 0, details: { offset: at[1], present: 14 } }]);
  });

  const badLengths: Array<[string, number, number, RegExp]> = [
    ['not a multiple of 4', 4, 0, /not a multiple of 4/],
    ['less than 12', 4, -1, /less than the 32 bytes/],
    ['beyond the cap', 4, 0x7ffffff0, /more than the 16 MiB/],
    ['a trailer that differs', -4, 8, /trailing length of \d+ but a leading length of \d+/],
  ];
  for (const [what, field, value, message] of badLengths) {
    it(`resyncs past a block length ${what}`, async () => {
      const len = blocks[4]!.length;
      const offset = field > 0 ? (at[4] as number) + field : (at[4] as number) + len + field;
      const v = value === 0 ? len + 1 : value === -1 ? 8 : value === 8 ? len + 8 : value;
      const r = await read(patched(offset, v));
      expect(plain(r.packets)).toEqual(plain(without(2)));
      expect(r.diags).toMatchObject([{ code: 'pcapng.bad_block', severity: 'error', details: { offset: at[4], skipped: len, resumeOffset: at[5], afterPacket: 2 } }]);
      expect(r.diags[0]?.message).toMatch(message);
    });
  }

  it('drops a packet naming an unknown interface, and a simple packet block with no interface', async () => {
    const r = await read(patched((at[3] as number) + 8, 5));
    expect(plain(r.packets)).toEqual(plain(without(1)));
    expect(r.diags).toMatchObject([{ code: 'pcapng.unknown_interface', severity: 'error', details: { offset: at[3], interfaceId: 5, interfaces: 1 } }]);
    const v = new PcapngWriter();
    const r2 = await read(concatBytes([v.sectionHeader(), v.simplePacket({ data: ether })]));
    expect(r2.packets).toEqual([]);
    expect(r2.diags).toMatchObject([{ code: 'pcapng.unknown_interface', details: { interfaceId: 0, interfaces: 0 } }]);
  });

  it('cuts a captured length that overruns its block', async () => {
    const r = await read(patched((at[2] as number) + 20, 5000));
    const room = blocks[2]!.length - 32;
    expect(r.packets[0]?.data.length).toBe(room);
    expect(r.diags).toMatchObject([{ code: 'pcapng.bad_packet_length', severity: 'error', packet: 1, details: { capturedLength: 5000, room } }]);
  });

  it('resyncs to the next section after a section header with a bad byte-order magic', async () => {
    const v = new PcapngWriter();
    const second = [v.sectionHeader({ bigEndian: true }), v.interfaceDescription({ linkType: 113 }), v.enhancedPacket({ tsMicros: T0, data: sll })];
    const bytes = concatBytes([...blocks, ...second]);
    new DataView(bytes.buffer).setUint32(8, 0xdeadbeef, true);
    const r = await read(bytes);
    expect(plain(r.packets)).toEqual(plain([packet(1, T0, 113, sll)]));
    expect(r.diags).toMatchObject([{ code: 'pcapng.bad_block', details: { offset: 0, skipped: file.length } }]);
    expect(r.diags[0]?.message).toMatch(/unknown byte-order magic 0xefbeadde/);
  });

  it('warns about an interface option that runs past its block and keeps the interface', async () => {
    const v = new PcapngWriter();
    const idb = v.interfaceDescription({ linkType: 1, tsResolution: 9 });
    new DataView(idb.buffer).setUint16(18, 200, true); // if_tsresol claims 200 bytes
    const r = await read(concatBytes([v.sectionHeader(), idb, v.enhancedPacket({ tsMicros: T0, data: ether })].slice(0)));
    expect(r.diags).toMatchObject([{ code: 'pcapng.bad_option', severity: 'warning', details: { option: 9, size: 200 } }]);
    expect(r.packets).toHaveLength(1);
  });

  it('drops a huge block of a kind nobody reads without buffering it, across chunks', async () => {
    const v = new PcapngWriter();
    const huge = v.block(PcapngBlockType.DECRYPTION_SECRETS, new Uint8Array(17 * 1024 * 1024));
    const pre = [v.sectionHeader(), v.interfaceDescription({ linkType: 1 })];
    const bytes = concatBytes([...pre, v.enhancedPacket({ tsMicros: T0, data: ether }), huge, v.enhancedPacket({ tsMicros: T0 + 1, data: ether })]);
    for (const chunks of [undefined, 65536, 1 << 20]) {
      const r = await read(bytes, chunks === undefined ? {} : { chunks });
      expect(r.diags).toEqual([]);
      expect(plain(r.packets)).toEqual(plain([packet(1, T0, 1, ether), packet(2, T0 + 1, 1, ether)]));
    }
    const cut = await read(bytes.subarray(0, bytes.length - 1000), { chunks: 65536 });
    expect(cut.packets).toHaveLength(1);
    expect(cut.diags).toMatchObject([{ code: 'pcapng.truncated_block', details: { length: huge.length } }]);
  });
});
