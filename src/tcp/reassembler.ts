// TCP reassembly: segments in capture order (reordered, duplicated, overlapping, lossy, wrapping at 2^32)
// in; connection life-cycle events and in-order bytes per direction out, every skipped byte counted (stream.ts).
//
// Each direction ("half") maps sequence numbers to plain stream offsets (seq.ts), so the bookkeeping below
// compares offsets with < and never meets wraparound. Offset 0 is the first data byte: the byte after the
// SYN, or, joined mid-stream, the first byte seen.
//
// Across directions, bytes are handed out in causal order: a segment's bytes wait until the other direction
// has delivered what that segment acknowledged, so a reply the capture shows before its request still comes
// out after it. Every wait is bounded (holeTimeoutMicros for holes, ackedHoleGraceMicros for bytes the
// receiver acknowledged and for waits on the other direction, the buffer cap, close, end of capture).
//
// An RST ends a connection at once, unless the capture has not yet shown bytes the RST says came before it
// (see reset()): then the connection lingers for the acked-hole grace, so that bytes the capture reordered
// behind the RST are still delivered.

import { TcpFlag, type TcpSegment } from '../decode/segment.js';
import type { Diagnostic, DiagnosticSink, Direction, Severity } from '../diag.js';
import { ActivityList, type ActivityNode, FlowTable } from './flow.js';
import { seqAdd, seqToOffset } from './seq.js';
import type { Connection, Endpoint, StreamEvent } from './stream.js';

export interface ReassemblerOptions {
  /** MSNP ports (the server side), used to tell client from server when no SYN was captured. */
  isServerPort(port: number): boolean;
  /** Out-of-order bytes held per direction; each held segment also counts 64 bytes of bookkeeping. */
  maxBufferedBytesPerDirection?: number;
  /**
   * Out-of-order bytes held over all connections together (counted as above): over it, the direction that
   * has been waiting longest has its holes skipped, so that many lossy connections cannot exhaust memory.
   */
  maxBufferedBytesTotal?: number;
  /** Connections tracked at once; at the limit the least recently active one is closed as 'evicted'. */
  maxConnections?: number;
  /** Capture time without a segment after which a connection is closed as 'idle'. */
  idleTimeoutMicros?: number;
  /** Capture time a hole may wait for its bytes before it is skipped as a gap. */
  holeTimeoutMicros?: number;
  /**
   * Capture time a hole the receiver has acknowledged (or the snaplen cut) still waits for its bytes, in case
   * the capture merely reordered them behind the ACK; then it is skipped without waiting holeTimeoutMicros.
   * Also how long bytes wait for the other direction's bytes they acknowledged.
   */
  ackedHoleGraceMicros?: number;
  /** Delivered bytes kept per direction to check retransmissions against (0 turns the check off). */
  recentBytesPerDirection?: number;
  /** Capture time a closed 4-tuple is remembered, so its retransmissions and ACKs open nothing new. */
  closedTupleTimeoutMicros?: number;
}

export const DEFAULT_REASSEMBLER_LIMITS = {
  maxBufferedBytesPerDirection: 4 * 1024 * 1024,
  maxBufferedBytesTotal: 32 * 1024 * 1024,
  maxConnections: 65_536,
  idleTimeoutMicros: 15 * 60 * 1_000_000,
  holeTimeoutMicros: 10 * 1_000_000,
  ackedHoleGraceMicros: 1_000_000,
  recentBytesPerDirection: 1024,
  closedTupleTimeoutMicros: 2 * 60 * 1_000_000,
} as const;

/** Flat counters (every value a number) so a summary can print them as they are. */
export interface ReassemblerStats {
  segments: number;
  /** Segments of no tracked connection that cannot start one (bare ACK, FIN or RST of an unknown 4-tuple). */
  ignoredSegments: number;
  /** Leftovers of a closed connection (retransmitted data, FIN or SYN, late ACKs, in-flight data after RST). */
  afterClose: number;
  connections: number;
  openConnections: number;
  bytesDelivered: number;
  /** Segments carrying only bytes already seen (and retransmitted SYNs). */
  retransmissions: number;
  /** Segments carrying some bytes already seen and some new ones. */
  overlaps: number;
  /** Segments whose bytes differ from those already seen at the same offsets (first seen is kept). */
  overlapMismatches: number;
  /** One-byte probes at next-1 (TCP keep-alive), ignored. */
  keepalives: number;
  /** Segments held back behind a hole. */
  outOfOrder: number;
  gaps: number;
  gapBytes: number;
  bufferLimitHits: number;
  /** Most out-of-order bytes (with bookkeeping) one direction held at once. */
  maxBufferedBytes: number;
  evictions: number;
  idleCloses: number;
  /** New SYNs on a 4-tuple whose connection was still open. */
  portReuses: number;
  /** Bytes past a direction's FIN, dropped. */
  bytesAfterFin: number;
}

type CloseReason = Extract<StreamEvent, { kind: 'close' }>['reason'];
/** Why a hole was given up on. */
type SkipReason = 'acked' | 'timeout' | 'buffer-limit' | CloseReason;

const SKIP_WHY: Record<SkipReason, string> = {
  acked: 'the receiver acknowledged them',
  timeout: 'waited too long for them',
  'buffer-limit': 'out-of-order buffer full',
  fin: 'connection closed',
  rst: 'connection reset',
  idle: 'connection idle',
  'end-of-capture': 'end of capture',
  evicted: 'connection evicted',
};

/** Bookkeeping cost of one held segment, so a flood of 1-byte segments is bounded too. */
const CHUNK_OVERHEAD = 64;
/** How far from a closed connection's bytes a segment still counts as one of its leftovers. */
const NEAR_WINDOW = 1 << 24;
/** An ACK further ahead than any TCP window (2^30 with scaling) is not believed. */
const MAX_ACK_AHEAD = 1 << 30;
/**
 * How far past what was seen an RST's seq or ack is believed to say bytes are missing. Reordering behind an
 * RST is a few segments; RSTs carry odd numbers (ack 0, a stale peer's) more often than other segments.
 */
const MAX_RESET_AHEAD = 1 << 20;
/** deliverContiguous: take each chunk's own frame and time instead of the segment that released it. */
const OWN_FRAME = -1;
/** Above this many chunks a splice rebuilds the array instead of spreading arguments. */
const SPLICE_SPREAD_MAX = 4096;

/** Out-of-order bytes held for one direction; held chunks never overlap each other. */
interface Chunk {
  start: number;
  end: number;
  bytes: Uint8Array;
  packet: number;
  tsMicros: number;
  /** Offset the other direction must have delivered first (what this segment acknowledged); -Infinity if none. */
  need: number;
}

/** [from, to) of a held chunk, sharing its bytes. */
function part(ch: Chunk, from: number, to: number): Chunk {
  return { start: from, end: to, bytes: ch.bytes.subarray(from - ch.start, to - ch.start), packet: ch.packet, tsMicros: ch.tsMicros, need: ch.need };
}

/** One direction of a connection. */
class Half {
  started = false;
  /** Sequence number of offset 0. */
  base = 0;
  /** The SYN's sequence number (offset -1), when a SYN or SYN-ACK told it. */
  isn = 0;
  isnKnown = false;
  /** Offset of the next byte to deliver. */
  next = 0;
  /** Offset of the FIN (= end of data), Infinity until one is seen. */
  finAt = Infinity;
  finTsMicros = 0;
  /** finAt is where an RST said this direction ended (which may count a FIN after the data), not a FIN. */
  finByReset = false;
  /** The end an RST gave this direction before it started (a sequence number), applied when it starts. */
  resetSeq: number | null = null;
  /** Highest offset known to have been sent: acknowledged by the peer, or cut by the capture's snaplen. */
  knownEnd = 0;
  /** When knownEnd last rose above next: since then the bytes at next are known sent but not seen. */
  knownSince = 0;
  /** Bytes skipped since the last data event, handed out as the next event's gapBefore. */
  gapPending = 0;
  pending: Chunk[] = [];
  /** Index of the first live chunk in `pending` (the array is compacted lazily). */
  ph = 0;
  pendingCost = 0;
  /** Ring of the last delivered bytes: offsets [next - recentLen, next) at offset % length. */
  recent: Uint8Array | null = null;
  recentLen = 0;
  /** In Reassembler.holes: bytes or the FIN wait behind a hole starting at holeAt since holeSince. */
  holed = false;
  holeAt = 0;
  holeSince = 0;

  /** The other direction of the same connection. */
  other!: Half;
  /** Bytes that acknowledged up to here of the other direction no longer wait for it (that wait timed out). */
  waived = -Infinity;

  constructor(
    readonly flow: Flow,
    readonly dir: Direction,
  ) {}

  start(baseSeq: number): void {
    this.started = true;
    this.base = baseSeq;
  }

  get finished(): boolean {
    return this.finAt !== Infinity && this.next >= this.finAt;
  }

  /** One past the last byte known of this direction: delivered, held, or up to its FIN. */
  get end(): number {
    let end = this.ph < this.pending.length ? Math.max(this.next, (this.pending[this.pending.length - 1] as Chunk).end) : this.next;
    if (this.finAt !== Infinity && this.finAt > end) end = this.finAt;
    return end;
  }

  /** Everything before offset `need` has been delivered (or this direction has ended). */
  covers(need: number): boolean {
    return need <= this.next || this.finished;
  }

  /** Bytes of this direction that acknowledged the other one up to `need` may be handed out. */
  mayDeliver(need: number): boolean {
    return need <= this.waived || this.other.covers(need);
  }
}

/** A tracked 4-tuple: a live connection, or the memory of a closed one. */
class Flow implements ActivityNode {
  activityPrev: ActivityNode | null = null;
  activityNext: ActivityNode | null = null;
  activityList: ActivityList<ActivityNode> | null = null;
  readonly c2s: Half;
  readonly s2c: Half;
  closed: CloseReason | null = null;
  lastTsMicros: number;
  lastPacket: number;
  /** An RST was seen while bytes before it were missing: the connection waits for them (Reassembler.resets). */
  resetting = false;
  resetPacket = 0;
  resetTsMicros = 0;

  // The client and server ends, copied flat for the per-packet comparisons.
  readonly clientAddr: string;
  readonly clientPort: number;
  readonly serverAddr: string;
  readonly serverPort: number;

  constructor(readonly conn: Connection) {
    this.clientAddr = conn.client.addr;
    this.clientPort = conn.client.port;
    this.serverAddr = conn.server.addr;
    this.serverPort = conn.server.port;
    this.c2s = new Half(this, 'c2s');
    this.s2c = new Half(this, 's2c');
    this.c2s.other = this.s2c;
    this.s2c.other = this.c2s;
    this.lastTsMicros = conn.firstTsMicros;
    this.lastPacket = conn.firstPacket;
  }
}

/** Stream offset `at` is near the bytes of `h` (the same connection's, not a new one's on the 4-tuple). */
function nearBytes(h: Half, at: number): boolean {
  return at > -NEAR_WINDOW && at < h.next + NEAR_WINDOW;
}

/** Both directions have ended: at their FIN, or where an RST said they ended. */
function ended(flow: Flow): boolean {
  return flow.c2s.finished && flow.s2c.finished;
}

/** The segment was sent by the flow's client (a flow whose two ends are equal counts as client to server). */
function fromClient(flow: Flow, seg: TcpSegment): boolean {
  return seg.srcPort === flow.clientPort && seg.srcAddr === flow.clientAddr;
}

/**
 * Where an RST's seq (or ack) says direction `h` ended: past its last byte known when believable, else that
 * byte. A FIN seen says it better (the RST's number is one past it, counting the FIN).
 */
function resetEnd(h: Half, seq: number): number {
  const known = h.end;
  if (!h.started || h.finAt !== Infinity) return known;
  const at = seqToOffset(seq, h.base, h.next);
  return at > known && at - h.next <= MAX_RESET_AHEAD ? at : known;
}

function newStats(): ReassemblerStats {
  return {
    segments: 0, ignoredSegments: 0, afterClose: 0, connections: 0, openConnections: 0, bytesDelivered: 0,
    retransmissions: 0, overlaps: 0, overlapMismatches: 0, keepalives: 0, outOfOrder: 0, gaps: 0, gapBytes: 0,
    bufferLimitHits: 0, maxBufferedBytes: 0, evictions: 0, idleCloses: 0, portReuses: 0, bytesAfterFin: 0,
  };
}

export class Reassembler {
  private readonly isServerPort: (port: number) => boolean;
  private readonly maxBuffered: number;
  private readonly maxBufferedTotal: number;
  /** Sum of every direction's pendingCost. */
  private bufferedTotal = 0;
  private readonly maxConnections: number;
  private readonly idleTimeout: number;
  private readonly holeTimeout: number;
  private readonly ackedGrace: number;
  private readonly recentBytes: number;
  private readonly closedTimeout: number;

  private readonly flows = new FlowTable<Flow>();
  /** Live connections, least recently active first. */
  private live = new ActivityList<Flow>();
  /** Closed 4-tuples still remembered, oldest first. */
  private closedFlows = new ActivityList<Flow>();
  /** Directions with a hole, for the hole timeout sweep. */
  private readonly holes = new Set<Half>();
  /** Connections reset while bytes before the RST were missing, oldest RST first. */
  private readonly resets = new Set<Flow>();
  /** The flow of the previous segment: consecutive segments mostly share one, and this skips the table lookup. */
  private lastHit: Flow | null = null;
  private lastId = 0;
  private readonly s = newStats();

  constructor(
    opts: ReassemblerOptions,
    private readonly diag: DiagnosticSink,
  ) {
    const d = DEFAULT_REASSEMBLER_LIMITS;
    this.isServerPort = opts.isServerPort;
    this.maxBuffered = Math.max(0, opts.maxBufferedBytesPerDirection ?? d.maxBufferedBytesPerDirection);
    this.maxBufferedTotal = Math.max(0, opts.maxBufferedBytesTotal ?? d.maxBufferedBytesTotal);
    this.maxConnections = Math.max(1, opts.maxConnections ?? d.maxConnections);
    this.idleTimeout = opts.idleTimeoutMicros ?? d.idleTimeoutMicros;
    this.holeTimeout = opts.holeTimeoutMicros ?? d.holeTimeoutMicros;
    this.ackedGrace = opts.ackedHoleGraceMicros ?? d.ackedHoleGraceMicros;
    this.recentBytes = Math.max(0, Math.floor(opts.recentBytesPerDirection ?? d.recentBytesPerDirection));
    this.closedTimeout = opts.closedTupleTimeoutMicros ?? d.closedTupleTimeoutMicros;
  }

  get stats(): Readonly<ReassemblerStats> {
    return this.s;
  }

  /** Out-of-order bytes (with bookkeeping) held over all connections now. */
  get bufferedBytes(): number {
    return this.bufferedTotal;
  }

  push(seg: TcpSegment, out: StreamEvent[]): void {
    this.s.segments++;
    const flags = seg.flags;
    const syn = (flags & TcpFlag.SYN) !== 0;
    const rst = (flags & TcpFlag.RST) !== 0;
    const fin = (flags & TcpFlag.FIN) !== 0;
    const ack = (flags & TcpFlag.ACK) !== 0;
    const hasData = seg.payload.length > 0 || seg.missingTail > 0;

    let flow: Flow | undefined;
    const hit = this.lastHit;
    if (
      hit !== null &&
      ((seg.srcPort === hit.clientPort && seg.dstPort === hit.serverPort && seg.srcAddr === hit.clientAddr && seg.dstAddr === hit.serverAddr) ||
        (seg.srcPort === hit.serverPort && seg.dstPort === hit.clientPort && seg.srcAddr === hit.serverAddr && seg.dstAddr === hit.clientAddr))
    ) {
      flow = hit;
    } else {
      flow = this.flows.get(seg.srcAddr, seg.srcPort, seg.dstAddr, seg.dstPort);
    }

    if (flow !== undefined && flow.closed !== null) {
      if (this.isLeftover(flow, seg, syn, hasData)) {
        this.s.afterClose++;
        if (seg.payload.length > 0) this.lateBytes(flow, seg);
        return;
      }
      this.forget(flow);
      flow = undefined;
    }
    if (flow !== undefined && flow.resetting && !syn && hasData && this.farFromReset(flow, seg)) {
      this.close(flow, 'rst', seg.packet, seg.tsMicros, out);
      this.forget(flow);
      flow = undefined;
    }
    if (flow !== undefined && syn && !rst && this.isNewConnection(flow, seg)) {
      if (!flow.resetting) {
        this.s.portReuses++;
        this.report('tcp.port_reuse', 'info', `new SYN on the 4-tuple of connection ${flow.conn.id}, which had not closed: closing it, opening a new connection`, flow, null, seg.packet, seg.tsMicros, { seq: seg.seq });
      }
      this.close(flow, 'idle', seg.packet, seg.tsMicros, out);
      this.forget(flow);
      flow = undefined;
    }
    if (flow === undefined) {
      if (rst || (!syn && !hasData)) {
        this.s.ignoredSegments++;
        return;
      }
      flow = this.open(seg, syn, ack, out);
    }

    this.lastHit = flow;
    flow.lastTsMicros = seg.tsMicros;
    flow.lastPacket = seg.packet;
    this.live.touch(flow);
    const h = fromClient(flow, seg) ? flow.c2s : flow.s2c;
    const o = h.other;

    if (rst) {
      this.reset(flow, h, seg, ack, out);
      return;
    }
    let dataSeq = seg.seq;
    if (syn) {
      dataSeq = seqAdd(seg.seq, 1);
      if (!h.started) {
        h.start(dataSeq);
        h.isn = seg.seq;
        h.isnKnown = true;
      } else if (!h.isnKnown && seqToOffset(dataSeq, h.base, h.next) === 0) {
        // The SYN of a side joined mid-stream at its very first byte, arriving late: now the ISN is known.
        h.isn = seg.seq;
        h.isnKnown = true;
      } else if (!h.isnKnown && h.next === 0 && h.gapPending === 0 && this.rebase(h, dataSeq)) {
        h.isn = seg.seq;
        h.isnKnown = true;
      } else if (!hasData && h.isnKnown && seg.seq === h.isn) {
        this.s.retransmissions++;
      }
      // A SYN-ACK names the client's ISN too: the client's data start even when its SYN was not captured.
      if (ack && !o.started) {
        o.start(seg.ack);
        o.isn = seqAdd(seg.ack, -1);
        o.isnKnown = true;
      }
    }
    // What this segment acknowledged of the other direction: known sent, and to be delivered before these bytes.
    let need = -Infinity;
    if (ack && o.started) {
      const acked = seqToOffset(seg.ack, o.base, o.next);
      if (acked - o.next <= MAX_ACK_AHEAD) {
        need = acked;
        this.known(o, acked, seg.tsMicros);
      }
    }
    if (hasData || fin) {
      if (!h.started) {
        h.start(dataSeq);
        if (h.resetSeq !== null) this.endAtReset(h, h.resetSeq, seg);
      }
      const at = seqToOffset(dataSeq, h.base, h.next);
      if (seg.payload.length > 0) this.data(h, at, seg.payload, seg, syn || fin, need, out);
      const end = at + seg.payload.length + seg.missingTail;
      // Bytes the snaplen cut were sent all the same: like acknowledged ones, a hole there is not waited for long.
      if (seg.missingTail > 0) this.known(h, end, seg.tsMicros);
      if (fin) this.fin(h, end, seg);
    }
    // Bytes (or the FIN) of this side may be what the other side's held bytes were waiting for.
    if (o.ph < o.pending.length) this.pump(flow, seg.packet, seg.tsMicros, out);
    this.settle(h, seg.packet, seg.tsMicros, out);
    this.settle(o, seg.packet, seg.tsMicros, out);
    // Waits are also checked on traffic, so results hardly depend on how often advanceTime runs.
    if (h.holed) this.expire(h, seg.packet, seg.tsMicros, out);
    if (o.holed) this.expire(o, seg.packet, seg.tsMicros, out);
    if (this.bufferedTotal > this.maxBufferedTotal) this.relieveTotal(seg, out);
    if (ended(flow)) this.close(flow, 'fin', seg.packet, seg.tsMicros, out);
  }

  /**
   * A SYN arriving after bytes of its side that came later in the stream (the capture reordered it behind
   * them, e.g. a server's reply ahead of its SYN-ACK), while none of those bytes has gone out yet (they
   * wait for the request they acknowledge): the stream starts at the SYN, not at the first bytes seen.
   * Every offset of `h` moves up by the distance, the other direction's waits on `h` with them.
   */
  private rebase(h: Half, start: number): boolean {
    const delta = seqToOffset(h.base, start, 0);
    if (delta <= 0 || delta >= NEAR_WINDOW) return false;
    h.base = start;
    for (let i = h.ph; i < h.pending.length; i++) {
      const ch = h.pending[i] as Chunk;
      ch.start += delta;
      ch.end += delta;
    }
    if (h.finAt !== Infinity) h.finAt += delta;
    if (h.knownEnd > 0) h.knownEnd += delta;
    const o = h.other;
    for (let i = o.ph; i < o.pending.length; i++) {
      const ch = o.pending[i] as Chunk;
      ch.need += delta;
    }
    o.waived += delta;
    this.updateHole(h, h.flow.lastTsMicros);
    return true;
  }

  /** Capture time moved on: idle connections close, stale holes are skipped, closed 4-tuples are forgotten. */
  advanceTime(tsMicros: number, out: StreamEvent[]): void {
    for (let f = this.live.coldest; f !== null && tsMicros - f.lastTsMicros >= this.idleTimeout; f = this.live.coldest) {
      this.close(f, 'idle', f.lastPacket, tsMicros, out);
    }
    for (let f = this.closedFlows.coldest; f !== null && tsMicros - f.lastTsMicros >= this.closedTimeout; f = this.closedFlows.coldest) {
      this.forget(f);
    }
    for (const h of this.holes) {
      if (h.knownEnd > h.next) this.settle(h, 0, tsMicros, out);
      this.expire(h, 0, tsMicros, out);
      const f = h.flow;
      if (f.closed === null && ended(f)) this.close(f, 'fin', f.lastPacket, tsMicros, out);
    }
    // One pass: close() deletes from the set behind the iterator.
    for (const f of this.resets) {
      if (tsMicros - f.resetTsMicros < this.ackedGrace) break;
      this.close(f, 'rst', f.resetPacket, f.resetTsMicros, out);
    }
  }

  /** End of capture: every hole becomes a gap, every connection closes as 'end-of-capture'. */
  finish(packet: number, tsMicros: number, out: StreamEvent[]): void {
    const open = this.live.toArray().sort((a, b) => a.conn.id - b.conn.id);
    for (const f of open) this.close(f, 'end-of-capture', packet, tsMicros, out);
    this.flows.clear();
    this.live = new ActivityList<Flow>();
    this.closedFlows = new ActivityList<Flow>();
    this.holes.clear();
    this.resets.clear();
    this.lastHit = null;
  }

  // ---------------------------------------------------------------------------------------------------
  // Connections

  private open(seg: TcpSegment, syn: boolean, ack: boolean, out: StreamEvent[]): Flow {
    if (this.live.size >= this.maxConnections) this.evict(seg, out);
    let srcIsClient = true;
    let clientBy: Connection['clientBy'] = 'first-packet';
    if (syn) {
      // The SYN's sender is the client; a SYN-ACK's sender is the server.
      srcIsClient = !ack;
      clientBy = 'syn';
    } else {
      const srcServer = this.isServerPort(seg.srcPort);
      if (srcServer !== this.isServerPort(seg.dstPort)) {
        srcIsClient = !srcServer;
        clientBy = 'port';
      }
    }
    const src: Endpoint = { addr: seg.srcAddr, port: seg.srcPort };
    const dst: Endpoint = { addr: seg.dstAddr, port: seg.dstPort };
    const conn: Connection = {
      id: ++this.lastId,
      client: srcIsClient ? src : dst,
      server: srcIsClient ? dst : src,
      clientBy,
      midStream: !syn,
      firstPacket: seg.packet,
      firstTsMicros: seg.tsMicros,
    };
    const flow = new Flow(conn);
    this.flows.set(seg.srcAddr, seg.srcPort, seg.dstAddr, seg.dstPort, flow);
    this.s.connections++;
    this.s.openConnections++;
    out.push({ kind: 'open', conn, packet: seg.packet, tsMicros: seg.tsMicros });
    return flow;
  }

  private evict(seg: TcpSegment, out: StreamEvent[]): void {
    const victim = this.live.coldest;
    if (victim === null) return;
    if (victim.resetting) {
      // It was only waiting after its RST for reordered bytes: no connection is lost.
      this.close(victim, 'rst', seg.packet, seg.tsMicros, out);
      return;
    }
    this.s.evictions++;
    this.report(
      'tcp.connection_limit',
      'warning',
      `${this.maxConnections} connections tracked: closing the least recently active one (connection ${victim.conn.id})`,
      victim,
      null,
      seg.packet,
      seg.tsMicros,
      { limit: this.maxConnections, evicted: victim.conn.id },
    );
    this.close(victim, 'evicted', seg.packet, seg.tsMicros, out);
  }

  /** Flushes both directions (holes become gaps), emits close, and keeps the 4-tuple in memory for leftovers. */
  private close(flow: Flow, why: CloseReason, at: number, when: number, out: StreamEvent[]): void {
    if (flow.closed !== null) return; // e.g. relieveTotal closed the flow of the segment being handled
    let reason = why;
    let packet = at;
    let tsMicros = when;
    if (flow.resetting) {
      // However the wait after the RST ends (bytes in, grace over, a new connection, end of capture), the RST ended it.
      this.resets.delete(flow);
      reason = 'rst';
      packet = flow.resetPacket;
      tsMicros = flow.resetTsMicros;
    }
    this.flush(flow, reason, packet, tsMicros, out);
    out.push({ kind: 'close', conn: flow.conn, reason, packet, tsMicros });
    flow.closed = reason;
    this.s.openConnections--;
    if (reason === 'idle') this.s.idleCloses++;
    if (reason === 'evicted' || reason === 'end-of-capture') {
      this.forget(flow);
      return;
    }
    this.live.remove(flow);
    flow.lastTsMicros = tsMicros;
    this.closedFlows.touch(flow);
    if (this.closedFlows.size > this.maxConnections) {
      const oldest = this.closedFlows.coldest;
      if (oldest !== null) this.forget(oldest);
    }
  }

  private forget(flow: Flow): void {
    if (this.flows.get(flow.clientAddr, flow.clientPort, flow.serverAddr, flow.serverPort) === flow) {
      this.flows.delete(flow.clientAddr, flow.clientPort, flow.serverAddr, flow.serverPort);
    }
    this.live.remove(flow);
    this.closedFlows.remove(flow);
    if (this.lastHit === flow) this.lastHit = null;
  }

  /**
   * A segment on a closed 4-tuple that belongs to the old connection: its retransmitted SYN, a bare ACK or FIN,
   * retransmitted data, or (after FIN or RST) data near its old bytes. Anything else starts a new connection.
   */
  private isLeftover(flow: Flow, seg: TcpSegment, syn: boolean, hasData: boolean): boolean {
    const h = fromClient(flow, seg) ? flow.c2s : flow.s2c;
    if (syn) return h.isnKnown && seg.seq === h.isn;
    if (!hasData) return true;
    if (!h.started) return false;
    const at = seqToOffset(seg.seq, h.base, h.next);
    // An idle connection may simply go on talking: only its retransmissions are leftovers.
    if (flow.closed === 'idle') return at + seg.payload.length <= h.next;
    return nearBytes(h, at);
  }

  /**
   * A segment of a closed connection that carries bytes it never delivered (typically data the capture
   * reordered behind the RST): they are dropped, and said so. Retransmissions of delivered bytes are not.
   */
  private lateBytes(flow: Flow, seg: TcpSegment): void {
    const h = fromClient(flow, seg) ? flow.c2s : flow.s2c;
    if (!h.started) return;
    const at = seqToOffset(seg.seq, h.base, h.next);
    const end = Math.min(at + seg.payload.length, h.finAt);
    const from = Math.max(at, h.next);
    if (end <= from) return;
    this.report(
      'tcp.data_after_close',
      'warning',
      `${end - from} bytes at stream offset ${from} arrived after the connection closed (${flow.closed}): dropped`,
      flow,
      h.dir,
      seg.packet,
      seg.tsMicros,
      { bytes: end - from, offset: from, closed: flow.closed },
    );
  }

  /**
   * An RST from `h`'s side. Its seq is where its sender's bytes ended, its ack where the peer's had got to.
   * When the capture has shown all of those (and nothing is held behind a hole), the connection closes now.
   * Otherwise the missing bytes may only be reordered behind the RST (captures on multi-queue NICs, merged
   * captures): each direction ends where the RST says (or at its last byte known), and the connection closes
   * once both have delivered that far, or after the acked-hole grace, whichever is first (for a side not seen
   * yet, or the peer of an RST without ACK, nothing says how far: the grace). Later bytes past those ends are
   * dropped as after a FIN.
   */
  private reset(flow: Flow, h: Half, seg: TcpSegment, ack: boolean, out: StreamEvent[]): void {
    if (flow.resetting) return; // a repeated RST: the first one's ends stand
    const o = h.other;
    // Joined mid-stream, a side not seen yet may have bytes reordered behind the RST too: the RST names its
    // end (seq) or acknowledged some of it, but where its stream starts is unknown until its bytes come.
    // (With the handshake captured, a side not started sent nothing: a refused SYN closes at once.)
    const mid = flow.conn.midStream;
    // An RST without ACK answers a segment of the peer that acknowledged up to the RST's seq: if none such
    // has been seen, that segment (and the bytes it carried) may still come.
    const unseen = (mid && !h.started) || (ack ? mid && !o.started : h.started && seqToOffset(seg.seq, h.base, h.next) > h.knownEnd);
    if (
      !unseen &&
      resetEnd(h, seg.seq) <= h.next &&
      (!ack || resetEnd(o, seg.ack) <= o.next) &&
      h.ph === h.pending.length &&
      o.ph === o.pending.length
    ) {
      this.close(flow, 'rst', seg.packet, seg.tsMicros, out);
      return;
    }
    flow.resetting = true;
    flow.resetPacket = seg.packet;
    flow.resetTsMicros = seg.tsMicros;
    this.resets.add(flow);
    this.endAtReset(h, seg.seq, seg);
    // Without an ACK nothing says where the peer's bytes end: they are taken until the grace is over.
    if (ack) this.endAtReset(o, seg.ack, seg);
    this.updateHole(h, seg.tsMicros);
    this.updateHole(o, seg.tsMicros);
  }

  /** Ends `h` where the RST's `seq` says it ended; a side not started yet gets that end when its first bytes come. */
  private endAtReset(h: Half, seq: number, seg: TcpSegment): void {
    if (!h.started) {
      h.resetSeq = seq;
      return;
    }
    if (h.finAt !== Infinity) return;
    this.fin(h, resetEnd(h, seq), seg);
    h.finByReset = true;
  }

  /** Segment data of a connection waiting after its RST, far from its bytes: a new connection on the same 4-tuple. */
  private farFromReset(flow: Flow, seg: TcpSegment): boolean {
    const h = fromClient(flow, seg) ? flow.c2s : flow.s2c;
    if (!h.started) return false;
    return !nearBytes(h, seqToOffset(seg.seq, h.base, h.next));
  }

  private isNewConnection(flow: Flow, seg: TcpSegment): boolean {
    const h = fromClient(flow, seg) ? flow.c2s : flow.s2c;
    const o = h.other;
    if (h.isnKnown) return seg.seq !== h.isn;
    if (!h.started) {
      // The other side's SYN was seen: this is the answer to it (or a simultaneous open).
      if (!flow.conn.midStream) return false;
      // Joined mid-stream: a late SYN-ACK still acknowledges the other side's ISN, just before its first byte seen.
      if ((seg.flags & TcpFlag.ACK) === 0 || !o.started) return true;
      const acked = seqToOffset(seg.ack, o.base, 0);
      return !(acked <= 0 && acked > -NEAR_WINDOW);
    }
    // Joined mid-stream: a SYN just before the first byte seen is this connection's own, arriving late.
    const first = seqToOffset(seqAdd(seg.seq, 1), h.base, 0);
    return !(first <= 0 && first > -NEAR_WINDOW);
  }

  // ---------------------------------------------------------------------------------------------------
  // Bytes of one direction, and the order between the two

  /**
   * Bytes [at, at+len) of `h`. `need` is the offset of the other direction this segment acknowledged: its bytes
   * are not handed out before the other direction has delivered that far, so a reply never overtakes its
   * request when the capture reordered them.
   */
  private data(h: Half, at: number, payload: Uint8Array, seg: TcpSegment, synOrFin: boolean, need: number, out: StreamEvent[]): void {
    let a = at;
    let b = payload;
    let e = a + b.length;
    if (e > h.finAt) {
      const from = Math.max(a, h.finAt);
      this.afterFin(h, from, e - from, seg.packet, seg.tsMicros);
      if (a >= h.finAt) return;
      b = b.subarray(0, h.finAt - a);
      e = h.finAt;
    }
    if (e <= h.next) {
      // A keep-alive probe repeats the byte before next (often with junk in it): not a retransmission to check.
      if (b.length === 1 && e === h.next && !synOrFin) {
        this.s.keepalives++;
        return;
      }
      this.s.retransmissions++;
      this.checkDelivered(h, a, b, seg);
      return;
    }
    if (a < h.next) {
      this.s.overlaps++;
      this.checkDelivered(h, a, b.subarray(0, h.next - a), seg);
      b = b.subarray(h.next - a);
      a = h.next;
    }
    const ready = a === h.next && h.mayDeliver(need);
    if (h.ph === h.pending.length) {
      if (ready) {
        // The hot path: in order, nothing held back; the view is handed out as it is.
        this.emitData(h, b, seg.packet, seg.tsMicros, out);
        return;
      }
      if (a > h.next) this.s.outOfOrder++;
      this.hold(h, a, b.slice(), seg, need);
    } else if (ready && e <= (h.pending[h.ph] as Chunk).start) {
      // Fills (part of) the front hole without touching held bytes: no merge needed.
      this.emitData(h, b, seg.packet, seg.tsMicros, out);
      this.pump(h.flow, seg.packet, seg.tsMicros, out);
      return;
    } else {
      this.insert(h, a, b, seg, need);
      if (a === h.next) this.pump(h.flow, seg.packet, seg.tsMicros, out);
    }
    if (h.pendingCost > this.maxBuffered) this.relieve(h, seg, out);
  }

  private hold(h: Half, start: number, bytes: Uint8Array, seg: TcpSegment, need: number): void {
    h.pending.push({ start, end: start + bytes.length, bytes, packet: seg.packet, tsMicros: seg.tsMicros, need });
    this.cost(h, bytes.length + CHUNK_OVERHEAD);
    if (h.pendingCost > this.s.maxBufferedBytes) this.s.maxBufferedBytes = h.pendingCost;
  }

  /**
   * Adds [a, a+len) to the held chunks where they have nothing yet (as copies); where they do, the bytes held
   * first are kept and compared, and the earlier of the two ordering constraints is kept.
   */
  private insert(h: Half, a: number, b: Uint8Array, seg: TcpSegment, need: number): void {
    const p = h.pending;
    const e = a + b.length;
    const last = p[p.length - 1] as Chunk;
    if (last.end <= a) {
      if (a > h.next) this.s.outOfOrder++;
      this.hold(h, a, b.slice(), seg, need);
      return;
    }
    let lo = h.ph;
    let hi = p.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((p[mid] as Chunk).end <= a) lo = mid + 1;
      else hi = mid;
    }
    const merged: Chunk[] = [];
    let cursor = a;
    let added = 0;
    let overlapped = 0;
    let differing = 0;
    let firstDiff = -1;
    let split = false;
    let i = lo;
    const piece = (from: number, to: number): void => {
      merged.push({ start: from, end: to, bytes: b.slice(from - a, to - a), packet: seg.packet, tsMicros: seg.tsMicros, need });
      this.cost(h, to - from + CHUNK_OVERHEAD);
      added += to - from;
    };
    for (; i < p.length; i++) {
      const ch = p[i] as Chunk;
      if (ch.start >= e) break;
      if (ch.start > cursor) piece(cursor, ch.start);
      const os = Math.max(cursor, ch.start);
      const oe = Math.min(e, ch.end);
      for (let k = os; k < oe; k++) {
        if (b[k - a] !== ch.bytes[k - ch.start]) {
          if (firstDiff < 0) firstDiff = k;
          differing++;
        }
      }
      overlapped += oe - os;
      if (need < ch.need && (os > ch.start || oe < ch.end)) {
        // Another copy of some of these bytes, sent earlier (it acknowledged less): those bytes, and only
        // those, may go out sooner. Split the chunk so the rest keeps its own wait.
        if (os > ch.start) merged.push(part(ch, ch.start, os));
        merged.push({ ...part(ch, os, oe), need });
        if (oe < ch.end) merged.push(part(ch, oe, ch.end));
        this.cost(h, CHUNK_OVERHEAD * ((os > ch.start ? 1 : 0) + (oe < ch.end ? 1 : 0)));
        split = true;
      } else {
        if (need < ch.need) ch.need = need;
        merged.push(ch);
      }
      cursor = oe;
    }
    if (cursor < e) piece(cursor, e);
    if (added > 0 || split) {
      if (merged.length <= SPLICE_SPREAD_MAX) p.splice(lo, i - lo, ...merged);
      else h.pending = p.slice(0, lo).concat(merged, p.slice(i));
      if (h.pendingCost > this.s.maxBufferedBytes) this.s.maxBufferedBytes = h.pendingCost;
    }
    if (added === 0) this.s.retransmissions++;
    else if (overlapped > 0) this.s.overlaps++;
    if (added > 0 && a > h.next) this.s.outOfOrder++;
    if (differing > 0) this.mismatch(h, firstDiff, overlapped, differing, seg);
  }

  /** Hands out what both directions can deliver now, until neither can: one side's bytes may free the other's. */
  private pump(flow: Flow, packet: number, tsMicros: number, out: StreamEvent[]): void {
    for (;;) {
      const c2s = this.deliverContiguous(flow.c2s, packet, tsMicros, out);
      const s2c = this.deliverContiguous(flow.s2c, packet, tsMicros, out);
      if (!c2s && !s2c) return;
    }
  }

  /** Hands out held chunks that follow on from next and whose ordering constraint is met. */
  private deliverContiguous(h: Half, packet: number, tsMicros: number, out: StreamEvent[]): boolean {
    const p = h.pending;
    let progressed = false;
    while (h.ph < p.length) {
      const ch = p[h.ph] as Chunk;
      if (ch.start > h.next || !h.mayDeliver(ch.need)) break;
      h.ph++;
      this.cost(h, -(ch.bytes.length + CHUNK_OVERHEAD));
      if (ch.end <= h.next) continue;
      const bytes = ch.start < h.next ? ch.bytes.subarray(h.next - ch.start) : ch.bytes;
      if (packet === OWN_FRAME) this.emitData(h, bytes, ch.packet, ch.tsMicros, out);
      else this.emitData(h, bytes, packet, tsMicros, out);
      progressed = true;
    }
    if (h.ph === p.length) {
      p.length = 0;
      h.ph = 0;
    } else if (h.ph > 64 && h.ph * 2 > p.length) {
      p.splice(0, h.ph);
      h.ph = 0;
    }
    return progressed;
  }

  private emitData(h: Half, bytes: Uint8Array, packet: number, tsMicros: number, out: StreamEvent[]): void {
    out.push({ kind: 'data', conn: h.flow.conn, dir: h.dir, bytes, gapBefore: h.gapPending, packet, tsMicros });
    h.gapPending = 0;
    if (this.recentBytes > 0) this.remember(h, bytes);
    h.next += bytes.length;
    this.s.bytesDelivered += bytes.length;
  }

  /**
   * Copies the tail of delivered bytes into a small per-direction ring. A copy, not a view: a view would pin
   * its whole capture read block for as long as the connection stays quiet.
   */
  private remember(h: Half, bytes: Uint8Array): void {
    const size = this.recentBytes;
    let ring = h.recent;
    if (ring === null) ring = h.recent = new Uint8Array(size);
    const n = bytes.length;
    let src = bytes;
    let at = h.next;
    if (n > size) {
      src = bytes.subarray(n - size);
      at += n - size;
    }
    const pos = at % size;
    const room = size - pos;
    if (src.length <= room) {
      ring.set(src, pos);
    } else {
      ring.set(src.subarray(0, room), pos);
      ring.set(src.subarray(room), 0);
    }
    h.recentLen = Math.min(size, h.recentLen + n);
  }

  /** Compares bytes at offsets [a, a+len) below next with the recently delivered ones still in the ring. */
  private checkDelivered(h: Half, a: number, b: Uint8Array, seg: TcpSegment): void {
    const ring = h.recent;
    if (ring === null || h.recentLen === 0) return;
    const from = Math.max(a, h.next - h.recentLen);
    const to = Math.min(a + b.length, h.next);
    const size = ring.length;
    let differing = 0;
    let firstDiff = -1;
    for (let k = from; k < to; k++) {
      if (b[k - a] !== ring[k % size]) {
        if (firstDiff < 0) firstDiff = k;
        differing++;
      }
    }
    if (differing > 0) this.mismatch(h, firstDiff, to - from, differing, seg);
  }

  private mismatch(h: Half, offset: number, overlapped: number, differing: number, seg: TcpSegment): void {
    this.s.overlapMismatches++;
    this.report(
      'tcp.overlap_mismatch',
      'warning',
      `${differing} of ${overlapped} re-sent bytes from stream offset ${offset} differ from the bytes seen first (kept those)`,
      h.flow,
      h.dir,
      seg.packet,
      seg.tsMicros,
      { offset, bytes: overlapped, differing },
    );
  }

  private fin(h: Half, at: number, seg: TcpSegment): void {
    if (at < h.next) return; // before bytes already delivered: a stale FIN, not this stream's end
    if (h.finAt !== Infinity) {
      // A retransmitted FIN, or a conflicting one: the first stands. But an RST sent after a FIN has the FIN's
      // sequence number + 1: a FIN the capture reordered behind it says where the data really ended.
      if (!h.finByReset || at >= h.finAt) return;
      h.finByReset = false;
    }
    h.finAt = at;
    h.finTsMicros = seg.tsMicros;
    // Held bytes past the FIN cannot be stream data.
    const p = h.pending;
    let cut = 0;
    while (p.length > h.ph) {
      const ch = p[p.length - 1] as Chunk;
      if (ch.end <= at) break;
      if (ch.start >= at) {
        p.pop();
        cut += ch.end - ch.start;
        this.cost(h, -(ch.bytes.length + CHUNK_OVERHEAD));
      } else {
        cut += ch.end - at;
        this.cost(h, -(ch.end - at));
        ch.bytes = ch.bytes.subarray(0, at - ch.start);
        ch.end = at;
        break;
      }
    }
    if (h.ph === p.length) {
      p.length = 0;
      h.ph = 0;
    }
    if (cut > 0) this.afterFin(h, at, cut, seg.packet, seg.tsMicros);
  }

  private afterFin(h: Half, offset: number, bytes: number, packet: number, tsMicros: number): void {
    this.s.bytesAfterFin += bytes;
    const end = h.finByReset ? 'the end the RST gave' : 'the FIN';
    this.report('tcp.data_after_fin', 'warning', `${bytes} bytes past ${end} (stream offset ${offset}) dropped`, h.flow, h.dir, packet, tsMicros, { offset, bytes });
  }

  private known(h: Half, end: number, tsMicros: number): void {
    if (end <= h.knownEnd) return;
    if (h.knownEnd <= h.next) h.knownSince = tsMicros;
    h.knownEnd = end;
  }

  /**
   * Skips holes the receiver acknowledged (or the snaplen cut) once something after them was seen and the grace
   * for late, reordered copies has passed.
   */
  private settle(h: Half, packet: number, tsMicros: number, out: StreamEvent[]): void {
    while (h.knownEnd > h.next && tsMicros - h.knownSince >= this.ackedGrace) {
      let target: number;
      if (h.ph < h.pending.length) target = Math.min(h.knownEnd, (h.pending[h.ph] as Chunk).start);
      else if (h.finAt !== Infinity) target = Math.min(h.knownEnd, h.finAt);
      else break; // nothing seen after the hole yet: the next segment (or the close) settles it
      if (target <= h.next) break; // the front chunk waits for the other direction, not for a hole
      this.skip(h, target, 'acked', packet, tsMicros);
      this.pump(h.flow, OWN_FRAME, 0, out);
    }
    this.updateHole(h, tsMicros);
  }

  /** The out-of-order buffer is over its cap: give up holes (and waits on the other direction) until it is not. */
  private relieve(h: Half, seg: TcpSegment, out: StreamEvent[]): void {
    this.s.bufferLimitHits++;
    this.report(
      'tcp.buffer_limit',
      'warning',
      `${h.pendingCost} out-of-order bytes held (limit ${this.maxBuffered}): skipping the hole before them`,
      h.flow,
      h.dir,
      seg.packet,
      seg.tsMicros,
      { buffered: h.pendingCost, limit: this.maxBuffered },
    );
    while (h.pendingCost > this.maxBuffered && h.ph < h.pending.length) {
      this.unblock(h, 'buffer-limit', seg.packet, seg.tsMicros);
      this.pump(h.flow, OWN_FRAME, 0, out);
    }
  }

  /**
   * All connections together hold too many out-of-order bytes: give up on the directions that started
   * waiting first (`holes` keeps that order), skipping their holes until the total is under the cap.
   */
  private relieveTotal(seg: TcpSegment, out: StreamEvent[]): void {
    // One pass: a Set iterator goes on past entries deleted behind it.
    for (const h of this.holes) {
      if (this.bufferedTotal <= this.maxBufferedTotal) return;
      if (h.ph === h.pending.length) continue; // only a FIN waits here: nothing held
      this.s.bufferLimitHits++;
      this.report(
        'tcp.total_buffer_limit',
        'warning',
        `${this.bufferedTotal} out-of-order bytes held over all connections (limit ${this.maxBufferedTotal}): skipping the holes of the direction that has waited longest`,
        h.flow,
        h.dir,
        seg.packet,
        seg.tsMicros,
        { buffered: this.bufferedTotal, limit: this.maxBufferedTotal },
      );
      const flow = h.flow;
      while (this.bufferedTotal > this.maxBufferedTotal && h.ph < h.pending.length) {
        this.unblock(h, 'buffer-limit', seg.packet, seg.tsMicros);
        this.pump(flow, OWN_FRAME, 0, out);
      }
      // The other direction's held bytes may have been waiting for these.
      this.updateHole(flow.c2s, seg.tsMicros);
      this.updateHole(flow.s2c, seg.tsMicros);
      if (ended(flow)) this.close(flow, 'fin', seg.packet, seg.tsMicros, out);
    }
  }

  /** Changes what `h` holds, and the total over all connections with it. */
  private cost(h: Half, delta: number): void {
    h.pendingCost += delta;
    this.bufferedTotal += delta;
  }

  /**
   * Moves the front of `h` on: skips the hole before its first held chunk, or stops waiting for the other side's
   * bytes that chunk acknowledged (and so for everything else of `h` that acknowledged no more).
   */
  private unblock(h: Half, reason: SkipReason, packet: number, tsMicros: number): void {
    const front = h.pending[h.ph] as Chunk;
    if (front.start > h.next) this.skip(h, front.start, reason, packet, tsMicros);
    else if (front.need > h.waived) h.waived = front.need;
  }

  /**
   * Gives up on what has waited too long: a hole after holeTimeout, a chunk waiting for the other direction after
   * the acked-hole grace (the other side's bytes it acknowledged are missing, or arrive far too late).
   */
  private expire(h: Half, packet: number, tsMicros: number, out: StreamEvent[]): void {
    // Bytes of the other direction may have freed this one since it was last looked at.
    this.updateHole(h, tsMicros);
    while (h.holed) {
      const front = h.pending[h.ph];
      const waiting = front !== undefined && front.start <= h.next;
      if (tsMicros - h.holeSince < (waiting ? this.ackedGrace : this.holeTimeout)) return;
      if (front !== undefined) this.unblock(h, 'timeout', packet, tsMicros);
      else this.skip(h, h.finAt, 'timeout', packet, tsMicros);
      this.pump(h.flow, OWN_FRAME, 0, out);
      this.updateHole(h, tsMicros);
      // The front stays put when it was only waiting; its successors keep the same wait.
      if (waiting) h.holeSince = tsMicros;
    }
  }

  private skip(h: Half, target: number, reason: SkipReason, packet: number, tsMicros: number): void {
    const bytes = target - h.next;
    this.s.gaps++;
    this.s.gapBytes += bytes;
    this.report('tcp.gap', 'warning', `${bytes} bytes at stream offset ${h.next} never seen, skipped (${SKIP_WHY[reason]})`, h.flow, h.dir, packet, tsMicros, {
      bytes,
      offset: h.next,
      reason,
    });
    h.gapPending += bytes;
    h.next = target;
    // The ring holds bytes just below next; after a jump they are no longer there.
    h.recentLen = 0;
  }

  /** Tracks whether bytes or the FIN wait (behind a hole, or for the other direction), and since when. */
  private updateHole(h: Half, tsMicros: number): void {
    const has = h.ph < h.pending.length || (h.finAt !== Infinity && h.next < h.finAt);
    if (!has) {
      if (h.holed) {
        h.holed = false;
        this.holes.delete(h);
      }
      return;
    }
    if (!h.holed) {
      h.holed = true;
      h.holeAt = h.next;
      h.holeSince = tsMicros;
      this.holes.add(h);
    } else if (h.holeAt !== h.next) {
      // A new front hole: its wait started when the bytes right after it arrived.
      h.holeAt = h.next;
      h.holeSince = h.ph < h.pending.length ? (h.pending[h.ph] as Chunk).tsMicros : h.finTsMicros;
    }
  }

  /**
   * At close: every hole (and bytes known sent but never seen at the end) becomes a gap, every wait on the other
   * direction ends, in the order the stuck bytes arrived; buffers are freed.
   */
  private flush(flow: Flow, reason: CloseReason, packet: number, tsMicros: number, out: StreamEvent[]): void {
    const { c2s, s2c } = flow;
    for (;;) {
      this.pump(flow, OWN_FRAME, 0, out);
      const a = c2s.pending[c2s.ph];
      const b = s2c.pending[s2c.ph];
      if (a === undefined && b === undefined) break;
      const h = b === undefined || (a !== undefined && a.packet <= b.packet) ? c2s : s2c;
      this.unblock(h, reason, packet, tsMicros);
    }
    for (const h of [c2s, s2c]) {
      if (!h.started) continue;
      const end = h.finAt !== Infinity ? h.finAt : h.knownEnd;
      if (end > h.next) this.skip(h, end, reason, packet, tsMicros);
      if (h.gapPending > 0) {
        out.push({ kind: 'gap', conn: flow.conn, dir: h.dir, bytes: h.gapPending, packet, tsMicros });
        h.gapPending = 0;
      }
      h.pending = [];
      h.ph = 0;
      this.cost(h, -h.pendingCost);
      h.recent = null;
      h.recentLen = 0;
      if (h.holed) {
        h.holed = false;
        this.holes.delete(h);
      }
    }
  }

  private report(
    code: string,
    severity: Severity,
    message: string,
    flow: Flow,
    dir: Direction | null,
    packet: number,
    tsMicros: number,
    details: Diagnostic['details'],
  ): void {
    const d: Diagnostic = { code, severity, message, packet, tsMicros, conn: flow.conn.id };
    if (dir !== null) d.dir = dir;
    if (details !== undefined) d.details = details;
    this.diag(d);
  }
}
