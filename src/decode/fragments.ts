// IP fragment reassembly for IPv4 and IPv6: collects fragments per datagram key, rebuilds the payload
// when every byte is present (first arrival wins on overlap), and bounds memory by bytes and by age.

import type { DiagnosticSink } from '../diag.js';

export interface FragmentLimits {
  /** Bytes held in all incomplete datagrams together; the oldest datagrams are dropped past it. */
  maxFragmentBytes: number;
  /** An incomplete datagram older than this (capture time) is dropped. */
  fragmentTimeoutMicros: number;
}

// 4 MiB holds dozens of maximal datagrams; 30 s is Linux's ipfrag_time.
export const DEFAULT_FRAGMENT_LIMITS: FragmentLimits = { maxFragmentBytes: 4 * 1024 * 1024, fragmentTimeoutMicros: 30_000_000 };

/** The largest datagram payload an IP header can describe (offset field + one fragment). */
const MAX_DATAGRAM = 65535;
/** Completed datagrams remembered so a late duplicate fragment is not taken for a new datagram. */
const MAX_REMEMBERED = 1024;

interface Piece {
  offset: number;
  bytes: Uint8Array;
}

interface Pending {
  firstTsMicros: number;
  firstPacket: number;
  pieces: Piece[];
  bytes: number;
  /** Payload length, known once the fragment without "more fragments" arrived; -1 until then. */
  total: number;
  /** Upper-layer protocol announced by the offset-0 fragment (IPv6 puts it there); -1 until seen. */
  firstProto: number;
}

export interface FragmentCounters {
  malformed: number;
  fragmentsReassembled: number;
  fragmentsExpired: number;
  fragmentsDropped: number;
  /** Fragments of a datagram already reassembled (duplicates on the wire or in the capture). */
  fragmentsDuplicate: number;
}

interface Completed {
  total: number;
  tsMicros: number;
}

export class FragmentReassembler {
  private readonly pending = new Map<string, Pending>();
  // Without this, a fragment duplicated after its datagram completed would open a datagram that can
  // never complete and end in a spurious expiry warning: output would depend on duplication.
  private readonly completed = new Map<string, Completed>();
  private heldBytes = 0;
  /** Protocol of the last datagram add() completed (meaningful right after a non-null add()). */
  completedProto = -1;

  constructor(
    private readonly limits: FragmentLimits,
    private readonly diag: DiagnosticSink,
    private readonly counters: FragmentCounters,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * Adds one fragment. Returns the whole reassembled payload when this fragment completed its datagram,
   * else null. `bytes` is copied: it is a view into the capture's read buffer. `declaredLength` is the
   * fragment's length per its IP header; when snaplen cut `bytes` shorter, the hole never fills and the
   * datagram expires rather than completing short.
   */
  add(key: string, offset: number, bytes: Uint8Array, declaredLength: number, more: boolean, proto: number, packet: number, tsMicros: number): Uint8Array | null {
    if (offset + declaredLength > MAX_DATAGRAM) {
      this.counters.malformed++;
      this.diag({
        code: 'decode.malformed',
        severity: 'warning',
        message: `IP fragment at offset ${offset} (+${declaredLength} bytes) runs past the largest possible datagram`,
        packet,
        tsMicros,
      });
      return null;
    }
    let p = this.pending.get(key);
    if (p === undefined && this.isLateDuplicate(key, offset + declaredLength, tsMicros)) {
      this.counters.fragmentsDuplicate++;
      return null;
    }
    if (p === undefined) {
      p = { firstTsMicros: tsMicros, firstPacket: packet, pieces: [], bytes: 0, total: -1, firstProto: -1 };
      this.pending.set(key, p);
    }
    if (!more && p.total < 0) p.total = offset + declaredLength;
    if (offset === 0 && p.firstProto < 0) p.firstProto = proto;
    if (bytes.length > 0) {
      p.pieces.push({ offset, bytes: bytes.slice() });
      p.bytes += bytes.length;
      this.heldBytes += bytes.length;
    }
    const whole = this.complete(p);
    if (whole !== null) {
      this.forget(key, p);
      this.remember(key, p.total, tsMicros);
      this.counters.fragmentsReassembled++;
      this.completedProto = p.firstProto;
      return whole;
    }
    this.enforceByteLimit(key, tsMicros);
    return null;
  }

  /** Drops datagrams whose first fragment is older than the timeout at `nowMicros`. */
  expire(nowMicros: number): void {
    // Map order is first-arrival order, so the oldest datagrams are at the front.
    for (const [key, p] of this.pending) {
      if (nowMicros - p.firstTsMicros <= this.limits.fragmentTimeoutMicros) break;
      this.drop(key, p, 'ip.fragment_expired', `incomplete IP datagram expired: still missing fragments after ${this.limits.fragmentTimeoutMicros / 1e6} s`, nowMicros);
      this.counters.fragmentsExpired++;
    }
  }

  /** End of capture: every incomplete datagram is reported and dropped. */
  flush(nowMicros: number): void {
    for (const [key, p] of this.pending) {
      this.drop(key, p, 'ip.fragment_expired', 'incomplete IP datagram: still missing fragments at the end of the capture', nowMicros);
      this.counters.fragmentsExpired++;
    }
  }

  private isLateDuplicate(key: string, end: number, tsMicros: number): boolean {
    const c = this.completed.get(key);
    if (c === undefined) return false;
    // Same key long after, or reaching past the old datagram: the sender reused the IP id.
    if (tsMicros - c.tsMicros > this.limits.fragmentTimeoutMicros || end > c.total) {
      this.completed.delete(key);
      return false;
    }
    return true;
  }

  private remember(key: string, total: number, tsMicros: number): void {
    this.completed.delete(key);
    this.completed.set(key, { total, tsMicros });
    if (this.completed.size > MAX_REMEMBERED) {
      const oldest = this.completed.keys().next();
      if (oldest.done !== true) this.completed.delete(oldest.value);
    }
  }

  private enforceByteLimit(currentKey: string, tsMicros: number): void {
    for (const [key, p] of this.pending) {
      if (this.heldBytes <= this.limits.maxFragmentBytes) return;
      // The datagram being built right now goes last: dropping it first would keep older, staler ones.
      if (key === currentKey && this.pending.size > 1) continue;
      this.drop(key, p, 'ip.fragment_limit', `incomplete IP datagram dropped: fragment buffer over ${this.limits.maxFragmentBytes} bytes`, tsMicros);
      this.counters.fragmentsDropped++;
    }
    if (this.heldBytes > this.limits.maxFragmentBytes) {
      const p = this.pending.get(currentKey);
      if (p !== undefined) {
        this.drop(currentKey, p, 'ip.fragment_limit', `IP datagram dropped: larger than the fragment buffer (${this.limits.maxFragmentBytes} bytes)`, tsMicros);
        this.counters.fragmentsDropped++;
      }
    }
  }

  /**
   * Reports a dropped datagram against its first fragment's packet (where a user would look in a
   * packet viewer); `droppedAtMicros` says when capture time ran out for it.
   */
  private drop(key: string, p: Pending, code: string, message: string, droppedAtMicros: number): void {
    this.forget(key, p);
    this.diag({
      code,
      severity: 'warning',
      message: `${message} (${p.pieces.length} fragments, ${p.bytes} bytes held)`,
      packet: p.firstPacket,
      tsMicros: p.firstTsMicros,
      details: { fragments: p.pieces.length, bytes: p.bytes, droppedAtMicros },
    });
  }

  private forget(key: string, p: Pending): void {
    this.pending.delete(key);
    this.heldBytes -= p.bytes;
  }

  /** The reassembled payload if the pieces cover [0, total) without a hole, else null. */
  private complete(p: Pending): Uint8Array | null {
    if (p.total < 0) return null;
    const sorted = p.pieces.slice().sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const piece of sorted) {
      if (piece.offset > covered) return null;
      const end = piece.offset + piece.bytes.length;
      if (end > covered) covered = end;
      if (covered >= p.total) break;
    }
    if (covered < p.total) return null;
    const out = new Uint8Array(p.total);
    // Write latest arrival first so earlier arrivals overwrite overlaps: first wins.
    for (let i = p.pieces.length - 1; i >= 0; i--) {
      const piece = p.pieces[i] as Piece;
      if (piece.offset >= p.total) continue;
      const room = p.total - piece.offset;
      out.set(piece.bytes.length > room ? piece.bytes.subarray(0, room) : piece.bytes, piece.offset);
    }
    return out;
  }
}
