// pcapng files: sections (either byte order, interface table per section), interfaces with their link
// type and clock (if_tsresol, if_tsoffset), and the packet blocks EPB, SPB and OPB. Other blocks are
// skipped. Walks blocks in place; damage becomes diagnostics and a resync, never an exception.

import type { DiagnosticSink } from '../diag.js';
import { type RawPacket, isWritableTime } from './packet.js';
import { Candidate, type RecordWalker, report, scanForward } from './walker.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** Blocks are buffered whole up to this size; a larger one is damage unless it is a block nobody reads. */
const BLOCK_CAP = 16 * 1024 * 1024;
/** Block types a resync scan may land on (SHB, IDB, OPB, SPB, NRB, ISB, EPB, 7–10 incl. DSB, custom). */
const KNOWN_TYPES: ReadonlySet<number> = new Set([SHB, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0x00000bad, 0x40000bad]);
/** Large blocks of these types are dropped unread instead of buffered (name resolution, stats, keys…). */
const SKIPPABLE_TYPES: ReadonlySet<number> = new Set([4, 5, 7, 8, 9, 10, 0x00000bad, 0x40000bad]);

const TWO_32 = 4294967296;

export function isPcapng(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x0a && head[1] === 0x0d && head[2] === 0x0d && head[3] === 0x0a;
}

/** How an interface's 64-bit timestamp count becomes µs (see micros()). */
const enum ClockKind {
  /** 10^-k s with k <= 6: count * mul. */
  Multiply,
  /** 10^-k s with 6 < k <= 12: count / div, split so that no intermediate exceeds 2^53. */
  DivideDecimal,
  /** 2^-n s with n <= 32: whole seconds and fraction taken apart with exact power-of-two arithmetic. */
  Binary,
  /** Anything finer: BigInt (rare enough that its cost does not matter). */
  Big,
}

interface Interface {
  linkType: number;
  snaplen: number;
  kind: ClockKind;
  mul: number;
  /** 10^(k-6) for DivideDecimal, 2^n for Binary. */
  div: number;
  /** floor(2^32 / div) for DivideDecimal, 2^(32-n) for Binary. */
  a: number;
  /** 2^32 mod div for DivideDecimal. */
  b: number;
  unitsPerSecond: bigint;
  offsetMicros: number;
}

function makeInterface(linkType: number, snaplen: number, tsresol: number, offsetSeconds: number): Interface {
  const iface: Interface = { linkType, snaplen, kind: ClockKind.Multiply, mul: 1, div: 1, a: 0, b: 0, unitsPerSecond: 0n, offsetMicros: offsetSeconds * 1e6 };
  const e = tsresol & 0x7f;
  if ((tsresol & 0x80) === 0) {
    if (e <= 6) {
      iface.mul = 10 ** (6 - e);
    } else if (e <= 12) {
      iface.kind = ClockKind.DivideDecimal;
      iface.div = 10 ** (e - 6);
      iface.a = Math.floor(TWO_32 / iface.div);
      iface.b = TWO_32 - iface.a * iface.div;
    } else {
      iface.kind = ClockKind.Big;
      iface.unitsPerSecond = 10n ** BigInt(e);
    }
  } else if (e <= 32) {
    iface.kind = ClockKind.Binary;
    iface.div = 2 ** e;
    iface.a = 2 ** (32 - e);
  } else {
    iface.kind = ClockKind.Big;
    iface.unitsPerSecond = 1n << BigInt(e);
  }
  return iface;
}

/** µs since the epoch of the timestamp count hi·2^32 + lo, exact (truncated) for µs/ns/ms/2^-20 clocks. */
function micros(c: Interface, hi: number, lo: number): number {
  switch (c.kind) {
    case ClockKind.Multiply:
      return (hi * TWO_32 + lo) * c.mul + c.offsetMicros;
    case ClockKind.DivideDecimal:
      // count = hi·(a·div + b) + lo, so count / div = hi·a + (hi·b + lo) / div; hi·b + lo < 2^53.
      return hi * c.a + Math.floor((hi * c.b + lo) / c.div) + c.offsetMicros;
    case ClockKind.Binary: {
      const low = Math.floor(lo / c.div);
      const seconds = hi * c.a + low;
      const fraction = lo - low * c.div; // < 2^n <= 2^32, so fraction·10^6 < 2^53
      return seconds * 1e6 + Math.floor((fraction * 1e6) / c.div) + c.offsetMicros;
    }
    case ClockKind.Big:
      return Number(((BigInt(hi) * 4294967296n + BigInt(lo)) * 1000000n) / c.unitsPerSecond) + c.offsetMicros;
  }
}

function minimumLength(type: number): number {
  switch (type) {
    case SHB:
      return 28;
    case IDB:
      return 20;
    case SPB:
      return 16;
    case EPB:
    case OPB:
      return 32;
    default:
      return 12;
  }
}

function blockName(type: number): string {
  switch (type) {
    case SHB:
      return 'section header block';
    case IDB:
      return 'interface description block';
    case EPB:
      return 'enhanced packet block';
    case SPB:
      return 'simple packet block';
    case OPB:
      return 'packet block';
    default:
      return `block of type 0x${hex(type)}`;
  }
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** Why the block at `offset` cannot be walked; reported once the walker finds its feet again. */
interface Damage {
  offset: number;
  reason: string;
}

export class PcapngWalker implements RecordWalker {
  need = 12;
  skip = 0;
  private le = true;
  private inSection = false;
  private interfaces: Interface[] = [];
  /** Packets yielded so far: the next one is number `count + 1`. */
  private count = 0;
  /** Time of the last packet: a simple packet block has none of its own. */
  private lastTs = 0;
  private damage: Damage | null = null;
  /** The huge block being dropped unread (while `skip` counts down), for the report if the file ends in it. */
  private skipping: { offset: number; type: number; length: number } | null = null;

  constructor(private readonly diag: DiagnosticSink) {}

  walk(buf: Uint8Array, at: number, end: number, offset: number, eof: boolean, out: RawPacket[]): number {
    const base = offset - at; // file offset of buf[0]
    if (this.skipping !== null) {
      const s = this.skipping;
      this.skipping = null;
      if (eof && this.skip > 0) {
        report(this.diag, 'pcapng.truncated_block', 'warning', `file ends ${this.skip} bytes before the end of the ${s.length}-byte ${blockName(s.type)} at offset ${s.offset}`, 0, {
          offset: s.offset,
          length: s.length,
          missing: this.skip,
        });
        this.skip = 0;
        return end;
      }
    }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (;;) {
      if (this.damage !== null) {
        // Scans forward byte by byte for a plausible block (known type, sane length, matching trailer).
        at = scanForward(this, view, at, end, base, eof, 12);
        if (this.damage !== null) return at;
      }
      const avail = end - at;
      // 12 bytes: the smallest block, and what it takes to read a section header's byte-order magic.
      if (avail < 12) {
        if (!eof) {
          this.need = 12;
          return at;
        }
        if (avail > 0) report(this.diag, 'pcapng.truncated_block', 'warning', `file ends ${avail} bytes into a block header`, 0, { offset: base + at, bytes: avail });
        return end;
      }
      let le = this.le;
      const type = view.getUint32(at, le); // the SHB type reads the same in both byte orders
      if (type === SHB) {
        const magic = view.getUint32(at + 8, true);
        if (magic === BYTE_ORDER_MAGIC) le = true;
        else if (magic === 0x4d3c2b1a) le = false;
        else {
          this.damage = { offset: base + at, reason: `is a section header with an unknown byte-order magic 0x${hex(view.getUint32(at + 8, false))}` };
          at += 1;
          continue;
        }
      }
      const length = view.getUint32(at + 4, le);
      const shapeError = this.shapeError(type, length);
      if (shapeError !== null) {
        if (length > BLOCK_CAP && length % 4 === 0 && SKIPPABLE_TYPES.has(type) && this.inSection) {
          // Too big to buffer but of a kind nobody reads: drop it unread, trailer unchecked.
          if (avail >= length) {
            at += length;
            continue;
          }
          if (eof) {
            this.truncated(buf, view, at, end, type, length, base, out);
            return end;
          }
          this.skip = length - avail;
          this.skipping = { offset: base + at, type, length };
          return end;
        }
        this.damage = { offset: base + at, reason: shapeError };
        at += 1;
        continue;
      }
      if (avail < length) {
        if (!eof) {
          this.need = length;
          return at;
        }
        this.truncated(buf, view, at, end, type, length, base, out);
        return end;
      }
      const trailer = view.getUint32(at + length - 4, le);
      if (trailer !== length) {
        this.damage = { offset: base + at, reason: `has a trailing length of ${trailer} but a leading length of ${length}` };
        at += 1;
        continue;
      }
      switch (type) {
        case EPB:
        case OPB:
          this.packetBlock(buf, view, at, length, type, base, out);
          break;
        case SPB:
          this.simplePacketBlock(buf, view, at, length, base, out);
          break;
        case IDB:
          this.interfaceBlock(view, at, length, base);
          break;
        case SHB:
          this.sectionBlock(view, at, le, base);
          break;
        default:
          break; // NRB, ISB, DSB, custom and future blocks carry nothing msnsniff reads
      }
      at += length;
    }
  }

  /** Null when a block of this type may have this total length, else why not (as "block … <reason>"). */
  private shapeError(type: number, length: number): string | null {
    if (length % 4 !== 0) return `has a length of ${length}, not a multiple of 4`;
    const min = minimumLength(type);
    if (length < min) return `has a length of ${length}, less than the ${min} bytes of a ${blockName(type)}`;
    if (length > BLOCK_CAP) return `has a length of ${length}, more than the ${BLOCK_CAP / 1048576} MiB a block may have`;
    if (type !== SHB && !this.inSection) return 'is not inside a section (no valid section header before it)';
    return null;
  }

  private sectionBlock(view: DataView, at: number, le: boolean, base: number): void {
    this.le = le;
    this.inSection = true;
    this.interfaces = []; // interface ids are per section
    const major = view.getUint16(at + 12, le);
    const minor = view.getUint16(at + 14, le);
    if (major !== 1) {
      report(this.diag, 'pcapng.unsupported_version', 'warning', `section at offset ${base + at} has version ${major}.${minor}; reading it as 1.0`, 0, {
        offset: base + at,
        major,
        minor,
      });
    }
  }

  private interfaceBlock(view: DataView, at: number, length: number, base: number): void {
    const le = this.le;
    const linkType = view.getUint16(at + 8, le);
    const snaplen = view.getUint32(at + 12, le);
    let tsresol = 6;
    let offsetSeconds = 0;
    const optionsEnd = at + length - 4;
    for (let p = at + 16; p + 4 <= optionsEnd; ) {
      const code = view.getUint16(p, le);
      const size = view.getUint16(p + 2, le);
      if (code === OPT_END) break;
      if (p + 4 + size > optionsEnd) {
        report(this.diag, 'pcapng.bad_option', 'warning', `option ${code} of the interface description block at offset ${base + at} runs past the block; ignoring the rest of its options`, 0, {
          offset: base + at,
          option: code,
          size,
        });
        break;
      }
      if (code === OPT_IF_TSRESOL && size >= 1) tsresol = view.getUint8(p + 4);
      else if (code === OPT_IF_TSOFFSET && size >= 8) {
        offsetSeconds = view.getInt32(p + 4 + (le ? 4 : 0), le) * TWO_32 + view.getUint32(p + 4 + (le ? 0 : 4), le);
      }
      p += 4 + ((size + 3) & ~3);
    }
    this.interfaces.push(makeInterface(linkType, snaplen, tsresol, offsetSeconds));
  }

  /** EPB or OPB: they differ only in the width of the interface id. */
  private packetBlock(buf: Uint8Array, view: DataView, at: number, length: number, type: number, base: number, out: RawPacket[]): void {
    const le = this.le;
    const id = type === EPB ? view.getUint32(at + 8, le) : view.getUint16(at + 8, le);
    const iface = this.interfaces[id];
    if (iface === undefined) {
      this.unknownInterface(id, type, base + at);
      return;
    }
    const hi = view.getUint32(at + 12, le);
    const lo = view.getUint32(at + 16, le);
    let tsMicros = iface.kind === ClockKind.Multiply ? (hi * TWO_32 + lo) * iface.mul + iface.offsetMicros : micros(iface, hi, lo);
    let captured = view.getUint32(at + 20, le);
    const origLen = view.getUint32(at + 24, le);
    const room = length - 32;
    const index = ++this.count;
    if (!isWritableTime(tsMicros)) tsMicros = this.unwritableTime(tsMicros, type, index, base + at, id);
    this.lastTs = tsMicros;
    if (captured > room) {
      report(this.diag, 'pcapng.bad_packet_length', 'error', `${blockName(type)} at offset ${base + at} claims ${captured} captured bytes but has room for ${room}; cut to ${room}`, index, {
        offset: base + at,
        capturedLength: captured,
        room,
      }, tsMicros);
      captured = room;
    }
    // The constructor makes a view about twice as fast as subarray (no species lookup).
    out.push({ index, tsMicros, linkType: iface.linkType, data: new Uint8Array(buf.buffer, buf.byteOffset + at + 28, captured), origLen });
  }

  private simplePacketBlock(buf: Uint8Array, view: DataView, at: number, length: number, base: number, out: RawPacket[]): void {
    const iface = this.interfaces[0]; // a simple packet block always belongs to the first interface
    if (iface === undefined) {
      this.unknownInterface(0, SPB, base + at);
      return;
    }
    const origLen = view.getUint32(at + 8, this.le);
    // No captured length is stored: it is what fits, never more than the snaplen (0 means none).
    let captured = Math.min(origLen, length - 16);
    if (iface.snaplen > 0) captured = Math.min(captured, iface.snaplen);
    out.push({ index: ++this.count, tsMicros: this.lastTs, linkType: iface.linkType, data: buf.subarray(at + 12, at + 12 + captured), origLen });
  }

  /** The file ends inside a block: hand over the packet bytes that are there, if it is a packet block. */
  private truncated(buf: Uint8Array, view: DataView, at: number, end: number, type: number, length: number, base: number, out: RawPacket[]): void {
    const le = this.le;
    const avail = end - at;
    const what = `file ends inside the ${length}-byte ${blockName(type)} at offset ${base + at} (${avail} bytes present)`;
    const details = { offset: base + at, length, present: avail };
    let iface: Interface | undefined;
    if ((type === EPB || type === OPB) && avail >= 28) {
      const id = type === EPB ? view.getUint32(at + 8, le) : view.getUint16(at + 8, le);
      iface = this.interfaces[id];
      if (iface !== undefined) {
        let tsMicros = micros(iface, view.getUint32(at + 12, le), view.getUint32(at + 16, le));
        const captured = Math.min(view.getUint32(at + 20, le), avail - 28);
        const index = ++this.count;
        if (!isWritableTime(tsMicros)) tsMicros = this.unwritableTime(tsMicros, type, index, base + at, id);
        this.lastTs = tsMicros;
        out.push({ index, tsMicros, linkType: iface.linkType, data: buf.subarray(at + 28, at + 28 + captured), origLen: view.getUint32(at + 24, le) });
        report(this.diag, 'pcapng.truncated_block', 'warning', what, index, details, tsMicros);
        return;
      }
    } else if (type === SPB && avail >= 12) {
      iface = this.interfaces[0];
      if (iface !== undefined) {
        const origLen = view.getUint32(at + 8, le);
        let captured = Math.min(origLen, avail - 12);
        if (iface.snaplen > 0) captured = Math.min(captured, iface.snaplen);
        const index = ++this.count;
        out.push({ index, tsMicros: this.lastTs, linkType: iface.linkType, data: buf.subarray(at + 12, at + 12 + captured), origLen });
        report(this.diag, 'pcapng.truncated_block', 'warning', what, index, details, this.lastTs);
        return;
      }
    }
    report(this.diag, 'pcapng.truncated_block', 'warning', what, 0, details);
  }

  /** A packet's time past year 9999 (or before year 0): it is given the previous packet's time instead. */
  private unwritableTime(tsMicros: number, type: number, index: number, offset: number, interfaceId: number): number {
    report(
      this.diag,
      'pcapng.bad_timestamp',
      'warning',
      `${blockName(type)} at offset ${offset} has a time outside the years 0000-9999 (damaged timestamp or interface clock); given the previous packet's time`,
      index,
      { offset, interfaceId, timestampMicros: tsMicros },
      this.lastTs,
    );
    return this.lastTs;
  }

  private unknownInterface(id: number, type: number, offset: number): void {
    report(this.diag, 'pcapng.unknown_interface', 'error', `${blockName(type)} at offset ${offset} names interface ${id}, but its section describes ${this.interfaces.length}; packet dropped`, 0, {
      offset,
      interfaceId: id,
      interfaces: this.interfaces.length,
    });
  }

  /** For scanForward: does a plausible record start at p? */
  candidate(view: DataView, p: number, end: number, eof: boolean): Candidate {
    let le = this.le;
    const type = view.getUint32(p, le);
    if (type === SHB) {
      const magic = view.getUint32(p + 8, true);
      if (magic === BYTE_ORDER_MAGIC) le = true;
      else if (magic === 0x4d3c2b1a) le = false;
      else return Candidate.No;
    } else if (!KNOWN_TYPES.has(type)) {
      return Candidate.No;
    }
    const length = view.getUint32(p + 4, le);
    if (this.shapeError(type, length) !== null) return Candidate.No;
    if (type === EPB && view.getUint32(p + 8, le) >= this.interfaces.length) return Candidate.No;
    if (type === OPB && view.getUint16(p + 8, le) >= this.interfaces.length) return Candidate.No;
    if (type === SPB && this.interfaces.length === 0) return Candidate.No;
    if (p + length > end) {
      if (eof) return Candidate.No;
      this.need = length;
      return Candidate.NeedMore;
    }
    return view.getUint32(p + length - 4, le) === length ? Candidate.Yes : Candidate.No;
  }

  /** For scanForward: the damaged stretch ends at resumeOffset (or at the end of the file). */
  endDamage(resumeOffset: number, atEof: boolean): void {
    const d = this.damage;
    if (d === null) return;
    this.damage = null;
    const skipped = resumeOffset - d.offset;
    const after = atEof
      ? `no plausible block follows: skipped the last ${skipped} bytes`
      : `skipped ${skipped} bytes to the next plausible block at offset ${resumeOffset}`;
    report(this.diag, 'pcapng.bad_block', 'error', `block at offset ${d.offset} ${d.reason}; ${after}`, 0, {
      offset: d.offset,
      skipped,
      resumeOffset: atEof ? null : resumeOffset,
      afterPacket: this.count,
    });
  }
}
