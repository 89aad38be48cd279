// The analysis pipeline: packets → link/IP/TCP decode → TCP reassembly → MSNP framing → reporter.
// Pull on the outside (an async iterable of packet batches), push on the inside (synchronous stages).

import type { RawPacket } from './capture/packet.js';
import { PacketDecoder } from './decode/decoder.js';
import type { Diagnostic, DiagnosticSink, Severity } from './diag.js';
import type { MsnpCommand } from './msnp/command.js';
import { ConnectionFramer } from './msnp/connection-framer.js';
import { DEFAULT_FRAMER_LIMITS, type FramerLimits } from './msnp/framer.js';
import type { TextOutput } from './report/output.js';
import type { Reporter, Summary } from './report/reporter.js';
import { Reassembler } from './tcp/reassembler.js';
import type { StreamEvent } from './tcp/stream.js';

export interface AnalysisOptions {
  /** TCP ports that carry MSNP (the server side). */
  ports: readonly number[];
  framerLimits?: FramerLimits;
  maxBufferedBytesPerDirection?: number;
  maxConnections?: number;
  idleTimeoutMicros?: number;
}

/** Opens the packet source; diagnostics of the capture reader go to `diag`. */
export type SourceOpener = (diag: DiagnosticSink) => AsyncIterable<RawPacket[]>;

/** How often (in capture time) idle connections and stale holes are swept. */
const SWEEP_INTERVAL_MICROS = 1_000_000;

export async function analyze(open: SourceOpener, reporter: Reporter, opts: AnalysisOptions, output?: TextOutput): Promise<Summary> {
  const summary: Summary = {
    packets: 0,
    capturedBytes: 0,
    firstTsMicros: null,
    lastTsMicros: null,
    tcpSegments: 0,
    tcpConnections: 0,
    msnpConnections: 0,
    commands: 0,
    commandsByVerb: {},
    diagnosticsBySeverity: { error: 0, warning: 0, info: 0 } as Record<Severity, number>,
    diagnosticsByCode: {},
    decode: {},
  };
  let currentPacket = 0;
  let currentTs = 0;

  const diag: DiagnosticSink = (d: Diagnostic) => {
    if (d.tsMicros === undefined && d.packet !== 0 && d.packet === currentPacket) d.tsMicros = currentTs;
    summary.diagnosticsBySeverity[d.severity]++;
    summary.diagnosticsByCode[d.code] = (summary.diagnosticsByCode[d.code] ?? 0) + 1;
    reporter.diagnostic(d);
  };
  const commandSink = {
    command(cmd: MsnpCommand): void {
      summary.commands++;
      summary.commandsByVerb[cmd.verb] = (summary.commandsByVerb[cmd.verb] ?? 0) + 1;
      reporter.command(cmd);
    },
  };

  const ports = new Set(opts.ports);
  const decoder = new PacketDecoder(diag);
  const reassembler = new Reassembler(
    {
      isServerPort: (p: number) => ports.has(p),
      ...(opts.maxBufferedBytesPerDirection !== undefined && { maxBufferedBytesPerDirection: opts.maxBufferedBytesPerDirection }),
      ...(opts.maxConnections !== undefined && { maxConnections: opts.maxConnections }),
      ...(opts.idleTimeoutMicros !== undefined && { idleTimeoutMicros: opts.idleTimeoutMicros }),
    },
    diag,
  );
  const framers = new Map<number, ConnectionFramer>();
  const limits = opts.framerLimits ?? DEFAULT_FRAMER_LIMITS;
  const events: StreamEvent[] = [];

  const handle = (ev: StreamEvent): void => {
    switch (ev.kind) {
      case 'open':
        summary.tcpConnections++;
        framers.set(ev.conn.id, new ConnectionFramer(ev.conn, commandSink, diag, limits));
        reporter.connectionOpened(ev.conn, ev.packet, ev.tsMicros);
        return;
      case 'data':
        framers.get(ev.conn.id)?.push(ev.dir, ev.bytes, ev.gapBefore, ev.packet, ev.tsMicros);
        return;
      case 'gap':
        framers.get(ev.conn.id)?.gap(ev.dir, ev.bytes, ev.packet);
        return;
      case 'close': {
        const framer = framers.get(ev.conn.id);
        if (framer === undefined) return;
        framers.delete(ev.conn.id);
        framer.finish(ev.packet);
        if (framer.isMsnp) summary.msnpConnections++;
        reporter.connectionClosed(
          { conn: ev.conn, isMsnp: framer.isMsnp, commands: framer.commands, dialect: framer.dialect },
          ev.reason,
          ev.packet,
          ev.tsMicros,
        );
        return;
      }
    }
  };
  const drain = (): void => {
    for (let i = 0; i < events.length; i++) handle(events[i] as StreamEvent);
    events.length = 0;
  };

  let nextSweep = -Infinity;
  for await (const batch of open(diag)) {
    for (let i = 0; i < batch.length; i++) {
      const pkt = batch[i] as RawPacket;
      currentPacket = pkt.index;
      currentTs = pkt.tsMicros;
      summary.packets++;
      summary.capturedBytes += pkt.data.length;
      if (summary.firstTsMicros === null) summary.firstTsMicros = pkt.tsMicros;
      summary.lastTsMicros = pkt.tsMicros;
      const seg = decoder.decode(pkt);
      if (seg !== null) summary.tcpSegments++;
      // Only connections on an MSNP port are reassembled; all other TCP is counted and dropped here.
      if (seg !== null && (ports.has(seg.srcPort) || ports.has(seg.dstPort))) {
        reassembler.push(seg, events);
        if (events.length > 0) drain();
      }
      if (pkt.tsMicros >= nextSweep) {
        nextSweep = pkt.tsMicros + SWEEP_INTERVAL_MICROS;
        reassembler.advanceTime(pkt.tsMicros, events);
        if (events.length > 0) drain();
      }
    }
    if (output !== undefined) {
      output.flush();
      await output.ready();
      if (output.isClosed) break;
    }
  }
  decoder.flush();
  reassembler.finish(currentPacket, currentTs, events);
  drain();
  summary.decode = { ...decoder.stats } as unknown as Record<string, number>;
  reporter.end(summary);
  return summary;
}
