// Test harness for the reassembler: scripted segments → real TcpSegments (through the capture builder and the
// decoder) → Reassembler → events, and a readable per-connection summary of those events.

import { type BuildOptions, type ScriptSegment, buildFrames } from '../support/capture-builder.js';
import { PacketDecoder } from '../../src/decode/decoder.js';
import type { TcpSegment } from '../../src/decode/segment.js';
import type { Diagnostic } from '../../src/diag.js';
import { Reassembler, type ReassemblerOptions } from '../../src/tcp/reassembler.js';
import type { Connection, StreamEvent } from '../../src/tcp/stream.js';

/** Decodes the frames of a script into the segments the pipeline would push. */
export function segmentsOf(items: readonly ScriptSegment[], opts: BuildOptions = {}): TcpSegment[] {
  const decoder = new PacketDecoder(() => {});
  const out: TcpSegment[] = [];
  for (const frame of buildFrames(items, opts)) {
    const seg = decoder.decode(frame);
    if (seg !== null) out.push(seg);
  }
  return out;
}

export interface RunOptions extends Partial<ReassemblerOptions> {
  /** Call advanceTime before every segment (as the pipeline does about once per second of capture time). */
  sweep?: boolean;
  /** Skip finish() (to look at what was emitted before the end of capture). */
  noFinish?: boolean;
}

export interface Run {
  events: StreamEvent[];
  diags: Diagnostic[];
  reassembler: Reassembler;
}

export function reassemble(segs: readonly TcpSegment[], opts: RunOptions = {}): Run {
  const diags: Diagnostic[] = [];
  const { sweep, noFinish, ...rest } = opts;
  const reassembler = new Reassembler({ isServerPort: (p) => p === 1863, ...rest }, (d) => diags.push(d));
  const events: StreamEvent[] = [];
  let last: TcpSegment | undefined;
  for (const seg of segs) {
    if (sweep === true) reassembler.advanceTime(seg.tsMicros, events);
    reassembler.push(seg, events);
    last = seg;
  }
  if (noFinish !== true) reassembler.finish(last?.packet ?? 0, last?.tsMicros ?? 0, events);
  return { events, diags, reassembler };
}

export interface ConnSummary {
  id: number;
  client: string;
  server: string;
  clientBy: Connection['clientBy'];
  midStream: boolean;
  /** Bytes as latin1, with "[gap N]" where N bytes were skipped. */
  c2s: string;
  s2c: string;
  close: string | null;
}

/** Folds events into one summary per connection, checking the event order rules on the way. */
export function summarize(events: readonly StreamEvent[]): ConnSummary[] {
  const byId = new Map<number, ConnSummary>();
  for (const ev of events) {
    if (ev.kind === 'open') {
      if (byId.has(ev.conn.id)) throw new Error(`connection ${ev.conn.id} opened twice`);
      byId.set(ev.conn.id, {
        id: ev.conn.id,
        client: `${ev.conn.client.addr}:${ev.conn.client.port}`,
        server: `${ev.conn.server.addr}:${ev.conn.server.port}`,
        clientBy: ev.conn.clientBy,
        midStream: ev.conn.midStream,
        c2s: '',
        s2c: '',
        close: null,
      });
      continue;
    }
    const s = byId.get(ev.conn.id);
    if (s === undefined) throw new Error(`${ev.kind} before open of connection ${ev.conn.id}`);
    if (s.close !== null) throw new Error(`${ev.kind} after close of connection ${ev.conn.id}`);
    switch (ev.kind) {
      case 'data': {
        if (ev.bytes.length === 0) throw new Error('empty data event');
        const text = (ev.gapBefore > 0 ? `[gap ${ev.gapBefore}]` : '') + Buffer.from(ev.bytes).toString('latin1');
        s[ev.dir] += text;
        break;
      }
      case 'gap':
        s[ev.dir] += `[gap ${ev.bytes}]`;
        break;
      case 'close':
        s.close = ev.reason;
        break;
    }
  }
  return [...byId.values()];
}

export function codes(diags: readonly Diagnostic[]): string[] {
  return diags.map((d) => d.code);
}
