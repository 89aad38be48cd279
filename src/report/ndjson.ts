// NDJSON reporter: one JSON object per line — command, diagnostic, connection and summary events.
// The schema is documented in docs/ndjson.md; fields listed there are stable.

import type { Diagnostic } from '../diag.js';
import type { MsnpCommand } from '../msnp/command.js';
import type { ImFormat, MessageContent } from '../msnp/content.js';
import type { CommandDetails } from '../session/interpreter.js';
import type { Connection, Endpoint } from '../tcp/stream.js';
import { utf8Text } from '../text.js';
import { endpoint, isoMicros, readableText, toBase64 } from './format.js';
import type { TextOutput } from './output.js';
import type { CloseReason, ConnectionSummary, Reporter, Summary } from './reporter.js';

/**
 * When a command's raw body goes into the `payload` field: `always`, or `auto` (the default) — except
 * where `message` already holds all of it: plain UTF-8 chat text decoded without any problem under a
 * canonical header block, whose `message.text` is the body exactly and `message.headers` gives back its
 * header bytes (hasCanonicalHeaders). Chat text is most of the
 * bytes of real traffic, so `auto` keeps the output about half the size (tshark's JSON, too, leaves the
 * raw bytes out unless asked).
 */
export type PayloadMode = 'auto' | 'always';
export const PAYLOAD_MODES: readonly PayloadMode[] = ['auto', 'always'];

export interface NdjsonOptions {
  payload?: PayloadMode;
}

const UTF8_CHARSET = /^\s*utf-?8\s*$/i;

export class NdjsonReporter implements Reporter {
  private readonly payloadMode: PayloadMode;

  constructor(
    private readonly out: TextOutput,
    opts: NdjsonOptions = {},
  ) {
    this.payloadMode = opts.payload ?? 'auto';
  }

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

  /**
   * Written field by field rather than built as an object for JSON.stringify: command lines are nearly
   * all of the output, and an object that gains keys one by one is one V8 serialises slowly (a third of
   * the reporter's time). Scalars are written directly; nested values go through JSON.stringify. The
   * bytes are the same as stringifying the object, given what the framer guarantees: packet numbers,
   * TrIDs (at most 10 digits), dialects and lengths are finite integers or null, capture times are finite,
   * dir is c2s or s2c. Golden files and test/report/ndjson-payload.test.ts compare whole lines.
   */
  command(cmd: MsnpCommand, d: CommandDetails): void {
    const { conn } = cmd;
    const c2s = cmd.dir === 'c2s';
    let line =
      `{"type":"command","packet":${cmd.packet},"ts":"${isoMicros(cmd.tsMicros)}","conn":${conn.id}` +
      `,"src":${quotedEndpoint(c2s ? conn.client : conn.server)},"dst":${quotedEndpoint(c2s ? conn.server : conn.client)},"dir":"${cmd.dir}","verb":${JSON.stringify(cmd.verb)}` +
      `,"trId":${cmd.trId},"args":${JSON.stringify(d.args)},"payloadLength":${cmd.payloadLength}`;
    if (cmd.firstPacket !== cmd.packet) line += `,"firstPacket":${cmd.firstPacket}`;
    if (cmd.dialect !== null) line += `,"dialect":${cmd.dialect}`;
    const m = d.message;
    const bodyInMessage =
      this.payloadMode === 'auto' && m !== null && d.payload !== null && isExactText(m) && cmd.payloadMissing === 0 && !cmd.truncated && hasCanonicalHeaders(m, d.payload);
    if (d.payload !== null && d.payload.length > 0 && !bodyInMessage) {
      const text = readableText(d.payload);
      line += text !== null ? `,"payloadEncoding":"utf8","payload":${JSON.stringify(text)}` : `,"payloadEncoding":"base64","payload":"${toBase64(d.payload)}"`;
    }
    if (cmd.payloadMissing > 0) line += `,"payloadMissing":${cmd.payloadMissing}`;
    if (cmd.truncated) line += ',"truncated":true';
    if (d.reply !== null) {
      const r = d.reply;
      line += `,"request":{"verb":${JSON.stringify(r.verb)},"trId":${r.trId},"packet":${r.packet}},"latencyMs":${Math.round(r.latencyMicros) / 1000}`;
    }
    if (d.error !== null) line += `,"error":${JSON.stringify(d.error)}`;
    if (hasKeys(d.params)) line += `,"params":${JSON.stringify(d.params)}`;
    if (m !== null) line += `,"message":${JSON.stringify(compactMessage(m, bodyInMessage))}`;
    if (d.xml !== null) line += `,"xml":${JSON.stringify(d.xml)}`;
    if (d.slp !== null) line += `,"slp":${JSON.stringify(d.slp)}`;
    if (d.auth !== null) line += `,"auth":${JSON.stringify(d.auth)}`;
    this.out.write(`${line}}\n`);
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

function hasKeys(obj: object): boolean {
  for (const _ in obj) return true;
  return false;
}

/** Endpoints as JSON strings, quoted once per endpoint: each is written with every command. */
const quotedEndpoints = new WeakMap<Endpoint, string>();

function quotedEndpoint(e: Endpoint): string {
  let quoted = quotedEndpoints.get(e);
  if (quoted === undefined) {
    quoted = JSON.stringify(endpoint(e));
    quotedEndpoints.set(e, quoted);
  }
  return quoted;
}

/** Chat text whose `text` is exactly the body's bytes, decoded: valid UTF-8, whole, nothing wrong with it. */
function isExactText(m: MessageContent): boolean {
  return (
    m.kind === 'text' &&
    m.problems.length === 0 &&
    m.invalidUtf8 === 0 &&
    m.chunk === null &&
    (m.charset === null || UTF8_CHARSET.test(m.charset))
  );
}

/**
 * The header block is exactly `Name: value` CRLF lines and a CRLF blank line, so that `headers` gives
 * back its bytes (other spacing, bare LFs, skipped lines or a missing blank line keep the raw payload).
 */
function hasCanonicalHeaders(m: MessageContent, payload: Uint8Array): boolean {
  let rebuilt = '';
  for (const h of m.headers) rebuilt += `${h.name}: ${h.value}\r\n`;
  rebuilt += '\r\n';
  return m.bodyOffset === Buffer.byteLength(rebuilt) && utf8Text(payload, 0, m.bodyOffset) === rebuilt;
}

/**
 * The decoded message without empty defaults and, when the raw `payload` is beside it, without what that
 * already holds (the header list, the body offset): MSG events are most of the output, so every field counts.
 */
function compactMessage(m: MessageContent, withHeaders: boolean): Record<string, unknown> {
  // Built key by key (no spread, no delete: both put V8 on slow paths, and this runs for every MSG).
  const out: Record<string, unknown> = {};
  const source = m as unknown as Record<string, unknown>;
  for (const key in source) {
    const value = source[key];
    if (key === 'bodyOffset' || (key === 'headers' && !withHeaders)) continue;
    if (key === 'chunk' && value === null) continue;
    if (key === 'problems' && m.problems.length === 0) continue;
    out[key] = key === 'font' && value !== null && m.kind === 'text' ? compactFont(m.font as ImFormat) : value;
  }
  return out;
}

/** Font objects are shared between messages (see parseImFormat), so their compact forms are too. */
const compactFonts = new WeakMap<ImFormat, Record<string, unknown>>();

/** The font without its raw text (the header is in `payload` or `headers`) and without an empty `other`. */
function compactFont(font: ImFormat): Record<string, unknown> {
  let out = compactFonts.get(font);
  if (out === undefined) {
    out = {};
    const source = font as unknown as Record<string, unknown>;
    for (const key in source) {
      if (key === 'raw' || (key === 'other' && font.other.length === 0)) continue;
      out[key] = source[key];
    }
    compactFonts.set(font, out);
  }
  return out;
}
