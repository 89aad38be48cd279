// Session tracking across Dispatch → Notification → Switchboard: each connection's role and user,
// its dialect (negotiated by VER, inherited by a switchboard from the NS session whose XFR/RNG issued
// the cookie, or inferred from the commands seen), and the switchboard endpoints announced in-band.

import type { Diagnostic, DiagnosticSink } from '../diag.js';
import type { MsnpCommand } from '../msnp/command.js';
import { commandInfo, isErrorVerb } from '../msnp/commands.js';
import type { Connection } from '../tcp/stream.js';
import { maxDialectOfClient } from './client-versions.js';
import { type ReplyMatch, type RequestRef, TransactionTracker } from './transactions.js';

export type Role = 'DS' | 'NS' | 'SB' | 'gateway' | 'unknown';
export type DialectSource = 'VER' | 'cookie' | 'inferred';

/** A switchboard address announced on an NS connection (XFR SB to the caller, RNG to the invitee). */
export interface Expectation {
  host: string;
  port: number;
  cookie: string;
  via: 'XFR' | 'RNG';
  nsConn: number;
  packet: number;
  dialect: number | null;
  /** The NS connection's dialect bounds when it was not negotiated in the capture. */
  dialectRange: [number, number];
  user: string | null;
  sessionId: string | null;
}

export interface ConnectionInfo {
  conn: Connection;
  role: Role;
  user: string | null;
  dialect: number | null;
  dialectSource: DialectSource | null;
  /** Bounds on the dialect from the commands seen, when it was not negotiated in the capture. */
  dialectRange: [number, number];
  /** For a switchboard: the announcement its cookie matched. */
  announcedBy: Expectation | null;
}

export interface CommandContext {
  /** For a server line echoing a client TrID: the request it answers. */
  reply: ReplyMatch | null;
  /** A switchboard connection just learnt its dialect from the NS that announced it. */
  dialectLearnt: number | null;
}

interface Tracked {
  info: ConnectionInfo;
  transactions: TransactionTracker;
}

/** Announcements kept for matching; older ones are forgotten first. */
const MAX_EXPECTATIONS = 4096;
export const MIN_DIALECT = 2;
export const MAX_DIALECT = 21;

export class SessionTracker {
  private readonly connections = new Map<number, Tracked>();
  private readonly byCookie = new Map<string, Expectation>();

  constructor(
    private readonly diag: DiagnosticSink,
    /** Called for every switchboard address announced, so the pipeline can follow it. */
    private readonly onExpect: (e: Expectation) => void = () => {},
  ) {}

  opened(conn: Connection): void {
    const report = (d: Omit<Diagnostic, 'conn'>) => this.diag({ ...d, conn: conn.id });
    this.connections.set(conn.id, {
      info: { conn, role: 'unknown', user: null, dialect: null, dialectSource: null, dialectRange: [MIN_DIALECT, MAX_DIALECT], announcedBy: null },
      transactions: new TransactionTracker(report, conn.midStream),
    });
  }

  /** The connection carries HTTP gateway traffic; its MSNP is tracked on the tunnel's virtual connections. */
  markGateway(connId: number): void {
    const t = this.connections.get(connId);
    if (t !== undefined) t.info.role = 'gateway';
  }

  info(connId: number): ConnectionInfo | undefined {
    return this.connections.get(connId)?.info;
  }

  command(cmd: MsnpCommand): CommandContext {
    const t = this.connections.get(cmd.conn.id);
    if (t === undefined) return { reply: null, dialectLearnt: null };
    const { info } = t;
    this.narrowDialect(info, cmd);
    let dialectLearnt: number | null = null;
    if (cmd.dir === 'c2s') {
      t.transactions.request(cmd);
      dialectLearnt = this.clientCommand(info, cmd);
    } else {
      this.serverCommand(info, cmd);
    }
    const reply = cmd.dir === 's2c' ? t.transactions.reply(cmd) : null;
    return { reply, dialectLearnt };
  }

  /** The connection ended: its info and the requests that never got an answer. */
  closed(connId: number): { info: ConnectionInfo; unanswered: RequestRef[] } | null {
    const t = this.connections.get(connId);
    if (t === undefined) return null;
    this.connections.delete(connId);
    return { info: t.info, unanswered: t.transactions.unanswered() };
  }

  private clientCommand(info: ConnectionInfo, cmd: MsnpCommand): number | null {
    const a = cmd.args;
    switch (cmd.verb) {
      case 'VER':
        if (info.role === 'unknown') info.role = 'NS';
        return null;
      case 'USR': {
        // NS: USR TrID <package> I|S … ; SB: USR TrID handle cookie (no auth package word).
        const second = a[1] ?? '';
        if (a.length === 3 && second.includes('@')) return this.joinSwitchboard(info, second, a[2] ?? '');
        if (a[2] === 'I' && a[3] !== undefined) info.user = a[3];
        if (info.role === 'unknown') info.role = 'NS';
        return null;
      }
      case 'ANS':
        return this.joinSwitchboard(info, a[1] ?? '', a[2] ?? '');
      case 'CAL':
        info.role = 'SB';
        return null;
      default:
        return null;
    }
  }

  private serverCommand(info: ConnectionInfo, cmd: MsnpCommand): void {
    const a = cmd.args;
    switch (cmd.verb) {
      case 'VER': {
        // VER TrID MSNPnn — one dialect chosen; "VER TrID 0 …" lists them when there is none in common.
        const chosen = a[1] !== '0' ? /^MSNP(\d{1,2})$/.exec(a[1] ?? '') : null;
        if (chosen !== null) {
          info.dialect = Number(chosen[1]);
          info.dialectSource = 'VER';
          info.dialectRange = [info.dialect, info.dialect];
        }
        return;
      }
      case 'XFR':
        if (a[1] === 'NS') info.role = 'DS';
        else if (a[1] === 'SB' && a[3] === 'CKI') this.expect(info, cmd, 'XFR', a[2], a[4], null);
        return;
      case 'RNG':
        // RNG session-id ip:port CKI cookie handle friendly …
        if (a[2] === 'CKI') this.expect(info, cmd, 'RNG', a[1], a[3], a[0] ?? null);
        return;
      case 'USR':
        if (a[1] === 'OK') {
          if (info.role === 'unknown') info.role = 'NS';
          if (a[2] !== undefined) info.user ??= a[2];
        }
        return;
      case 'IRO':
      case 'JOI':
        info.role = 'SB';
        return;
      default:
        return;
    }
  }

  private expect(info: ConnectionInfo, cmd: MsnpCommand, via: 'XFR' | 'RNG', address: string | undefined, cookie: string | undefined, sessionId: string | null): void {
    if (address === undefined || cookie === undefined) return;
    const colon = address.lastIndexOf(':');
    const port = Number(address.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) return;
    info.role = 'NS';
    const e: Expectation = {
      host: address.slice(0, colon),
      port,
      cookie,
      via,
      nsConn: info.conn.id,
      packet: cmd.packet,
      dialect: info.dialect,
      dialectRange: [...info.dialectRange],
      // The NS user is the one who will join: the caller after XFR, the invitee after RNG.
      user: info.user,
      sessionId,
    };
    if (this.byCookie.size >= MAX_EXPECTATIONS) {
      const oldest = this.byCookie.keys().next().value;
      if (oldest !== undefined) this.byCookie.delete(oldest);
    }
    this.byCookie.set(cookie, e);
    this.onExpect(e);
  }

  private joinSwitchboard(info: ConnectionInfo, handle: string, cookie: string): number | null {
    info.role = 'SB';
    info.user = handle.split(';')[0] ?? handle;
    const e = this.byCookie.get(cookie);
    if (e === undefined) return null;
    info.announcedBy = e;
    if (e.dialect === null) {
      // The NS's dialect was only inferred: the switchboard shares its bounds.
      this.narrow(info, e.dialectRange[0], e.dialectRange[1]);
      return null;
    }
    info.dialect = e.dialect;
    info.dialectSource = 'cookie';
    info.dialectRange = [e.dialect, e.dialect];
    return e.dialect;
  }

  /**
   * Dialect evidence in an interpreted command: the parameter layout it fits (only the dialects with that
   * form remain) and, for a client's CVR, the client version, which bounds the dialects it can speak.
   */
  evidence(cmd: MsnpCommand, layoutDialects: [number, number] | null, params: Readonly<Record<string, unknown>>): void {
    const info = this.connections.get(cmd.conn.id)?.info;
    if (info === undefined) return;
    if (layoutDialects !== null) this.narrow(info, layoutDialects[0], layoutDialects[1]);
    if (cmd.verb === 'CVR' && cmd.dir === 'c2s') {
      const version = params.clientVersion;
      const max = typeof version === 'string' ? maxDialectOfClient(version) : null;
      if (max !== null) this.narrow(info, MIN_DIALECT, max);
    }
  }

  /** Without a negotiated dialect, each command narrows the range of dialects that have it. */
  private narrowDialect(info: ConnectionInfo, cmd: MsnpCommand): void {
    if (isErrorVerb(cmd.verb)) return;
    const c = commandInfo(cmd.verb);
    if (c !== undefined && c.from > 0) this.narrow(info, c.from, c.to);
  }

  private narrow(info: ConnectionInfo, from: number, to: number): void {
    if (info.dialectSource !== null && info.dialectSource !== 'inferred') return;
    const lo = Math.max(info.dialectRange[0], from);
    const hi = Math.min(info.dialectRange[1], to);
    // Contradictory evidence (a form outside the range): keep what we had rather than an empty range.
    if (lo > hi || (lo === info.dialectRange[0] && hi === info.dialectRange[1])) return;
    info.dialectRange = [lo, hi];
    if (lo !== MIN_DIALECT || hi !== MAX_DIALECT) info.dialectSource = 'inferred';
  }
}
