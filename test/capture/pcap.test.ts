// Classic pcap reader: variants (µs, ns, modified; both byte orders), snaplen, truncation at the end of the
// file, and damaged record headers (diagnostic plus resync to the next plausible record).

import { describe, expect, it } from 'vitest';
import { concatBytes, writeCapture, type CaptureFormat } from '../../src/capture/writer.js';
import { pcapRecordOffsets, plain, read, renumber, sampleFrames } from './helpers.js';

const frames = sampleFrames();

function pcap(format: CaptureFormat = 'pcap', bigEndian = false, list = frames, linkType = 1): Uint8Array {
  return writeCapture({ format, linkType, bigEndian }, list);
}

describe('pcap variants', () => {
  for (const format of ['pcap', 'pcap-ns', 'pcap-modified'] as const) {
    for (const bigEndian of [false, true]) {
      it(`${format}, ${bigEndian ? 'big' : 'little'}-endian`, async () => {
        const r = await read(pcap(format, bigEndian));
        expect(r.diags).toEqual([]);
        expect(plain(r.packets)).toEqual(plain(frames));
      });
    }
  }

  it('truncates nanoseconds to microseconds', async () => {
    const bytes = pcap('pcap-ns', true);
    const [first] = pcapRecordOffsets(bytes, 16, false);
    new DataView(bytes.buffer).setUint32((first as number) + 4, 999_999_999, false);
    const r = await read(bytes);
    const sec = Math.floor((frames[0] as { tsMicros: number }).tsMicros / 1e6);
    expect(r.packets[0]?.tsMicros).toBe(sec * 1e6 + 999_999);
  });

  it('takes the link type from the lower 16 bits of the network field (upper bits: FCS info)', async () => {
    const bytes = pcap();
    new DataView(bytes.buffer).setUint32(20, 0x14000000 | 113, true);
    const r = await read(bytes);
    expect(r.packets.every((p) => p.linkType === 113)).toBe(true);
  });

  it('keeps the original length of frames cut by the snaplen', async () => {
    const cut = sampleFrames({ snaplen: 60 });
    expect(cut.some((p) => p.origLen > p.data.length)).toBe(true);
    const r = await read(pcap('pcap', false, cut));
    expect(plain(r.packets)).toEqual(plain(cut));
  });

  it('reads a header-only file as no packets, silently', async () => {
    const r = await read(pcap('pcap', false, []));
    expect(r).toMatchObject({ packets: [], diags: [] });
  });
});

describe('pcap truncated at the end', () => {
  const bytes = pcap();
  const offsets = pcapRecordOffsets(bytes);
  const last = offsets[offsets.length - 1] as number;

  it('yields the bytes of a cut last record with its declared lengths', async () => {
    const r = await read(bytes.subarray(0, bytes.length - 10));
    const lastFrame = frames[frames.length - 1]!;
    expect(plain(r.packets.slice(0, -1))).toEqual(plain(frames.slice(0, -1)));
    expect(plain(r.packets.slice(-1))).toEqual(plain([{ ...lastFrame, data: lastFrame.data.subarray(0, lastFrame.data.length - 10) }]));
    expect(r.diags).toMatchObject([
      { code: 'pcap.truncated_record', severity: 'warning', packet: frames.length, details: { offset: last, present: lastFrame.data.length - 10 } },
    ]);
  });

  it('reports a file that ends inside a record header', async () => {
    const r = await read(bytes.subarray(0, last + 5));
    expect(plain(r.packets)).toEqual(plain(frames.slice(0, -1)));
    expect(r.diags).toMatchObject([{ code: 'pcap.truncated_record', severity: 'warning', packet: 0, details: { offset: last, bytes: 5 } }]);
  });

  it('reports a file that ends inside the file header', async () => {
    const r = await read(bytes.subarray(0, 10));
    expect(r.packets).toEqual([]);
    expect(r.diags).toMatchObject([{ code: 'pcap.truncated_header', severity: 'warning' }]);
  });
});

describe('pcap with damaged record headers', () => {
  const bytes = pcap();
  const offsets = pcapRecordOffsets(bytes);
  const at = (i: number): number => offsets[i] as number;

  it('skips an impossible captured length and resyncs at the next record', async () => {
    const damaged = bytes.slice();
    new DataView(damaged.buffer).setUint32(at(3) + 8, 0xfffffff0, true);
    const r = await read(damaged);
    expect(plain(r.packets)).toEqual(plain(renumber([...frames.slice(0, 3), ...frames.slice(4)])));
    expect(r.diags).toMatchObject([
      {
        code: 'pcap.bad_record',
        severity: 'error',
        details: { offset: at(3), capturedLength: 0xfffffff0, skipped: at(4) - at(3), resumeOffset: at(4), afterPacket: 3 },
      },
    ]);
    expect(r.diags[0]?.message).toMatch(/^record header at offset \d+ is impossible .*; skipped \d+ bytes to the next plausible record at offset \d+$/);
  });

  it('skips garbage inserted between records and reports the bytes skipped', async () => {
    const garbage = new Uint8Array(37).fill(0xff);
    const r = await read(concatBytes([bytes.subarray(0, at(2)), garbage, bytes.subarray(at(2))]));
    expect(plain(r.packets)).toEqual(plain(frames));
    expect(r.diags).toMatchObject([{ code: 'pcap.bad_record', details: { offset: at(2), skipped: 37, resumeOffset: at(2) + 37 } }]);
  });

  it('treats a captured length above the original as damage when what follows does not fit', async () => {
    const damaged = bytes.slice();
    const v = new DataView(damaged.buffer);
    // Two records merge into one: lengths still small, but the "next record" lands mid-frame.
    v.setUint32(at(1) + 8, v.getUint32(at(1) + 8, true) + 20, true);
    const r = await read(damaged);
    expect(r.diags).toMatchObject([{ code: 'pcap.bad_record', details: { offset: at(1), skipped: at(2) - at(1) } }]);
    expect(plain(r.packets)).toEqual(plain(renumber([frames[0]!, ...frames.slice(2)])));
  });

  it('believes a writer that always records captured > original when the records chain up', async () => {
    const odd = frames.map((f) => ({ ...f, origLen: f.data.length - 4 }));
    const r = await read(pcap('pcap', false, odd));
    expect(r.diags).toEqual([]);
    expect(plain(r.packets)).toEqual(plain(odd));
  });

  it('resyncs onto a last record that ends exactly at the end of the file', async () => {
    const damaged = bytes.slice();
    const n = offsets.length;
    new DataView(damaged.buffer).setUint32(at(n - 2) + 8, 0x7fffffff, true);
    const r = await read(damaged);
    expect(plain(r.packets)).toEqual(plain(renumber([...frames.slice(0, n - 2), frames[n - 1]!])));
    expect(r.diags).toMatchObject([{ code: 'pcap.bad_record', details: { offset: at(n - 2), resumeOffset: at(n - 1) } }]);
  });

  it('skips to the end of the file when no plausible record follows', async () => {
    const damaged = bytes.slice();
    const n = offsets.length;
    new DataView(damaged.buffer).setUint32(at(n - 1) + 8, 0x7fffffff, true);
    const r = await read(damaged);
    expect(plain(r.packets)).toEqual(plain(frames.slice(0, -1)));
    expect(r.diags).toMatchObject([{ code: 'pcap.bad_record', details: { offset: at(n - 1), skipped: bytes.length - at(n - 1), resumeOffset: null } }]);
    expect(r.diags[0]?.message).toMatch(/no plausible record follows: skipped the last \d+ bytes$/);
  });

  it('resyncs the same way whatever the chunking', async () => {
    const damaged = concatBytes([bytes.subarray(0, at(2)), new Uint8Array(37).fill(0xff), bytes.subarray(at(2))]);
    new DataView(damaged.buffer).setUint32(at(5) + 37 + 8, 0xfffffff0, true);
    const whole = await read(damaged);
    expect(whole.diags).toHaveLength(2);
    for (const chunks of [1, 3, 17, [5, 100, 1]]) {
      const r = await read(damaged, { chunks });
      expect(plain(r.packets)).toEqual(plain(whole.packets));
      expect(r.diags).toEqual(whole.diags);
    }
  });
});
