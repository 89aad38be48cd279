// Decides which TCP segments are worth reassembling as MSNP: the configured ports, switchboard
// addresses announced in-band by XFR/RNG (like Wireshark's conversation expectations), and — with
// detection on — any connection whose first bytes read as an MSNP command line or a gateway request.

import type { TcpSegment } from '../decode/segment.js';
import { TcpFlag } from '../decode/segment.js';
import { looksLikeGatewayRequest } from '../msnp/gateway.js';
import { latin1Text } from '../text.js';

export interface FlowSelectorOptions {
  ports: readonly number[];
  /** Recognise MSNP by content on any port. */
  detect: boolean;
  /** Handshake segments of not-yet-selected connections kept for replay (bounded). */
  maxRememberedHandshakes?: number;
}

export type Selection =
  /** Not MSNP as far as we know: drop. */
  | 'skip'
  /** Reassemble this segment. */
  | 'follow'
  /** Just recognised by content: replay `replay` (its handshake) first, then this segment. */
  | 'detected';

/** First lines that open an MSNP connection: `VER n MSNP…` (NS/DS), `USR n handle cookie` and `ANS n …` (SB). */
const OPENING = /^(?:VER \d{1,10} (?:MSNP\d{1,2}|CVR0)|USR \d{1,10} [^ \r\n]+@[^ \r\n]+ [^ \r\n]+\r?\n|ANS \d{1,10} [^ \r\n]+@[^ \r\n]+ )/;
const OPENING_PEEK = 96;

export class FlowSelector {
  private readonly ports: Set<number>;
  /** Announced `addr:port` endpoints (IP literals). */
  private readonly endpoints = new Set<string>();
  /** Ports announced with a host name we cannot resolve: any address on that port. */
  private readonly announcedPorts = new Set<number>();
  /** Connections recognised by content (keyed both ways). */
  private readonly detected = new Set<string>();
  /**
   * Connections whose first data was not an MSNP opening: later segments are not looked at, so an
   * HTTP body or a file that happens to hold `VER 1 MSNP8` mid-stream is not mistaken for MSNP.
   */
  private readonly rejected = new Set<string>();
  private readonly handshakes = new Map<string, TcpSegment[]>();
  /** First data segments (copies) of connections whose opening line is not complete yet. */
  private readonly early = new Map<string, { head: Uint8Array; nextSeq: number; segments: TcpSegment[] }>();
  private readonly maxHandshakes: number;
  /** Segments to replay before the current one after a detection. */
  replay: TcpSegment[] = [];

  constructor(private readonly opts: FlowSelectorOptions) {
    this.ports = new Set(opts.ports);
    this.maxHandshakes = opts.maxRememberedHandshakes ?? 4096;
  }

  /** The server side of a connection, for the reassembler's choice of client when no SYN was seen. */
  isServerPort(port: number): boolean {
    return this.ports.has(port) || this.announcedPorts.has(port);
  }

  /** A switchboard address announced on an NS connection: follow connections to it. */
  expect(host: string, port: number): void {
    if (/^[0-9.]+$/.test(host) || host.includes(':')) addBounded(this.endpoints, `${host}|${port}`);
    else this.announcedPorts.add(port);
  }

  select(seg: TcpSegment): Selection {
    if (this.isServerPort(seg.srcPort) || this.isServerPort(seg.dstPort)) return 'follow';
    if (this.endpoints.size > 0 && (this.endpoints.has(`${seg.dstAddr}|${seg.dstPort}`) || this.endpoints.has(`${seg.srcAddr}|${seg.srcPort}`))) return 'follow';
    if (!this.opts.detect) return 'skip';
    const key = flowKey(seg);
    if (this.detected.has(key)) return 'follow';
    if (seg.payload.length === 0) {
      if (seg.flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) this.remember(key, seg);
      return 'skip';
    }
    if (this.rejected.has(key)) return 'skip';
    // The opening line may arrive in several segments: judge the bytes seen so far in order, and wait
    // (holding copies) while they are still the start of a possible opening line.
    const early = this.early.get(key);
    if (early !== undefined && early.nextSeq !== seg.seq) return 'skip';
    const head = early === undefined ? seg.payload : Buffer.concat([early.head, seg.payload]);
    if (looksLikeOpening(head)) {
      addBounded(this.detected, key);
      this.replay = [...(this.handshakes.get(key) ?? []), ...(early?.segments ?? [])];
      this.handshakes.delete(key);
      this.early.delete(key);
      return 'detected';
    }
    if (head.length < OPENING_PEEK && couldBeOpening(head)) {
      const copy = Object.assign({}, seg, { payload: Uint8Array.from(seg.payload) });
      if (early === undefined && this.early.size >= this.maxHandshakes) {
        const oldest = this.early.keys().next().value;
        if (oldest !== undefined) this.early.delete(oldest);
      }
      this.early.set(key, { head: Uint8Array.from(head), nextSeq: (seg.seq + seg.payload.length) >>> 0, segments: [...(early?.segments ?? []), copy] });
      return 'skip';
    }
    this.early.delete(key);
    this.reject(key);
    return 'skip';
  }

  private reject(key: string): void {
    this.handshakes.delete(key);
    addBounded(this.rejected, key);
  }

  private remember(key: string, seg: TcpSegment): void {
    if (seg.flags & (TcpFlag.FIN | TcpFlag.RST)) {
      this.handshakes.delete(key);
      this.early.delete(key);
      return;
    }
    let list = this.handshakes.get(key);
    if (list === undefined) {
      if (this.handshakes.size >= this.maxHandshakes) {
        const oldest = this.handshakes.keys().next().value;
        if (oldest !== undefined) this.handshakes.delete(oldest);
      }
      list = [];
      this.handshakes.set(key, list);
    }
    // A SYN and its SYN-ACK are all a replay needs; a new SYN on the same tuple starts over.
    if (seg.flags & TcpFlag.SYN && !(seg.flags & TcpFlag.ACK)) list.length = 0;
    // Kept without its payload view: even an empty view would keep a whole capture read block alive.
    if (list.length < 4) list.push(Object.assign({}, seg, { payload: EMPTY }));
  }
}

const EMPTY = new Uint8Array(0);
/** Announced endpoints, detected and rejected connections remembered; the oldest are forgotten beyond this. */
const MAX_FOLLOWED = 65536;

function addBounded(set: Set<string>, key: string): void {
  if (set.size >= MAX_FOLLOWED && !set.has(key)) {
    const oldest = set.values().next().value;
    if (oldest !== undefined) set.delete(oldest);
  }
  set.add(key);
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
