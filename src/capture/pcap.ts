// Classic pcap (libpcap) files: µs and ns magic, either byte order, and the "modified" (Kuznetzov)
// variant with 24-byte record headers. Walks records in place; damage becomes diagnostics, never throws.

import type { DiagnosticSink } from '../diag.js';
import type { RawPacket } from './packet.js';
import { Candidate, type RecordWalker, report, scanForward } from './walker.js';

export interface PcapVariant {
  littleEndian: boolean;
  nanos: boolean;
  /** 16, or 24 for the modified format (ifindex, protocol, pkt_type after the usual fields). */
  recordHeaderLength: number;
}

/** Which pcap variant the first four bytes announce, or null when they are no pcap magic. */
export function pcapVariant(head: Uint8Array): PcapVariant | null {
  if (head.length < 4) return null;
  const v = new DataView(head.buffer, head.byteOffset, 4);
  for (const littleEndian of [true, false]) {
    switch (v.getUint32(0, littleEndian)) {
      case 0xa1b2c3d4:
        return { littleEndian, nanos: false, recordHeaderLength: 16 };
      case 0xa1b23c4d:
        return { littleEndian, nanos: true, recordHeaderLength: 16 };
      case 0xa1b2cd34:
        return { littleEndian, nanos: false, recordHeaderLength: 24 };
    }
  }
  return null;
}

const FILE_HEADER_LENGTH = 24;
/** Larger records than this are damage whatever the header's snaplen says (it may be 0 or garbage). */
const MIN_RECORD_CAP = 262144;
const MAX_RECORD_CAP = 16 * 1024 * 1024;
/** Writers sometimes record a snaplen a little below what they wrote (65535 vs 65536-byte lo frames). */
const RECORD_CAP_SLACK = 65536;
/** An original length beyond this is no frame on any link (jumbo, TSO/GRO and BIG TCP included). */
const MAX_PLAUSIBLE_ORIG = 16 * 1024 * 1024;
/** How far apart two records' seconds may be for a scan to take a header as the real next record. */
const RESYNC_WINDOW_SECONDS = 86400;

/** Where a damaged region began: reported once the walker finds its feet again. */
interface Damage {
  offset: number;
  capturedLength: number;
  originalLength: number;
}

export class PcapWalker implements RecordWalker {
  need = FILE_HEADER_LENGTH;
  skip = 0;
  private readonly le: boolean;
  private readonly nanos: boolean;
  private readonly hl: number;
  private headerDone = false;
  private linkType = 0;
  private maxCaptured = MIN_RECORD_CAP + RECORD_CAP_SLACK;
  /** Packets yielded so far: the next one is number `count + 1`. */
  private count = 0;
  /** Seconds field of the last good record (-1 before the first), the yardstick of a resync scan. */
  private lastSeconds = -1;
  private damage: Damage | null = null;

  constructor(
    variant: PcapVariant,
    private readonly diag: DiagnosticSink,
  ) {
    this.le = variant.littleEndian;
    this.nanos = variant.nanos;
    this.hl = variant.recordHeaderLength;
  }

  walk(buf: Uint8Array, at: number, end: number, offset: number, eof: boolean, out: RawPacket[]): number {
    const base = offset - at; // file offset of buf[0]
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const le = this.le;
    const hl = this.hl;
    if (!this.headerDone) {
      if (end - at < FILE_HEADER_LENGTH) {
        if (!eof) {
          this.need = FILE_HEADER_LENGTH;
          return at;
        }
        report(this.diag, 'pcap.truncated_header', 'warning', `file ends ${end - at} bytes into the 24-byte pcap file header`, 0, { offset: base + at });
        return end;
      }
      const snaplen = view.getUint32(at + 16, le);
      // The upper bits of `network` carry FCS information; the link type is the lower 16.
      this.linkType = view.getUint32(at + 20, le) & 0xffff;
      this.maxCaptured = Math.max(MIN_RECORD_CAP, Math.min(snaplen, MAX_RECORD_CAP)) + RECORD_CAP_SLACK;
      this.headerDone = true;
      at += FILE_HEADER_LENGTH;
    }
    const linkType = this.linkType;
    const maxCaptured = this.maxCaptured;
    const ab = buf.buffer;
    const bo = buf.byteOffset;
    for (;;) {
      if (this.damage !== null) {
        // Scans forward byte by byte for a record header that is plausible and is followed by another
        // plausible one (or by the end of the file); `damage` is cleared (and reported) once it found one.
        at = scanForward(this, view, at, end, base, eof, hl);
        if (this.damage !== null) return at;
      }
      const avail = end - at;
      if (avail < hl) {
        if (!eof) {
          this.need = hl;
          return at;
        }
        if (avail > 0) {
          report(this.diag, 'pcap.truncated_record', 'warning', `file ends ${avail} bytes into a ${hl}-byte record header`, 0, {
            offset: base + at,
            bytes: avail,
          });
        }
        return end;
      }
      const captured = view.getUint32(at + 8, le);
      const original = view.getUint32(at + 12, le);
      if (captured > maxCaptured) {
        this.damage = { offset: base + at, capturedLength: captured, originalLength: original };
        at += 1;
        continue;
      }
      if (captured > original) {
        // Impossible on its own, yet some writers do it for every record: believe it only when the
        // record after it is plausible too (a misaligned walk almost never finds that) or the file ends.
        const next = at + hl + captured;
        if (next + hl > end) {
          if (!eof) {
            this.need = hl + captured + hl;
            return at;
          }
        } else if (!this.plausible(view, next, view.getUint32(at, le), false)) {
          this.damage = { offset: base + at, capturedLength: captured, originalLength: original };
          at += 1;
          continue;
        }
      }
      const seconds = view.getUint32(at, le);
      const fraction = view.getUint32(at + 4, le);
      const tsMicros = seconds * 1e6 + (this.nanos ? Math.floor(fraction / 1000) : fraction);
      const dataAt = at + hl;
      if (avail < hl + captured) {
        if (!eof) {
          this.need = hl + captured;
          return at;
        }
        // Cut short by the end of the file: hand over what is there, with the length it declared.
        const index = ++this.count;
        out.push({ index, tsMicros, linkType, data: buf.subarray(dataAt, end), origLen: original });
        report(
          this.diag,
          'pcap.truncated_record',
          'warning',
          `file ends inside the last record: ${end - dataAt} of ${captured} captured bytes present`,
          index,
          { offset: base + at, present: end - dataAt, capturedLength: captured },
          tsMicros,
        );
        return end;
      }
      // The constructor makes a view about twice as fast as subarray (no species lookup).
      out.push({ index: ++this.count, tsMicros, linkType, data: new Uint8Array(ab, bo + dataAt, captured), origLen: original });
      this.lastSeconds = seconds;
      at = dataAt + captured;
    }
  }

  /** For scanForward: does a plausible record start at p? */
  candidate(view: DataView, p: number, end: number, eof: boolean): Candidate {
    const hl = this.hl;
    if (!this.plausible(view, p, this.lastSeconds, true)) return Candidate.No;
    const next = p + hl + view.getUint32(p + 8, this.le);
    if (next === end && eof) return Candidate.Yes;
    if (next + hl > end) {
      if (eof) return Candidate.No;
      this.need = next + hl - p;
      return Candidate.NeedMore;
    }
    return this.plausible(view, next, view.getUint32(p, this.le), true) ? Candidate.Yes : Candidate.No;
  }

  /** Could the hl bytes at p be a record header written `refSeconds` (or -1: any time) apart? */
  private plausible(view: DataView, p: number, refSeconds: number, strictLengths: boolean): boolean {
    const le = this.le;
    const seconds = view.getUint32(p, le);
    const fraction = view.getUint32(p + 4, le);
    const captured = view.getUint32(p + 8, le);
    const original = view.getUint32(p + 12, le);
    if (fraction >= (this.nanos ? 1e9 : 1e6)) return false;
    if (captured > this.maxCaptured || original > MAX_PLAUSIBLE_ORIG) return false;
    if (strictLengths && captured > original) return false;
    return refSeconds < 0 || Math.abs(seconds - refSeconds) <= RESYNC_WINDOW_SECONDS;
  }

  /** For scanForward: the damaged stretch ends at resumeOffset (or at the end of the file). */
  endDamage(resumeOffset: number, atEof: boolean): void {
    const d = this.damage;
    if (d === null) return;
    this.damage = null;
    const skipped = resumeOffset - d.offset;
    const what = `record header at offset ${d.offset} is impossible (captured length ${d.capturedLength}, original length ${d.originalLength})`;
    const after = atEof
      ? `no plausible record follows: skipped the last ${skipped} bytes`
      : `skipped ${skipped} bytes to the next plausible record at offset ${resumeOffset}`;
    report(this.diag, 'pcap.bad_record', 'error', `${what}; ${after}`, 0, {
      offset: d.offset,
      capturedLength: d.capturedLength,
      originalLength: d.originalLength,
      skipped,
      resumeOffset: atEof ? null : resumeOffset,
      afterPacket: this.count,
    });
  }
}
