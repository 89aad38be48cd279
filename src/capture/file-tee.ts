// `capture -w`: copies the capture child's pcap/pcapng stream byte for byte into a file on its way to
// the analysis, so the file holds exactly the packets that were analysed (plus, if the analysis
// stopped early, what was already on its way) and `read` of it gives the same output.

import { closeSync, openSync, writeSync } from 'node:fs';
import { LiveCaptureError, messageOf } from './cap-binding.js';
import { CaptureOpenError } from './source.js';

export class CaptureFileTee {
  private fd: number | null;

  /** Creates (truncates) the file now, so a bad path fails before capturing starts. */
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw new LiveCaptureError(`cannot write capture file "${path}": ${messageOf(err)}`);
    }
  }

  /**
   * The same bytes as `source`, each chunk written to the file before it is passed on. Chunks are
   * cut wherever the pipe cut them, so a reader of the growing file may see a partial last record.
   */
  async *tee(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      this.put(chunk);
      yield chunk;
    }
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private put(bytes: Uint8Array): void {
    if (this.fd === null) return;
    let off = 0;
    try {
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    } catch (err) {
      // Ends the analysis with one line (exit 2): a capture whose -w file is incomplete is not what was asked for.
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOSPC' ? 'no space left on the device' : e.message;
      throw new CaptureOpenError(`cannot write capture file "${this.path}": ${why}`, { cause: err });
    }
  }
}
