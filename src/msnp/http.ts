// Incremental HTTP/1.x message parser for one direction of a connection (requests or responses): start line
// and headers up to the blank line, body by Content-Length or to the end of the stream, resync after loss.
//
// Only what the MSN HTTP gateway needs: no chunked decoding (detected and reported), no trailers, no upgrades.
// Parse decisions depend only on the bytes, never on how they were split into pushes, and every buffer is capped.

import { latin1Text, stripCr } from '../text.js';
import { findHeader } from './mime.js';

export interface HttpLimits {
  /** Start line + headers + blank line, in bytes. A longer block is skipped as `gateway.too_large`. */
  maxHeaderBytes: number;
  /** Body bytes buffered per message. A longer body is skipped (counted, never buffered). */
  maxBodyBytes: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = {
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 1024 * 1024,
};

export interface HttpHeader {
  /** As sent (case kept). */
  name: string;
  /** Trimmed; folded continuation lines joined with one space. */
  value: string;
}

export interface HttpHead {
  kind: 'request' | 'response';
  /** Request method and target as sent; '' in a response. */
  method: string;
  target: string;
  /** `HTTP/1.1`, `HTTP/1.0`. */
  version: string;
  /** Response status and reason phrase; 0 and '' in a request. */
  status: number;
  reason: string;
  headers: HttpHeader[];
}

/** First value of a header (names compare case-insensitively), or null. */
export function headerValue(head: HttpHead, name: string): string | null {
  return findHeader(head.headers, name) ?? null;
}

export interface BodyPiece {
  bytes: Uint8Array;
  /** Bytes never seen just before this piece, inside the body (exact: the body's length is known). */
  gapBefore: number;
}

export interface HttpMessage {
  head: HttpHead;
  /** The body as delivered, in order (copies: pushed bytes are valid only during the push). */
  pieces: BodyPiece[];
  /**
   * Body bytes after the last piece that were never delivered (exact count): the part of a gap that ran past
   * the end of the body, a body over maxBodyBytes, or what the end of the stream cut off.
   */
  tailMissing: number;
  /** Frame that completed the message (the head, for a message without body) and its time. */
  packet: number;
  tsMicros: number;
}

export interface HttpSink {
  /** A response's head is parsed: true when it has no body whatever its headers say (it answers a HEAD). */
  answersHead(head: HttpHead): boolean;
  message(msg: HttpMessage): void;
  /**
   * Bytes skipped outside any delimited message (a gap between messages, garbage, an oversized header block, an
   * undelimited body and what followed it). Whole messages may have been among them. Called once the parser has
   * found its footing again (or at the end of the stream), before the next message.
   */
  lost(bytes: number, packet: number): void;
  report(code: string, severity: 'info' | 'warning' | 'error', message: string, packet: number, details?: Record<string, string | number | boolean | null>): void;
}

const enum State {
  /** At a message boundary: blank lines, then a start line is expected. */
  Head,
  /** Position unknown: look for the next plausible start line anywhere. */
  Hunt,
  /** Reading a body of known length. */
  Body,
  /** Reading a response body delimited by the end of the stream. */
  BodyToClose,
  /** Counting down a body too large to keep. */
  Skip,
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;

/** Methods looked for while hunting. Any token is accepted as a method at a known message boundary. */
const HUNT_METHODS: readonly Uint8Array[] = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH'].map((m) =>
  Uint8Array.from(`${m} `, (c) => c.charCodeAt(0)),
);
const HTTP_PREFIX = Uint8Array.from('HTTP/1.', (c) => c.charCodeAt(0));

const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +([^\s]+) +(HTTP\/\d\.\d) *$/;
const STATUS_LINE = /^(HTTP\/\d\.\d) +(\d{3})(?: (.*))?$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export class HttpStream {
  private state: State;
  /**
   * Bytes of a head (or a hunting candidate) that straddle pushes; always starts at the head/candidate. Grows on
   * demand up to maxHeaderBytes, which scan() never leaves undecided.
   */
  private pend = new Uint8Array(0);
  private pendLen = 0;
  /**
   * How far the previous scan() got into the head that now starts pend (it stopped there for more bytes), so
   * that a head arriving a few bytes at a time is not re-read from its start each time. Valid for one scan.
   */
  private progress: HeadProgress | null = null;
  /** The message being read (body states). */
  private cur: HttpMessage | null = null;
  private remaining = 0;
  private bodyBytes = 0;
  /** Hole inside the current body waiting for the next piece. */
  private holeBefore = 0;
  /** Bytes skipped since position was lost, reported through sink.lost on recovery. */
  private skipped = 0;
  private skipReason = '';
  private lastPacket = 0;
  private lastTs = 0;
  private finished = false;

  constructor(
    private readonly kind: 'request' | 'response',
    private readonly limits: HttpLimits,
    private readonly sink: HttpSink,
    /** The stream was joined in the middle (no SYN seen): start by hunting, quietly. */
    midStream = false,
  ) {
    this.state = midStream ? State.Hunt : State.Head;
    if (midStream) this.skipReason = 'stream joined in the middle';
  }

  push(bytes: Uint8Array, gapBefore: number, packet: number, tsMicros: number): void {
    if (this.finished) return;
    this.lastPacket = packet;
    this.lastTs = tsMicros;
    if (gapBefore > 0) this.gap(gapBefore, packet, tsMicros);
    this.feed(bytes, packet, tsMicros);
  }

  /**
   * End of the stream: complete a body delimited by close, report anything cut short. A message completed here
   * is stamped with the last frame that brought bytes of this direction (`packet` is the end's frame, for reports).
   */
  finish(packet: number): void {
    if (this.finished) return;
    this.finished = true;
    const ts = this.lastTs;
    const last = this.lastPacket;
    switch (this.state) {
      case State.BodyToClose:
        this.complete(last, ts);
        break;
      case State.Body:
      case State.Skip: {
        const cur = this.cur;
        if (cur === null) break;
        this.sink.report('gateway.truncated', 'warning', `the ${this.kind} body is cut off by the end of the stream: ${this.remaining} of its bytes never arrived`, packet, {
          missing: this.remaining,
        });
        // A skipped body (too large) is already counted whole.
        if (this.state === State.Body) cur.tailMissing += this.remaining;
        this.remaining = 0;
        this.complete(last, ts);
        break;
      }
      case State.Head:
        if (this.pendLen > 0) {
          this.sink.report('gateway.truncated', 'warning', `the stream ends inside the headers of an HTTP ${this.kind} (${this.pendLen} bytes)`, packet, {
            bytes: this.pendLen,
          });
          this.skipped += this.pendLen;
          this.pendLen = 0;
        }
        break;
      case State.Hunt:
        this.skipped += this.pendLen;
        this.pendLen = 0;
        if (this.skipped > 0) {
          this.sink.report('gateway.resync', 'info', `no further HTTP ${this.kind} found: ${this.skipped} bytes skipped to the end of the stream (${this.skipReason})`, packet, {
            skipped: this.skipped,
          });
        }
        break;
    }
    if (this.skipped > 0) this.sink.lost(this.skipped, packet);
    this.skipped = 0;
  }

  // ---------------------------------------------------------------------------------------------------

  private gap(bytes: number, packet: number, ts: number): void {
    this.progress = null;
    switch (this.state) {
      case State.Body: {
        const inBody = Math.min(bytes, this.remaining);
        this.remaining -= inBody;
        if (this.remaining > 0) {
          // The body's length is known, so the hole keeps its place in it.
          this.holeBefore += inBody;
          return;
        }
        const cur = this.cur;
        if (cur !== null) cur.tailMissing += inBody + this.holeBefore;
        this.holeBefore = 0;
        this.complete(packet, ts);
        if (bytes === inBody) return; // the hole ended exactly at the end of the body: still in step
        this.startHunt(bytes - inBody, 'gap in the stream');
        return;
      }
      case State.Skip: {
        const inBody = Math.min(bytes, this.remaining);
        this.remaining -= inBody;
        // tailMissing already counts the whole skipped body.
        if (this.remaining > 0) return;
        this.complete(packet, ts);
        if (bytes === inBody) return;
        this.startHunt(bytes - inBody, 'gap in the stream');
        return;
      }
      case State.BodyToClose:
        this.holeBefore += bytes;
        return;
      case State.Head:
        // Whole messages may be in the hole; a partial head is lost with it.
        this.startHunt(bytes + this.pendLen, 'gap in the stream');
        this.pendLen = 0;
        return;
      case State.Hunt:
        // A partial candidate before the hole can no longer be completed.
        this.skipped += bytes + this.pendLen;
        this.pendLen = 0;
        if (this.skipReason === '') this.skipReason = 'gap in the stream';
        return;
    }
  }

  private startHunt(skipped: number, reason: string): void {
    this.state = State.Hunt;
    this.skipped += skipped;
    this.skipReason = reason;
  }

  private feed(bytes: Uint8Array, packet: number, ts: number): void {
    let pos = 0;
    const len = bytes.length;
    while (pos < len) {
      switch (this.state) {
        case State.Body: {
          const n = Math.min(this.remaining, len - pos);
          this.addPiece(bytes.subarray(pos, pos + n));
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) this.complete(packet, ts);
          continue;
        }
        case State.Skip: {
          const n = Math.min(this.remaining, len - pos);
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) this.complete(packet, ts);
          continue;
        }
        case State.BodyToClose: {
          const n = len - pos;
          const room = Math.max(0, this.limits.maxBodyBytes - this.bodyBytes);
          if (n <= room) {
            this.addPiece(bytes.subarray(pos));
          } else {
            if (room > 0) this.addPiece(bytes.subarray(pos, pos + room));
            const cur = this.cur;
            if (cur !== null) {
              if (cur.tailMissing === 0) {
                this.sink.report('gateway.too_large', 'warning', `response body delimited by the end of the stream is longer than ${this.limits.maxBodyBytes} bytes: the rest is skipped`, packet, {
                  limit: this.limits.maxBodyBytes,
                });
              }
              cur.tailMissing += n - room;
            }
          }
          pos = len;
          continue;
        }
        case State.Head:
        case State.Hunt: {
          if (this.pendLen === 0) {
            const view = bytes.subarray(pos);
            const used = this.scan(view, packet, ts);
            if (this.state === State.Head || this.state === State.Hunt) {
              this.keep(view.subarray(used));
              pos = len;
            } else {
              pos += used;
            }
            continue;
          }
          // Part of a head or candidate is waiting: append what fits (never past the cap) and scan the whole.
          const take = Math.min(len - pos, this.limits.maxHeaderBytes - this.pendLen);
          if (take === 0) {
            // Cannot happen (scan() never leaves maxHeaderBytes undecided), but never spin on it.
            this.startHunt(this.pendLen, 'undecidable bytes');
            this.pendLen = 0;
            continue;
          }
          this.reserve(this.pendLen + take);
          this.pend.set(bytes.subarray(pos, pos + take), this.pendLen);
          this.pendLen += take;
          pos += take;
          const view = this.pend.subarray(0, this.pendLen);
          const used = this.scan(view, packet, ts);
          if (this.state === State.Head || this.state === State.Hunt) {
            this.pend.copyWithin(0, used, this.pendLen);
            this.pendLen -= used;
          } else {
            // A head ended inside the buffer: what follows it is body (or more) and goes round again, copied
            // first because the buffer is reused. Bounded by the buffer size, once per such head.
            const rest = view.slice(used);
            this.pendLen = 0;
            this.feed(rest, packet, ts);
          }
          continue;
        }
      }
    }
  }

  private keep(bytes: Uint8Array): void {
    // scan() leaves less than maxHeaderBytes undecided, so this always fits.
    const n = Math.min(bytes.length, this.limits.maxHeaderBytes);
    this.reserve(n);
    this.pend.set(bytes.subarray(0, n), 0);
    this.pendLen = n;
  }

  private reserve(n: number): void {
    if (n <= this.pend.length) return;
    const grown = new Uint8Array(Math.min(Math.max(n, 2 * this.pend.length, 256), Math.max(n, this.limits.maxHeaderBytes)));
    grown.set(this.pend.subarray(0, this.pendLen));
    this.pend = grown;
  }

  /**
   * Works through a contiguous view in the Head/Hunt states. Returns how many bytes were used: if the state is
   * still Head/Hunt, the rest (less than maxHeaderBytes) is undecided and must be kept; otherwise a body starts
   * right after the returned offset.
   */
  private scan(v: Uint8Array, packet: number, ts: number): number {
    const max = this.limits.maxHeaderBytes;
    const progress = this.progress;
    this.progress = null;
    let i = 0;
    for (;;) {
      if (this.state === State.Hunt) {
        const found = this.findStartLine(v, i);
        if (found.at < 0) {
          this.skipped += v.length - i;
          return v.length;
        }
        this.skipped += found.at - i;
        i = found.at;
        if (!found.complete) return i;
        // Footing found again (right away, when joined mid-stream at a message start: nothing to say).
        if (this.skipped > 0) {
          this.sink.report('gateway.resync', 'info', `next HTTP ${this.kind} found after skipping ${this.skipped} bytes (${this.skipReason})`, packet, {
            skipped: this.skipped,
          });
          this.sink.lost(this.skipped, packet);
        }
        this.skipped = 0;
        this.skipReason = '';
        this.state = State.Head;
        continue;
      }
      // State.Head. Blank lines between messages are allowed (and some clients end a POST body with an extra CRLF).
      while (i < v.length && (v[i] === CR || v[i] === LF)) i++;
      if (i === v.length) return i;
      // Offsets in `progress` are relative to the head's first byte, which is v[0] when it applies.
      const prog = i === 0 && this.state === State.Head ? progress : null;
      const limit = Math.min(v.length, i + max);
      const lf = prog !== null && prog.lf >= 0 ? prog.lf : v.indexOf(LF, prog !== null ? prog.searched : i);
      if (lf < 0 || lf >= limit) {
        if (v.length - i < max) {
          this.progress = { lf: -1, start: null, searched: v.length - i };
          return i;
        }
        this.sink.report('gateway.bad_http', 'warning', `no HTTP ${this.kind} line: ${max} bytes without a line end`, packet);
        this.startHunt(1, 'not HTTP');
        i++;
        continue;
      }
      const start = prog?.start ?? parseStartLine(this.kind, stripCr(latin1Text(v.subarray(i, lf))));
      if (start === null) {
        this.sink.report('gateway.bad_http', 'warning', `not an HTTP ${this.kind === 'request' ? 'request' : 'status'} line: ${JSON.stringify(latin1Text(v.subarray(i, Math.min(lf, i + 60))))}`, packet);
        this.startHunt(1, 'not HTTP');
        i++;
        continue;
      }
      // The blank line may begin up to 3 bytes before where the last search stopped.
      const end = findHeadEnd(v, prog !== null && prog.start !== null ? Math.max(lf, i + prog.searched - 3) : lf, limit);
      if (end < 0) {
        if (v.length - i < max) {
          this.progress = { lf: lf - i, start, searched: v.length - i };
          return i;
        }
        this.sink.report('gateway.too_large', 'warning', `HTTP ${this.kind} headers longer than ${max} bytes: the message is skipped`, packet, { limit: max });
        this.startHunt(max, 'oversized headers');
        i += max;
        continue;
      }
      this.beginMessage(start, v.subarray(lf + 1, end), packet, ts);
      i = end;
      // A body follows: the caller reads it. (Head: no body; Hunt: an undelimited body, keep looking here.)
      const now = this.state as State; // beginMessage() changed it; TypeScript keeps the narrowing from above
      if (now !== State.Head && now !== State.Hunt) return i;
    }
  }

  /**
   * The next place in v where a start line begins. complete: the whole line is in v and valid; otherwise it
   * may become one with more bytes (at < 0: nowhere in v).
   */
  private findStartLine(v: Uint8Array, from: number): { at: number; complete: boolean } {
    const max = this.limits.maxHeaderBytes;
    let lf = -2; // the first LF at or after the candidate, cached across candidates (-1: none in v, -2: not searched)
    for (let i = from; i < v.length; i++) {
      const c = v[i] as number;
      if (this.kind === 'response' ? c !== 0x48 /* H */ : c < 0x41 || c > 0x5a) continue;
      const prefix = this.kind === 'response' ? matchPrefix(v, i, HTTP_PREFIX) : matchMethod(v, i);
      if (prefix === Match.No) continue;
      if (prefix === Match.Partial) return { at: i, complete: false };
      if (lf !== -1 && lf < i) lf = v.indexOf(LF, i);
      if (lf < 0) {
        if (v.length - i < max) return { at: i, complete: false };
        continue;
      }
      if (lf - i >= max) continue;
      if (parseStartLine(this.kind, stripCr(latin1Text(v.subarray(i, lf)))) !== null) return { at: i, complete: true };
    }
    return { at: -1, complete: false };
  }

  private beginMessage(start: StartLine, headerBlock: Uint8Array, packet: number, ts: number): void {
    const head: HttpHead = { kind: this.kind, ...start, headers: [] };
    this.parseHeaders(head, headerBlock, packet);
    const msg: HttpMessage = { head, pieces: [], tailMissing: 0, packet, tsMicros: ts };
    this.cur = msg;
    this.bodyBytes = 0;
    this.holeBefore = 0;

    const te = headerValue(head, 'transfer-encoding');
    const cl = head.headers.filter((h) => h.name.toLowerCase() === 'content-length').map((h) => h.value);
    const bodiless =
      this.kind === 'response' && ((head.status >= 100 && head.status < 200) || head.status === 204 || head.status === 304 || this.sink.answersHead(head));
    if (bodiless) {
      this.complete(packet, ts);
      return;
    }
    if (te !== null && te.trim().toLowerCase() !== 'identity') {
      this.sink.report('gateway.chunked', 'warning', `HTTP ${this.kind} with Transfer-Encoding: ${te} is not decoded: its body is skipped up to the next message`, packet, {
        transferEncoding: te,
      });
      this.unframed(packet, ts, 'chunked body');
      return;
    }
    if (cl.length > 0) {
      const length = parseContentLength(cl);
      if (length === null) {
        this.sink.report('gateway.bad_http', 'warning', `HTTP ${this.kind} with an unusable Content-Length (${cl.join(', ')}): its body is skipped up to the next message`, packet, {
          contentLength: cl.join(', '),
        });
        this.unframed(packet, ts, 'bad Content-Length');
        return;
      }
      if (length === 0) {
        this.complete(packet, ts);
        return;
      }
      this.remaining = length;
      if (length > this.limits.maxBodyBytes) {
        this.sink.report('gateway.too_large', 'warning', `HTTP ${this.kind} body of ${length} bytes is over the ${this.limits.maxBodyBytes}-byte limit: skipped`, packet, {
          length,
          limit: this.limits.maxBodyBytes,
        });
        msg.tailMissing = length;
        this.state = State.Skip;
        return;
      }
      this.state = State.Body;
      return;
    }
    if (this.kind === 'request') {
      // A request without a length has no body (RFC 9112 §6.3).
      this.complete(packet, ts);
      return;
    }
    this.state = State.BodyToClose;
  }

  /** The body cannot be delimited (chunked, or a bad Content-Length): skipped with what follows. */
  private unframed(packet: number, ts: number, reason: string): void {
    this.complete(packet, ts);
    this.startHunt(0, reason);
  }

  private parseHeaders(head: HttpHead, block: Uint8Array, packet: number): void {
    const lines = latin1Text(block).split('\n');
    let bad = 0;
    for (const raw of lines) {
      const line = stripCr(raw);
      if (line === '') continue;
      const first = line.charCodeAt(0);
      if (first === SP || first === 0x09) {
        // obs-fold: a continuation of the previous header's value.
        const prev = head.headers[head.headers.length - 1];
        if (prev !== undefined) prev.value = `${prev.value} ${line.trim()}`.trim();
        else bad++;
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      if (!HEADER_NAME.test(name)) {
        bad++;
        continue;
      }
      head.headers.push({ name, value: line.slice(colon + 1).trim() });
    }
    if (bad > 0) {
      this.sink.report('gateway.bad_http', 'warning', `HTTP ${this.kind} with ${bad} malformed header line(s), ignored`, packet, { lines: bad });
    }
  }

  private addPiece(bytes: Uint8Array): void {
    const cur = this.cur;
    if (cur === null || bytes.length === 0) return;
    // A copy: a body may span pushes, and the reader reuses a packet's buffer after its batch.
    cur.pieces.push({ bytes: bytes.slice(), gapBefore: this.holeBefore });
    this.holeBefore = 0;
    this.bodyBytes += bytes.length;
  }

  private complete(packet: number, ts: number): void {
    const cur = this.cur;
    this.cur = null;
    this.state = State.Head;
    this.remaining = 0;
    if (cur === null) return;
    // A hole at the very end of a close-delimited body has no piece after it.
    cur.tailMissing += this.holeBefore;
    this.holeBefore = 0;
    cur.packet = packet;
    cur.tsMicros = ts;
    this.sink.message(cur);
  }
}

// -----------------------------------------------------------------------------------------------------

type StartLine = Pick<HttpHead, 'method' | 'target' | 'version' | 'status' | 'reason'>;

interface HeadProgress {
  /** The start line's LF (-1: not seen yet). */
  lf: number;
  /** The start line, once parsed. */
  start: StartLine | null;
  /** Bytes looked at. */
  searched: number;
}

function parseStartLine(kind: 'request' | 'response', line: string): StartLine | null {
  if (kind === 'request') {
    const m = REQUEST_LINE.exec(line);
    if (m === null) return null;
    return { method: m[1] ?? '', target: m[2] ?? '', version: m[3] ?? '', status: 0, reason: '' };
  }
  const m = STATUS_LINE.exec(line);
  if (m === null) return null;
  return { method: '', target: '', version: m[1] ?? '', status: Number(m[2]), reason: (m[3] ?? '').trim() };
}

/** Content-Length values (repeated headers or a comma list must agree, RFC 9110 §8.6) → length, or null. */
function parseContentLength(values: readonly string[]): number | null {
  let length: number | null = null;
  for (const v of values) {
    for (const part of v.split(',')) {
      const t = part.trim();
      if (!/^\d{1,15}$/.test(t)) return null;
      const n = Number(t);
      if (length !== null && n !== length) return null;
      length = n;
    }
  }
  return length;
}

/** Offset just past the blank line that ends a head, looking at the LFs from `from` on; -1 if not before `limit`. */
function findHeadEnd(v: Uint8Array, from: number, limit: number): number {
  let i = v.indexOf(LF, from);
  while (i >= 0 && i < limit) {
    const a = i + 1 < limit ? v[i + 1] : undefined;
    if (a === LF) return i + 2;
    if (a === CR && i + 2 < limit && v[i + 2] === LF) return i + 3;
    i = v.indexOf(LF, i + 1);
  }
  return -1;
}

const enum Match {
  No,
  Partial,
  Yes,
}

function matchPrefix(v: Uint8Array, at: number, prefix: Uint8Array): Match {
  for (let k = 0; k < prefix.length; k++) {
    if (at + k >= v.length) return Match.Partial;
    if (v[at + k] !== prefix[k]) return Match.No;
  }
  return Match.Yes;
}

function matchMethod(v: Uint8Array, at: number): Match {
  let partial = false;
  for (const m of HUNT_METHODS) {
    const r = matchPrefix(v, at, m);
    if (r === Match.Yes) return r;
    if (r === Match.Partial) partial = true;
  }
  return partial ? Match.Partial : Match.No;
}
