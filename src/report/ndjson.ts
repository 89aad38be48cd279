// NDJSON reporter: one JSON object per line — command, diagnostic, connection and summary events.
// The schema is documented in docs/ndjson.md; fields listed there are stable.

import type { Diagnostic } from '../diag.js';
import type { MsnpCommand } from '../msnp/command.js';
import type { MessageContent } from '../msnp/content.js';
import type { CommandDetails } from '../session/interpreter.js';
import type { Connection } from '../tcp/stream.js';
import { endpoint, isoMicros, readableText, toBase64 } from './format.js';
import type { TextOutput } from './output.js';
import type { CloseReason, ConnectionSummary, Reporter, Summary } from './reporter.js';

export class NdjsonReporter implements Reporter {
  constructor(private readonly out: TextOutput) {}

  connectionOpened(conn: Connection, packet: number, tsMicros: number): void {
    this.line({
      type: 'connection',
      event: 'open',
      conn: conn.id,
      packet,
      ts: isoMicros(tsMicros),
      client: endpoint(conn.client),
      server: endpoint(conn.server),
      clientBy: conn.clientBy,
      midStream: conn.midStream,
      ...(conn.tunnel !== undefined && { tunnel: conn.tunnel }),
    });
  }

  command(cmd: MsnpCommand, d: CommandDetails): void {
    const { conn } = cmd;
    const [src, dst] = cmd.dir === 'c2s' ? [conn.client, conn.server] : [conn.server, conn.client];
    const event: Record<string, unknown> = {
      type: 'command',
      packet: cmd.packet,
      ts: isoMicros(cmd.tsMicros),
      conn: conn.id,
      src: endpoint(src),
      dst: endpoint(dst),
      dir: cmd.dir,
      verb: cmd.verb,
      trId: cmd.trId,
      args: d.args,
      payloadLength: cmd.payloadLength,
    };
    if (cmd.firstPacket !== cmd.packet) event.firstPacket = cmd.firstPacket;
    if (cmd.dialect !== null) event.dialect = cmd.dialect;
    if (d.payload !== null && d.payload.length > 0) {
      const text = readableText(d.payload);
      event.payloadEncoding = text !== null ? 'utf8' : 'base64';
      event.payload = text ?? toBase64(d.payload);
    }
    if (cmd.payloadMissing > 0) event.payloadMissing = cmd.payloadMissing;
    if (cmd.truncated) event.truncated = true;
    if (d.reply !== null) {
      event.request = { verb: d.reply.verb, trId: d.reply.trId, packet: d.reply.packet };
      event.latencyMs = Math.round(d.reply.latencyMicros) / 1000;
    }
    if (d.error !== null) event.error = d.error;
    if (Object.keys(d.params).length > 0) event.params = d.params;
    if (d.message !== null) event.message = compactMessage(d.message);
    if (d.xml !== null) event.xml = d.xml;
    if (d.slp !== null) event.slp = d.slp;
    if (d.auth !== null) event.auth = d.auth;
    this.line(event);
  }

  diagnostic(d: Diagnostic): void {
    const event: Record<string, unknown> = {
      type: 'diagnostic',
      code: d.code,
      severity: d.severity,
      message: d.message,
      packet: d.packet,
    };
    if (d.tsMicros !== undefined) event.ts = isoMicros(d.tsMicros);
    if (d.conn !== undefined) event.conn = d.conn;
    if (d.dir !== undefined) event.dir = d.dir;
    if (d.details !== undefined) event.details = d.details;
    this.line(event);
  }

  connectionClosed(s: ConnectionSummary, reason: CloseReason, packet: number, tsMicros: number): void {
    this.line({
      type: 'connection',
      event: 'close',
      conn: s.conn.id,
      packet,
      ts: isoMicros(tsMicros),
      reason,
      msnp: s.isMsnp,
      commands: s.commands,
      dialect: s.dialect,
      dialectSource: s.dialectSource,
      ...(s.dialectSource === 'inferred' && { dialectRange: s.dialectRange }),
      role: s.role,
      user: s.user,
      ...(s.announcedBy !== null && { announcedBy: s.announcedBy }),
      ...(s.unanswered.length > 0 && { unanswered: s.unanswered.map((r) => ({ verb: r.verb, trId: r.trId, packet: r.packet })) }),
    });
  }

  end(summary: Summary): void {
    this.line({
      type: 'summary',
      ...summary,
      firstTs: summary.firstTsMicros === null ? null : isoMicros(summary.firstTsMicros),
      lastTs: summary.lastTsMicros === null ? null : isoMicros(summary.lastTsMicros),
      firstTsMicros: undefined,
      lastTsMicros: undefined,
    });
  }

  private line(obj: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(obj)}\n`);
  }
}

/**
 * The decoded message without what the raw `payload` beside it already holds (the header list, the
 * body offset) and without empty defaults: MSG events are most of the output, so every field counts.
 */
function compactMessage(m: MessageContent): Record<string, unknown> {
  // A shallow copy with the bulky duplicates removed (not rest/spread syntax: a slow path in V8, per MSG).
  const out: Record<string, unknown> = {};
  Object.assign(out, m);
  delete out.headers;
  delete out.bodyOffset;
  if (m.chunk === null) delete out.chunk;
  if (m.problems.length === 0) delete out.problems;
  if (m.kind === 'text' && m.font !== null) {
    const font: Record<string, unknown> = {};
    Object.assign(font, m.font);
    delete font.raw;
    if (m.font.other.length === 0) delete font.other;
    out.font = font;
  }
  return out;
}
