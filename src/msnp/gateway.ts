// The MSN HTTP gateway (reference §10): turns the two byte streams of one HTTP connection into MSNP byte streams,
// one per gateway session (a tunnelled NS or SB connection); several sessions may share one keep-alive connection.
//
// Requests and responses pair in order (a FIFO of outstanding requests, so pipelining works). A request names its
// session with `?SessionID=`; an `Action=open` request learns it only from its response's `X-MSN-Messenger:
// SessionID=…; GW-IP=…` header, so its body is held until then and the two bodies come out together. A request
// naming a SessionID not seen yet while an open is unanswered waits too (the capture may show it before the
// response that introduced that id), so a session's request bodies always come out in request order.
//
// Output: every HTTP message body of a gateway session gives one chunk, empty bodies (polls, "nothing queued")
// included, so that polls and `Session=close` stay visible. A body with a hole inside gives one chunk per
// contiguous run. Bytes that may belong to a session but were lost (TCP gaps, skipped bodies) are announced in
// `gapBefore` of that session's next chunk in that direction; at the end of the stream a session with such a
// pending loss gets one more, empty, chunk carrying it.

import type { Direction, Severity } from '../diag.js';
import { latin1Text } from '../text.js';
import { DEFAULT_HTTP_LIMITS, HttpStream, type HttpLimits, type HttpMessage, headerValue } from './http.js';
import { urlDecode } from './urlcode.js';

export interface GatewaySessionInfo {
  /** The first SessionID this session was known by. Stable: key a session's MSNP streams by it. */
  sessionId: string;
  /** `NS`, `SB`, … from `Server=` of the open request; 'unknown' when the open was not seen. */
  server: string;
  /** `IP=` of the open request (where the client would have connected), else the first `GW-IP`. */
  ip: string | null;
  /** The SessionID in use now: the gateway may hand out a new one in any response (reference §10). */
  currentId: string;
  /** `GW-IP` of the latest response. */
  gwIp: string | null;
  /** The `Action=open` of this session was seen on this connection. */
  opened: boolean;
  /** A response carried `Session=close`. */
  closed: boolean;
}

export interface GatewayChunk {
  /** The same object for every chunk of one session (its fields are updated as the connection goes on). */
  session: GatewaySessionInfo;
  /** Request body → c2s, response body → s2c. */
  dir: Direction;
  /** The HTTP body (MSNP commands), possibly empty; a copy (pushed bytes are valid only during the push). */
  bytes: Uint8Array;
  /**
   * Frame and time of the push that completed this HTTP message, also for a held open request emitted later
   * with its response (so chunks need not come out in frame order). A message cut short by the end of the
   * stream has the last frame that brought bytes of its direction; a loss-only chunk from finish() its frame.
   */
  packet: number;
  tsMicros: number;
  /**
   * Bytes of this session and direction that may have been lost just before these (0: none). Exact for a hole
   * inside a body; for bytes lost between messages (which may have held any session's messages) it is the
   * size of that loss, an upper bound.
   */
  gapBefore: number;
  /** `Action=` of the request (for s2c: of the request this answers), lower-cased (`open`, `poll`), or null. */
  action: string | null;
  /** s2c: the HTTP status code. A non-2xx response's body is not MSNP and is not passed on (empty chunk). */
  status: number | null;
  /** s2c: the response's `X-MSN-Messenger` carried `Session=close` (on the last chunk of that response). */
  sessionClose: boolean;
}

export interface GatewayLimits extends HttpLimits {
  /** Requests awaiting their response; beyond it the oldest is forgotten (`gateway.too_many_pending`). */
  maxPendingRequests: number;
  /** Sessions tracked per connection; beyond it the least recently used is forgotten. */
  maxSessions: number;
}

const DEFAULT_GATEWAY_LIMITS: Readonly<GatewayLimits> = {
  ...DEFAULT_HTTP_LIMITS,
  maxPendingRequests: 256,
  maxSessions: 1024,
};

export interface GatewayOptions extends Partial<GatewayLimits> {
  /** The connection was joined in the middle (no SYN): start by looking for a message start, quietly. */
  midStream?: boolean;
}

export interface GatewayStats {
  requests: number;
  responses: number;
  /** POSTs to …/gateway.dll. */
  gatewayRequests: number;
  /** Other requests on the connection (`GET /login` Passport requests and the like), skipped with their responses. */
  skippedRequests: number;
  /** 1xx responses (not paired with a request). */
  interimResponses: number;
  /** Requests dropped from the queue of those awaiting a response (over maxPendingRequests). */
  forgottenRequests: number;
  sessions: number;
}

export interface GatewayDiagnostic {
  code: string;
  severity: Severity;
  message: string;
  packet: number;
  dir?: Direction;
  details?: Record<string, string | number | boolean | null>;
}

interface Session {
  info: GatewaySessionInfo;
  /** The SessionID before currentId, still accepted (a request may cross the response that renamed it). */
  prevId: string | null;
  /** Bytes lost per direction since the last chunk of this session (reported as that chunk's gapBefore). */
  gap: Record<Direction, number>;
  lastUse: number;
}

interface Outstanding {
  /** A POST to the gateway; false: a request that is skipped with its response. */
  gateway: boolean;
  method: string;
  /** null: the session is learnt from the response (an open, or a request without SessionID). */
  session: Session | null;
  action: string | null;
  server: string | null;
  ip: string | null;
  /** The request whose body waits for its session (session === null). */
  held: HttpMessage | null;
  /**
   * A SessionID the request named that was not known yet while an open ahead of it was unanswered: the open's
   * response may introduce it (the capture can show a request before the response it depends on).
   */
  namedId: string | null;
}

export class GatewayDecoder {
  private readonly c2s: HttpStream;
  private readonly s2c: HttpStream;
  private readonly limits: GatewayLimits;
  private readonly queue: Outstanding[] = [];
  private readonly byId = new Map<string, Session>();
  private readonly list: Session[] = [];
  private readonly st: GatewayStats = { requests: 0, responses: 0, gatewayRequests: 0, skippedRequests: 0, interimResponses: 0, forgottenRequests: 0, sessions: 0 };
  private out: GatewayChunk[] = [];
  private gateway = false;
  /** Bytes were lost between requests / responses: pairing is re-checked against the SessionIDs. */
  private requestsLost = false;
  private responsesLost = false;
  /** Some request bytes were lost at some point: a response without a request is then no surprise. */
  private requestBytesLost = false;
  private finished = false;
  private lastTs = 0;
  private uses = 0;
  private sessionsDropped = 0;

  constructor(
    private readonly report: (d: GatewayDiagnostic) => void,
    opts: GatewayOptions = {},
  ) {
    const d = DEFAULT_GATEWAY_LIMITS;
    this.limits = {
      maxHeaderBytes: Math.max(1, Math.floor(opts.maxHeaderBytes ?? d.maxHeaderBytes)),
      maxBodyBytes: Math.max(0, Math.floor(opts.maxBodyBytes ?? d.maxBodyBytes)),
      maxPendingRequests: Math.max(1, Math.floor(opts.maxPendingRequests ?? d.maxPendingRequests)),
      maxSessions: Math.max(1, Math.floor(opts.maxSessions ?? d.maxSessions)),
    };
    const midStream = opts.midStream ?? false;
    // Joined mid-stream: the first responses may answer requests from before the capture.
    this.requestsLost = midStream;
    this.requestBytesLost = midStream;
    this.c2s = new HttpStream(
      'request',
      this.limits,
      {
        answersHead: () => false,
        message: (m) => this.onRequest(m),
        lost: (n) => this.onLost('c2s', n),
        report: (code, severity, message, packet, details) => this.diag(code, severity, message, packet, 'c2s', details),
      },
      midStream,
    );
    this.s2c = new HttpStream(
      'response',
      this.limits,
      {
        answersHead: () => this.queue[0]?.method === 'HEAD',
        message: (m) => this.onResponse(m),
        lost: (n) => this.onLost('s2c', n),
        report: (code, severity, message, packet, details) => this.diag(code, severity, message, packet, 's2c', details),
      },
      midStream,
    );
  }

  /** True once the stream has shown a gateway request (a POST to …/gateway.dll). */
  get isGateway(): boolean {
    return this.gateway;
  }

  get stats(): Readonly<GatewayStats> {
    return this.st;
  }

  /** The sessions seen on this connection, in order of discovery (at most maxSessions). */
  get sessions(): GatewaySessionInfo[] {
    return this.list.map((s) => s.info);
  }

  /**
   * In-order bytes of one direction (gapBefore > 0: bytes were lost just before these; a trailing TCP 'gap'
   * event is push(dir, empty, n, …)). Returns the bodies completed by them, in order.
   */
  push(dir: Direction, bytes: Uint8Array, gapBefore: number, packet: number, tsMicros: number): GatewayChunk[] {
    if (this.finished) return [];
    this.out = [];
    this.lastTs = tsMicros;
    (dir === 'c2s' ? this.c2s : this.s2c).push(bytes, Math.max(0, gapBefore), packet, tsMicros);
    return this.out;
  }

  /** End of the connection: report anything incomplete; returns the bodies this completes (cut short). */
  finish(packet: number): GatewayChunk[] {
    if (this.finished) return [];
    this.out = [];
    // Requests first, so that a response cut by the end still finds its request.
    this.c2s.finish(packet);
    this.s2c.finish(packet);
    this.finished = true;
    this.resolveDeferred(true);

    let unanswered = 0;
    let heldBytes = 0;
    for (const e of this.queue) {
      if (!e.gateway) continue;
      unanswered++;
      if (e.held !== null) heldBytes += bodyLength(e.held);
    }
    this.queue.length = 0;
    if (unanswered > 0) {
      const held = heldBytes > 0 ? `; ${heldBytes} bytes of MSNP from requests whose session only the response would have named are dropped` : '';
      this.diag('gateway.unanswered', heldBytes > 0 ? 'warning' : 'info', `${unanswered} gateway request(s) without a response at the end of the connection${held}`, packet, 'c2s', {
        requests: unanswered,
        droppedBytes: heldBytes,
      });
    }
    // Losses not yet announced by a later chunk.
    for (const s of this.list) {
      if (s.gap.c2s > 0) this.emit(s, 'c2s', new Uint8Array(0), packet, this.lastTs, null, null, false);
      if (s.gap.s2c > 0) this.emit(s, 's2c', new Uint8Array(0), packet, this.lastTs, null, null, false);
    }
    return this.out;
  }

  // ---------------------------------------------------------------------------------------------------
  // Requests

  private onRequest(msg: HttpMessage): void {
    this.st.requests++;
    const head = msg.head;
    const target = parseTarget(head.target);
    if (head.method !== 'POST' || !target.path.toLowerCase().endsWith('/gateway.dll')) {
      this.st.skippedRequests++;
      this.enqueue({ gateway: false, method: head.method, session: null, action: null, server: null, ip: null, held: null, namedId: null }, msg.packet);
      return;
    }
    this.gateway = true;
    this.st.gatewayRequests++;
    const sid = nonEmpty(target.query.get('sessionid'));
    const actionRaw = nonEmpty(target.query.get('action'));
    const action = actionRaw === null ? null : actionRaw.toLowerCase();
    const server = nonEmpty(target.query.get('server'));
    const ip = nonEmpty(target.query.get('ip'));

    if (sid !== null) {
      let s = this.byId.get(sid);
      if (s === undefined && this.queue.some(isOpenLike)) {
        this.enqueue({ gateway: true, method: head.method, session: null, action, server, ip, held: msg, namedId: sid }, msg.packet);
        return;
      }
      s ??= this.midstreamSession(sid, server, ip, msg.packet);
      this.touch(s);
      this.emitBody(s, 'c2s', msg, action, null, false);
      this.enqueue({ gateway: true, method: head.method, session: s, action, server, ip, held: null, namedId: null }, msg.packet);
      return;
    }
    if (action !== 'open') {
      this.diag('gateway.no_session', 'warning', `gateway request with neither SessionID= nor Action=open (${head.target.slice(0, 120)}): its session is taken from the response`, msg.packet, 'c2s', {
        target: head.target.slice(0, 200),
      });
    }
    this.enqueue({ gateway: true, method: head.method, session: null, action, server, ip, held: msg, namedId: null }, msg.packet);
  }

  private midstreamSession(sid: string, server: string | null, ip: string | null, packet: number): Session {
    this.diag('gateway.midstream_session', 'info', `gateway session ${sid} was not opened on this connection${server === null ? ': its kind (NS/SB) is unknown' : ''}`, packet, 'c2s', {
      sessionId: sid,
    });
    return this.newSession(sid, server ?? 'unknown', ip, false, packet);
  }

  /**
   * Gives requests held for a SessionID (namedId) their session once no unanswered open is ahead of them
   * (all: at the end), and passes their bodies on, in request order.
   */
  private resolveDeferred(all: boolean): void {
    let blocked = false;
    for (const e of this.queue) {
      if (isOpenLike(e)) blocked = true;
      else if (e.session === null && e.namedId !== null && (all || !blocked)) this.resolve(e, e.namedId);
    }
  }

  private resolve(e: Outstanding, sid: string): void {
    const held = e.held;
    const s = this.byId.get(sid) ?? this.midstreamSession(sid, e.server, e.ip, held?.packet ?? 0);
    this.touch(s);
    e.session = s;
    e.held = null;
    if (held !== null) this.emitBody(s, 'c2s', held, e.action, null, false);
  }

  private enqueue(e: Outstanding, packet: number): void {
    let unblocked = false;
    if (this.queue.length >= this.limits.maxPendingRequests) {
      // Typically a capture without the server's side. Said once; the count is in stats.
      const dropped = this.queue.shift() as Outstanding;
      this.st.forgottenRequests++;
      if (dropped.session === null && dropped.namedId !== null) this.resolve(dropped, dropped.namedId);
      unblocked = isOpenLike(dropped);
      if (this.st.forgottenRequests === 1) {
        const bytes = dropped.held !== null ? bodyLength(dropped.held) : 0;
        this.diag('gateway.too_many_pending', 'warning', `more than ${this.limits.maxPendingRequests} requests await a response: the oldest are forgotten (a body held for its session is dropped)`, packet, 'c2s', {
          limit: this.limits.maxPendingRequests,
          droppedBytes: bytes,
        });
      }
    }
    this.queue.push(e);
    if (unblocked) this.resolveDeferred(false);
  }

  // ---------------------------------------------------------------------------------------------------
  // Responses

  private onResponse(msg: HttpMessage): void {
    this.answer(msg);
    this.resolveDeferred(false);
  }

  private answer(msg: HttpMessage): void {
    this.st.responses++;
    const head = msg.head;
    if (head.status >= 100 && head.status < 200) {
      // Interim (100 Continue): the final response follows and answers the same request.
      this.st.interimResponses++;
      return;
    }
    const mm = parseMessengerHeader(headerValue(head, 'x-msn-messenger'));
    const entry = this.pair(mm.sessionId, msg.packet);
    if (entry !== null && !entry.gateway) return;
    if (entry !== null && entry.session === null && entry.namedId !== null) this.resolve(entry, entry.namedId);

    let s: Session;
    if (entry === null) {
      if (mm.sessionId === null) {
        if (this.gateway) {
          this.diag('gateway.unpaired_response', this.requestBytesLost ? 'info' : 'warning', `HTTP ${head.status} response without a request to answer and without a SessionID: dropped`, msg.packet, 's2c', {
            status: head.status,
            bytes: bodyLength(msg),
          });
        }
        return;
      }
      s = this.byId.get(mm.sessionId) ?? this.newSession(mm.sessionId, 'unknown', null, false, msg.packet);
      const expected = this.requestBytesLost;
      this.diag('gateway.unpaired_response', expected ? 'info' : 'warning', `response for gateway session ${mm.sessionId} without a request to answer${expected ? ' (its request was presumably in the lost bytes)' : ''}`, msg.packet, 's2c', {
        sessionId: mm.sessionId,
        status: head.status,
      });
    } else if (entry.session !== null) {
      s = entry.session;
      if (mm.sessionId !== null) this.follow(s, mm.sessionId, msg.packet);
    } else {
      const held = entry.held;
      if (mm.sessionId === null) {
        const what = entry.action === 'open' ? `Action=open${entry.server !== null ? ` (Server=${entry.server})` : ''}` : 'session-less request';
        this.diag('gateway.open_failed', 'warning', `HTTP ${head.status} answer to a gateway ${what} names no SessionID: the request's ${held === null ? 0 : bodyLength(held)} bytes of MSNP are dropped`, msg.packet, 's2c', {
          status: head.status,
          server: entry.server,
          droppedBytes: held === null ? 0 : bodyLength(held),
        });
        return;
      }
      const known = this.byId.get(mm.sessionId);
      if (known !== undefined) {
        s = known;
        if (entry.action === 'open') {
          this.diag('gateway.session_mismatch', 'warning', `Action=open answered with SessionID ${mm.sessionId}, which an earlier session on this connection already uses`, msg.packet, 's2c', {
            sessionId: mm.sessionId,
          });
        }
      } else {
        s = this.newSession(mm.sessionId, entry.server ?? 'unknown', entry.ip, entry.action === 'open', msg.packet);
      }
      if (held !== null) this.emitBody(s, 'c2s', held, entry.action, null, false);
    }
    this.touch(s);
    if (mm.gwIp !== null) {
      s.info.gwIp = mm.gwIp;
      s.info.ip ??= mm.gwIp;
    }
    if (mm.close) {
      s.info.closed = true;
      this.diag('gateway.session_close', 'info', `the gateway ends session ${s.info.currentId} (Session=close)`, msg.packet, 's2c', { sessionId: s.info.sessionId });
    }
    if (head.status < 200 || head.status > 299) {
      this.diag('gateway.http_error', 'warning', `gateway answered HTTP ${head.status}${head.reason !== '' ? ` ${head.reason}` : ''} for session ${s.info.currentId}: its ${bodyLength(msg)}-byte body is not MSNP and is not passed on`, msg.packet, 's2c', {
        status: head.status,
        sessionId: s.info.sessionId,
        bytes: bodyLength(msg),
      });
      this.emit(s, 's2c', new Uint8Array(0), msg.packet, msg.tsMicros, entry?.action ?? null, head.status, mm.close);
      return;
    }
    this.emitBody(s, 's2c', msg, entry?.action ?? null, head.status, mm.close);
  }

  /**
   * The outstanding request a response answers: the oldest one. After bytes were lost, first check that the
   * SessionID the response names fits, skip requests whose responses were lost, and leave the queue alone for a
   * response whose request was lost (null).
   */
  private pair(sessionId: string | null, packet: number): Outstanding | null {
    if (this.queue.length === 0) return null;
    if (!this.requestsLost && !this.responsesLost) return this.queue.shift() ?? null;
    const k = sessionId === null ? 0 : this.queue.findIndex((e) => this.fits(e, sessionId));
    if (k === 0 || (k > 0 && this.responsesLost)) {
      if (k > 0) {
        const skipped = this.queue.splice(0, k);
        for (const e of skipped) if (e.session === null && e.namedId !== null) this.resolve(e, e.namedId);
        const held = skipped.reduce((n, e) => n + (e.held === null ? 0 : bodyLength(e.held)), 0);
        this.diag('gateway.responses_lost', 'info', `after lost response bytes, ${k} earlier request(s) are taken as answered by responses that were lost`, packet, 's2c', {
          requests: k,
          droppedBytes: held,
        });
      }
      this.requestsLost = false;
      this.responsesLost = false;
      return this.queue.shift() ?? null;
    }
    return null;
  }

  private fits(e: Outstanding, sessionId: string): boolean {
    if (!e.gateway) return false;
    if (e.session !== null) return e.session === this.byId.get(sessionId);
    return e.namedId !== null ? e.namedId === sessionId : !this.byId.has(sessionId);
  }

  /** A response named a SessionID for a request of session s: the same one, or its successor (lineage). */
  private follow(s: Session, id: string, packet: number): void {
    const other = this.byId.get(id);
    if (other === s) return;
    if (other === undefined) {
      const old = s.info.currentId;
      if (s.prevId !== null && s.prevId !== s.info.sessionId) this.byId.delete(s.prevId);
      s.prevId = old;
      s.info.currentId = id;
      this.byId.set(id, s);
      this.diag('gateway.session_renamed', 'info', `gateway session ${old} continues as ${id}`, packet, 's2c', { sessionId: s.info.sessionId, from: old, to: id });
      return;
    }
    this.diag('gateway.session_mismatch', 'warning', `response to a request of session ${s.info.currentId} names session ${id}: kept with the request's session`, packet, 's2c', {
      sessionId: s.info.sessionId,
      named: id,
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Sessions and output

  private newSession(id: string, server: string, ip: string | null, opened: boolean, packet: number): Session {
    if (this.list.length >= this.limits.maxSessions) {
      // Forget the least recently used session (its ids with it).
      let idx = 0;
      for (let i = 1; i < this.list.length; i++) if ((this.list[i] as Session).lastUse < (this.list[idx] as Session).lastUse) idx = i;
      const [gone] = this.list.splice(idx, 1);
      if (gone !== undefined) for (const [k, v] of this.byId) if (v === gone) this.byId.delete(k);
      if (this.sessionsDropped++ === 0) {
        this.diag('gateway.too_many_sessions', 'warning', `more than ${this.limits.maxSessions} gateway sessions on one connection: the least recently used are forgotten`, packet, undefined, {
          limit: this.limits.maxSessions,
        });
      }
    }
    const s: Session = {
      info: { sessionId: id, server, ip, currentId: id, gwIp: null, opened, closed: false },
      prevId: null,
      gap: { c2s: 0, s2c: 0 },
      lastUse: ++this.uses,
    };
    this.byId.set(id, s);
    this.list.push(s);
    this.st.sessions++;
    return s;
  }

  private touch(s: Session): void {
    s.lastUse = ++this.uses;
  }

  /** Bytes lost between messages of one direction: any session may have had messages among them. */
  private onLost(dir: Direction, bytes: number): void {
    if (bytes <= 0) return;
    for (const s of this.list) s.gap[dir] += bytes;
    if (dir === 'c2s') {
      this.requestsLost = true;
      this.requestBytesLost = true;
    } else {
      this.responsesLost = true;
    }
  }

  private emitBody(s: Session, dir: Direction, msg: HttpMessage, action: string | null, status: number | null, close: boolean): void {
    const runs = contiguousRuns(msg);
    if (runs.length === 0) {
      this.emit(s, dir, new Uint8Array(0), msg.packet, msg.tsMicros, action, status, close);
    } else {
      for (let i = 0; i < runs.length; i++) {
        const r = runs[i] as Run;
        s.gap[dir] += r.gapBefore;
        this.emit(s, dir, r.bytes, msg.packet, msg.tsMicros, action, status, close && i === runs.length - 1);
      }
    }
    s.gap[dir] += msg.tailMissing;
  }

  private emit(s: Session, dir: Direction, bytes: Uint8Array, packet: number, tsMicros: number, action: string | null, status: number | null, close: boolean): void {
    const gapBefore = s.gap[dir];
    s.gap[dir] = 0;
    this.out.push({ session: s.info, dir, bytes, packet, tsMicros, gapBefore, action, status, sessionClose: close });
  }

  private diag(code: string, severity: Severity, message: string, packet: number, dir: Direction | undefined, details?: Record<string, string | number | boolean | null>): void {
    const d: GatewayDiagnostic = { code, severity, message, packet };
    if (dir !== undefined) d.dir = dir;
    if (details !== undefined) d.details = details;
    this.report(d);
  }
}

// -----------------------------------------------------------------------------------------------------

/**
 * Whether the first bytes of a client stream are a gateway request: `POST /gateway/gateway.dll?…` or the
 * absolute form `POST http://host[:port]/gateway/gateway.dll?…` (blank lines before it are allowed).
 */
export function looksLikeGatewayRequest(first: Uint8Array): boolean {
  let i = 0;
  while (i < first.length && (first[i] === 0x0d || first[i] === 0x0a)) i++;
  const text = latin1Text(first, i, i + Math.min(first.length - i, 512));
  if (!text.startsWith('POST ')) return false;
  return /^POST +(?:https?:\/\/[^/\s?#]+)?\/gateway\/gateway\.dll(?:[?\s]|$)/i.test(text);
}

/** A gateway request whose session only its response will name (an open, or a request without SessionID). */
function isOpenLike(e: Outstanding): boolean {
  return e.gateway && e.session === null && e.namedId === null;
}

interface Run {
  bytes: Uint8Array;
  gapBefore: number;
}

/** The body's pieces joined into runs without holes (a piece boundary is an accident of segmentation). */
function contiguousRuns(msg: HttpMessage): Run[] {
  const runs: Run[] = [];
  let group: Uint8Array[] = [];
  let groupGap = 0;
  const close = (): void => {
    if (group.length === 0) return;
    runs.push({ bytes: group.length === 1 ? (group[0] as Uint8Array) : Buffer.concat(group), gapBefore: groupGap });
    group = [];
  };
  for (const p of msg.pieces) {
    if (p.gapBefore > 0) {
      close();
      groupGap = p.gapBefore;
    } else if (group.length === 0) {
      groupGap = 0;
    }
    group.push(p.bytes);
  }
  close();
  return runs;
}


function bodyLength(msg: HttpMessage): number {
  let n = 0;
  for (const p of msg.pieces) n += p.bytes.length;
  return n;
}

function nonEmpty(v: string | undefined): string | null {
  return v === undefined || v === '' ? null : v;
}

/** Path and query parameters (keys lower-cased, values URL-decoded, first occurrence wins) of a request target. */
function parseTarget(target: string): { path: string; query: Map<string, string> } {
  let t = target;
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(t);
  if (abs !== null) t = t.slice(abs[0].length);
  const hash = t.indexOf('#');
  if (hash >= 0) t = t.slice(0, hash);
  const q = t.indexOf('?');
  const path = q < 0 ? t : t.slice(0, q);
  const query = new Map<string, string>();
  if (q >= 0) {
    for (const part of t.slice(q + 1).split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = urlDecode(eq < 0 ? part : part.slice(0, eq)).text.toLowerCase();
      const value = eq < 0 ? '' : urlDecode(part.slice(eq + 1)).text;
      if (!query.has(key)) query.set(key, value);
    }
  }
  return { path: path === '' ? '/' : path, query };
}

/** `X-MSN-Messenger: SessionID=…; GW-IP=…[; Session=close]` (keys case-insensitive). */
function parseMessengerHeader(value: string | null): { sessionId: string | null; gwIp: string | null; close: boolean } {
  const r = { sessionId: null as string | null, gwIp: null as string | null, close: false };
  if (value === null) return r;
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const v = part.slice(eq + 1).trim();
    if (key === 'sessionid') r.sessionId ??= nonEmpty(v);
    else if (key === 'gw-ip') r.gwIp ??= nonEmpty(v);
    else if (key === 'session') r.close ||= v.toLowerCase() === 'close';
  }
  return r;
}
