// Bounded hand-off from a push producer (cap's packet callback) to a pull consumer (the pipeline's
// `for await`): items pile up while the consumer is busy and it takes them in batches.

export interface BatchQueueLimits {
  /** Most items held while the consumer is busy; more are dropped and counted. */
  maxItems: number;
  /** Most bytes (as sized by the producer) held while the consumer is busy. */
  maxBytes: number;
}

export const DEFAULT_BATCH_QUEUE_LIMITS: BatchQueueLimits = {
  maxItems: 262_144,
  // Well above the default 64 MiB kernel ring: this queue is where a burst waits while the analysis
  // catches up, because the ring itself holds only ~512 frames (cap's 65535 snaplen).
  maxBytes: 256 * 1024 * 1024,
};

/** Items refused since the consumer last asked, and when the first of them arrived. */
export interface DropReport {
  items: number;
  bytes: number;
  firstAt: number;
}

/** Compact the backing arrays once this many taken items sit in front of the live ones. */
const COMPACT_AT = 4096;

export class BatchQueue<T> {
  private items: T[] = [];
  private sizes: number[] = [];
  /** Index of the first item not yet taken. */
  private head = 0;
  private bytes = 0;
  private ended = false;
  private waiter: (() => void) | null = null;
  private wakeScheduled = false;
  private dropped: DropReport | null = null;

  constructor(private readonly limits: BatchQueueLimits = DEFAULT_BATCH_QUEUE_LIMITS) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Queues `item`; false (and counted as a drop) when the queue is full or ended. */
  push(item: T, size: number, now: number): boolean {
    if (this.ended) return false;
    if (this.length >= this.limits.maxItems || this.bytes + size > this.limits.maxBytes) {
      if (this.dropped === null) this.dropped = { items: 0, bytes: 0, firstAt: now };
      this.dropped.items++;
      this.dropped.bytes += size;
      return false;
    }
    this.items.push(item);
    this.sizes.push(size);
    this.bytes += size;
    this.scheduleWake();
    return true;
  }

  /** No more items will come; the consumer gets what is queued, then null. */
  end(): void {
    this.ended = true;
    this.scheduleWake();
  }

  /**
   * The next batch of at most `max` items (waiting for one if empty), or null once ended and empty.
   * With `idleMs`, an empty batch comes back when nothing arrived for that long.
   */
  async next(max = Number.POSITIVE_INFINITY, idleMs?: number): Promise<T[] | null> {
    while (this.length === 0 && !this.ended) {
      let timedOut = false;
      await new Promise<void>((resolve) => {
        const timer =
          idleMs === undefined
            ? null
            : setTimeout(() => {
                timedOut = true;
                this.waiter = null;
                resolve();
              }, idleMs);
        this.waiter = () => {
          if (timer !== null) clearTimeout(timer);
          resolve();
        };
      });
      if (timedOut && this.length === 0 && !this.ended) return [];
    }
    if (this.length === 0) return null;
    const end = Math.min(this.items.length, this.head + max);
    let out: T[];
    if (this.head === 0 && end === this.items.length) {
      out = this.items;
    } else {
      out = this.items.slice(this.head, end);
    }
    for (let i = this.head; i < end; i++) this.bytes -= this.sizes[i] as number;
    if (end === this.items.length) {
      this.items = [];
      this.sizes = [];
      this.head = 0;
    } else {
      this.head = end;
      if (this.head >= COMPACT_AT && this.head >= this.length) {
        this.items = this.items.slice(this.head);
        this.sizes = this.sizes.slice(this.head);
        this.head = 0;
      }
    }
    return out;
  }

  /** Drops since the last call (null if none); resets the count. */
  takeDrops(): DropReport | null {
    const d = this.dropped;
    this.dropped = null;
    return d;
  }

  // Waking on setImmediate rather than at once: cap hands over every packet the kernel holds in one
  // synchronous loop, and each callback ends with a microtask checkpoint; resolving the consumer
  // there would run the pipeline once per packet. After the poll phase, it gets them as one batch.
  private scheduleWake(): void {
    if (this.wakeScheduled || this.waiter === null) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      const w = this.waiter;
      this.waiter = null;
      w?.();
    });
  }
}
