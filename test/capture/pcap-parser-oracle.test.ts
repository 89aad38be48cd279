// Oracle: for every classic pcap of the corpus, our reader yields exactly the packets pcap-parser does
// (timestamps, lengths, bytes, link type). pcap-parser is an independent, much older implementation.

import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Packet, GlobalHeader } from 'pcap-parser';
import type { Diagnostic } from '../../src/diag.js';
import type { RawPacket } from '../../src/capture/packet.js';
import { readCapture } from '../../src/capture/source.js';

const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as typeof import('pcap-parser');

const corpus = new URL('../../../shared/corpus/', import.meta.url);
const files = ['real/', 'escargot-loopback/'].flatMap((dir) =>
  readdirSync(new URL(dir, corpus))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => fileURLToPath(new URL(dir + f, corpus))),
);

interface OraclePacket {
  tsMicros: number;
  linkType: number;
  data: Buffer;
  origLen: number;
}

function oracle(path: string): Promise<OraclePacket[]> {
  return new Promise((resolve, reject) => {
    const packets: OraclePacket[] = [];
    let linkType = -1;
    const parser = pcapParser.parse(path);
    parser.on('globalHeader', (h: GlobalHeader) => {
      linkType = h.linkLayerType & 0xffff;
    });
    parser.on('packet', (p: Packet) => {
      packets.push({
        tsMicros: p.header.timestampSeconds * 1e6 + p.header.timestampMicroseconds,
        linkType,
        data: p.data,
        origLen: p.header.originalLength,
      });
    });
    parser.on('error', reject);
    parser.on('end', () => resolve(packets));
  });
}

async function ours(path: string): Promise<{ packets: RawPacket[]; diags: Diagnostic[] }> {
  const packets: RawPacket[] = [];
  const diags: Diagnostic[] = [];
  // Packet bytes are valid for their batch only (the reader reuses its blocks): keep copies.
  for await (const batch of readCapture(path, (d) => diags.push(d))) for (const p of batch) packets.push({ ...p, data: p.data.slice() });
  return { packets, diags };
}

describe('classic pcap reader agrees with pcap-parser on the corpus', () => {
  it('finds the 12 corpus captures', () => {
    expect(files).toHaveLength(12);
  });

  for (const path of files) {
    it(path.split('/').slice(-2).join('/'), async () => {
      const [expected, actual] = await Promise.all([oracle(path), ours(path)]);
      expect(actual.diags).toEqual([]);
      expect(actual.packets.length).toBe(expected.length);
      expect(actual.packets.length).toBeGreaterThan(0);
      actual.packets.forEach((p, i) => {
        const e = expected[i] as OraclePacket;
        const where = `packet ${i + 1}`;
        expect(p.index, where).toBe(i + 1);
        expect(p.tsMicros, where).toBe(e.tsMicros);
        expect(p.linkType, where).toBe(e.linkType);
        expect(p.origLen, where).toBe(e.origLen);
        expect(p.data.length, where).toBe(e.data.length);
        expect(Buffer.compare(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.length), e.data), where).toBe(0);
      });
    });
  }
});
