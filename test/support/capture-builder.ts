// Test capture builder: turns a readable TCP conversation script into frames and capture-file bytes
// (any link type msnsniff reads, IPv4/IPv6, fragments, snaplen), plus a small reader for round trips.
//
//   const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
//   conv.handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').close();
//   const bytes = buildCapture(conv.segments, { link: 'ethernet', format: 'pcapng' });
//
// Sequence numbers: `isn` is the initial sequence number; the SYN carries it and the first data byte is
// isn+1, whether or not handshake() is called (a script without a handshake is a mid-stream capture).

import type { RawPacket } from '../../src/capture/packet.js';
import { type CaptureFormat, writeCapture } from '../../src/capture/writer.js';

export type Dir = 'c2s' | 's2c';
export type LinkName = 'ethernet' | 'vlan' | 'qinq' | 'sll' | 'sll2' | 'raw' | 'ipv4' | 'ipv6' | 'null' | 'loop';

export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

export interface Endpoint {
  addr: string;
  port: number;
}

/** An IPv6 extension header to put between the IPv6 header and TCP. */
export interface Ipv6Ext {
  /** 0 hop-by-hop, 43 routing, 60 destination options, 51 authentication header. */
  type: 0 | 43 | 51 | 60;
  /** Header length in bytes, a multiple of 8 (default 8, and 24 for AH). */
  length?: number;
}

/** One TCP segment of a script. Fields are plain data: copy, reorder, duplicate or edit freely. */
export interface ScriptSegment {
  dir: Dir;
  src: Endpoint;
  dst: Endpoint;
  /** Unsigned 32-bit. */
  seq: number;
  ack: number;
  flags: number;
  window: number;
  payload: Uint8Array;
  /** Time on the conversation's clock; buildFrames keeps list order monotonic (see BuildOptions.timestamps). */
  tsMicros: number;
  tcpOptions?: Uint8Array;
  ipv4Options?: Uint8Array;
  ipv6Ext?: Ipv6Ext[];
  /** IPv4 identification; buildFrames numbers datagrams itself when absent. */
  ipId?: number;
}

/** A ready IP datagram (e.g. one of fragmentIpv4's pieces, or udpDatagram) framed like the segments. */
export interface IpItem {
  ip: Uint8Array;
  tsMicros?: number;
}

/** A complete link-layer frame, written as it is (its link type must match the capture's). */
export interface FrameItem {
  frame: Uint8Array;
  tsMicros?: number;
  origLen?: number;
}

export type CaptureItem = ScriptSegment | IpItem | FrameItem;

export interface ConversationOptions {
  /** "10.0.0.2:50000" or "[2001:db8::2]:50000". */
  client: string;
  server: string;
  /** Clock of the first segment, µs since the epoch (default 2005-05-06T09:17:57Z). */
  startMicros?: number;
  /** Clock advance per segment (default 1000 µs). */
  stepMicros?: number;
  isn?: { client?: number; server?: number };
  window?: number;
}

export interface SendOptions {
  /** Offsets inside the data where a new segment starts: [3, 10] gives [0,3), [3,10), [10,end). */
  split?: number[];
  /** Cut the data into segments of at most this many bytes (applied after `split`). */
  mss?: number;
  /** Flags of every segment (default ACK, plus PSH on the last one). */
  flags?: number;
  tcpOptions?: Uint8Array;
  ipv4Options?: Uint8Array;
  ipv6Ext?: Ipv6Ext[];
}

const DEFAULT_START_MICROS = Date.UTC(2005, 4, 6, 9, 17, 57) * 1000;
/** MSS 1460, SACK permitted, window scale 7: what a 2005 client's SYN looked like. */
const SYN_OPTIONS = Uint8Array.of(2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7);

export function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

export function parseEndpoint(text: string): Endpoint {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (m === null) throw new Error(`endpoint "${text}" is not addr:port or [v6addr]:port`);
  return { addr: m[1] as string, port: Number(m[2]) };
}

/** A scripted TCP connection: each call appends segments with correct seq/ack to `segments`. */
export class Conversation {
  readonly clientEnd: Endpoint;
  readonly serverEnd: Endpoint;
  readonly segments: ScriptSegment[] = [];
  private readonly next: Record<Dir, number>;
  /** Seq of stream offset 0 per direction: isn + 1. */
  private readonly dataStart: Record<Dir, number>;
  private readonly step: number;
  private readonly window: number;
  private clock: number;

  constructor(opts: ConversationOptions) {
    this.clientEnd = parseEndpoint(opts.client);
    this.serverEnd = parseEndpoint(opts.server);
    this.clock = opts.startMicros ?? DEFAULT_START_MICROS;
    this.step = opts.stepMicros ?? 1000;
    this.window = opts.window ?? 65535;
    this.dataStart = { c2s: u32((opts.isn?.client ?? 1000) + 1), s2c: u32((opts.isn?.server ?? 5000) + 1) };
    this.next = { ...this.dataStart };
  }

  /** SYN, SYN-ACK, ACK (with the usual SYN options). */
  handshake(): this {
    this.next.c2s = u32(this.next.c2s - 1);
    this.next.s2c = u32(this.next.s2c - 1);
    this.emit('c2s', this.next.c2s, TCP.SYN, new Uint8Array(0), { tcpOptions: SYN_OPTIONS }, 1);
    this.emit('s2c', this.next.s2c, TCP.SYN | TCP.ACK, new Uint8Array(0), { tcpOptions: SYN_OPTIONS }, 1);
    return this.ack('c2s');
  }

  client(data: string | Uint8Array, opts: SendOptions = {}): this {
    return this.send('c2s', data, opts);
  }

  server(data: string | Uint8Array, opts: SendOptions = {}): this {
    return this.send('s2c', data, opts);
  }

  /** Sends data as one segment, or several per opts.split / opts.mss; advances the sender's seq. */
  send(dir: Dir, data: string | Uint8Array, opts: SendOptions = {}): this {
    const bytes = bytesOf(data);
    const pieces = cutPieces(bytes.length, opts.split ?? [], opts.mss);
    pieces.forEach(([from, to], i) => {
      const flags = opts.flags ?? (i === pieces.length - 1 ? TCP.ACK | TCP.PSH : TCP.ACK);
      this.emit(dir, this.next[dir], flags, bytes.subarray(from, to), opts, to - from);
    });
    return this;
  }

  /** A pure ACK from `dir`. */
  ack(dir: Dir): this {
    this.emit(dir, this.next[dir], TCP.ACK, new Uint8Array(0), {}, 0);
    return this;
  }

  /** A FIN from `dir` only (half close). */
  fin(dir: Dir): this {
    this.emit(dir, this.next[dir], TCP.FIN | TCP.ACK, new Uint8Array(0), {}, 1);
    return this;
  }

  /** FIN from `first`, FIN-ACK from the other side, final ACK. */
  close(first: Dir = 'c2s'): this {
    return this.fin(first).fin(other(first)).ack(first);
  }

  reset(dir: Dir = 'c2s'): this {
    this.emit(dir, this.next[dir], TCP.RST | TCP.ACK, new Uint8Array(0), {}, 0);
    return this;
  }

  /** Bytes `dir` sent that the capture never saw: advances seq without a segment (a hole downstream). */
  lose(dir: Dir, data: number | string | Uint8Array): this {
    const n = typeof data === 'number' ? data : bytesOf(data).length;
    this.next[dir] = u32(this.next[dir] + n);
    return this;
  }

  /**
   * Appends a copy of an earlier segment (by index or object) with a later timestamp: a retransmission.
   * With `payload`, the copy carries those bytes instead, at the same seq: an overlap with different content.
   */
  retransmit(which: number | ScriptSegment, opts: { payload?: string | Uint8Array } = {}): this {
    const orig = typeof which === 'number' ? this.segments[which] : which;
    if (orig === undefined) throw new Error(`no segment ${String(which)} to retransmit`);
    this.segments.push({ ...orig, payload: opts.payload === undefined ? orig.payload : bytesOf(opts.payload), tsMicros: this.tick() });
    return this;
  }

  /**
   * Sends `data` at stream offset `at` of `dir` (0 is the first byte after the SYN), overlapping what was
   * already sent; the sender's next seq moves only if the segment reaches past it.
   */
  overlap(dir: Dir, at: number, data: string | Uint8Array, opts: SendOptions = {}): this {
    const bytes = bytesOf(data);
    const seq = u32(this.dataStart[dir] + at);
    const end = u32(seq + bytes.length);
    const seg = this.makeSegment(dir, seq, opts.flags ?? TCP.ACK | TCP.PSH, bytes, opts);
    this.segments.push(seg);
    if (seqAfter(end, this.next[dir])) this.next[dir] = end;
    return this;
  }

  /** Lets capture time pass (for idle timeouts and fragment expiry). */
  wait(micros: number): this {
    this.clock += micros;
    return this;
  }

  /** The seq the next segment from `dir` will carry. */
  nextSeq(dir: Dir): number {
    return this.next[dir];
  }

  /** How many stream bytes `dir` has sent so far (mod 2^32). */
  streamOffset(dir: Dir): number {
    return u32(this.next[dir] - this.dataStart[dir]);
  }

  get last(): ScriptSegment {
    const s = this.segments[this.segments.length - 1];
    if (s === undefined) throw new Error('conversation has no segments yet');
    return s;
  }

  private emit(dir: Dir, seq: number, flags: number, payload: Uint8Array, opts: SendOptions, advance: number): void {
    this.segments.push(this.makeSegment(dir, seq, flags, payload, opts));
    this.next[dir] = u32(seq + advance);
  }

  private makeSegment(dir: Dir, seq: number, flags: number, payload: Uint8Array, opts: SendOptions): ScriptSegment {
    const seg: ScriptSegment = {
      dir,
      src: dir === 'c2s' ? this.clientEnd : this.serverEnd,
      dst: dir === 'c2s' ? this.serverEnd : this.clientEnd,
      seq,
      ack: flags & TCP.ACK ? this.next[other(dir)] : 0,
      flags,
      window: this.window,
      payload,
      tsMicros: this.tick(),
    };
    if (opts.tcpOptions !== undefined) seg.tcpOptions = opts.tcpOptions;
    if (opts.ipv4Options !== undefined) seg.ipv4Options = opts.ipv4Options;
    if (opts.ipv6Ext !== undefined) seg.ipv6Ext = opts.ipv6Ext;
    return seg;
  }

  private tick(): number {
    const t = this.clock;
    this.clock += this.step;
    return t;
  }
}

function other(dir: Dir): Dir {
  return dir === 'c2s' ? 's2c' : 'c2s';
}

function u32(n: number): number {
  return n >>> 0;
}

/** a is after b in sequence space (RFC 1982 style comparison). */
function seqAfter(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

function cutPieces(length: number, split: number[], mss: number | undefined): Array<[number, number]> {
  const bounds = [0, ...split.filter((s) => s > 0 && s < length).sort((a, b) => a - b), length];
  const out: Array<[number, number]> = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    let from = bounds[i] as number;
    const to = bounds[i + 1] as number;
    if (from === to && length > 0) continue;
    if (mss !== undefined && mss > 0) {
      for (; to - from > mss; from += mss) out.push([from, from + mss]);
    }
    out.push([from, to]);
  }
  return out;
}

/** All segments of several conversations in one list, ordered by their clocks (stable: ties keep conversation order). */
export function mergeConversations(convs: readonly Conversation[]): ScriptSegment[] {
  const all = convs.flatMap((c, ci) => c.segments.map((s, si) => ({ s, ci, si })));
  all.sort((a, b) => a.s.tsMicros - b.s.tsMicros || a.ci - b.ci || a.si - b.si);
  return all.map((x) => x.s);
}

// ---------------------------------------------------------------------------------------------------
// Addresses

export function isIpv6(addr: string): boolean {
  return addr.includes(':');
}

export function ipv4Bytes(addr: string): Uint8Array {
  const parts = addr.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad IPv4 address "${addr}"`);
  return Uint8Array.from(parts);
}

export function ipv6Bytes(addr: string): Uint8Array {
  let text = addr;
  const tail: number[] = [];
  const dot = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dot !== null) {
    // An embedded IPv4 tail ("::ffff:1.2.3.4") is the last two groups.
    const v4 = ipv4Bytes(dot[1] as string);
    tail.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
    text = text.slice(0, -(dot[1] as string).length);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 address "${addr}"`);
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0] as string);
  const rest = halves.length === 2 ? parse(halves[1] as string) : [];
  const fill = 8 - tail.length - head.length - rest.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) throw new Error(`bad IPv6 address "${addr}"`);
  const groups = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest, ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** The IPv6 address an IPv4 one becomes when a build forces ipVersion 6: 2001:db8::a.b.c.d as hex groups. */
export function toIpv6(addr: string): string {
  if (isIpv6(addr)) return addr;
  const b = ipv4Bytes(addr);
  const hi = ((b[0] as number) << 8) | (b[1] as number);
  const lo = ((b[2] as number) << 8) | (b[3] as number);
  return `2001:db8::${hi.toString(16)}:${lo.toString(16)}`;
}

// ---------------------------------------------------------------------------------------------------
// IP and TCP headers

export interface DatagramOptions {
  /** Force the IP version (IPv4 addresses become toIpv6(addr) under 6). Default: from the addresses. */
  ipVersion?: 4 | 6;
  ipId?: number;
  ttl?: number;
  /** Leave the TCP checksum zero, as a capture on a host with checksum offload shows it. */
  offloadedChecksum?: boolean;
}

/** TCP header (+ options, padded to 4 bytes) + payload. Checksum zero here: tcpDatagram fills it in. */
export function tcpBytes(seg: Pick<ScriptSegment, 'src' | 'dst' | 'seq' | 'ack' | 'flags' | 'window' | 'payload' | 'tcpOptions'>): Uint8Array {
  const optLen = seg.tcpOptions === undefined ? 0 : (seg.tcpOptions.length + 3) & ~3;
  const hlen = 20 + optLen;
  const out = new Uint8Array(hlen + seg.payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, seg.src.port);
  v.setUint16(2, seg.dst.port);
  v.setUint32(4, seg.seq >>> 0);
  v.setUint32(8, seg.ack >>> 0);
  out[12] = (hlen / 4) << 4;
  out[13] = seg.flags & 0xff;
  v.setUint16(14, seg.window & 0xffff);
  if (seg.tcpOptions !== undefined) out.set(seg.tcpOptions, 20); // the pad bytes stay 0 = end of options
  out.set(seg.payload, hlen);
  return out;
}

/** The IP datagram (IPv4 or IPv6 per addresses / opts) that carries `seg`. */
export function tcpDatagram(seg: ScriptSegment, opts: DatagramOptions = {}): Uint8Array {
  const tcp = tcpBytes(seg);
  const datagram = ipDatagram({
    src: seg.src.addr,
    dst: seg.dst.addr,
    proto: 6,
    payload: tcp,
    ...(seg.ipv4Options !== undefined && { ipv4Options: seg.ipv4Options }),
    ...(seg.ipv6Ext !== undefined && { ipv6Ext: seg.ipv6Ext }),
    ...opts,
    ...(seg.ipId !== undefined && { ipId: seg.ipId }),
  });
  if (!opts.offloadedChecksum) fillTcpChecksum(datagram, datagram.length - tcp.length);
  return datagram;
}

/** RFC 793/2460 checksum over the pseudo-header and the TCP segment at `at` (the segment ends the datagram). */
function fillTcpChecksum(datagram: Uint8Array, at: number): void {
  const v6 = (datagram[0] as number) >> 4 === 6;
  const addrs = v6 ? datagram.subarray(8, 40) : datagram.subarray(12, 20);
  const length = datagram.length - at;
  let sum = 6 + (length >>> 16) + (length & 0xffff);
  const words = (b: Uint8Array) => {
    for (let i = 0; i < b.length; i += 2) sum += ((b[i] as number) << 8) | (b[i + 1] ?? 0);
  };
  words(addrs);
  words(datagram.subarray(at));
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const check = ~sum & 0xffff;
  datagram[at + 16] = check >> 8;
  datagram[at + 17] = check & 0xff;
}

/** A UDP datagram in IP: non-TCP traffic for counting tests. */
export function udpDatagram(src: string, dst: string, payload: string | Uint8Array, opts: DatagramOptions = {}): Uint8Array {
  const s = parseEndpoint(src);
  const d = parseEndpoint(dst);
  const body = bytesOf(payload);
  const udp = new Uint8Array(8 + body.length);
  const v = new DataView(udp.buffer);
  v.setUint16(0, s.port);
  v.setUint16(2, d.port);
  v.setUint16(4, udp.length);
  udp.set(body, 8);
  return ipDatagram({ src: s.addr, dst: d.addr, proto: 17, payload: udp, ...opts });
}

export interface IpDatagramSpec extends DatagramOptions {
  src: string;
  dst: string;
  proto: number;
  payload: Uint8Array;
  ipv4Options?: Uint8Array;
  ipv6Ext?: Ipv6Ext[];
}

export function ipDatagram(spec: IpDatagramSpec): Uint8Array {
  const v6 = spec.ipVersion === 6 || (spec.ipVersion === undefined && (isIpv6(spec.src) || isIpv6(spec.dst)));
  return v6 ? ipv6Datagram(spec) : ipv4Datagram(spec);
}

function ipv4Datagram(spec: IpDatagramSpec): Uint8Array {
  if (isIpv6(spec.src) || isIpv6(spec.dst)) throw new Error('IPv6 addresses cannot go in an IPv4 datagram');
  const optLen = spec.ipv4Options === undefined ? 0 : (spec.ipv4Options.length + 3) & ~3;
  const hlen = 20 + optLen;
  const out = new Uint8Array(hlen + spec.payload.length);
  const v = new DataView(out.buffer);
  out[0] = 0x40 | (hlen / 4);
  v.setUint16(2, out.length);
  v.setUint16(4, (spec.ipId ?? 0) & 0xffff);
  v.setUint16(6, 0x4000); // DF, as TCP stacks send; fragmentIpv4 clears it
  out[8] = spec.ttl ?? 64;
  out[9] = spec.proto;
  out.set(ipv4Bytes(spec.src), 12);
  out.set(ipv4Bytes(spec.dst), 16);
  if (spec.ipv4Options !== undefined) out.set(spec.ipv4Options, 20);
  out.set(spec.payload, hlen);
  return out;
}

function ipv6Datagram(spec: IpDatagramSpec): Uint8Array {
  const exts = spec.ipv6Ext ?? [];
  const extBytes = exts.map((e, i) => extHeader(e, exts[i + 1]?.type ?? spec.proto));
  const extLen = extBytes.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(40 + extLen + spec.payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x60000000);
  v.setUint16(4, extLen + spec.payload.length);
  out[6] = exts[0]?.type ?? spec.proto;
  out[7] = spec.ttl ?? 64;
  out.set(ipv6Bytes(toIpv6(spec.src)), 8);
  out.set(ipv6Bytes(toIpv6(spec.dst)), 24);
  let at = 40;
  for (const b of extBytes) {
    out.set(b, at);
    at += b.length;
  }
  out.set(spec.payload, at);
  return out;
}

function extHeader(e: Ipv6Ext, next: number): Uint8Array {
  const len = e.length ?? (e.type === 51 ? 24 : 8);
  if (len < 8 || len % 8 !== 0) throw new Error(`IPv6 extension header length ${len} is not a positive multiple of 8`);
  const out = new Uint8Array(len); // zero fill: Pad1 options, routing type 0 with no segments left, AH SPI 0
  out[0] = next;
  out[1] = e.type === 51 ? len / 4 - 2 : len / 8 - 1;
  return out;
}

/** Splits an IPv4 datagram into fragments whose total length is at most `mtu` (options copied to all). */
export function fragmentIpv4(datagram: Uint8Array, mtu: number): Uint8Array[] {
  const hlen = ((datagram[0] as number) & 0x0f) * 4;
  if (datagram.length <= mtu) return [datagram];
  const chunk = Math.floor((mtu - hlen) / 8) * 8;
  if (chunk <= 0) throw new Error(`MTU ${mtu} leaves no room for fragment data`);
  const header = datagram.subarray(0, hlen);
  const body = datagram.subarray(hlen);
  const out: Uint8Array[] = [];
  for (let off = 0; off < body.length; off += chunk) {
    const piece = body.subarray(off, Math.min(off + chunk, body.length));
    const f = new Uint8Array(hlen + piece.length);
    f.set(header, 0);
    f.set(piece, hlen);
    const v = new DataView(f.buffer);
    v.setUint16(2, f.length);
    v.setUint16(6, (off + piece.length < body.length ? 0x2000 : 0) | (off / 8));
    out.push(f);
  }
  return out;
}

/**
 * Splits an IPv6 datagram into fragments of at most `mtu` bytes, inserting a fragment header after the
 * unfragmentable part (leading hop-by-hop / routing headers).
 */
export function fragmentIpv6(datagram: Uint8Array, mtu: number, id: number): Uint8Array[] {
  if (datagram.length <= mtu) return [datagram];
  // Find the end of the unfragmentable part and the byte that names the first fragmentable header.
  let nextAt = 6;
  let at = 40;
  while (datagram[nextAt] === 0 || datagram[nextAt] === 43) {
    nextAt = at;
    at += ((datagram[at + 1] as number) + 1) * 8;
  }
  const firstFragmentable = datagram[nextAt] as number;
  const unfrag = datagram.subarray(0, at);
  const body = datagram.subarray(at);
  const chunk = Math.floor((mtu - at - 8) / 8) * 8;
  if (chunk <= 0) throw new Error(`MTU ${mtu} leaves no room for fragment data`);
  const out: Uint8Array[] = [];
  for (let off = 0; off < body.length; off += chunk) {
    const piece = body.subarray(off, Math.min(off + chunk, body.length));
    const f = new Uint8Array(at + 8 + piece.length);
    f.set(unfrag, 0);
    f[nextAt] = 44;
    const v = new DataView(f.buffer);
    v.setUint16(4, f.length - 40);
    f[at] = firstFragmentable;
    v.setUint16(at + 2, off | (off + piece.length < body.length ? 1 : 0));
    v.setUint32(at + 4, id >>> 0);
    f.set(piece, at + 8);
    out.push(f);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Link layer

export interface LinkOptions {
  link?: LinkName;
  /** 802.1Q VLAN ids, outermost first (default [100] for 'vlan', [200, 100] for 'qinq'). */
  vlanIds?: number[];
  /** Pad Ethernet frames to the 60-byte minimum, as a NIC does (default true). */
  ethernetPadding?: boolean;
  /** AF_INET6 value for 'null'/'loop' (24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS; default 30). */
  nullAf6?: 24 | 28 | 30;
  /** Write the 'null' family word big-endian (a big-endian capturing host). 'loop' is always big-endian. */
  nullBigEndian?: boolean;
  /** Link type number for 'raw' (default 101; 12 and 14 are the BSD DLT_RAW numbers). */
  rawLinkType?: 101 | 12 | 14;
}

export function linkTypeOf(opts: LinkOptions): number {
  switch (opts.link ?? 'ethernet') {
    case 'ethernet':
    case 'vlan':
    case 'qinq':
      return 1;
    case 'sll':
      return 113;
    case 'sll2':
      return 276;
    case 'raw':
      return opts.rawLinkType ?? 101;
    case 'ipv4':
      return 228;
    case 'ipv6':
      return 229;
    case 'null':
      return 0;
    case 'loop':
      return 108;
  }
}

const MAC_CLIENT = Uint8Array.of(0x02, 0, 0, 0, 0, 0x02);
const MAC_SERVER = Uint8Array.of(0x02, 0, 0, 0, 0, 0x01);

/** Wraps an IP datagram in the link header of opts.link. `dir` picks MACs / SLL packet type. */
export function frameIp(ip: Uint8Array, opts: LinkOptions = {}, dir: Dir = 'c2s'): Uint8Array {
  const v6 = (ip[0] as number) >> 4 === 6;
  const etherType = v6 ? 0x86dd : 0x0800;
  const link = opts.link ?? 'ethernet';
  switch (link) {
    case 'ethernet':
    case 'vlan':
    case 'qinq': {
      const ids = opts.vlanIds ?? (link === 'vlan' ? [100] : link === 'qinq' ? [200, 100] : []);
      const tpids = ids.map((_, i) => (link === 'qinq' && i < ids.length - 1 ? 0x88a8 : 0x8100));
      const hlen = 14 + 4 * ids.length;
      const len = opts.ethernetPadding === false ? hlen + ip.length : Math.max(60, hlen + ip.length);
      const f = new Uint8Array(len);
      const v = new DataView(f.buffer);
      f.set(dir === 'c2s' ? MAC_SERVER : MAC_CLIENT, 0);
      f.set(dir === 'c2s' ? MAC_CLIENT : MAC_SERVER, 6);
      ids.forEach((id, i) => {
        v.setUint16(12 + 4 * i, tpids[i] as number);
        v.setUint16(14 + 4 * i, id & 0x0fff);
      });
      v.setUint16(hlen - 2, etherType);
      f.set(ip, hlen);
      return f;
    }
    case 'sll': {
      const f = new Uint8Array(16 + ip.length);
      const v = new DataView(f.buffer);
      v.setUint16(0, dir === 'c2s' ? 4 : 0); // outgoing / to us: the capture runs on the client
      v.setUint16(2, 1); // ARPHRD_ETHER
      v.setUint16(4, 6);
      f.set(dir === 'c2s' ? MAC_CLIENT : MAC_SERVER, 6);
      v.setUint16(14, etherType);
      f.set(ip, 16);
      return f;
    }
    case 'sll2': {
      const f = new Uint8Array(20 + ip.length);
      const v = new DataView(f.buffer);
      v.setUint16(0, etherType);
      v.setUint32(4, 2); // interface index
      v.setUint16(8, 1); // ARPHRD_ETHER
      f[10] = dir === 'c2s' ? 4 : 0;
      f[11] = 6;
      f.set(dir === 'c2s' ? MAC_CLIENT : MAC_SERVER, 12);
      f.set(ip, 20);
      return f;
    }
    case 'raw':
      return ip;
    case 'ipv4':
      if (v6) throw new Error("link 'ipv4' cannot carry an IPv6 datagram");
      return ip;
    case 'ipv6':
      if (!v6) throw new Error("link 'ipv6' cannot carry an IPv4 datagram");
      return ip;
    case 'null':
    case 'loop': {
      const f = new Uint8Array(4 + ip.length);
      const af = v6 ? (opts.nullAf6 ?? 30) : 2;
      new DataView(f.buffer).setUint32(0, af, !(link === 'loop' || opts.nullBigEndian === true));
      f.set(ip, 4);
      return f;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Whole captures

export interface BuildOptions extends LinkOptions {
  format?: CaptureFormat;
  /** Force IPv4 or IPv6 for every segment (IPv4 addresses map through toIpv6). */
  ipVersion?: 4 | 6;
  /** Fragment every datagram longer than this IP MTU (IPv4 fragments or an IPv6 fragment header). */
  fragmentMtu?: number;
  /** Cut every frame to this many bytes; origLen keeps the length on the wire. */
  snaplen?: number;
  /** Byte order of the capture file (default little-endian). */
  bigEndian?: boolean;
  /**
   * 'list-order' (default): frames get non-decreasing times in list order (a segment keeps its own time
   * unless that would run backwards, then it gets the previous time + 1 µs), so a permuted list is a
   * reordered capture. 'recorded': every frame keeps its segment's time exactly.
   */
  timestamps?: 'list-order' | 'recorded';
}

/** The frames of a capture, as a reader would yield them (1-based index, list order). */
export function buildFrames(items: readonly CaptureItem[], opts: BuildOptions = {}): RawPacket[] {
  const linkType = linkTypeOf(opts);
  const out: RawPacket[] = [];
  let prevTs = -Infinity;
  let ipId = 1;
  const push = (frame: Uint8Array, wantTs: number | undefined, origLen?: number): void => {
    let ts = wantTs ?? (prevTs === -Infinity ? DEFAULT_START_MICROS : prevTs + 1000);
    if (opts.timestamps !== 'recorded' && ts <= prevTs) ts = prevTs + 1;
    prevTs = ts;
    const cut = opts.snaplen !== undefined && frame.length > opts.snaplen ? frame.subarray(0, opts.snaplen) : frame;
    out.push({ index: out.length + 1, tsMicros: ts, linkType, data: cut, origLen: origLen ?? frame.length });
  };
  for (const item of items) {
    if ('frame' in item) {
      push(item.frame, item.tsMicros, item.origLen);
      continue;
    }
    let ip: Uint8Array;
    let dir: Dir = 'c2s';
    let ts = item.tsMicros;
    if ('ip' in item) {
      ip = item.ip;
    } else {
      dir = item.dir;
      ip = tcpDatagram(item, { ...(opts.ipVersion !== undefined && { ipVersion: opts.ipVersion }), ipId: ipId++ });
    }
    let pieces = [ip];
    if (opts.fragmentMtu !== undefined && ip.length > opts.fragmentMtu) {
      pieces = (ip[0] as number) >> 4 === 6 ? fragmentIpv6(ip, opts.fragmentMtu, ipId++) : fragmentIpv4(ip, opts.fragmentMtu);
    }
    for (const piece of pieces) {
      push(frameIp(piece, opts, dir), ts);
      ts = prevTs + 1; // the fragments of one datagram leave back to back
    }
  }
  return out;
}

/** Capture-file bytes (via src/capture/writer.ts) of the frames buildFrames makes. */
export function buildCapture(items: readonly CaptureItem[], opts: BuildOptions = {}): Uint8Array {
  const frames = buildFrames(items, opts);
  return writeCapture(
    {
      format: opts.format ?? 'pcap',
      linkType: linkTypeOf(opts),
      ...(opts.snaplen !== undefined && { snaplen: opts.snaplen }),
      ...(opts.bigEndian !== undefined && { bigEndian: opts.bigEndian }),
    },
    frames,
  );
}

// ---------------------------------------------------------------------------------------------------
// Reading back (round-trip tests of the builder and the decoder, independent of src/capture readers)

export interface ReadBack {
  linkType: number;
  packets: RawPacket[];
}

/** Minimal reader for classic pcap (µs or ns, either byte order) and pcapng (SHB/IDB/EPB, µs). */
export function readCaptureBytes(bytes: Uint8Array): ReadBack {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packets: RawPacket[] = [];
  if (v.getUint32(0, true) === 0x0a0d0d0a) {
    const le = v.getUint32(8, true) === 0x1a2b3c4d;
    const linkTypes: number[] = [];
    for (let at = 0; at + 12 <= bytes.length; ) {
      const type = v.getUint32(at, le);
      const len = v.getUint32(at + 4, le);
      if (len < 12) throw new Error(`pcapng block of length ${len}`);
      if (type === 1) linkTypes.push(v.getUint16(at + 8, le));
      if (type === 6) {
        const ts = v.getUint32(at + 12, le) * 2 ** 32 + v.getUint32(at + 16, le);
        const capLen = v.getUint32(at + 20, le);
        packets.push({
          index: packets.length + 1,
          tsMicros: ts,
          linkType: linkTypes[v.getUint32(at + 8, le)] ?? -1,
          data: bytes.subarray(at + 28, at + 28 + capLen),
          origLen: v.getUint32(at + 24, le),
        });
      }
      at += len;
    }
    return { linkType: linkTypes[0] ?? -1, packets };
  }
  const magicLe = v.getUint32(0, true);
  const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
  const magic = v.getUint32(0, le);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error('not a pcap or pcapng file');
  const fracDiv = magic === 0xa1b23c4d ? 1000 : 1;
  const linkType = v.getUint32(20, le);
  for (let at = 24; at + 16 <= bytes.length; ) {
    const capLen = v.getUint32(at + 8, le);
    packets.push({
      index: packets.length + 1,
      tsMicros: v.getUint32(at, le) * 1e6 + Math.floor(v.getUint32(at + 4, le) / fracDiv),
      linkType,
      data: bytes.subarray(at + 16, at + 16 + capLen),
      origLen: v.getUint32(at + 12, le),
    });
    at += 16 + capLen;
  }
  return { linkType, packets };
}
