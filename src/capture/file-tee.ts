// `capture -w`: copies each packet batch into a pcap/pcapng file on its way to the analysis, so the
// file holds exactly the packets that were analysed and is readable even if the process is killed.

import { closeSync, openSync, writeSync } from 'node:fs';
import { LiveCaptureError } from './cap-binding.js';
import type { RawPacket } from './packet.js';
import { CaptureWriter, concatBytes, type CaptureFormat } from './writer.js';

export class CaptureFileTee {
  private writer: CaptureWriter | null = null;
  private fd: number | null;
  packets = 0;
  bytes = 0;

  /** Creates (truncates) the file now, so a bad path fails before capturing starts. */
  constructor(
    readonly path: string,
    private readonly format: CaptureFormat,
  ) {
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw new LiveCaptureError(`cannot write capture file "${path}": ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Writes the file header; the link type is only known once the interface is open. */
  begin(linkType: number, snaplen: number): void {
    this.writer = new CaptureWriter({ format: this.format, linkType, snaplen });
    this.put(this.writer.header());
  }

  /** Passes batches through unchanged, writing each before the analysis sees it. */
  async *tee(source: AsyncIterable<RawPacket[]>): AsyncGenerator<RawPacket[], void, undefined> {
    for await (const batch of source) {
      this.write(batch);
      yield batch;
    }
  }

  /** One write per batch: the records are built in memory and land in the file together. */
  write(batch: readonly RawPacket[]): void {
    const w = this.writer;
    if (w === null || batch.length === 0) return;
    const parts: Uint8Array[] = new Array<Uint8Array>(batch.length);
    for (let i = 0; i < batch.length; i++) parts[i] = w.packet(batch[i] as RawPacket);
    this.put(parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(parts));
    this.packets += batch.length;
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private put(bytes: Uint8Array): void {
    if (this.fd === null) return;
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.bytes += bytes.length;
  }
}
