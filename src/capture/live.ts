// One cap (libpcap) session on one interface: opens it, stamps every packet on receipt and hands it
// to a callback, stops by itself after a packet count or a duration. Runs inside the capture child
// process (src/capture-worker.ts), never next to the analysis. Owns the cap pitfalls of TOOLCHAIN.md.

import type { Cap } from 'cap';
import { LinkResult, locateNetwork, type LinkCursor } from '../decode/link.js';
import { describeOpenError, linkTypeNumber, LiveCaptureError, loadCap, noSuchInterface } from './cap-binding.js';
import { receiptClock } from './live-clock.js';

/** cap always opens with this snaplen (binding.cc); lo's MTU is 65536, so big loopback frames are cut. */
export const CAP_SNAPLEN = 65535;
// The ring holds ~bufSize / 128 KiB frames: ~512 at the default 64 MiB (TOOLCHAIN.md's figure). On a busy
// 2-CPU machine bursts on lo still lost up to a few % when the scheduler kept the capture child waiting for
// a few ms; --buffer-size 256 lost none (docs/live-capture.md), at 192 MiB more kernel memory and ~0.7 s
// more start-up.
export const DEFAULT_BUFFER_MIB = 64;

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
}

export type StopReason = 'signal' | 'count' | 'duration' | 'consumer' | 'requested';

/**
 * Called once per packet, synchronously inside cap's dispatch loop. `data` is a view of cap's one
 * shared buffer, valid only during the call (the next packet overwrites it): copy what you keep.
 * `origLen` > data.length when the frame was cut at the snaplen.
 */
export type PacketHandler = (data: Buffer, origLen: number, tsMicros: number) => void;

export interface LiveStats {
  /** Packets cap handed over (after the BPF filter). */
  received: number;
  /** Packets cut at the snaplen (origLen > captured length). */
  cut: number;
}

// A Cap whose open() threw still holds an activated pcap handle and an uninitialised poll handle;
// its native destructor then calls uv_poll_stop on garbage and the process dies (SIGSEGV) at the
// next GC. Keeping such objects reachable for the life of the process is the only safe option.
const failedSessions: Cap[] = [];

export class LiveCapture {
  readonly stats: LiveStats = { received: 0, cut: 0 };
  private reason: StopReason | null = null;
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
    readonly linkTypeName: string,
    readonly linkType: number,
    private readonly opts: LiveCaptureOptions,
    private readonly handler: PacketHandler,
    private readonly onStop: (reason: StopReason) => void,
  ) {
    cap.on('packet', this.onPacket);
    if (opts.maxSeconds !== undefined) this.timer = setTimeout(() => this.stop('duration'), opts.maxSeconds * 1000);
  }

  /**
   * Opens the interface; throws LiveCaptureError with a one-line reason when that is impossible.
   * `onStop` runs once, after the handle is closed, whatever stopped it (count, duration, stop()).
   */
  static open(opts: LiveCaptureOptions, handler: PacketHandler, onStop: (reason: StopReason) => void = () => {}): LiveCapture {
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
    return new LiveCapture(cap, buffer, name, linkType, opts, handler, onStop);
  }

  get stopReason(): StopReason | null {
    return this.reason;
  }

  /**
   * Closes the cap session (without close() the process never exits). Safe to call from a signal
   * handler or from inside the packet callback, and twice.
   */
  stop(reason: StopReason = 'requested'): void {
    if (this.reason !== null) return;
    this.reason = reason;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.cap.close();
    this.cap.removeListener('packet', this.onPacket);
    this.onStop(reason);
  }

  // Runs inside cap's synchronous dispatch loop: it must not throw. After stop() from inside the
  // loop, the rest of what that dispatch already fetched still arrives here and is ignored.
  private readonly onPacket = (nbytes: number, truncated: boolean): void => {
    if (this.reason !== null) return;
    const tsMicros = this.clock();
    this.stats.received++;
    const len = Math.min(nbytes, this.buffer.length);
    const data = this.buffer.subarray(0, len);
    let origLen = len;
    // cap gives no original length; a frame that fills the snaplen was most likely cut.
    if (truncated || len >= CAP_SNAPLEN) {
      origLen = this.estimateOrigLen(data);
      if (origLen > len) this.stats.cut++;
    }
    this.handler(data, origLen, tsMicros);
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
