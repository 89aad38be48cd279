// Turns a framed command into meaning: named parameters, the error it reports, the request it answers,
// its decoded body (MIME message, XML, P2P/MSNSLP), challenge and login checks, and secrets redacted.
// Holds the little per-connection state this needs (last CHL challenge, MD5 salt, SLP chunks).

import type { Diagnostic, DiagnosticSink, Severity } from '../diag.js';
import { type ChallengeAlgorithm, verifyChallengeResponse, verifyMd5Login } from '../msnp/auth.js';
import type { MsnpCommand } from '../msnp/command.js';
import { commandInfo, errorInfo, isErrorVerb } from '../msnp/commands.js';
import { decodeMessage, type MessageContent } from '../msnp/content.js';
import { decodeParams, redact, redactArgs, type ParamValue } from '../msnp/params.js';
import { SlpReassembler, type SlpMessage } from '../msnp/slp.js';
import { decodeXmlPayload, type XmlPayload } from '../msnp/xml-payloads.js';
import type { CommandContext } from './tracker.js';
import type { ReplyMatch } from './transactions.js';
import { latin1Text } from '../text.js';

export interface InterpreterOptions {
  /** Show tickets, cookies and login responses as sent (default: redacted). */
  showSecrets: boolean;
  /** Passwords to try against MD5 logins (MSNP2–7). */
  passwords: readonly string[];
}

export interface AuthCheck {
  kind: 'challenge' | 'md5-login';
  /** null: could not be checked (no challenge seen, no password given). */
  valid: boolean | null;
  message: string;
  /** A checked QRY: the product whose key gives the response (null when none does). */
  productId?: string | null;
  /** A checked QRY: `md5` (MSNP6–10) or `msnp11` (MSNP11+), the algorithm that matched. */
  algorithm?: ChallengeAlgorithm | null;
  /** A checked QRY: the client release that product id belongs to, when known. */
  client?: string | null;
}

export interface CommandDetails {
  /** `args` with secrets redacted (unless --show-secrets). */
  args: readonly string[];
  /** The command line with the same redactions. */
  line: string;
  /** The body to show: `cmd.payload`, or a copy with secrets (the profile's MSPAuth ticket) redacted. */
  payload: Uint8Array | null;
  params: Record<string, ParamValue>;
  /** Dialects whose layout of this command the line fits (evidence for dialect inference), or null. */
  layoutDialects: [number, number] | null;
  error: { code: number; name: string | null; meaning: string } | null;
  /** The request this server line answers. */
  reply: { verb: string; trId: number; packet: number; tsMicros: number; latencyMicros: number; first: boolean } | null;
  message: MessageContent | null;
  xml: XmlPayload | null;
  /** A whole MSNSLP message completed by this command (it may have spanned several P2P chunks). */
  slp: SlpMessage | null;
  auth: AuthCheck | null;
}

/** Verbs whose body is XML or multi-part MIME (decoded by xml-payloads.ts). */
const XML_PAYLOAD_VERBS = new Set(['UUX', 'UBX', 'ADL', 'RML', 'NOT', 'IPG', 'GCF', 'FQY', 'UUN', 'UBN', 'SDG', 'NFY', 'PUT', 'DEL']);
/** Verbs whose body is a MIME message. */
const MESSAGE_VERBS = new Set(['MSG', 'UUM', 'UBM']);

interface ConnState {
  challenge: string | null;
  salt: string | null;
}

export class CommandInterpreter {
  private readonly state = new Map<number, ConnState>();
  private readonly slp = new SlpReassembler();

  constructor(
    private readonly diag: DiagnosticSink,
    private readonly opts: InterpreterOptions,
  ) {}

  interpret(cmd: MsnpCommand, ctx: CommandContext, dialect: number | null): CommandDetails {
    const st = this.connState(cmd.conn.id);
    const args = this.opts.showSecrets ? cmd.args : redactArgs(cmd.verb, cmd.dir, cmd.args, dialect);
    const line = args === cmd.args ? cmd.line : [cmd.verb, ...args].join(' ');
    // Decoded from the redacted tokens, so no secret reaches the named fields either.
    const decoded = decodeParams(cmd.verb, cmd.dir, args, dialect);
    for (const p of decoded.problems) this.report(cmd, 'msnp.malformed_params', 'warning', `${cmd.verb}: ${p}`);

    const details: CommandDetails = {
      args,
      line,
      payload: cmd.payload,
      params: decoded.fields,
      layoutDialects: decoded.dialects,
      error: null,
      reply: ctx.reply === null ? null : replyOf(ctx.reply),
      message: null,
      xml: null,
      slp: null,
      auth: null,
    };
    this.checkDialect(cmd, dialect);
    if (isErrorVerb(cmd.verb)) {
      const code = Number(cmd.verb);
      const info = errorInfo(code);
      details.error = { code, name: info?.name ?? null, meaning: info?.meaning ?? 'unknown error code' };
      if (info === undefined) this.report(cmd, 'msnp.unknown_error', 'info', `error code ${code} is not in the reference`);
    }
    this.trackAuth(cmd, st, details, dialect);
    if (cmd.payload !== null && cmd.payload.length > 0) this.decodeBody(cmd, details, dialect);
    if (!this.opts.showSecrets && details.message?.kind === 'profile' && cmd.payload !== null) {
      details.payload = redactTicketHeaders(cmd.payload);
      // The decoded fields hold the header objects themselves (content.ts bodyFields): redacting them
      // redacts the header list too.
      redactTicketFields(details.message.fields);
    }
    return details;
  }

  /** A known verb outside the dialect in force (ADL in MSNP8, SYN in MSNP15): worth knowing, not fatal. */
  private checkDialect(cmd: MsnpCommand, dialect: number | null): void {
    if (dialect === null) return;
    const info = commandInfo(cmd.verb);
    if (info === undefined || info.from <= 0 || (dialect >= info.from && dialect <= info.to)) return;
    const range = info.to >= 99 ? `MSNP${info.from}+` : `MSNP${info.from}–${info.to}`;
    this.diag({
      code: 'msnp.unknown_command',
      severity: 'info',
      message: `${cmd.verb} is not a command of MSNP${dialect} (the reference has it in ${range})`,
      packet: cmd.packet,
      tsMicros: cmd.tsMicros,
      conn: cmd.conn.id,
      dir: cmd.dir,
      details: { verb: cmd.verb, dialect, from: info.from, to: info.to },
    });
  }

  /** The connection ended: forget its state and any SLP chunks still waiting. */
  closed(connId: number): void {
    this.state.delete(connId);
    this.slp.dropScope(`${connId}|c2s`);
    this.slp.dropScope(`${connId}|s2c`);
  }

  private connState(id: number): ConnState {
    let st = this.state.get(id);
    if (st === undefined) {
      st = { challenge: null, salt: null };
      this.state.set(id, st);
    }
    return st;
  }

  private trackAuth(cmd: MsnpCommand, st: ConnState, details: CommandDetails, dialect: number | null): void {
    const a = cmd.args;
    if (cmd.verb === 'CHL' && cmd.dir === 's2c' && a[1] !== undefined) {
      st.challenge = a[1];
      return;
    }
    if (cmd.verb === 'USR' && a[1] === 'MD5' && a[2] === 'S' && a[3] !== undefined) {
      if (cmd.dir === 's2c') {
        st.salt = a[3];
        return;
      }
      if (st.salt === null) {
        details.auth = { kind: 'md5-login', valid: null, message: 'MD5 login response: no salt seen on this connection, cannot verify' };
      } else if (this.opts.passwords.length === 0) {
        details.auth = { kind: 'md5-login', valid: null, message: 'MD5 login response (give --password to verify it)' };
      } else {
        const v = verifyMd5Login(st.salt, a[3], this.opts.passwords);
        details.auth = v.valid
          ? { kind: 'md5-login', valid: true, message: `MD5 login response matches password ${this.opts.showSecrets ? `"${v.password}"` : 'given with --password'}` }
          : { kind: 'md5-login', valid: false, message: 'MD5 login response matches none of the passwords given' };
      }
      return;
    }
    if (cmd.verb === 'QRY' && cmd.dir === 'c2s' && cmd.payload !== null && a[1] !== undefined) {
      const response = latin1Text(cmd.payload);
      if (st.challenge === null) {
        details.auth = { kind: 'challenge', valid: null, message: `QRY for ${a[1]}: no CHL seen on this connection, cannot verify` };
        return;
      }
      const v = verifyChallengeResponse(st.challenge, a[1], response, dialect);
      details.auth = { kind: 'challenge', valid: v.valid, message: v.message, productId: v.productId, algorithm: v.algorithm, client: v.client };
      if (!v.valid) this.report(cmd, 'msnp.challenge_mismatch', 'warning', `QRY ${cmd.trId ?? ''}: ${v.message}`);
      st.challenge = null;
    }
  }

  private decodeBody(cmd: MsnpCommand, details: CommandDetails, dialect: number | null): void {
    const payload = cmd.payload as Uint8Array;
    if (MESSAGE_VERBS.has(cmd.verb)) {
      const m = decodeMessage(payload, { verb: cmd.verb, dir: cmd.dir, dialect });
      details.message = m;
      this.reportProblems(cmd, m.problems);
      const packet = m.kind === 'p2p' ? m.packet : null;
      if (m.kind === 'p2p' && packet !== null && packet.version === 1 && packet.header !== null && (packet.role === 'slp' || packet.role === 'slp-continuation')) {
        const data = payload.subarray(m.dataOffset, m.dataOffset + packet.dataLength);
        const r = this.slp.push(`${cmd.conn.id}|${cmd.dir}`, packet.header, data);
        this.reportProblems(cmd, r.problems);
        if (r.complete !== null) {
          details.slp = r.complete.slp;
          this.reportProblems(cmd, r.complete.slp.problems);
        }
      }
      return;
    }
    if (XML_PAYLOAD_VERBS.has(cmd.verb)) {
      const x = decodeXmlPayload(cmd.verb, payload, dialect, cmd.args);
      details.xml = x;
      this.reportProblems(cmd, x.problems);
    }
  }

  /** Decoder problems are `code: message` strings; each becomes a diagnostic of that code. */
  private reportProblems(cmd: MsnpCommand, problems: readonly string[]): void {
    for (const p of problems) {
      const sep = p.indexOf(': ');
      const code = sep > 0 ? p.slice(0, sep) : 'msnp.malformed_payload';
      const message = sep > 0 ? p.slice(sep + 2) : p;
      this.report(cmd, code, code === 'msnp.invalid_utf8' ? 'warning' : 'info', `${cmd.verb}: ${message}`);
    }
  }

  private report(cmd: MsnpCommand, code: string, severity: Severity, message: string): void {
    const d: Diagnostic = { code, severity, message, packet: cmd.packet, tsMicros: cmd.tsMicros, conn: cmd.conn.id, dir: cmd.dir, details: { verb: cmd.verb } };
    this.diag(d);
  }
}

// Built field by field: object spread is a slow path in V8 and this runs for every reply line.
function replyOf(m: ReplyMatch): CommandDetails['reply'] {
  const r = m.request;
  return { verb: r.verb, trId: r.trId, packet: r.packet, tsMicros: r.tsMicros, latencyMicros: m.latencyMicros, first: m.first };
}

/** Header lines of an NS profile message that carry a login ticket. */
const TICKET_HEADER = /^(MSPAuth:[ \t]*)([^\r\n]+)/gim;

function redactTicketFields(list: { name: string; value: string }[]): void {
  // A value already shown redacted on the wire stays as it is.
  for (const h of list) if (h.name.toLowerCase() === 'mspauth' && !h.value.startsWith('«redacted')) h.value = redact(h.value);
}

/** Replaces ticket header values byte-exactly (latin1 indexes are byte offsets); the rest stays as sent. */
function redactTicketHeaders(payload: Uint8Array): Uint8Array {
  const text = latin1Text(payload);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const m of text.matchAll(TICKET_HEADER)) {
    const valueAt = (m.index ?? 0) + (m[1]?.length ?? 0);
    const value = m[2] ?? '';
    parts.push(payload.subarray(from, valueAt), Buffer.from(redact(value), 'utf8'));
    from = valueAt + value.length;
  }
  if (parts.length === 0) return payload;
  parts.push(payload.subarray(from));
  return new Uint8Array(Buffer.concat(parts));
}
