// Serialises packets as classic pcap or pcapng bytes. Used by `capture -w` and by the test
// capture builder; kept free of I/O so callers decide where the bytes go.

import type { RawPacket } from './packet.js';

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng';

export interface WriterOptions {
  format: CaptureFormat;
  linkType: number;
  snaplen?: number;
  /** Byte order of the written file; readers must accept both. */
  bigEndian?: boolean;
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;

/** Writes one capture file incrementally: header() once, then packet() for each frame. */
export class CaptureWriter {
  private readonly le: boolean;
  private readonly snaplen: number;

  constructor(private readonly opts: WriterOptions) {
    this.le = !opts.bigEndian;
    this.snaplen = opts.snaplen ?? 262144;
  }

  header(): Uint8Array {
    if (this.opts.format === 'pcapng') return this.pcapngHeader();
    const out = new Uint8Array(24);
    const v = new DataView(out.buffer);
    v.setUint32(0, this.opts.format === 'pcap-ns' ? PCAP_MAGIC_NS : PCAP_MAGIC_US, this.le);
    v.setUint16(4, 2, this.le);
    v.setUint16(6, 4, this.le);
    v.setUint32(16, this.snaplen, this.le);
    v.setUint32(20, this.opts.linkType, this.le);
    return out;
  }

  packet(p: Pick<RawPacket, 'tsMicros' | 'data' | 'origLen'>): Uint8Array {
    if (this.opts.format === 'pcapng') return this.enhancedPacketBlock(p);
    const out = new Uint8Array(16 + p.data.length);
    const v = new DataView(out.buffer);
    const sec = Math.floor(p.tsMicros / 1e6);
    const frac = p.tsMicros - sec * 1e6;
    v.setUint32(0, sec, this.le);
    v.setUint32(4, this.opts.format === 'pcap-ns' ? frac * 1000 : frac, this.le);
    v.setUint32(8, p.data.length, this.le);
    v.setUint32(12, p.origLen, this.le);
    out.set(p.data, 16);
    return out;
  }

  private pcapngHeader(): Uint8Array {
    // Section Header Block (no options) followed by one Interface Description Block
    // whose if_tsresol is left at the default of microseconds.
    const shb = new Uint8Array(28);
    const s = new DataView(shb.buffer);
    s.setUint32(0, 0x0a0d0d0a, this.le);
    s.setUint32(4, 28, this.le);
    s.setUint32(8, 0x1a2b3c4d, this.le);
    s.setUint16(12, 1, this.le);
    s.setUint16(14, 0, this.le);
    s.setInt32(16, -1, this.le); // section length unknown (two 32-bit halves of -1)
    s.setInt32(20, -1, this.le);
    s.setUint32(24, 28, this.le);
    const idb = new Uint8Array(20);
    const i = new DataView(idb.buffer);
    i.setUint32(0, 1, this.le);
    i.setUint32(4, 20, this.le);
    i.setUint16(8, this.opts.linkType, this.le);
    i.setUint32(12, this.snaplen, this.le);
    i.setUint32(16, 20, this.le);
    const out = new Uint8Array(48);
    out.set(shb, 0);
    out.set(idb, 28);
    return out;
  }

  private enhancedPacketBlock(p: Pick<RawPacket, 'tsMicros' | 'data' | 'origLen'>): Uint8Array {
    const padded = (p.data.length + 3) & ~3;
    const total = 32 + padded;
    const out = new Uint8Array(total);
    const v = new DataView(out.buffer);
    const high = Math.floor(p.tsMicros / 2 ** 32);
    const low = p.tsMicros - high * 2 ** 32;
    v.setUint32(0, 6, this.le);
    v.setUint32(4, total, this.le);
    v.setUint32(8, 0, this.le); // interface 0
    v.setUint32(12, high, this.le);
    v.setUint32(16, low, this.le);
    v.setUint32(20, p.data.length, this.le);
    v.setUint32(24, p.origLen, this.le);
    out.set(p.data, 28);
    v.setUint32(total - 4, total, this.le);
    return out;
  }
}

/** Whole-file convenience for tests and small captures. */
export function writeCapture(opts: WriterOptions, packets: Iterable<Pick<RawPacket, 'tsMicros' | 'data' | 'origLen'>>): Uint8Array {
  const w = new CaptureWriter(opts);
  const parts: Uint8Array[] = [w.header()];
  for (const p of packets) parts.push(w.packet(p));
  return concatBytes(parts);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
