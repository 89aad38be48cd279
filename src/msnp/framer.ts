// Frames one direction of an MSNP byte stream into commands: a line splitter with a
// "deliver the next N bytes raw" mode for payload commands, resynchronising at the next
// plausible command line after gaps, garbage or a wrong length. Never throws on traffic.

import type { Diagnostic, Direction } from '../diag.js';
import type { Connection } from '../tcp/stream.js';
import type { FramerOutput, MsnpCommand } from './command.js';
import { commandInfo, isErrorVerb, isKnownVerb, payloadLength, transactionId } from './commands.js';
import { latin1Text, utf8Text } from '../text.js';
import { uninitialisedBytes } from '../bytes.js';

export interface FramerLimits {
  /** Longest command line accepted before the stream is declared desynchronised. */
  maxLineBytes: number;
  /** Largest payload length believed; a bigger one is treated as a corrupt line. */
  maxPayloadBytes: number;
}

export const DEFAULT_FRAMER_LIMITS: FramerLimits = { maxLineBytes: 32 * 1024, maxPayloadBytes: 4 * 1024 * 1024 };

/**
 * Bytes held for bodies being read (those that span segments), over every connection of an analysis.
 * Each direction may read one body of up to maxPayloadBytes; without a shared bound, thousands of
 * connections each partway into a large announced body hold all of it at once.
 */
export class BodyBudget {
  used = 0;
  constructor(readonly limit: number) {}
}

/** Real bodies are a few KiB (MSG ≤ 1664 bytes, XML lists tens of KiB): this only stops hostile input. */
export const DEFAULT_BODY_BUDGET_BYTES = 32 * 1024 * 1024;

/** State shared by the two directions of a connection. */
export interface ConnectionState {
  conn: Connection;
  /** Dialect from the server's VER reply; null until seen. */
  dialect: number | null;
  /** Set once either direction framed a command the reference knows: the connection is MSNP. */
  confirmed: boolean;
  report(d: Omit<Diagnostic, 'conn'>): void;
}

const enum Mode {
  /** At a command boundary: the next line is a command. */
  Line,
  /** Position unknown (start of a mid-stream capture, after a gap or garbage): skip lines until one is plausible. */
  Hunt,
  /** Reading the body of a payload command. */
  Payload,
  /** Dropping an over-long line up to its end, then hunting. */
  Discard,
  /** Passing over the rest of a body that the body budget had no room for, then at a command boundary. */
  SkipBody,
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const NO_BYTES = new Uint8Array(0);
/** Capacity of the carried-over line buffer kept between lines (command lines are far shorter). */
const KEPT_PARTIAL_BYTES = 4096;

interface PendingCommand {
  verb: string;
  trId: number | null;
  args: string[];
  line: string;
  length: number;
  firstPacket: number;
  body: Uint8Array | null;
  filled: number;
  missing: number;
  /** Bytes of `body` counted in the body budget (0 for a view of the segment). */
  budgeted: number;
}

export class DirectionFramer {
  private mode: Mode;
  /** Bytes of an incomplete line carried over from earlier chunks. */
  private partial: Uint8Array = NO_BYTES;
  private partialLength = 0;
  private partialFirstPacket = 0;
  private pending: PendingCommand | null = null;
  /** Bytes skipped while hunting since the last command, reported once hunting ends. */
  private skipped = 0;
  private skippedFromPacket = 0;
  private skipReason = '';
  private lastPacket = 0;
  private lastTs = 0;
  /** The payload command just completed, until the next line shows whether its length was right. */
  private afterBody: { verb: string; length: number; packet: number } | null = null;
  /** Body bytes still to pass over in SkipBody mode. */
  private bodyToSkip = 0;
  /** Total bytes that never framed as MSNP (for the not-MSNP verdict at the end). */
  skippedTotal = 0;
  commands = 0;

  constructor(
    private readonly state: ConnectionState,
    private readonly dir: Direction,
    private readonly out: FramerOutput,
    private readonly limits: FramerLimits = DEFAULT_FRAMER_LIMITS,
    private readonly budget: BodyBudget = new BodyBudget(Infinity),
  ) {
    // Without a SYN we may have joined in the middle of a command or a body.
    this.mode = state.conn.midStream ? Mode.Hunt : Mode.Line;
    this.skipReason = state.conn.midStream ? 'capture starts mid-stream' : '';
  }

  push(bytes: Uint8Array, gapBefore: number, packet: number, tsMicros: number): void {
    this.lastPacket = packet;
    this.lastTs = tsMicros;
    if (gapBefore > 0) this.gap(gapBefore, packet);
    let pos = 0;
    const end = bytes.length;
    while (pos < end) {
      if (this.mode === Mode.Payload) {
        pos = this.fillPayload(bytes, pos, packet, tsMicros);
        continue;
      }
      if (this.mode === Mode.SkipBody) {
        pos += this.passOverBody(end - pos);
        continue;
      }
      const lf = bytes.indexOf(LF, pos);
      if (lf < 0) {
        this.keepPartial(bytes.subarray(pos), packet);
        break;
      }
      if (this.mode === Mode.Discard) {
        this.skip(lf + 1 - pos, packet);
        this.dropPartial();
        this.mode = Mode.Hunt;
        pos = lf + 1;
        continue;
      }
      let line: Uint8Array;
      let firstPacket = packet;
      if (this.partialLength > 0) {
        line = this.joinPartial(bytes.subarray(pos, lf));
        firstPacket = this.partialFirstPacket;
        this.dropPartial();
      } else {
        line = bytes.subarray(pos, lf);
      }
      const lineBytes = line.length + 1;
      pos = lf + 1;
      // The same cap whether the line came in one chunk or several (output must not depend on segmentation).
      if (line.length > this.limits.maxLineBytes) {
        this.overlong(lineBytes, firstPacket, packet);
        this.mode = Mode.Hunt;
        continue;
      }
      this.onLine(line, lineBytes, firstPacket, packet, tsMicros);
      // pending is only set while a body is being read.
      if (this.pending !== null && this.pending.body === null && end - pos >= this.pending.length) {
        // The whole body is in this chunk: hand out a view instead of copying.
        const p = this.pending;
        p.body = bytes.subarray(pos, pos + p.length);
        p.filled = p.length;
        pos += p.length;
        this.finishPayload(packet, tsMicros, false);
      }
    }
  }

  /** A hole of `bytes` never-seen bytes in the stream (capture loss) at this point. */
  gap(bytes: number, packet: number): void {
    if (this.mode === Mode.SkipBody) {
      if (this.passOverBody(bytes) === bytes) return;
    } else if (this.mode === Mode.Payload && this.pending !== null) {
      const p = this.pending;
      const room = p.length - p.filled;
      const inBody = Math.min(room, bytes);
      // The hole's size is exact, so the body keeps its place: missing bytes read as zeros.
      if (!this.ensureBody(p, p.filled + inBody)) {
        this.dropBody(packet, this.lastTs);
        this.gap(bytes, packet);
        return;
      }
      (p.body as Uint8Array).fill(0, p.filled, p.filled + inBody);
      p.filled += inBody;
      p.missing += inBody;
      if (p.filled === p.length) this.finishPayload(packet, this.lastTs, false);
      if (bytes === inBody) return;
      // The rest of the hole swallowed the start of whatever followed the body.
    } else if (this.partialLength > 0) {
      this.skip(this.partialLength, this.partialFirstPacket);
      this.dropPartial();
    }
    this.mode = Mode.Hunt;
    this.skipReason = 'gap in the stream';
  }

  /** End of the stream (close or end of capture): report whatever is incomplete. */
  finish(): void {
    const packet = this.lastPacket;
    if (this.mode === Mode.Payload && this.pending !== null) {
      const p = this.pending;
      this.state.report({
        code: 'msnp.truncated_payload',
        severity: 'warning',
        message: `${p.verb} body ends after ${p.filled - p.missing} of ${p.length} bytes: the stream closed mid-payload`,
        packet,
        dir: this.dir,
        details: { verb: p.verb, announced: p.length, received: p.filled - p.missing },
      });
      this.finishPayload(packet, this.lastTs, true);
    } else if (this.partialLength > 0) {
      const text = latin1Text(this.partial, 0, this.partialLength);
      if (this.mode === Mode.Line && this.state.confirmed) {
        this.state.report({
          code: 'msnp.truncated_line',
          severity: 'warning',
          // Only the verb: the rest of a cut line may be a ticket or cookie that redaction never saw.
          message: `stream ends inside a command line (${this.partialLength} bytes, no line end), starting ${preview(text.slice(0, 3))}`,
          packet,
          dir: this.dir,
          details: { bytes: this.partialLength },
        });
        this.skippedTotal += this.partialLength;
      } else {
        this.skip(this.partialLength, this.partialFirstPacket);
      }
      this.dropPartial();
    }
    this.reportSkipped(packet, true);
  }

  private onLine(raw: Uint8Array, lineBytes: number, firstPacket: number, packet: number, tsMicros: number): void {
    const line = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, raw.length - 1) : raw;
    const verb = verbOf(line);
    const plausible = verb !== null && isPrintableLine(line);
    const afterBody = this.afterBody;
    this.afterBody = null;
    // Until the connection is confirmed as MSNP, only a command the reference knows counts:
    // an HTTP or binary stream on an MSNP port must not turn into commands.
    if (this.mode === Mode.Hunt || !this.state.confirmed) {
      if (!plausible || !this.isKnownStart(verb, line)) {
        this.skip(lineBytes, firstPacket);
        return;
      }
      this.state.confirmed = true;
      this.reportSkipped(firstPacket, false);
    } else if (!plausible) {
      if (afterBody !== null) {
        this.state.report({
          code: 'msnp.bad_length',
          severity: 'error',
          message: `the ${afterBody.verb} body of ${afterBody.length} bytes is not followed by a command: its length is probably wrong`,
          packet,
          dir: this.dir,
          details: { verb: afterBody.verb, announced: afterBody.length, commandPacket: afterBody.packet },
        });
      }
      this.skip(lineBytes, firstPacket);
      this.mode = Mode.Hunt;
      this.skipReason = afterBody !== null ? `a wrong ${afterBody.verb} length` : 'a line that is not an MSNP command';
      return;
    }
    this.mode = Mode.Line;
    const text = utf8Text(line);
    const args = splitArgs(text);
    const dialect = this.state.dialect;
    const trId = transactionId(verb, args, this.dir, dialect);
    const length = payloadLength(verb, args, this.dir, dialect);
    this.state.confirmed ||= isKnownVerb(verb, this.dir) || isErrorVerb(verb);
    if (verb === 'VER' && this.dir === 's2c') this.learnDialect(args);
    if (!isKnownVerb(verb, this.dir) && !isErrorVerb(verb)) {
      this.state.report({
        code: 'msnp.unknown_command',
        severity: 'info',
        message: `${verb} is not a known ${this.dir === 'c2s' ? 'client' : 'server'} command`,
        packet,
        dir: this.dir,
        details: { verb },
      });
    }
    if (length === null) {
      this.emit({ verb, trId, args, line: text, length: 0, firstPacket, body: null, filled: 0, missing: 0, budgeted: 0 }, null, packet, tsMicros, false);
      this.checkLengthField(verb, args, packet);
      return;
    }
    if (length > this.limits.maxPayloadBytes) {
      this.state.report({
        code: 'msnp.payload_too_large',
        severity: 'error',
        message: `${verb} announces ${length} payload bytes, over the ${this.limits.maxPayloadBytes}-byte limit: treated as corrupt`,
        packet,
        dir: this.dir,
        details: { verb, announced: length },
      });
      this.emit({ verb, trId, args, line: text, length: 0, firstPacket, body: null, filled: 0, missing: 0, budgeted: 0 }, null, packet, tsMicros, false);
      this.mode = Mode.Hunt;
      this.skipReason = 'an impossible payload length';
      return;
    }
    this.pending = { verb, trId, args, line: text, length, firstPacket, body: null, filled: 0, missing: 0, budgeted: 0 };
    if (length === 0) {
      this.finishPayload(packet, tsMicros, false);
      return;
    }
    this.mode = Mode.Payload;
  }

  /** In hunt mode only a command the reference knows for this direction ends the search. */
  private isKnownStart(verb: string, line: Uint8Array): boolean {
    if (isErrorVerb(verb)) {
      // Error replies come from the server and always carry a numeric TrID (or nothing).
      return this.dir === 's2c' && (line.length === 3 || (line[4] !== undefined && line[4] >= 48 && line[4] <= 57));
    }
    if (!isKnownVerb(verb, this.dir)) return false;
    // A verb that always carries a TrID here must show one: `PUT /upload HTTP/1.1` on an MSNP port is
    // not MSNP's PUT, and `GET`, `DEL`… lines of other protocols are not commands either.
    return !takesTrId(verb, this.dir) || firstArgIsNumber(line);
  }

  private fillPayload(bytes: Uint8Array, pos: number, packet: number, tsMicros: number): number {
    const p = this.pending;
    if (p === null) {
      this.mode = Mode.Line;
      return pos;
    }
    const take = Math.min(p.length - p.filled, bytes.length - pos);
    if (!this.ensureBody(p, p.filled + take)) {
      this.dropBody(packet, tsMicros);
      return pos;
    }
    (p.body as Uint8Array).set(bytes.subarray(pos, pos + take), p.filled);
    p.filled += take;
    if (p.filled === p.length) this.finishPayload(packet, tsMicros, false);
    return pos + take;
  }

  /**
   * Room for `need` body bytes. Grown as bytes arrive (doubling, up to the announced length), so a line
   * that merely announces 4 MB does not reserve 4 MB per connection. False when the body budget has no
   * room for it.
   */
  private ensureBody(p: PendingCommand, need: number): boolean {
    const have = p.body?.length ?? 0;
    if (have >= need) return true;
    let size = Math.min(p.length, Math.max(need, have * 2, 4096));
    // The most this body may hold: all the room left (growing one segment at a time near the bound
    // would copy the body again for every segment).
    const room = this.budget.limit - this.budget.used + have;
    if (size > room) {
      if (need > room) return false;
      size = room;
    }
    // Bytes past `filled` are written (body bytes, or zeros for a hole) before they count.
    const grown = uninitialisedBytes(size);
    if (p.body !== null) grown.set(p.body.subarray(0, p.filled));
    this.budget.used += size - have;
    p.budgeted = size;
    p.body = grown;
    return true;
  }

  /**
   * The body budget has no room for more of the body being read: the command goes out now with the part
   * read so far (truncated), and the rest of the body is passed over, so framing goes on after it.
   */
  private dropBody(packet: number, tsMicros: number): void {
    const p = this.pending as PendingCommand;
    this.state.report({
      code: 'msnp.body_budget',
      severity: 'warning',
      message: `${p.verb} body of ${p.length} bytes cut after ${p.filled}: bodies being read over all connections hold ${this.budget.used} bytes (limit ${this.budget.limit})`,
      packet,
      dir: this.dir,
      details: { verb: p.verb, announced: p.length, kept: p.filled, held: this.budget.used, limit: this.budget.limit },
    });
    const rest = p.length - p.filled;
    this.finishPayload(packet, tsMicros, true);
    this.bodyToSkip = rest;
    this.mode = Mode.SkipBody;
  }

  /** Passes over up to `n` bytes of the body being skipped (back at a command boundary after it); how many it took. */
  private passOverBody(n: number): number {
    const take = Math.min(this.bodyToSkip, n);
    this.bodyToSkip -= take;
    if (this.bodyToSkip === 0) this.mode = Mode.Line;
    return take;
  }

  private finishPayload(packet: number, tsMicros: number, truncated: boolean): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    // A body buffer grown here leaves the budget (a view of the segment never entered it).
    this.budget.used -= p.budgeted;
    p.budgeted = 0;
    this.mode = Mode.Line;
    let body = p.body ?? new Uint8Array(0);
    // The body buffer may have grown past the bytes that arrived (a truncated payload); most bodies fit exactly.
    if (body.length !== p.filled) body = body.subarray(0, p.filled);
    if (p.length > 0) this.afterBody = { verb: p.verb, length: p.length, packet };
    this.emit(p, body, packet, tsMicros, truncated);
  }

  private emit(p: PendingCommand, body: Uint8Array | null, packet: number, tsMicros: number, truncated: boolean): void {
    const cmd: MsnpCommand = {
      conn: this.state.conn,
      dir: this.dir,
      verb: p.verb,
      trId: p.trId,
      args: p.args,
      line: p.line,
      payloadLength: body === null ? null : p.length,
      payload: body,
      payloadMissing: p.missing,
      truncated,
      firstPacket: p.firstPacket,
      packet,
      tsMicros,
      dialect: this.state.dialect,
    };
    this.commands++;
    this.out.command(cmd);
  }

  /** A payload verb whose length field is not a number cannot be framed: say so (Escargot closes such connections). */
  private checkLengthField(verb: string, args: string[], packet: number): void {
    const last = args[args.length - 1];
    if (last === undefined || !/[^0-9]/.test(last)) return;
    const expectsPayload = payloadLength(verb, [...args.slice(0, -1), '0'], this.dir, this.state.dialect) !== null;
    if (!expectsPayload || (last === 'OK' && verb !== 'MSG')) return;
    this.state.report({
      code: 'msnp.bad_length',
      severity: 'error',
      message: `${verb} should end in a payload byte count but ends in "${preview(last)}"`,
      packet,
      dir: this.dir,
      details: { verb, value: last },
    });
  }

  private learnDialect(args: string[]): void {
    for (const a of args.slice(1)) {
      const m = /^MSNP(\d{1,2})$/.exec(a);
      if (m) {
        // The server answers with one dialect; a list means "no common dialect" (first token 0).
        if (args[1] !== '0') this.state.dialect = Number(m[1]);
        return;
      }
    }
  }

  private keepPartial(piece: Uint8Array, packet: number): void {
    if (this.mode === Mode.Discard) {
      this.skip(piece.length, packet);
      return;
    }
    if (this.partialLength === 0) this.partialFirstPacket = packet;
    const need = this.partialLength + piece.length;
    if (need > this.limits.maxLineBytes) {
      this.overlong(need, this.partialFirstPacket, packet);
      this.dropPartial();
      this.mode = Mode.Discard;
      return;
    }
    if (this.partial.length < need) {
      const grown = new Uint8Array(Math.max(need, this.partial.length * 2, 256));
      grown.set(this.partial.subarray(0, this.partialLength));
      this.partial = grown;
    }
    this.partial.set(piece, this.partialLength);
    this.partialLength = need;
    if (this.mode === Mode.Hunt && cannotStartCommand(this.partial, need)) {
      // What a hunt would skip at the line end anyway, skipped now: garbage without line ends (a binary
      // stream, zeros) is not carried up to maxLineBytes a connection.
      this.skip(need, this.partialFirstPacket);
      this.dropPartial();
      this.mode = Mode.Discard;
    }
  }

  /** A line over the length cap: not a command line. Said when it was expected to be one; skipped either way. */
  private overlong(bytes: number, firstPacket: number, packet: number): void {
    if (this.mode === Mode.Line) {
      this.state.report({
        code: 'msnp.line_too_long',
        severity: 'error',
        message: `no line end within ${this.limits.maxLineBytes} bytes: not a command line, resynchronising`,
        packet,
        dir: this.dir,
        details: { limit: this.limits.maxLineBytes },
      });
      this.skipReason = 'an over-long line';
    }
    this.skip(bytes, firstPacket);
  }

  /**
   * Forgets the carried-over line. A buffer grown for a long one (up to maxLineBytes) is let go, or every
   * connection that once saw a long run without a line end would keep that much for its lifetime.
   */
  private dropPartial(): void {
    this.partialLength = 0;
    if (this.partial.length > KEPT_PARTIAL_BYTES) this.partial = NO_BYTES;
  }

  private joinPartial(rest: Uint8Array): Uint8Array {
    const line = new Uint8Array(this.partialLength + rest.length);
    line.set(this.partial.subarray(0, this.partialLength));
    line.set(rest, this.partialLength);
    return line;
  }

  private skip(bytes: number, packet: number): void {
    if (this.skipped === 0) this.skippedFromPacket = packet;
    this.skipped += bytes;
    this.skippedTotal += bytes;
  }

  /** One diagnostic per run of skipped bytes, when the run ends (or the stream does). */
  private reportSkipped(packet: number, atEnd: boolean): void {
    if (this.skipped === 0) return;
    const bytes = this.skipped;
    this.skipped = 0;
    // On a connection never confirmed as MSNP the verdict comes once, from the connection.
    if (!this.state.confirmed) return;
    const why = this.skipReason ? ` after ${this.skipReason}` : '';
    this.state.report({
      code: 'msnp.resync',
      severity: 'warning',
      message: atEnd
        ? `${bytes} bytes${why} hold no MSNP command up to the end of the stream`
        : `skipped ${bytes} bytes${why} before the next command`,
      packet: atEnd ? packet : this.skippedFromPacket,
      dir: this.dir,
      details: { bytes, fromPacket: this.skippedFromPacket },
    });
    this.skipReason = '';
  }
}

/** The verb of a command line: 3 upper-case letters or 3 digits, then a space or the end. */
function verbOf(line: Uint8Array): string | null {
  if (line.length < 3 || (line.length > 3 && line[3] !== SPACE)) return null;
  const a = line[0] as number;
  const b = line[1] as number;
  const c = line[2] as number;
  const upper = isUpper(a) && isUpper(b) && isUpper(c);
  const digits = isDigit(a) && isDigit(b) && isDigit(c);
  if (!upper && !digits) return null;
  return String.fromCharCode(a, b, c);
}

/** No line beginning with these `n` bytes can have a verb (see verbOf), so none can end a hunt. */
function cannotStartCommand(b: Uint8Array, n: number): boolean {
  const first = b[0] as number;
  const upper = isUpper(first);
  if (!upper && !isDigit(first)) return true;
  for (let i = 1; i < n && i < 3; i++) {
    const c = b[i] as number;
    if (upper ? !isUpper(c) : !isDigit(c)) return true;
  }
  // The verb ends at a space, or at the line end (a CR only as the line's last byte).
  return n > 3 && b[3] !== SPACE && !(b[3] === CR && n === 4);
}

function takesTrId(verb: string, dir: Direction): boolean {
  return commandInfo(verb)?.trid[dir] === 'first';
}

/** The token after the verb is all digits (a TrID). */
function firstArgIsNumber(line: Uint8Array): boolean {
  let i = 4;
  for (; i < line.length && line[i] !== SPACE; i++) if (!isDigit(line[i] as number)) return false;
  return i > 4;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Command lines hold no control characters (names are URL-encoded); raw UTF-8 is allowed. */
function isPrintableLine(line: Uint8Array): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as number;
    if ((c < 32 && c !== 9) || c === 127) return false;
  }
  return true;
}

function splitArgs(text: string): string[] {
  const tokens = text.split(' ');
  const args: string[] = [];
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t.length > 0) args.push(t);
  }
  return args;
}

export function preview(text: string, max = 60): string {
  const clean = text.replace(/[\x00-\x1f\x7f]/g, '.');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
