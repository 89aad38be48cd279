// Statistics reporter (`--format stats`): tables of connections, commands per verb and direction,
// request latencies and outcomes, error codes and diagnostics, drawn with cli-table3 at the end.

import Table from 'cli-table3';
import type { Diagnostic, Severity } from '../diag.js';
import type { MsnpCommand } from '../msnp/command.js';
import type { CommandDetails } from '../session/interpreter.js';
import type { Connection } from '../tcp/stream.js';
import { connName, endpoint, isoMicros } from './format.js';
import type { TextOutput } from './output.js';
import type { CloseReason, ConnectionSummary, Reporter, Summary } from './reporter.js';

interface VerbCount {
  c2s: number;
  s2c: number;
  payloadBytes: number;
}

interface Latency {
  replies: number;
  errors: number;
  /** First-reply latencies in ms (bounded sample for the median). */
  samples: number[];
  max: number;
}

interface ConnRow {
  conn: Connection;
  summary: ConnectionSummary | null;
  reason: CloseReason | null;
  closedAt: number | null;
}

/** Latency samples kept per verb; enough for a stable median, bounded for huge captures. */
const MAX_SAMPLES = 10_000;
/** Connections listed one by one; beyond this only the count is shown. */
const MAX_CONNECTION_ROWS = 200;

export class StatsReporter implements Reporter {
  private readonly verbs = new Map<string, VerbCount>();
  private readonly latency = new Map<string, Latency>();
  private readonly errors = new Map<number, { name: string | null; meaning: string; count: number }>();
  private readonly diagnostics = new Map<string, { severity: Severity; count: number }>();
  private readonly connections = new Map<number, ConnRow>();
  private connectionCount = 0;

  constructor(private readonly out: TextOutput) {}

  connectionOpened(conn: Connection): void {
    this.connectionCount++;
    if (this.connections.size < MAX_CONNECTION_ROWS) this.connections.set(conn.id, { conn, summary: null, reason: null, closedAt: null });
  }

  command(cmd: MsnpCommand, d: CommandDetails): void {
    let v = this.verbs.get(cmd.verb);
    if (v === undefined) {
      v = { c2s: 0, s2c: 0, payloadBytes: 0 };
      this.verbs.set(cmd.verb, v);
    }
    v[cmd.dir]++;
    v.payloadBytes += cmd.payload?.length ?? 0;
    if (d.error !== null) {
      const e = this.errors.get(d.error.code) ?? { name: d.error.name, meaning: d.error.meaning, count: 0 };
      e.count++;
      this.errors.set(d.error.code, e);
    }
    if (d.reply !== null && d.reply.first) {
      let l = this.latency.get(d.reply.verb);
      if (l === undefined) {
        l = { replies: 0, errors: 0, samples: [], max: 0 };
        this.latency.set(d.reply.verb, l);
      }
      const ms = d.reply.latencyMicros / 1000;
      l.replies++;
      if (d.error !== null) l.errors++;
      if (l.samples.length < MAX_SAMPLES) l.samples.push(ms);
      if (ms > l.max) l.max = ms;
    }
  }

  diagnostic(d: Diagnostic): void {
    const entry = this.diagnostics.get(d.code) ?? { severity: d.severity, count: 0 };
    entry.count++;
    this.diagnostics.set(d.code, entry);
  }

  connectionClosed(s: ConnectionSummary, reason: CloseReason, _packet: number, tsMicros: number): void {
    const row = this.connections.get(s.conn.id);
    if (row === undefined) return;
    if (!s.isMsnp) {
      this.connections.delete(s.conn.id);
      return;
    }
    row.summary = s;
    row.reason = reason;
    row.closedAt = tsMicros;
  }

  end(s: Summary): void {
    const span =
      s.firstTsMicros !== null && s.lastTsMicros !== null
        ? `${isoMicros(s.firstTsMicros)} → ${isoMicros(s.lastTsMicros)} (${((s.lastTsMicros - s.firstTsMicros) / 1e6).toFixed(1)} s)`
        : 'no packets';
    const parts = [
      `packets: ${s.packets} (${s.capturedBytes} bytes captured), ${span}`,
      `TCP segments: ${s.tcpSegments}; connections tracked: ${s.tcpConnections}; MSNP connections: ${s.msnpConnections}; commands: ${s.commands}`,
      '',
      this.connectionTable(),
      this.verbTable(),
      this.latencyTable(),
      this.errorTable(),
      this.diagnosticTable(),
    ];
    this.out.write(`${parts.join('\n')}\n`);
  }

  private connectionTable(): string {
    const t = table(['conn', 'client → server', 'role', 'user', 'dialect', 'commands', 'duration s', 'end']);
    for (const row of this.connections.values()) {
      const s = row.summary;
      if (s === null) continue;
      const dialect = s.dialect !== null ? `MSNP${s.dialect}` : s.dialectSource === 'inferred' ? `${s.dialectRange[0]}–${s.dialectRange[1]}?` : '';
      const duration = row.closedAt === null ? '' : ((row.closedAt - row.conn.firstTsMicros) / 1e6).toFixed(1);
      t.push([connName(row.conn.id), `${endpoint(row.conn.client)} → ${endpoint(row.conn.server)}`, s.role, s.user ?? '', dialect, s.commands, duration, row.reason ?? '']);
    }
    const more = this.connectionCount > MAX_CONNECTION_ROWS ? `\n(${this.connectionCount - MAX_CONNECTION_ROWS} more connections not listed)` : '';
    return `MSNP connections\n${t.toString()}${more}\n`;
  }

  private verbTable(): string {
    const t = table(['verb', 'client → server', 'server → client', 'total', 'payload bytes']);
    const rows = [...this.verbs.entries()].sort((a, b) => b[1].c2s + b[1].s2c - (a[1].c2s + a[1].s2c) || a[0].localeCompare(b[0]));
    for (const [verb, v] of rows) t.push([verb, v.c2s, v.s2c, v.c2s + v.s2c, v.payloadBytes]);
    return `Commands\n${t.toString()}\n`;
  }

  private latencyTable(): string {
    const t = table(['request', 'answered', 'errors', 'median ms', 'max ms']);
    const rows = [...this.latency.entries()].sort((a, b) => b[1].replies - a[1].replies || a[0].localeCompare(b[0]));
    for (const [verb, l] of rows) t.push([verb, l.replies, l.errors, median(l.samples).toFixed(1), l.max.toFixed(1)]);
    return `Request latency (first reply)\n${t.toString()}\n`;
  }

  private errorTable(): string {
    if (this.errors.size === 0) return 'Errors: none\n';
    const t = table(['code', 'name', 'meaning', 'count']);
    for (const [code, e] of [...this.errors.entries()].sort((a, b) => a[0] - b[0])) t.push([code, e.name ?? '', e.meaning, e.count]);
    return `Errors\n${t.toString()}\n`;
  }

  private diagnosticTable(): string {
    if (this.diagnostics.size === 0) return 'Diagnostics: none';
    const t = table(['code', 'severity', 'count']);
    for (const [code, d] of [...this.diagnostics.entries()].sort((a, b) => a[0].localeCompare(b[0]))) t.push([code, d.severity, d.count]);
    return `Diagnostics\n${t.toString()}`;
  }
}

/** A plain table: no colours, so the output is the same on a terminal, in a pipe and in golden files. */
function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [], compact: true } });
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
