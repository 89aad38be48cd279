// Robustness: every truncated prefix of a capture decodes without an exception into a prefix of its
// packets, and randomly damaged captures decode without an exception, the same whatever the chunking.

import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawPacket } from '../../src/capture/packet.js';
import { CaptureFormatError } from '../../src/capture/source.js';
import { PcapngWriter, concatBytes } from '../../src/capture/writer.js';
import { packetDiff, read, sampleFrames } from './helpers.js';

const corpus = new URL('../../../shared/corpus/', import.meta.url);
const corpusFiles = ['real/', 'escargot-loopback/'].flatMap((dir) =>
  readdirSync(new URL(dir, corpus))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => new URL(dir + f, corpus)),
);
const smallest = corpusFiles
  .map((url) => readFileSync(url))
  .reduce((a, b) => (b.length < a.length ? b : a));

function syntheticPcapng(): Uint8Array {
  const frames = sampleFrames();
  const w = new PcapngWriter();
  return concatBytes([
    w.sectionHeader(),
    w.interfaceDescription({ linkType: 1, tsResolution: 9, name: 'eth0' }),
    ...frames.slice(0, 4).map((p) => w.enhancedPacket({ tsMicros: p.tsMicros, data: p.data, comment: 'c' })),
    w.block(4, new Uint8Array(16)),
    w.simplePacket({ data: frames[4]!.data }),
    w.sectionHeader({ bigEndian: true }),
    w.interfaceDescription({ linkType: 1 }),
    ...frames.slice(5).map((p) => w.obsoletePacket({ tsMicros: p.tsMicros, data: p.data })),
  ]);
}

/** A prefix of a capture yields the packets that fit whole, then at most one cut short. */
function expectPrefixOf(got: RawPacket[], full: RawPacket[]): void {
  expect(packetDiff(got, full.slice(0, got.length), { lastMayBeCut: true })).toBeNull();
}

async function everyPrefix(bytes: Uint8Array, allowed: RegExp): Promise<void> {
  const full = await read(bytes);
  expect(full.diags).toEqual([]);
  for (let n = 0; n <= bytes.length; n++) {
    const prefix = bytes.subarray(0, n);
    if (n < 4) {
      await expect(read(prefix)).rejects.toBeInstanceOf(CaptureFormatError);
      continue;
    }
    const r = await read(prefix);
    expectPrefixOf(r.packets, full.packets);
    for (const d of r.diags) expect(d.code).toMatch(allowed);
  }
}

describe('truncated captures', () => {
  it(`every prefix of the smallest corpus capture (${smallest.length} bytes)`, async () => {
    await everyPrefix(smallest, /^pcap\.truncated_(record|header)$/);
  });

  it('every prefix of a pcapng with two sections, options, SPB and OPB', async () => {
    await everyPrefix(syntheticPcapng(), /^pcapng\.truncated_block$/);
  });

  it('random prefixes of every corpus capture', async () => {
    for (const url of corpusFiles) {
      const bytes = readFileSync(url);
      const full = await read(bytes);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 4, max: bytes.length }), async (n) => {
          const r = await read(bytes.subarray(0, n));
          expectPrefixOf(r.packets, full.packets);
        }),
        { numRuns: 8 },
      );
    }
  });
});

describe('damaged captures', () => {
  const inputs: Array<[string, Uint8Array]> = [
    ['corpus pcap', smallest],
    ['synthetic pcapng', syntheticPcapng()],
  ];
  const damage = (size: number) =>
    fc.record({
      writes: fc.array(fc.record({ at: fc.nat({ max: size - 1 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 8 }),
      cut: fc.option(fc.nat({ max: size }), { nil: undefined }),
      chunks: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 6 }),
    });

  for (const [name, bytes] of inputs) {
    it(`${name}: random overwrites never throw and do not depend on chunking`, async () => {
      await fc.assert(
        fc.asyncProperty(damage(bytes.length), async ({ writes, cut, chunks }) => {
          const b = bytes.slice(0, cut === undefined || cut < 24 ? bytes.length : cut);
          // Keep the magic: a damaged magic is the (tested) "not a capture" error, not traffic.
          for (const w of writes) {
            w.bytes.forEach((value, i) => {
              if (w.at + i >= 4 && w.at + i < b.length) b[w.at + i] = value;
            });
          }
          const whole = await read(b);
          const split = await read(b, { chunks });
          expect(packetDiff(split.packets, whole.packets)).toBeNull();
          expect(split.diags).toEqual(whole.diags);
          for (const p of whole.packets) expect(p.data.length).toBeLessThanOrEqual(b.length);
        }),
        { numRuns: Number(process.env.CAPTURE_FUZZ_RUNS ?? 200) },
      );
    });
  }
});
