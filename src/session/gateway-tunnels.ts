// HTTP gateway tunnels (reference §10): a TCP connection carrying `POST …/gateway.dll` requests is
// decoded as HTTP, and every gateway session in it (NS or SB, named by SessionID) becomes a virtual MSNP
// connection of its own, framed and tracked like a direct one. Sessions may outlive their TCP connection.

import type { DiagnosticSink, Direction } from '../diag.js';
import { GatewayDecoder, type GatewayChunk, type GatewayDiagnostic } from '../msnp/gateway.js';
import type { CloseReason } from '../report/reporter.js';
import type { Connection } from '../tcp/stream.js';

/** Gateway sessions open at once; beyond this the least recently used is closed ('evicted'). */
const MAX_SESSIONS = 4096;

/** What the pipeline does for a virtual connection: the same as for a TCP one. */
export interface TunnelHooks {
  open(conn: Connection, packet: number, tsMicros: number): void;
  data(conn: Connection, dir: Direction, bytes: Uint8Array, gapBefore: number, packet: number, tsMicros: number): void;
  close(conn: Connection, reason: CloseReason, packet: number, tsMicros: number): void;
}

export class GatewayTunnels {
  /** HTTP decoders per TCP connection id. */
  private readonly decoders = new Map<number, { tcp: Connection; decoder: GatewayDecoder }>();
  /** Virtual connections per gateway SessionID, across TCP connections. */
  private readonly sessions = new Map<string, Connection>();
  private count = 0;

  constructor(
    private readonly diag: DiagnosticSink,
    private readonly hooks: TunnelHooks,
  ) {}

  /** The TCP connection's first client bytes were a gateway request: decode it as HTTP from now on. */
  begin(tcp: Connection): void {
    const report = (d: GatewayDiagnostic) => this.diag({ ...d, conn: tcp.id });
    this.decoders.set(tcp.id, { tcp, decoder: new GatewayDecoder(report, { midStream: tcp.midStream }) });
  }

  push(tcpConnId: number, dir: Direction, bytes: Uint8Array, gapBefore: number, packet: number, tsMicros: number): void {
    const entry = this.decoders.get(tcpConnId);
    if (entry !== undefined) this.route(entry.tcp, entry.decoder.push(dir, bytes, gapBefore, packet, tsMicros));
  }

  /** The TCP connection ended: deliver what its HTTP decoder still held. The sessions stay open. */
  end(tcpConnId: number, packet: number): void {
    const entry = this.decoders.get(tcpConnId);
    if (entry === undefined) return;
    this.decoders.delete(tcpConnId);
    this.route(entry.tcp, entry.decoder.finish(packet));
  }

  /** End of the capture: every session still open is closed. */
  finish(packet: number, tsMicros: number): void {
    // In the order the sessions appeared (g1, g2 …), not the order of last use kept for eviction.
    const open = [...this.sessions.values()].sort((a, b) => b.id - a.id);
    for (const conn of open) this.hooks.close(conn, 'end-of-capture', packet, tsMicros);
    this.sessions.clear();
  }

  private route(tcp: Connection, chunks: GatewayChunk[]): void {
    for (const c of chunks) {
      const conn = this.session(tcp, c);
      if (c.bytes.length > 0 || c.gapBefore > 0) this.hooks.data(conn, c.dir, c.bytes, c.gapBefore, c.packet, c.tsMicros);
      if (c.sessionClose) {
        this.hooks.close(conn, 'fin', c.packet, c.tsMicros);
        this.sessions.delete(c.session.sessionId);
      }
    }
  }

  private evictOldest(packet: number, tsMicros: number): void {
    const oldest = this.sessions.entries().next().value;
    if (oldest === undefined) return;
    this.sessions.delete(oldest[0]);
    this.hooks.close(oldest[1], 'evicted', packet, tsMicros);
  }

  private session(tcp: Connection, c: GatewayChunk): Connection {
    let conn = this.sessions.get(c.session.sessionId);
    if (conn !== undefined) {
      // Most recently used last, so eviction takes the quietest session.
      this.sessions.delete(c.session.sessionId);
      this.sessions.set(c.session.sessionId, conn);
    } else {
      if (this.sessions.size >= MAX_SESSIONS) this.evictOldest(c.packet, c.tsMicros);
      this.count++;
      conn = {
        // Negative: TCP connection ids count up from 1 without bound, so the two can never clash.
        id: -this.count,
        client: tcp.client,
        server: tcp.server,
        clientBy: tcp.clientBy,
        // A session whose open was not seen may start in the middle of a command.
        midStream: !c.session.opened,
        firstPacket: c.packet,
        firstTsMicros: c.tsMicros,
        tunnel: { conn: tcp.id, sessionId: c.session.sessionId, server: c.session.server },
      };
      this.sessions.set(c.session.sessionId, conn);
      this.hooks.open(conn, c.packet, c.tsMicros);
    }
    return conn;
  }
}
