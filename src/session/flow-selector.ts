// Decides which TCP segments are worth reassembling as MSNP: the configured ports, switchboard
// addresses announced in-band by XFR/RNG (like Wireshark's conversation expectations), and — with
// detection on — any connection whose first bytes read as an MSNP command line or a gateway request.

import type { TcpSegment } from '../decode/segment.js';
import { TcpFlag } from '../decode/segment.js';
import { FifoMap } from '../fifo-map.js';
import { looksLikeGatewayRequest } from '../msnp/gateway.js';
import { seqAdd, seqDiff } from '../tcp/seq.js';
import { latin1Text } from '../text.js';

export interface FlowSelectorOptions {
  ports: readonly number[];
  /** Recognise MSNP by content on any port. */
  detect: boolean;
  /** Connections not yet judged whose handshake and first data are kept for replay (bounded). */
  maxUndecided?: number;
}

export type Selection =
  /** Not MSNP as far as we know: drop. */
  | 'skip'
  /** Reassemble this segment. */
  | 'follow'
  /** Just recognised by content: replay `replay` (its handshake and held data) first, then this segment. */
  | 'detected';

/** First lines that open an MSNP connection: `VER n MSNP…` (NS/DS), `USR n handle cookie` and `ANS n …` (SB). */
const OPENING = /^(?:VER \d{1,10} (?:MSNP\d{1,2}|CVR0)|USR \d{1,10} [^ \r\n]+@[^ \r\n]+ [^ \r\n]+\r?\n|ANS \d{1,10} [^ \r\n]+@[^ \r\n]+ )/;
const OPENING_PEEK = 96;

/**
 * A connection not yet judged: its handshake and the data segments that came before its opening bytes
 * were complete, kept (as copies) for replay once it is recognised.
 */
interface Undecided {
  /** SYN and SYN-ACK, and a FIN or RST seen before the first bytes, without payload. */
  handshake: TcpSegment[];
  /** Data segments in arrival order, copied. */
  held: TcpSegment[];
  heldBytes: number;
  /** Where each sender's stream starts (`addr|port` → seq): ISN + 1 after a SYN, else its first data segment. */
  starts: Map<string, number>;
  /**
   * The client (sender of the SYN, or receiver of the SYN-ACK; joined mid-stream, the first sender whose
   * bytes may still be an opening line): an MSNP client speaks first, so only its first bytes decide.
   */
  client: string | null;
}

/** Data segments and bytes one undecided connection may hold before it is given up as not MSNP. */
const MAX_HELD_SEGMENTS = 16;
const MAX_HELD_BYTES = 16 * 1024;
/** Bytes held over all undecided connections together. */
const MAX_HELD_TOTAL = 2 * 1024 * 1024;
/** Control segments (SYN, SYN-ACK, FINs, RST and their repeats) one undecided connection keeps for replay. */
const MAX_CONTROL_SEGMENTS = 8;
/**
 * Capture time an undecided connection is kept after its FIN or RST, for first bytes reordered behind it
 * (the reassembler's default wait after an RST): then it is forgotten, and what it held is let go.
 */
const ENDED_GRACE_MICROS = 1_000_000;

/** What a sender's first bytes say about a connection. */
const enum Verdict {
  Opening,
  /** Not there yet, or still the start of a possible opening line. */
  Wait,
  NotMsnp,
}

export class FlowSelector {
  private readonly ports: Set<number>;
  /** Announced `addr:port` endpoints (IP literals). */
  private readonly endpoints = new FifoMap<true>();
  /** Ports announced with a host name we cannot resolve: any address on that port. */
  private readonly announcedPorts = new Set<number>();
  /** Connections recognised by content (keyed both ways). */
  private readonly detected = new FifoMap<true>();
  /**
   * Connections whose first data was not an MSNP opening, with their client's ISN (-1 if no SYN was
   * seen): later segments are not looked at, so an HTTP body or a file that happens to hold `VER 1 MSNP8`
   * mid-stream is not mistaken for MSNP. Only a SYN with another ISN (a new connection) clears one.
   */
  private readonly rejected = new FifoMap<number>();
  /** Connections not judged yet, oldest first (the first given up at the bound). */
  private readonly undecided = new FifoMap<Undecided>();
  /** Undecided connections that saw a FIN or RST before their first bytes, with its capture time. */
  private readonly ended = new FifoMap<number>();
  private heldTotal = 0;
  private readonly maxUndecided: number;
  /** Segments to replay before the current one after a detection. */
  replay: TcpSegment[] = [];

  constructor(private readonly opts: FlowSelectorOptions) {
    this.ports = new Set(opts.ports);
    this.maxUndecided = opts.maxUndecided ?? 4096;
  }

  /** The server side of a connection, for the reassembler's choice of client when no SYN was seen. */
  isServerPort(port: number): boolean {
    return this.ports.has(port) || this.announcedPorts.has(port);
  }

  /** A switchboard address announced on an NS connection: follow connections to it. */
  expect(host: string, port: number): void {
    if (/^[0-9.]+$/.test(host) || host.includes(':')) addBounded(this.endpoints, `${host}|${port}`, true);
    else this.announcedPorts.add(port);
  }

  select(seg: TcpSegment): Selection {
    if (this.isServerPort(seg.srcPort) || this.isServerPort(seg.dstPort)) return 'follow';
    if (this.endpoints.size > 0 && (this.endpoints.has(`${seg.dstAddr}|${seg.dstPort}`) || this.endpoints.has(`${seg.srcAddr}|${seg.srcPort}`))) return 'follow';
    if (!this.opts.detect) return 'skip';
    if (this.ended.size > 0) this.expireEnded(seg.tsMicros);
    const key = flowKey(seg);
    if (this.detected.has(key)) return 'follow';
    if (seg.payload.length === 0) {
      if (seg.flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) this.control(key, seg);
      return 'skip';
    }
    if (this.rejected.has(key)) return 'skip';
    // The opening line may arrive in several segments, in any order: judge the first bytes in stream
    // order, and wait (holding copies) while they are missing or still the start of an opening line.
    const u = this.undecided.get(key);
    const sender = `${seg.srcAddr}|${seg.srcPort}`;
    // Joined mid-stream, the first data seen from a sender is taken as the start of its stream.
    const start = u?.starts.get(sender) ?? seg.seq;
    const head = streamHead(u?.held ?? NONE, seg, sender, start);
    let verdict = judge(head);
    // With the client known, only its bytes can rule a connection out: the server's may come first.
    if (verdict === Verdict.NotMsnp && u !== undefined && u.client !== null && u.client !== sender) verdict = Verdict.Wait;
    if (verdict === Verdict.Opening) {
      addBounded(this.detected, key, true);
      this.replay = u === undefined ? [] : [...u.handshake, ...u.held];
      if (u !== undefined) this.forget(key, u);
      return 'detected';
    }
    if (verdict === Verdict.Wait) {
      const holding = this.hold(key, u, sender, start, seg);
      if (holding !== null) {
        if (holding.client === null && head.length > 0) holding.client = sender; // the start of an opening line
        return 'skip';
      }
    }
    // Not an opening line, or no opening line within what may be held.
    this.reject(key, u);
    return 'skip';
  }

  /** Keeps a copy of the segment for replay; null when the bounds say the connection has had its chance. */
  private hold(key: string, known: Undecided | undefined, sender: string, start: number, seg: TcpSegment): Undecided | null {
    const size = seg.payload.length;
    if (this.heldTotal + size > MAX_HELD_TOTAL) return null;
    const u = known ?? this.open(key);
    if (u.held.length >= MAX_HELD_SEGMENTS || u.heldBytes + size > MAX_HELD_BYTES) return null;
    if (!u.starts.has(sender)) u.starts.set(sender, start);
    u.held.push(Object.assign({}, seg, { payload: Uint8Array.from(seg.payload) }));
    u.heldBytes += size;
    this.heldTotal += size;
    return u;
  }

  private reject(key: string, u: Undecided | undefined): void {
    let isn = -1;
    if (u !== undefined) {
      const clientStart = u.client !== null ? u.starts.get(u.client) : undefined;
      if (clientStart !== undefined) isn = (clientStart - 1) >>> 0;
      this.forget(key, u);
    }
    addBounded(this.rejected, key, isn);
  }

  /** A new undecided connection; the oldest is forgotten beyond the bound. */
  private open(key: string): Undecided {
    if (this.undecided.size >= this.maxUndecided) {
      const oldest = this.undecided.oldestKey();
      if (oldest !== undefined) this.forget(oldest, this.undecided.get(oldest) as Undecided);
    }
    const u: Undecided = { handshake: [], held: [], heldBytes: 0, starts: new Map(), client: null };
    this.undecided.set(key, u);
    return u;
  }

  private forget(key: string, u: Undecided): void {
    this.heldTotal -= u.heldBytes;
    this.undecided.delete(key);
    this.ended.delete(key);
  }

  /** Forgets the undecided connections whose FIN or RST is more than the grace old (capture time). */
  private expireEnded(nowMicros: number): void {
    for (let key = this.ended.oldestKey(); key !== undefined; key = this.ended.oldestKey()) {
      if (nowMicros - (this.ended.get(key) as number) < ENDED_GRACE_MICROS) return;
      this.forget(key, this.undecided.get(key) as Undecided);
    }
  }

  /** A SYN, FIN or RST without data on a connection not judged yet. */
  private control(key: string, seg: TcpSegment): void {
    const known = this.undecided.get(key);
    if (seg.flags & (TcpFlag.FIN | TcpFlag.RST)) {
      // The first bytes may still come, reordered behind it (the reassembler waits for them after an RST
      // too): the judgement stays open, and the segment is replayed with the handshake if they are MSNP.
      if (known === undefined) return;
      // A SYN refused or never answered, with nothing held: no bytes can be missing (a port scan).
      if (known.held.length === 0 && known.starts.size < 2) {
        this.forget(key, known);
        return;
      }
      if (known.handshake.length < MAX_CONTROL_SEGMENTS) known.handshake.push(withoutPayload(seg));
      if (!this.ended.has(key)) this.ended.set(key, seg.tsMicros);
      return;
    }
    const sender = `${seg.srcAddr}|${seg.srcPort}`;
    const start = (seg.seq + 1) >>> 0;
    const syn = !(seg.flags & TcpFlag.ACK);
    if (syn) {
      const rejectedIsn = this.rejected.get(key);
      if (rejectedIsn !== undefined) {
        if (rejectedIsn === seg.seq) return; // a retransmitted SYN of the connection already judged
        this.rejected.delete(key); // a new connection on the tuple: judged afresh
      } else if (known !== undefined && (this.ended.has(key) ? known.starts.get(sender) !== start : (known.starts.get(sender) ?? start) !== start)) {
        // A new connection on the tuple (a repeated SYN keeps what is held; after a FIN or RST, only a
        // SYN known to be this connection's does).
        this.forget(key, known);
      }
    } else if (this.rejected.has(key)) {
      return; // a late SYN-ACK of a connection already judged
    }
    const u = this.undecided.get(key) ?? this.open(key);
    u.starts.set(sender, start);
    if (syn) u.client = sender;
    else {
      // A SYN-ACK: its receiver is the client, whose stream starts at what it acknowledges.
      const receiver = `${seg.dstAddr}|${seg.dstPort}`;
      u.client ??= receiver;
      if (!u.starts.has(receiver)) u.starts.set(receiver, seg.ack);
    }
    // A SYN and its SYN-ACK are all a replay needs.
    if (u.handshake.length < 4) u.handshake.push(withoutPayload(seg));
  }
}

const NONE: readonly TcpSegment[] = [];

function judge(head: Uint8Array): Verdict {
  if (head.length === 0) return Verdict.Wait;
  if (looksLikeOpening(head)) return Verdict.Opening;
  return head.length < OPENING_PEEK && couldBeOpening(head) ? Verdict.Wait : Verdict.NotMsnp;
}

/**
 * The sender's first bytes in stream order from `start` (at most OPENING_PEEK of them), pieced together
 * from the held segments and the current one; empty while the byte at `start` has not arrived.
 */
function streamHead(held: readonly TcpSegment[], current: TcpSegment, sender: string, start: number): Uint8Array {
  // The common case: the first data segment, in order.
  if (held.length === 0 && current.seq === start) return current.payload;
  const pieces: TcpSegment[] = [];
  for (const s of held) if (`${s.srcAddr}|${s.srcPort}` === sender) pieces.push(s);
  pieces.push(current);
  const out = new Uint8Array(OPENING_PEEK);
  let have = 0;
  for (let progress = true; progress && have < OPENING_PEEK; ) {
    progress = false;
    const next = seqAdd(start, have);
    for (const s of pieces) {
      const into = seqDiff(next, s.seq);
      if (into < 0 || into >= s.payload.length) continue;
      const n = Math.min(s.payload.length - into, OPENING_PEEK - have);
      out.set(s.payload.subarray(into, into + n), have);
      have += n;
      progress = true;
      break;
    }
  }
  return out.subarray(0, have);
}

const EMPTY = new Uint8Array(0);

/** A control segment kept for replay without its payload view: even an empty view keeps a whole capture read block alive. */
function withoutPayload(seg: TcpSegment): TcpSegment {
  return Object.assign({}, seg, { payload: EMPTY });
}
/** Announced endpoints, detected and rejected connections remembered; the oldest are forgotten beyond this. */
const MAX_FOLLOWED = 65536;

function addBounded<V>(store: FifoMap<V>, key: string, value: V): void {
  if (store.size >= MAX_FOLLOWED && !store.has(key)) {
    const oldest = store.oldestKey();
    if (oldest !== undefined) store.delete(oldest);
  }
  store.set(key, value);
}

function flowKey(seg: TcpSegment): string {
  const a = `${seg.srcAddr}|${seg.srcPort}`;
  const b = `${seg.dstAddr}|${seg.dstPort}`;
  return a < b ? `${a}>${b}` : `${b}>${a}`;
}

/** Bytes that may still grow into an opening line: a prefix of a verb or of `POST `, or a verb and an unfinished line. */
const OPENING_PREFIX = /^(?:V(?:E(?:R(?: [^\n]*)?)?)?|U(?:S(?:R(?: [^\n]*)?)?)?|A(?:N(?:S(?: [^\n]*)?)?)?|P(?:O(?:S(?:T(?: [^\n]*)?)?)?)?)$/;

function couldBeOpening(head: Uint8Array): boolean {
  return OPENING_PREFIX.test(latin1Text(head));
}

function looksLikeOpening(payload: Uint8Array): boolean {
  const c0 = payload[0];
  if (c0 === 0x50) return looksLikeGatewayRequest(payload);
  // Cheap pre-filter before decoding any text: the verbs that open an MSNP connection.
  if (c0 !== 0x56 && c0 !== 0x55 && c0 !== 0x41) return false;
  const head = latin1Text(payload, 0, Math.min(payload.length, OPENING_PEEK));
  return OPENING.test(head);
}
