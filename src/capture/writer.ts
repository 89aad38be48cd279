// Serialises packets as classic pcap or pcapng bytes. Used by `capture -w` and by the test
// capture builder; kept free of I/O so callers decide where the bytes go.

import type { RawPacket } from './packet.js';

/** 'pcap-modified' is the Kuznetzov "modified" pcap (magic a1b2cd34, 24-byte record headers). */
export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcap-modified' | 'pcapng';

export interface WriterOptions {
  format: CaptureFormat;
  linkType: number;
  snaplen?: number;
  /** Byte order of the written file; readers must accept both. */
  bigEndian?: boolean;
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;

/** Bytes one packet of `dataLength` captured bytes takes in a `format` file (record header or EPB included). */
export function recordLength(format: CaptureFormat, dataLength: number): number {
  if (format === 'pcapng') return 32 + ((dataLength + 3) & ~3); // EPB: 28-byte head, data padded to 32 bits, trailing length
  return (format === 'pcap-modified' ? 24 : 16) + dataLength;
}

/** Writes one capture file incrementally: header() once, then packet() for each frame. */
export class CaptureWriter {
  private readonly le: boolean;
  private readonly snaplen: number;
  /** The pcapng format's blocks; null for the classic pcap formats. */
  private readonly pcapng: PcapngWriter | null;

  constructor(private readonly opts: WriterOptions) {
    this.le = !opts.bigEndian;
    this.snaplen = opts.snaplen ?? 262144;
    this.pcapng = opts.format === 'pcapng' ? new PcapngWriter({ bigEndian: opts.bigEndian }) : null;
  }

  header(): Uint8Array {
    if (this.pcapng !== null) {
      // Section Header Block (no options) followed by one Interface Description Block
      // whose if_tsresol is left at the default of microseconds.
      return concatBytes([this.pcapng.sectionHeader(), this.pcapng.interfaceDescription({ linkType: this.opts.linkType, snaplen: this.snaplen })]);
    }
    const out = new Uint8Array(24);
    const v = new DataView(out.buffer);
    const magic = this.opts.format === 'pcap-ns' ? PCAP_MAGIC_NS : this.opts.format === 'pcap-modified' ? PCAP_MAGIC_MODIFIED : PCAP_MAGIC_US;
    v.setUint32(0, magic, this.le);
    v.setUint16(4, 2, this.le);
    v.setUint16(6, 4, this.le);
    v.setUint32(16, this.snaplen, this.le);
    v.setUint32(20, this.opts.linkType, this.le);
    return out;
  }

  packet(p: Pick<RawPacket, 'tsMicros' | 'data' | 'origLen'>): Uint8Array {
    // Fractional microseconds are accepted and dropped, as in the pcap record below (the pcapng writer counts whole units).
    if (this.pcapng !== null) return this.pcapng.enhancedPacket({ tsMicros: Math.floor(p.tsMicros), data: p.data, origLen: p.origLen });
    // The modified format adds ifindex (4), protocol (2), pkt_type (1) and a pad byte, left zero here.
    const hl = this.opts.format === 'pcap-modified' ? 24 : 16;
    const out = new Uint8Array(recordLength(this.opts.format, p.data.length));
    const v = new DataView(out.buffer);
    const sec = Math.floor(p.tsMicros / 1e6);
    const frac = p.tsMicros - sec * 1e6;
    v.setUint32(0, sec, this.le);
    v.setUint32(4, this.opts.format === 'pcap-ns' ? frac * 1000 : frac, this.le);
    v.setUint32(8, p.data.length, this.le);
    v.setUint32(12, p.origLen, this.le);
    out.set(p.data, hl);
    return out;
  }
}

/** What an Interface Description Block declares. */
export interface PcapngInterface {
  linkType: number;
  /** 0 means no limit. Default 262144. */
  snaplen?: number;
  /** The if_tsresol byte: 6 (default, not written) = 10^-6 s, 9 = ns, 3 = ms, 0x80 | n = 2^-n s. */
  tsResolution?: number;
  /** if_tsoffset: whole seconds the interface's timestamps are offset by. */
  tsOffsetSeconds?: number;
  /** if_name, written before the other options (readers must walk past options they ignore). */
  name?: string;
}

export interface PcapngPacket {
  interfaceId?: number;
  /** µs since the epoch; converted to the interface's resolution (exactly for 10^-k, k >= 6). */
  tsMicros?: number;
  /** Raw timestamp count in the interface's units (takes precedence over tsMicros). */
  tsUnits?: bigint;
  data: Uint8Array;
  /** Default data.length. */
  origLen?: number;
  /** Captured length to declare, when a test wants it to disagree with data.length. */
  capturedLength?: number;
  /** An opt_comment option after the data. */
  comment?: string;
}

export const PcapngBlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 1,
  PACKET: 2,
  SIMPLE_PACKET: 3,
  NAME_RESOLUTION: 4,
  INTERFACE_STATISTICS: 5,
  ENHANCED_PACKET: 6,
  DECRYPTION_SECRETS: 10,
  CUSTOM: 0x00000bad,
} as const;

/**
 * Block-by-block pcapng writer for files CaptureWriter cannot express: several sections (each in its
 * own byte order), several interfaces with their own link type and clock, simple and obsolete packet
 * blocks, arbitrary other blocks. Each method returns the bytes of one block; concatenate them.
 */
export class PcapngWriter {
  private le: boolean;
  private interfaces: PcapngInterface[] = [];

  constructor(opts: { bigEndian?: boolean } = {}) {
    this.le = !opts.bigEndian;
  }

  /** A Section Header Block; starts a new section (byte order may change, the interface list restarts). */
  sectionHeader(opts: { bigEndian?: boolean; major?: number; minor?: number } = {}): Uint8Array {
    if (opts.bigEndian !== undefined) this.le = !opts.bigEndian;
    this.interfaces = [];
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, 0x1a2b3c4d, this.le);
    v.setUint16(4, opts.major ?? 1, this.le);
    v.setUint16(6, opts.minor ?? 0, this.le);
    v.setInt32(8, -1, this.le); // section length unknown
    v.setInt32(12, -1, this.le);
    return this.block(PcapngBlockType.SECTION_HEADER, body);
  }

  /** An Interface Description Block; its id is the number of interfaces described before it in the section. */
  interfaceDescription(iface: PcapngInterface): Uint8Array {
    this.interfaces.push(iface);
    const options: Uint8Array[] = [];
    if (iface.name !== undefined) options.push(this.option(2, new TextEncoder().encode(iface.name)));
    if (iface.tsResolution !== undefined) options.push(this.option(9, Uint8Array.of(iface.tsResolution)));
    if (iface.tsOffsetSeconds !== undefined) {
      const o = new Uint8Array(8);
      new DataView(o.buffer).setBigInt64(0, BigInt(iface.tsOffsetSeconds), this.le);
      options.push(this.option(14, o));
    }
    if (options.length > 0) options.push(new Uint8Array(4)); // opt_endofopt
    const head = new Uint8Array(8);
    const v = new DataView(head.buffer);
    v.setUint16(0, iface.linkType, this.le);
    v.setUint32(4, iface.snaplen ?? 262144, this.le);
    return this.block(PcapngBlockType.INTERFACE_DESCRIPTION, concatBytes([head, ...options]));
  }

  enhancedPacket(p: PcapngPacket): Uint8Array {
    const id = p.interfaceId ?? 0;
    const head = new Uint8Array(20);
    const v = new DataView(head.buffer);
    v.setUint32(0, id, this.le);
    this.setTimestamp(v, 4, id, p);
    v.setUint32(12, p.capturedLength ?? p.data.length, this.le);
    v.setUint32(16, p.origLen ?? p.data.length, this.le);
    return this.block(PcapngBlockType.ENHANCED_PACKET, concatBytes([head, pad4(p.data), ...this.comment(p.comment)]));
  }

  /** The obsolete Packet Block (type 2): a 16-bit interface id and a drop counter. */
  obsoletePacket(p: PcapngPacket & { drops?: number }): Uint8Array {
    const id = p.interfaceId ?? 0;
    const head = new Uint8Array(20);
    const v = new DataView(head.buffer);
    v.setUint16(0, id, this.le);
    v.setUint16(2, p.drops ?? 0, this.le);
    this.setTimestamp(v, 4, id, p);
    v.setUint32(12, p.capturedLength ?? p.data.length, this.le);
    v.setUint32(16, p.origLen ?? p.data.length, this.le);
    return this.block(PcapngBlockType.PACKET, concatBytes([head, pad4(p.data), ...this.comment(p.comment)]));
  }

  /** A Simple Packet Block: interface 0, no timestamp, no captured length (readers infer it). */
  simplePacket(p: { data: Uint8Array; origLen?: number }): Uint8Array {
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, p.origLen ?? p.data.length, this.le);
    return this.block(PcapngBlockType.SIMPLE_PACKET, concatBytes([head, pad4(p.data)]));
  }

  /** Any block: type, body (padded to 4 bytes), and both length fields in the section's byte order. */
  block(type: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
    const padded = pad4(body);
    const total = 12 + padded.length;
    const out = new Uint8Array(total);
    const v = new DataView(out.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, total, this.le);
    out.set(padded, 8);
    v.setUint32(total - 4, total, this.le);
    return out;
  }

  /** The timestamp count of `tsMicros` in the units of interface `id` (if_tsoffset taken off). */
  private units(id: number, tsMicros: number): bigint {
    const iface = this.interfaces[id];
    const resol = iface?.tsResolution ?? 6;
    const micros = BigInt(tsMicros) - BigInt(iface?.tsOffsetSeconds ?? 0) * 1000000n;
    const e = BigInt(resol & 0x7f);
    if ((resol & 0x80) === 0) return (micros * 10n ** e) / 1000000n;
    // Rounded up, so that a reader truncating count·10^6 / 2^n gets tsMicros back when 2^n >= 10^6.
    const scaled = micros << e;
    return (scaled + 999999n) / 1000000n;
  }

  private setTimestamp(v: DataView, at: number, id: number, p: PcapngPacket): void {
    const units = p.tsUnits ?? this.units(id, p.tsMicros ?? 0);
    v.setUint32(at, Number((units >> 32n) & 0xffffffffn), this.le);
    v.setUint32(at + 4, Number(units & 0xffffffffn), this.le);
  }

  private option(code: number, value: Uint8Array): Uint8Array {
    const out = new Uint8Array(4 + ((value.length + 3) & ~3));
    const v = new DataView(out.buffer);
    v.setUint16(0, code, this.le);
    v.setUint16(2, value.length, this.le);
    out.set(value, 4);
    return out;
  }

  private comment(text: string | undefined): Uint8Array[] {
    if (text === undefined) return [];
    return [this.option(1, new TextEncoder().encode(text)), new Uint8Array(4)];
  }
}

function pad4(bytes: Uint8Array): Uint8Array {
  if (bytes.length % 4 === 0) return bytes;
  const out = new Uint8Array((bytes.length + 3) & ~3);
  out.set(bytes, 0);
  return out;
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
