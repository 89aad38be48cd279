// The capture child's output encoder, without cap: records readable by the stream reader, writes
// batched into chunks but flushed on a short timer, and the bound on what the reader has not taken.

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RecordChunker, type ChunkSink, type LiveFileFormat } from '../../src/capture/live-records.js';
import type { RawPacket } from '../../src/capture/packet.js';
import { readCapture } from '../../src/capture/source.js';
import type { Diagnostic } from '../../src/diag.js';

/** A sink that keeps every write and claims `backlog` bytes are still queued. */
function memorySink(backlog = 0): ChunkSink & { writes: Buffer[] } {
  const writes: Buffer[] = [];
  return {
    writes,
    get writableLength() {
      return backlog;
    },
    write(chunk: Uint8Array) {
      writes.push(Buffer.from(chunk));
      return true;
    },
  };
}

async function readBack(bytes: Buffer): Promise<{ pkts: RawPacket[]; diags: Diagnostic[] }> {
  const stream = new PassThrough();
  stream.end(bytes);
  const pkts: RawPacket[] = [];
  const diags: Diagnostic[] = [];
  for await (const batch of readCapture(stream, (d) => diags.push(d))) for (const p of batch) pkts.push({ ...p, data: Buffer.from(p.data) });
  return { pkts, diags };
}

describe('RecordChunker', () => {
  it.each<LiveFileFormat>(['pcap', 'pcapng'])('%s: what it writes reads back as the same packets', async (format) => {
    const sink = memorySink();
    const w = new RecordChunker(sink, { format, linkType: 1, snaplen: 65535, chunkBytes: 256 });
    const sent = [
      { data: Buffer.from('first packet'), origLen: 12, ts: 1_700_000_000_123_456 },
      { data: Buffer.alloc(300, 7), origLen: 300, ts: 1_700_000_000_223_457 }, // bigger than a chunk
      { data: Buffer.from('cut'), origLen: 65549, ts: 1_700_000_001_000_000 },
    ];
    for (const s of sent) expect(w.add(s.data, s.origLen, s.ts)).toBe(true);
    w.flush();
    const { pkts, diags } = await readBack(Buffer.concat(sink.writes));
    expect(diags).toEqual([]);
    expect(pkts.map((p) => ({ data: Buffer.from(p.data), origLen: p.origLen, ts: p.tsMicros, linkType: p.linkType }))).toEqual(
      sent.map((s) => ({ ...s, linkType: 1 })),
    );
    expect(w.stats).toEqual({ written: 3, dropped: 0, droppedBytes: 0 });
  });

  it('batches records into one write, and writes them within the flush interval without a flush()', async () => {
    const sink = memorySink();
    const w = new RecordChunker(sink, { format: 'pcap', linkType: 1, snaplen: 65535, flushMs: 10 });
    expect(sink.writes).toHaveLength(1); // the file header
    for (let i = 0; i < 5; i++) w.add(Buffer.from(`p${i}`), 2, 1_000_000 + i);
    expect(sink.writes).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.writes).toHaveLength(2);
    expect(sink.writes[1]).toHaveLength(5 * (16 + 2));
  });

  it('drops and counts packets once the reader is too far behind', () => {
    const sink = memorySink(1000);
    const w = new RecordChunker(sink, { format: 'pcap', linkType: 1, snaplen: 65535, maxPendingBytes: 1000 + 3 * 20 });
    for (let i = 0; i < 5; i++) w.add(Buffer.alloc(4), 4, 5_000_000 + i);
    expect(w.stats).toEqual({ written: 3, dropped: 2, droppedBytes: 8 });
    expect(w.takeDrops()).toEqual({ packets: 2, bytes: 8, firstAt: 5_000_003 });
    expect(w.takeDrops()).toBeNull();
    w.flush();
  });
});
