// The cap session the capture child runs, here in-process on lo: the callback's view of cap's shared
// buffer, receipt timestamps, -c precision, snaplen cuts flagged through origLen, and a clean stop.

import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveCapture, type LiveCaptureOptions, type StopReason } from '../../src/capture/live.js';
import { liveCaptureUnavailable } from './cli-process.js';

const unavailable = liveCaptureUnavailable();

/** A sink server on an ephemeral port that reads and discards. */
async function sinkServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.resume());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

async function send(port: number, writes: Buffer[]): Promise<void> {
  const c = connect(port, '127.0.0.1');
  c.setNoDelay(true);
  await once(c, 'connect');
  for (const w of writes) {
    c.write(w);
    await new Promise((r) => setImmediate(r));
  }
  c.end();
  await once(c, 'close');
}

interface Got {
  data: Buffer;
  origLen: number;
  tsMicros: number;
}

/** Opens a capture that copies every packet out; `done` resolves with them once it stopped. */
function capture(opts: LiveCaptureOptions): { live: LiveCapture; pkts: Got[]; done: Promise<StopReason> } {
  const pkts: Got[] = [];
  let stopped!: (r: StopReason) => void;
  const done = new Promise<StopReason>((r) => (stopped = r));
  const live = LiveCapture.open(opts, (data, origLen, tsMicros) => pkts.push({ data: Buffer.from(data), origLen, tsMicros }), stopped);
  return { live, pkts, done };
}

describe.skipIf(unavailable !== null)(`LiveCapture on lo${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let server: Server | null = null;
  afterEach(() => {
    server?.close();
    server = null;
  });

  it('numbers packets 1..n, copies each, stamps non-decreasing times, ends after stop()', async () => {
    const sink = await sinkServer();
    server = sink.server;
    const { live, pkts, done } = capture({ device: 'lo', filter: `tcp port ${sink.port}`, bufferBytes: 64 << 20 });
    expect(live.linkType).toBe(1);
    const before = Date.now() * 1000;
    const writes = Array.from({ length: 50 }, (_, i) => Buffer.from(`payload number ${i}\r\n`));
    await send(sink.port, writes);
    await new Promise((r) => setTimeout(r, 100));
    live.stop('signal');
    expect(await done).toBe('signal');
    expect(live.stopReason).toBe('signal');
    // SYN, SYN-ACK, ACK, 50 data + their ACKs (some may be delayed/combined), FIN/ACKs.
    expect(pkts.length).toBeGreaterThanOrEqual(50 + 6);
    expect(live.stats).toEqual({ received: pkts.length, cut: 0 });
    for (let i = 1; i < pkts.length; i++) expect(pkts[i]!.tsMicros).toBeGreaterThanOrEqual(pkts[i - 1]!.tsMicros);
    expect(pkts[0]!.tsMicros).toBeGreaterThanOrEqual(before - 2000);
    expect(pkts[pkts.length - 1]!.tsMicros).toBeLessThanOrEqual(Date.now() * 1000 + 2000);
    // The callback's view is of cap's one buffer: the copies taken during each call keep each packet's bytes.
    const texts = pkts.map((p) => Buffer.from(p.data).toString('latin1')).filter((t) => t.includes('payload number'));
    for (let i = 0; i < 50; i++) expect(texts.some((t) => t.includes(`payload number ${i}\r\n`))).toBe(true);
    for (const p of pkts) expect(p.origLen).toBe(p.data.length);
  });

  it('maxPackets stops at exactly that many', async () => {
    const sink = await sinkServer();
    server = sink.server;
    const { live, pkts, done } = capture({ device: 'lo', filter: `tcp port ${sink.port}`, bufferBytes: 8 << 20, maxPackets: 7 });
    await send(sink.port, Array.from({ length: 20 }, () => Buffer.from('x')));
    expect(await done).toBe('count');
    expect(pkts).toHaveLength(7);
    expect(live.stats.received).toBe(7);
  });

  it('flags frames cut at the 65535 snaplen through origLen (lo MTU is 65536)', async () => {
    const sink = await sinkServer();
    server = sink.server;
    const { live, pkts, done } = capture({ device: 'lo', filter: `tcp port ${sink.port}`, bufferBytes: 64 << 20 });
    // Once the window has opened, a large write leaves as full-MSS segments (65483 bytes of TCP
    // payload in 65549-byte frames); on a loaded machine that can take a few tries.
    for (let i = 0; i < 8 && live.stats.cut === 0; i++) {
      await send(sink.port, [Buffer.alloc(1 << 20, 0x61)]);
      await new Promise((r) => setTimeout(r, 100));
    }
    live.stop();
    await done;
    const cut = pkts.filter((p) => p.origLen > p.data.length);
    expect(cut.length).toBeGreaterThan(0);
    expect(live.stats.cut).toBe(cut.length);
    for (const p of cut) {
      expect(p.data.length).toBe(65535);
      // Ethernet header + IPv4 total length from the (captured) IP header.
      expect(p.origLen).toBe(14 + ((p.data[16]! << 8) | p.data[17]!));
    }
  });

  it('duration stop ends an idle capture', async () => {
    const { live, pkts, done } = capture({ device: 'lo', filter: 'tcp port 9', bufferBytes: 1 << 20, maxSeconds: 0.2 });
    expect(await done).toBe('duration');
    expect(pkts).toEqual([]);
    expect(live.stopReason).toBe('duration');
  });
});
