// The capture child's output: packets as pcap or pcapng records, appended to an in-memory chunk and
// written to a non-blocking stream (the pipe to the analysis process) in few, large writes. The
// child must never wait for the pipe, so node queues what the pipe cannot take yet; that queue is
// bounded here, and packets beyond the bound are dropped and counted instead of growing memory.

import { CaptureWriter, recordLength } from './writer.js';

/** The part of a net.Socket / Writable this needs. */
export interface ChunkSink {
  write(chunk: Uint8Array): boolean;
  /** Bytes accepted by write() but not yet handed to the OS. */
  readonly writableLength: number;
}

export type LiveFileFormat = 'pcap' | 'pcapng';

export interface RecordChunkerOptions {
  format: LiveFileFormat;
  linkType: number;
  snaplen: number;
  /** Most bytes written but not yet taken by the reader (default 256 MiB). */
  maxPendingBytes?: number;
  /** A packet is written at most this long after it arrived, even when its chunk is not full (default 25 ms). */
  flushMs?: number;
  /** Size of the in-memory chunks (default 1 MiB; a bigger packet gets a chunk of its own). */
  chunkBytes?: number;
}

export const DEFAULT_MAX_PENDING_BYTES = 256 * 1024 * 1024;
export const DEFAULT_FLUSH_MS = 25;
const DEFAULT_CHUNK_BYTES = 1 << 20;

/** Packets refused since the last report, and when the first of them arrived. */
export interface DropReport {
  packets: number;
  bytes: number;
  firstAt: number;
}

export class RecordChunker {
  /** Packets written to the stream, and packets dropped because the reader fell too far behind. */
  readonly stats = { written: 0, dropped: 0, droppedBytes: 0 };
  private readonly format: LiveFileFormat;
  private readonly maxPending: number;
  private readonly flushMs: number;
  private readonly chunkBytes: number;
  private chunk: Buffer;
  /** chunk[start, used) holds records not yet written; chunk[0, start) was handed to the sink and is never touched again. */
  private start = 0;
  private used = 0;
  private timer: NodeJS.Timeout | null = null;
  private drops: DropReport | null = null;

  constructor(
    private readonly sink: ChunkSink,
    opts: RecordChunkerOptions,
  ) {
    this.format = opts.format;
    this.maxPending = opts.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.flushMs = opts.flushMs ?? DEFAULT_FLUSH_MS;
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.chunk = Buffer.allocUnsafeSlow(this.chunkBytes);
    // Little-endian, microsecond timestamps: what `read` and Wireshark expect by default.
    const header = new CaptureWriter({ format: opts.format, linkType: opts.linkType, snaplen: opts.snaplen }).header();
    sink.write(header);
  }

  /** Appends one packet (copying `data`); false when it was dropped because the reader is too far behind. */
  add(data: Uint8Array, origLen: number, tsMicros: number): boolean {
    const size = recordLength(this.format, data.length);
    if (this.sink.writableLength + (this.used - this.start) + size > this.maxPending) {
      if (this.drops === null) this.drops = { packets: 0, bytes: 0, firstAt: tsMicros };
      this.drops.packets++;
      this.drops.bytes += data.length;
      this.stats.dropped++;
      this.stats.droppedBytes += data.length;
      return false;
    }
    if (this.used + size > this.chunk.length) {
      this.flush();
      this.chunk = Buffer.allocUnsafeSlow(Math.max(this.chunkBytes, size));
      this.start = 0;
      this.used = 0;
    }
    if (this.format === 'pcapng') this.putEnhancedPacketBlock(data, origLen, tsMicros, size);
    else this.putPcapRecord(data, origLen, tsMicros);
    this.stats.written++;
    // The first record of a batch arms the timer: output stays prompt when traffic is sparse.
    if (this.timer === null) this.timer = setTimeout(this.onTimer, this.flushMs);
    return true;
  }

  /** Hands everything appended so far to the sink, as one write. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.used === this.start) return;
    this.sink.write(this.chunk.subarray(this.start, this.used));
    this.start = this.used;
  }

  /** Drops since the last call (null if none); resets the report. */
  takeDrops(): DropReport | null {
    const d = this.drops;
    this.drops = null;
    return d;
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.flush();
  };

  private putPcapRecord(data: Uint8Array, origLen: number, tsMicros: number): void {
    const c = this.chunk;
    let o = this.used;
    const sec = Math.floor(tsMicros / 1e6);
    o = c.writeUInt32LE(sec, o);
    o = c.writeUInt32LE(tsMicros - sec * 1e6, o);
    o = c.writeUInt32LE(data.length, o);
    o = c.writeUInt32LE(origLen, o);
    c.set(data, o);
    this.used = o + data.length;
  }

  private putEnhancedPacketBlock(data: Uint8Array, origLen: number, tsMicros: number, total: number): void {
    const c = this.chunk;
    const base = this.used;
    const high = Math.floor(tsMicros / 2 ** 32);
    let o = c.writeUInt32LE(6, base); // EPB
    o = c.writeUInt32LE(total, o);
    o = c.writeUInt32LE(0, o); // interface 0
    o = c.writeUInt32LE(high, o);
    o = c.writeUInt32LE(tsMicros - high * 2 ** 32, o);
    o = c.writeUInt32LE(data.length, o);
    o = c.writeUInt32LE(origLen, o);
    c.set(data, o);
    o += data.length;
    c.fill(0, o, base + total - 4); // padding to 32 bits
    c.writeUInt32LE(total, base + total - 4);
    this.used = base + total;
  }
}
