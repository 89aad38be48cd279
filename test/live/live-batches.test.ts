// liveBatches: what the pipeline pulls during a live capture. Idle ticks carry the time while the capture
// child sends nothing; batches, the end and read errors pass through; drop reports become diagnostics.

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RawPacket } from '../../src/capture/packet.js';
import type { PacketBatch } from '../../src/capture/packet.js';
import { IDLE_TICK_MS, liveBatches } from '../../src/capture/live-batches.js';
import type { CaptureChild } from '../../src/capture/live-child.js';
import type { DropReport } from '../../src/capture/live-records.js';
import type { Diagnostic } from '../../src/diag.js';

function fakeChild(drops: DropReport[] = []) {
  const stops: string[] = [];
  const child = {
    packets: new PassThrough(),
    takeOverflows: () => drops.splice(0),
    stop: (reason: string) => void stops.push(reason),
  };
  return { child: child as unknown as CaptureChild, stops };
}

const packet = (index: number): RawPacket => ({ index, tsMicros: index, linkType: 1, data: new Uint8Array(1), origLen: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A source whose batches arrive after the given delays (then it ends, or fails with `error`). */
async function* slowSource(delays: number[], error?: Error): AsyncGenerator<PacketBatch> {
  let i = 0;
  for (const ms of delays) {
    await sleep(ms);
    yield [packet(++i)];
  }
  if (error !== undefined) throw error;
}

describe('liveBatches', () => {
  it('ticks with the time while nothing arrives, then passes batches on and ends with the source', async () => {
    const { child } = fakeChild();
    const got: PacketBatch[] = [];
    for await (const b of liveBatches(slowSource([IDLE_TICK_MS * 3.5, 0]), child, () => {})) got.push(b);
    const idle = got.filter((b) => b.length === 0);
    expect(idle.length).toBeGreaterThanOrEqual(2);
    expect(idle.every((b) => typeof b.nowMicros === 'number')).toBe(true);
    expect(got.filter((b) => b.length > 0).map((b) => b[0]?.index)).toEqual([1, 2]);
  });

  it('a batch arriving during a tick is delivered once, in order', async () => {
    const { child } = fakeChild();
    const delays = Array.from({ length: 12 }, (_, i) => (i % 3) * (IDLE_TICK_MS / 2 + 7));
    const indexes: number[] = [];
    for await (const b of liveBatches(slowSource(delays), child, () => {})) if (b.length > 0) indexes.push(b[0]!.index);
    expect(indexes).toEqual(delays.map((_, i) => i + 1));
  });

  it('a read error reaches the pipeline, and the child is told to stop', async () => {
    const { child, stops } = fakeChild();
    const run = async () => {
      for await (const _ of liveBatches(slowSource([IDLE_TICK_MS * 1.5], new Error('pipe broke')), child, () => {})) void _;
    };
    await expect(run()).rejects.toThrow('pipe broke');
    expect(stops).toEqual(['consumer']);
  });

  it("the child's drop reports become capture.queue_overflow diagnostics", async () => {
    const { child } = fakeChild([{ packets: 3, bytes: 300, firstAt: 42 }]);
    const diags: Diagnostic[] = [];
    for await (const _ of liveBatches(slowSource([0]), child, (d) => diags.push(d))) void _;
    expect(diags.map((d) => [d.code, d.details])).toEqual([['capture.queue_overflow', { packets: 3, bytes: 300 }]]);
  });
});
