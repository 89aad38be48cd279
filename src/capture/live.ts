// The live packet source: a cap (libpcap) session on one interface, turned into the same
// AsyncIterable<RawPacket[]> as a capture file. Owns the cap pitfalls listed in TOOLCHAIN.md.

import type { Cap } from 'cap';
import { LinkResult, locateNetwork, type LinkCursor } from '../decode/link.js';
import type { DiagnosticSink } from '../diag.js';
import { BatchQueue, DEFAULT_BATCH_QUEUE_LIMITS, type BatchQueueLimits } from './batch-queue.js';
import { describeOpenError, linkTypeNumber, LiveCaptureError, loadCap, noSuchInterface } from './cap-binding.js';
import type { RawPacket } from './packet.js';

/** cap always opens with this snaplen (binding.cc); lo's MTU is 65536, so big loopback frames are cut. */
export const CAP_SNAPLEN = 65535;
export const DEFAULT_BUFFER_MIB = 64;
export const DEFAULT_MAX_BATCH = 128;
/** With no traffic, the pipeline is told the time this often (holes and idle connections time out). */
const IDLE_TICK_MS = 250;

export interface LiveCaptureOptions {
  device: string;
  /** BPF expression; '' captures everything. */
  filter: string;
  /** Kernel ring size in bytes (cap's bufSize). Holds about bufSize / 128 KiB frames. */
  bufferBytes: number;
  /** Stop by itself after this many packets. */
  maxPackets?: number;
  /** Stop by itself after this many seconds. */
  maxSeconds?: number;
  /** Bound on packets held while the analysis is busy. */
  queue?: BatchQueueLimits;
  /** Most packets handed to the analysis at once (default 128); see batches(). */
  maxBatch?: number;
}

export type StopReason = 'signal' | 'count' | 'duration' | 'consumer' | 'requested';

export interface LiveStats {
  /** Packets cap handed over (after the BPF filter). */
  received: number;
  /** Packets passed on to the analysis. */
  delivered: number;
  /** Packets refused because the analysis fell behind (reported as capture.queue_overflow). */
  droppedByQueue: number;
  /** Packets cut at the snaplen (origLen > captured length). */
  cut: number;
}

// A Cap whose open() threw still holds an activated pcap handle and an uninitialised poll handle;
// its native destructor then calls uv_poll_stop on garbage and the process dies (SIGSEGV) at the
// next GC. Keeping such objects reachable for the life of the process is the only safe option.
const failedSessions: Cap[] = [];

export class LiveCapture {
  readonly linkType: number;
  readonly linkTypeName: string;
  readonly stats: LiveStats = { received: 0, delivered: 0, droppedByQueue: 0, cut: 0 };
  private reason: StopReason | null = null;
  private readonly queue: BatchQueue<RawPacket>;
  private readonly cursor: LinkCursor = { offset: 0 };
  private readonly clock = receiptClock();
  private timer: NodeJS.Timeout | null = null;

  /**
   * `buffer` is the one Buffer libpcap copies every packet into. cap keeps only a raw pointer to it,
   * so this field is what keeps it alive: dropping it while the handle is open corrupts the heap.
   */
  private constructor(
    private readonly cap: Cap,
    private readonly buffer: Buffer,
    linkTypeName: string,
    linkType: number,
    private readonly opts: LiveCaptureOptions,
  ) {
    this.linkTypeName = linkTypeName;
    this.linkType = linkType;
    this.queue = new BatchQueue<RawPacket>(opts.queue ?? DEFAULT_BATCH_QUEUE_LIMITS);
    cap.on('packet', this.onPacket);
    if (opts.maxSeconds !== undefined) this.timer = setTimeout(() => this.stop('duration'), opts.maxSeconds * 1000);
  }

  /** Opens the interface; throws LiveCaptureError with a one-line reason when that is impossible. */
  static open(opts: LiveCaptureOptions): LiveCapture {
    const { Cap } = loadCap();
    let devices: string[] | null = null;
    try {
      devices = Cap.deviceList().map((d) => d.name);
    } catch {
      // Listing is only used to check the name and to suggest others; open() will say what is wrong.
    }
    // Checked up front because libpcap prints a stray "Warning: SIOCGIFADDR …" line for unknown names.
    if (devices !== null && !devices.includes(opts.device)) throw new LiveCaptureError(noSuchInterface(opts.device, devices));
    if (!Number.isInteger(opts.bufferBytes) || opts.bufferBytes <= 0 || opts.bufferBytes > 0x7fffffff) {
      throw new LiveCaptureError(`invalid capture buffer size ${opts.bufferBytes} bytes`);
    }

    const cap = new Cap();
    const buffer = Buffer.alloc(CAP_SNAPLEN);
    let name: string;
    try {
      name = cap.open(opts.device, opts.filter, opts.bufferBytes, buffer);
    } catch (err) {
      failedSessions.push(cap);
      throw new LiveCaptureError(describeOpenError(opts.device, opts.filter, err, devices));
    }
    const linkType = linkTypeNumber(name);
    if (linkType === null) {
      cap.close();
      throw new LiveCaptureError(`cap reported a link type msnsniff cannot map to a number: "${name}"`);
    }
    return new LiveCapture(cap, buffer, name, linkType, opts);
  }

  get stopReason(): StopReason | null {
    return this.reason;
  }

  /**
   * Closes the cap session (without close() the process never exits) and ends the packet stream
   * after what is already queued. Safe to call from a signal handler or a packet callback, and twice.
   */
  stop(reason: StopReason = 'requested'): void {
    if (this.reason !== null) return;
    this.reason = reason;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.cap.close();
    this.cap.removeListener('packet', this.onPacket);
    this.queue.end();
  }

  /**
   * The packet stream for the pipeline (a SourceOpener body). Ends after stop(); leaving the loop
   * early (the output pipe closed) stops the capture.
   */
  async *batches(diag: DiagnosticSink): AsyncGenerator<RawPacket[], void, undefined> {
    const maxBatch = this.opts.maxBatch ?? DEFAULT_MAX_BATCH;
    try {
      for (;;) {
        const batch = await this.queue.next(maxBatch, IDLE_TICK_MS);
        const drops = this.queue.takeDrops();
        if (drops !== null) {
          diag({
            code: 'capture.queue_overflow',
            severity: 'warning',
            message: `${drops.items} packets (${drops.bytes} bytes) dropped: the analysis fell behind the capture`,
            packet: 0,
            tsMicros: drops.firstAt,
            details: { packets: drops.items, bytes: drops.bytes },
          });
        }
        if (batch === null) return;
        if (batch.length === 0) {
          // Nothing arrived: tell the pipeline what time it is, so holes and idle connections still time out.
          yield Object.assign(batch, { nowMicros: this.clock() });
          continue;
        }
        this.stats.delivered += batch.length;
        yield batch;
        // The analysis runs on this thread, and while it does, arriving packets can only wait in the
        // kernel ring: ~512 frames at 64 MiB, because cap's 65535 snaplen makes each slot 128 KiB.
        // So analyse small slices and give cap's poll callback a turn in between; it moves whatever
        // arrived into the (much larger) queue at a few µs per packet.
        if (this.queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.stop('consumer');
    }
  }

  // Runs inside cap's synchronous dispatch loop: it must not throw and must copy the bytes out,
  // because the next packet overwrites the shared buffer.
  private readonly onPacket = (nbytes: number, truncated: boolean): void => {
    if (this.reason !== null) return;
    const tsMicros = this.clock();
    this.stats.received++;
    const len = Math.min(nbytes, this.buffer.length);
    const data = Buffer.allocUnsafe(len);
    this.buffer.copy(data, 0, 0, len);
    let origLen = len;
    // cap gives no original length; a frame that fills the snaplen was most likely cut.
    if (truncated || len >= CAP_SNAPLEN) {
      origLen = this.estimateOrigLen(data);
      if (origLen > len) this.stats.cut++;
    }
    const index = this.stats.received - this.stats.droppedByQueue;
    const pkt: RawPacket = { index, tsMicros, linkType: this.linkType, data, origLen };
    if (!this.queue.push(pkt, len, tsMicros)) this.stats.droppedByQueue++;
    if (this.opts.maxPackets !== undefined && this.stats.received >= this.opts.maxPackets) this.stop('count');
  };

  /** Wire length of a frame cut at the snaplen, from its IP length field; one more than captured if unreadable. */
  private estimateOrigLen(data: Uint8Array): number {
    const kind = locateNetwork(this.linkType, data, this.cursor);
    const off = this.cursor.offset;
    let version = 0;
    if (kind === LinkResult.IPV4 || kind === LinkResult.IPV6) version = kind;
    else if (kind === LinkResult.IP_ANY && off < data.length) version = (data[off] as number) >> 4;
    if (version === 4 && off + 4 <= data.length) {
      const total = ((data[off + 2] as number) << 8) | (data[off + 3] as number);
      if (off + total >= data.length) return off + total;
    } else if (version === 6 && off + 6 <= data.length) {
      const payload = ((data[off + 4] as number) << 8) | (data[off + 5] as number);
      if (off + 40 + payload >= data.length) return off + 40 + payload;
    }
    return data.length + 1;
  }
}

/**
 * cap gives no timestamps: stamp on receipt. One wall-clock base, then the monotonic clock, so
 * times keep their order even if the system clock is stepped during the capture.
 */
function receiptClock(): () => number {
  const wallBase = Math.round((performance.timeOrigin + performance.now()) * 1000);
  const hrBase = process.hrtime.bigint();
  return () => wallBase + Number((process.hrtime.bigint() - hrBase) / 1000n);
}
