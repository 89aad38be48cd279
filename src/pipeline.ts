// The analysis pipeline: packets → link/IP/TCP decode → TCP reassembly → MSNP framing → reporter.
// Pull on the outside (an async iterable of packet batches), push on the inside (synchronous stages).

import type { PacketBatch, RawPacket } from './capture/packet.js';
import { PacketDecoder } from './decode/decoder.js';
import type { TcpSegment } from './decode/segment.js';
import type { Diagnostic, DiagnosticSink, Direction, Severity } from './diag.js';
import type { MsnpCommand } from './msnp/command.js';
import { ConnectionFramer } from './msnp/connection-framer.js';
import { BodyBudget, DEFAULT_BODY_BUDGET_BYTES, DEFAULT_FRAMER_LIMITS, type FramerLimits } from './msnp/framer.js';
import { looksLikeGatewayRequest } from './msnp/gateway.js';
import type { TextOutput } from './report/output.js';
import type { CloseReason, Reporter, Summary } from './report/reporter.js';
import { FlowSelector } from './session/flow-selector.js';
import { GatewayTunnels } from './session/gateway-tunnels.js';
import { CommandInterpreter } from './session/interpreter.js';
import { MAX_DIALECT, MIN_DIALECT, SessionTracker } from './session/tracker.js';
import { Reassembler } from './tcp/reassembler.js';
import type { Connection, StreamEvent } from './tcp/stream.js';

export interface AnalysisOptions {
  /** TCP ports that carry MSNP (the server side). */
  ports: readonly number[];
  /** Recognise MSNP by content on other ports too (default true). */
  detect?: boolean;
  /** Show tickets, cookies and login responses as sent (default false: redacted). */
  showSecrets?: boolean;
  /** Passwords to verify MD5 logins against. */
  passwords?: readonly string[];
  framerLimits?: FramerLimits;
  /** Bytes held for bodies being read over all connections (DEFAULT_BODY_BUDGET_BYTES). */
  maxBodyBytesTotal?: number;
  maxBufferedBytesPerDirection?: number;
  maxBufferedBytesTotal?: number;
  maxConnections?: number;
  idleTimeoutMicros?: number;
  holeTimeoutMicros?: number;
  /**
   * Live capture whose filter passes only these TCP ports: a switchboard announced on another port is
   * reported once per port, since none of its traffic will reach the analysis. Unset: no such filter.
   */
  capturedPorts?: readonly number[];
}

/** Opens the packet source; diagnostics of the capture reader go to `diag`. */
export type SourceOpener = (diag: DiagnosticSink) => AsyncIterable<PacketBatch>;

const NO_BYTES = new Uint8Array(0);

/** What a TCP connection's first client bytes made it: not looked at yet, MSNP, or an HTTP gateway tunnel. */
const enum Route {
  Unknown,
  Msnp,
  Tunnel,
}

interface OpenConnection {
  framer: ConnectionFramer;
  /** Directions that carried data: bit 1 client, bit 2 server. */
  seen: number;
  route: Route;
}

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

  const selector = new FlowSelector({ ports: opts.ports, detect: opts.detect ?? true });
  /** Per open connection (TCP, or a gateway session inside one): its framer and what was seen of it. */
  const framers = new Map<number, OpenConnection>();
  const filteredOut = new Set<number>();
  const tracker = new SessionTracker(diag, (e) => {
    selector.expect(e.host, e.port);
    const captured = opts.capturedPorts;
    if (captured === undefined || captured.includes(e.port) || filteredOut.has(e.port)) return;
    filteredOut.add(e.port);
    diag({
      code: 'capture.port_filtered',
      severity: 'warning',
      message: `the switchboard ${e.host}:${e.port} that ${e.via} announced is outside the capture filter (TCP ports ${captured.join(', ')}): its traffic is not captured; capture with --port ${[...captured, e.port].join(',')} (or -f tcp)`,
      packet: e.packet,
      conn: e.nsConn,
      details: { host: e.host, port: e.port, via: e.via, capturedPorts: captured.join(',') },
    });
  });
  const interpreter = new CommandInterpreter(diag, { showSecrets: opts.showSecrets ?? false, passwords: opts.passwords ?? [] });
  const commandSink = {
    command(cmd: MsnpCommand): void {
      summary.commands++;
      summary.commandsByVerb[cmd.verb] = (summary.commandsByVerb[cmd.verb] ?? 0) + 1;
      const ctx = tracker.command(cmd);
      if (ctx.dialectLearnt !== null) {
        framers.get(cmd.conn.id)?.framer.setDialect(ctx.dialectLearnt);
        // A switchboard's first line (USR/ANS) names the cookie the dialect comes from: it is in force already.
        cmd.dialect ??= ctx.dialectLearnt;
      }
      const dialect = cmd.dialect ?? tracker.info(cmd.conn.id)?.dialect ?? null;
      const details = interpreter.interpret(cmd, ctx, dialect);
      tracker.evidence(cmd, details.layoutDialects, details.params);
      reporter.command(cmd, details);
    },
  };

  const decoder = new PacketDecoder(diag);
  const reassembler = new Reassembler(
    {
      isServerPort: (p: number) => selector.isServerPort(p),
      ...(opts.maxBufferedBytesPerDirection !== undefined && { maxBufferedBytesPerDirection: opts.maxBufferedBytesPerDirection }),
      ...(opts.maxBufferedBytesTotal !== undefined && { maxBufferedBytesTotal: opts.maxBufferedBytesTotal }),
      ...(opts.maxConnections !== undefined && { maxConnections: opts.maxConnections }),
      ...(opts.idleTimeoutMicros !== undefined && { idleTimeoutMicros: opts.idleTimeoutMicros }),
      ...(opts.holeTimeoutMicros !== undefined && { holeTimeoutMicros: opts.holeTimeoutMicros }),
    },
    diag,
  );
  const limits = opts.framerLimits ?? DEFAULT_FRAMER_LIMITS;
  const bodyBudget = new BodyBudget(opts.maxBodyBytesTotal ?? DEFAULT_BODY_BUDGET_BYTES);
  const events: StreamEvent[] = [];

  // A connection (TCP, or a gateway session inside one) starts being framed and tracked.
  const openConnection = (conn: Connection, packet: number, tsMicros: number): void => {
    framers.set(conn.id, { framer: new ConnectionFramer(conn, commandSink, diag, limits, bodyBudget), seen: 0, route: Route.Unknown });
    tracker.opened(conn);
    reporter.connectionOpened(conn, packet, tsMicros);
  };
  const frame = (open: OpenConnection, dir: Direction, bytes: Uint8Array, gapBefore: number, packet: number, tsMicros: number): void => {
    if (bytes.length > 0) open.seen |= dir === 'c2s' ? 1 : 2;
    open.framer.push(dir, bytes, gapBefore, packet, tsMicros);
  };
  const connectionData = (conn: Connection, dir: Direction, bytes: Uint8Array, gapBefore: number, packet: number, tsMicros: number): void => {
    const open = framers.get(conn.id);
    if (open !== undefined) frame(open, dir, bytes, gapBefore, packet, tsMicros);
  };
  const closeConnection = (conn: Connection, reason: CloseReason, packet: number, tsMicros: number): void => {
    const open = framers.get(conn.id);
    if (open === undefined) return;
    framers.delete(conn.id);
    const { framer, seen } = open;
    framer.finish(packet);
    interpreter.closed(conn.id);
    const session = tracker.closed(conn.id);
    if (framer.isMsnp) summary.msnpConnections++;
    if (framer.isMsnp && seen !== 3) {
      diag({
        code: 'msnp.one_direction',
        severity: 'info',
        message: `only the ${seen === 1 ? 'client' : 'server'}'s side of this connection is in the capture`,
        packet,
        tsMicros,
        conn: conn.id,
        details: { only: seen === 1 ? 'c2s' : 's2c' },
      });
    }
    const info = session?.info;
    const announced = info?.announcedBy ?? null;
    reporter.connectionClosed(
      {
        conn,
        isMsnp: framer.isMsnp,
        commands: framer.commands,
        dialect: framer.dialect ?? info?.dialect ?? null,
        role: info?.role ?? 'unknown',
        user: info?.user ?? null,
        dialectSource: info?.dialectSource ?? null,
        dialectRange: info?.dialectRange ?? [MIN_DIALECT, MAX_DIALECT],
        announcedBy: announced === null ? null : { conn: announced.nsConn, packet: announced.packet, via: announced.via },
        unanswered: framer.isMsnp ? (session?.unanswered ?? []) : [],
      },
      reason,
      packet,
      tsMicros,
    );
  };
  const tunnels = new GatewayTunnels(diag, { open: openConnection, data: connectionData, close: closeConnection });

  // Every TCP connection has its entry from 'open' to 'close': one lookup per stream event.
  const handle = (ev: StreamEvent): void => {
    if (ev.kind === 'open') {
      summary.tcpConnections++;
      openConnection(ev.conn, ev.packet, ev.tsMicros);
      return;
    }
    const open = framers.get(ev.conn.id);
    switch (ev.kind) {
      case 'data':
        if (open === undefined) return;
        if (open.route === Route.Unknown && ev.dir === 'c2s') {
          open.route = looksLikeGatewayRequest(ev.bytes) ? Route.Tunnel : Route.Msnp;
          if (open.route === Route.Tunnel) {
            tunnels.begin(ev.conn);
            tracker.markGateway(ev.conn.id);
          }
        }
        if (open.route === Route.Tunnel) tunnels.push(ev.conn.id, ev.dir, ev.bytes, ev.gapBefore, ev.packet, ev.tsMicros);
        else frame(open, ev.dir, ev.bytes, ev.gapBefore, ev.packet, ev.tsMicros);
        return;
      case 'gap':
        if (open?.route === Route.Tunnel) tunnels.push(ev.conn.id, ev.dir, NO_BYTES, ev.bytes, ev.packet, ev.tsMicros);
        else open?.framer.gap(ev.dir, ev.bytes, ev.packet);
        return;
      case 'close':
        tunnels.end(ev.conn.id, ev.packet);
        closeConnection(ev.conn, ev.reason, ev.packet, ev.tsMicros);
        return;
    }
  };
  const drain = (): void => {
    for (let i = 0; i < events.length; i++) handle(events[i] as StreamEvent);
    events.length = 0;
  };
  const reassemble = (seg: TcpSegment): void => {
    reassembler.push(seg, events);
    if (events.length > 0) drain();
  };
  /** Capture time moved on: holes and idle connections may time out. */
  const tick = (nowMicros: number): void => {
    reassembler.advanceTime(nowMicros, events);
    if (events.length > 0) drain();
  };

  let nextSweep = -Infinity;
  for await (const batch of open(diag)) {
    // An idle live source tells the time: holes and idle connections time out without new packets.
    // (currentTs stays the last packet's time, so the end of the capture is stamped as a file would be.)
    if (batch.length === 0 && batch.nowMicros !== undefined && batch.nowMicros > currentTs) {
      tick(batch.nowMicros);
    }
    for (let i = 0; i < batch.length; i++) {
      const pkt = batch[i] as RawPacket;
      currentPacket = pkt.index;
      currentTs = pkt.tsMicros;
      summary.packets++;
      summary.capturedBytes += pkt.data.length;
      if (summary.firstTsMicros === null) summary.firstTsMicros = pkt.tsMicros;
      summary.lastTsMicros = pkt.tsMicros;
      const seg = decoder.decode(pkt);
      if (seg !== null) {
        summary.tcpSegments++;
        // Only MSNP connections are reassembled (by port, announcement or content); other TCP is dropped here.
        const selection = selector.select(seg);
        if (selection === 'detected') for (const early of selector.replay) reassemble(early);
        if (selection !== 'skip') reassemble(seg);
      }
      if (pkt.tsMicros >= nextSweep) {
        nextSweep = pkt.tsMicros + SWEEP_INTERVAL_MICROS;
        tick(pkt.tsMicros);
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
  tunnels.finish(currentPacket, currentTs);
  summary.decode = { ...decoder.stats } as unknown as Record<string, number>;
  reporter.end(summary);
  return summary;
}
