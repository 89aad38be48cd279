// Buffered text output with backpressure: reporters append strings, the pipeline awaits drain
// between packet batches. A closed pipe (`msnsniff read x | head`) ends output quietly.

import type { Writable } from 'node:stream';

const FLUSH_AT = 256 * 1024;

export class TextOutput {
  private parts: string[] = [];
  private size = 0;
  private closed = false;
  private drainWaiter: Promise<void> | null = null;

  constructor(private readonly stream: Writable) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // The reader went away; stop writing, but let the analysis end normally.
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else throw err;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(text: string): void {
    if (this.closed) return;
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0 || this.closed) return;
    const ok = this.stream.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
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

  /** Resolves once the stream can take more; call between batches. */
  async ready(): Promise<void> {
    if (this.drainWaiter !== null) await this.drainWaiter;
  }

  async end(): Promise<void> {
    this.flush();
    await this.ready();
  }
}
