// Human-readable transcript: one line per command (time, frame, connection, direction arrow,
// the command line as sent), bodies shown readably below it, diagnostics inline, a summary at the end.

import type { Diagnostic, Direction } from '../diag.js';
import type { MsnpCommand } from '../msnp/command.js';
import { parseMime } from '../msnp/mime.js';
import type { CommandDetails } from '../session/interpreter.js';
import { describe } from './describe.js';
import type { Connection } from '../tcp/stream.js';
import { utf8Text } from '../text.js';
import { connName, endpoint, hasControlChars, hasNoControlChars, isoMicros } from './format.js';
import type { TextOutput } from './output.js';
import type { CloseReason, ConnectionSummary, Reporter, Summary } from './reporter.js';

const BODY_INDENT = '        │ ';
const NOTE_INDENT = '        ';
const MAX_BODY_LINES = 60;

export class TranscriptReporter implements Reporter {
  private currentDate = '';
  /** Connections whose header line was printed (printed lazily, so non-MSNP flows stay silent). */
  private readonly announced = new Set<number>();
  private readonly pendingOpen = new Map<number, { conn: Connection; packet: number; tsMicros: number }>();

  constructor(private readonly out: TextOutput) {}

  connectionOpened(conn: Connection, packet: number, tsMicros: number): void {
    this.pendingOpen.set(conn.id, { conn, packet, tsMicros });
  }

  command(cmd: MsnpCommand, d: CommandDetails): void {
    this.announce(cmd.conn.id);
    const arrow = arrowLine(cmd.conn, cmd.dir);
    this.out.write(`${this.time(cmd.tsMicros)}  ${frame(cmd.packet)} ${tag(cmd.conn.id)} ${arrow}  ${d.line}\n`);
    for (const note of describe(cmd, d)) this.out.write(`${NOTE_INDENT}${note}\n`);
    if (d.payload !== null) this.body(cmd, d.payload);
  }

  diagnostic(d: Diagnostic): void {
    if (d.conn !== undefined) this.announce(d.conn);
    const where = d.conn !== undefined ? `${tag(d.conn)}${d.dir ? ` ${d.dir}` : ''} ` : '';
    const time = d.tsMicros !== undefined ? this.time(d.tsMicros) : ' '.repeat(15);
    this.out.write(`${time}  ${frame(d.packet)} ${where}!! ${d.severity} ${d.code}: ${d.message}\n`);
  }

  connectionClosed(s: ConnectionSummary, reason: CloseReason, packet: number, tsMicros: number): void {
    this.pendingOpen.delete(s.conn.id);
    if (!this.announced.has(s.conn.id)) return;
    const facts = [`${s.commands} commands`];
    if (s.role !== 'unknown') facts.push(s.user !== null ? `${s.role} session of ${s.user}` : `${s.role} session`);
    if (s.dialect !== null) facts.push(`MSNP${s.dialect}${s.dialectSource === 'cookie' ? ' (from the NS that announced it)' : ''}`);
    else if (s.dialectSource === 'inferred') facts.push(`MSNP${s.dialectRange[0]}–${s.dialectRange[1]} (inferred)`);
    if (s.announcedBy !== null) facts.push(`announced by ${s.announcedBy.via} in ${tag(s.announcedBy.conn)} #${s.announcedBy.packet}`);
    this.out.write(`${this.time(tsMicros)}  ${frame(packet)} ${tag(s.conn.id)} closed (${reason}): ${facts.join(', ')}\n`);
    this.announced.delete(s.conn.id);
    for (const r of s.unanswered) this.out.write(`${NOTE_INDENT}unanswered: ${r.verb} ${r.trId} (#${r.packet})\n`);
  }

  end(s: Summary): void {
    const span =
      s.firstTsMicros !== null && s.lastTsMicros !== null
        ? `, ${isoMicros(s.firstTsMicros)} → ${isoMicros(s.lastTsMicros)} (${((s.lastTsMicros - s.firstTsMicros) / 1e6).toFixed(1)} s)`
        : '';
    const verbs = Object.entries(s.commandsByVerb)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([v, n]) => `${v} ${n}`)
      .join(', ');
    const codes = Object.entries(s.diagnosticsByCode)
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    const sev = s.diagnosticsBySeverity;
    const lines = [
      '',
      '── summary ──',
      `packets: ${s.packets} (${s.capturedBytes} bytes captured)${span}`,
      `TCP segments: ${s.tcpSegments}; connections tracked: ${s.tcpConnections}; MSNP connections: ${s.msnpConnections}`,
      `commands: ${s.commands}${verbs ? ` (${verbs})` : ''}`,
      `diagnostics: ${sev.error} errors, ${sev.warning} warnings, ${sev.info} info${codes ? ` (${codes})` : ''}`,
    ];
    this.out.write(`${lines.join('\n')}\n`);
  }

  private announce(connId: number): void {
    if (this.announced.has(connId)) return;
    const open = this.pendingOpen.get(connId);
    if (open === undefined) return;
    this.announced.add(connId);
    const { conn } = open;
    const where = `${this.time(open.tsMicros)}  ${frame(open.packet)} ${tag(conn.id)}`;
    if (conn.tunnel !== undefined) {
      const t = conn.tunnel;
      this.out.write(`${where} HTTP gateway session ${t.sessionId} (Server=${t.server}) in ${tag(t.conn)} ${endpoint(conn.client)} → ${endpoint(conn.server)}\n`);
      return;
    }
    const how = [conn.midStream ? 'joined mid-stream' : 'handshake seen', `client by ${conn.clientBy}`].join(', ');
    this.out.write(`${where} connection ${endpoint(conn.client)} → ${endpoint(conn.server)} (${how})\n`);
  }

  /** Time of day; the date is printed on a line of its own whenever it changes. */
  private time(tsMicros: number): string {
    const iso = isoMicros(tsMicros);
    const date = iso.slice(0, 10);
    if (date !== this.currentDate) {
      this.currentDate = date;
      this.out.write(`── ${date} (UTC) ──\n`);
    }
    return iso.slice(11, 26);
  }

  private body(cmd: MsnpCommand, payload: Uint8Array): void {
    const lines: string[] = [];
    // MSG bodies are MIME by definition; other payloads (XML, QRY's hex) only when they read as text.
    const mime = cmd.verb === 'MSG' || hasNoControlChars(payload.subarray(0, Math.min(payload.length, 512))) ? parseMime(payload) : null;
    let body = payload;
    if (mime !== null) {
      for (const h of mime.headers) lines.push(`${h.name}: ${h.value}`);
      body = payload.subarray(mime.bodyOffset);
      if (body.length > 0) lines.push('');
    }
    if (body.length > 0) {
      // Decoded once: invalid UTF-8 in text shows as U+FFFD (the interpreter reports it); binary stays a byte count.
      const text = utf8Text(body);
      if (!hasControlChars(text)) {
        const textLines = text.replace(/\r\n/g, '\n').split('\n');
        if (textLines[textLines.length - 1] === '') textLines.pop();
        lines.push(...textLines.slice(0, MAX_BODY_LINES));
        if (textLines.length > MAX_BODY_LINES) lines.push(`[… ${textLines.length - MAX_BODY_LINES} more lines]`);
      } else {
        lines.push(`[binary ${mime !== null ? 'body' : 'payload'}: ${body.length} bytes]`);
      }
    }
    if (cmd.payloadMissing > 0) lines.push(`[${cmd.payloadMissing} bytes of this payload are missing from the capture; shown as zeros]`);
    if (cmd.truncated) lines.push(`[truncated: ${payload.length} of ${cmd.payloadLength} bytes]`);
    for (const l of lines) this.out.write(`${BODY_INDENT}${l}\n`);
  }
}

function frame(packet: number): string {
  return `#${packet}`.padEnd(7);
}

function tag(connId: number): string {
  return `[${connName(connId)}]`;
}

function arrowLine(conn: Connection, dir: Direction): string {
  return `${endpoint(conn.client)} ${dir === 'c2s' ? '→' : '←'} ${endpoint(conn.server)}`;
}
