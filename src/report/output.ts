// Buffered text output with backpressure: reporters append strings, which are UTF-8 encoded straight
// into a large buffer (no string joins on the hot path); the pipeline awaits drain between packet
// batches. A closed pipe (`msnsniff read x | head`) ends output quietly. Buffers come back to a small
// pool once the stream has written them, so steady output allocates nothing (and RSS stays flat). That
// assumes a sink done with a chunk when its write callback runs (stdout as a file, pipe or socket, a
// plain Writable), not one that passes chunks on by reference (a PassThrough would see them change).

import type { Writable } from 'node:stream';

const BUFFER_BYTES = 256 << 10;
/** Written buffers kept for reuse; more in flight than this are left to the GC. */
const POOL_SIZE = 4;

export class TextOutput {
  private buf: Buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private readonly pool: Buffer[] = [];
  private closed = false;
  /** A write error other than a closed pipe (disk full, …): raised from ready()/end(), not from a listener. */
  private failure: Error | null = null;
  private drainWaiter: Promise<void> | null = null;

  constructor(private readonly stream: Writable) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // The reader went away (EPIPE): stop writing, but let the analysis end normally.
      this.closed = true;
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') this.failure = err;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(text: string): void {
    if (this.closed) return;
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
    if (this.used + text.length * 3 > this.buf.length) {
      this.flush();
      if (text.length * 3 > this.buf.length) {
        this.send(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.used += this.buf.write(text, this.used, 'utf8');
  }

  flush(): void {
    if (this.used === 0 || this.closed) return;
    const full = this.buf;
    const chunk = full.subarray(0, this.used);
    // The stream may hold the chunk until it is written: it is reused only after the write callback.
    this.buf = this.pool.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
    this.used = 0;
    this.send(chunk, full);
  }

  private send(chunk: Buffer, owner?: Buffer): void {
    const ok = this.stream.write(chunk, (err) => {
      if (err == null && owner !== undefined && this.pool.length < POOL_SIZE) this.pool.push(owner);
    });
    if (!ok && this.drainWaiter === null) {
      this.drainWaiter = new Promise((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('close', done);
          this.drainWaiter = null;
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('close', done);
      });
    }
  }

  /** Resolves once the stream can take more; call between batches. Throws a write error (one line, exit 2). */
  async ready(): Promise<void> {
    if (this.drainWaiter !== null) await this.drainWaiter;
    if (this.failure !== null) throw this.failure;
  }

  async end(): Promise<void> {
    this.flush();
    await this.ready();
  }
}
