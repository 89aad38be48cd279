// Shared by the capture reader tests: sample frames, reading bytes whole / chunked / from a file, and a
// plain-data view of packets so that comparisons do not depend on which buffer a view points into.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { RawPacket } from '../../src/capture/packet.js';
import { readCapture } from '../../src/capture/source.js';
import type { Diagnostic } from '../../src/diag.js';
import { Conversation, buildFrames, type BuildOptions } from '../support/capture-builder.js';

export interface ReadResult {
  packets: RawPacket[];
  diags: Diagnostic[];
  batches: number;
}

/** Reads a capture from a path or from bytes (as one stream chunk, or in chunks of the given sizes). */
export async function read(input: string | Uint8Array, opts: { chunks?: number[] | number; blockSize?: number } = {}): Promise<ReadResult> {
  const diags: Diagnostic[] = [];
  const packets: RawPacket[] = [];
  let batches = 0;
  const source = typeof input === 'string' ? input : Readable.from(chunked(input, opts.chunks));
  for await (const batch of readCapture(source, (d) => diags.push(d), opts.blockSize !== undefined ? { blockSize: opts.blockSize } : {})) {
    batches++;
    // Packet bytes are valid for their batch only (the reader reuses its blocks): keep copies.
    for (const p of batch) packets.push({ ...p, data: p.data.slice() });
  }
  return { packets, diags, batches };
}

/** Splits bytes at the given sizes (cycled), or into pieces of one size; one piece by default. */
export function chunked(bytes: Uint8Array, sizes: number[] | number | undefined): Buffer[] {
  if (sizes === undefined) return [Buffer.from(bytes)];
  const list = typeof sizes === 'number' ? [sizes] : sizes;
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.max(1, list[i % list.length] as number);
    out.push(Buffer.from(bytes.subarray(at, at + n)));
    at += n;
  }
  return out;
}

export interface PlainPacket {
  index: number;
  tsMicros: number;
  linkType: number;
  origLen: number;
  data: number[];
}

/** Packets as plain data (bytes as arrays): equality that ignores which buffer a view points into. */
export function plain(packets: readonly RawPacket[]): PlainPacket[] {
  return packets.map((p) => ({ index: p.index, tsMicros: p.tsMicros, linkType: p.linkType, origLen: p.origLen, data: Array.from(p.data) }));
}

/** The first difference between two packet lists, or null: a fast check for tests that compare many lists. */
export function packetDiff(got: readonly RawPacket[], want: readonly RawPacket[], opts: { lastMayBeCut?: boolean } = {}): string | null {
  if (got.length !== want.length) return `${got.length} packets instead of ${want.length}`;
  for (let i = 0; i < got.length; i++) {
    const a = got[i] as RawPacket;
    const b = want[i] as RawPacket;
    const cut = opts.lastMayBeCut === true && i === got.length - 1 && a.data.length < b.data.length;
    const bData = cut ? b.data.subarray(0, a.data.length) : b.data;
    if (a.index !== b.index || a.tsMicros !== b.tsMicros || a.linkType !== b.linkType || a.origLen !== b.origLen || Buffer.compare(a.data, bData) !== 0) {
      return `packet ${i + 1} differs: ${JSON.stringify(plain([a])[0])} vs ${JSON.stringify(plain([b])[0])}`;
    }
  }
  return null;
}

/** Renumbers packets 1..n (what a reader yields when some frames were lost). */
export function renumber(packets: readonly RawPacket[]): RawPacket[] {
  return packets.map((p, i) => ({ ...p, index: i + 1 }));
}

/** A small MSNP conversation's frames: handshake, a few commands both ways, close. */
export function sampleFrames(opts: BuildOptions = {}, startMicros = Date.UTC(2005, 4, 6, 9, 17, 57) * 1000 + 123): RawPacket[] {
  const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863', startMicros, stepMicros: 1_234_567 });
  conv
    .handshake()
    .client('VER 1 MSNP8 CVR0\r\n')
    .server('VER 1 MSNP8\r\n')
    .client('CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0137 MSMSGS alice@example.com\r\n')
    .server('CVR 2 6.2.0208 6.2.0208 6.2.0208 http://download.microsoft.com http://messenger.msn.com\r\n')
    .client(`MSG 3 N 130\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n${'x'.repeat(2000)}`, { mss: 1460 })
    .close();
  return buildFrames(conv.segments, opts);
}

let tmp: string | null = null;

/** Writes bytes to a fresh file in a per-process temporary directory and returns its path. */
export function tempFile(name: string, bytes: Uint8Array | string): string {
  tmp ??= mkdtempSync(join(tmpdir(), 'msnsniff-capture-'));
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** Removes the files tempFile made (call from afterAll). */
export function removeTempFiles(): void {
  if (tmp !== null) rmSync(tmp, { recursive: true, force: true });
  tmp = null;
}

/** The file offsets at which each record of a classic pcap begins (24-byte file header, 16-byte record headers). */
export function pcapRecordOffsets(bytes: Uint8Array, recordHeaderLength = 16, le = true): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let at = 24; at + recordHeaderLength <= bytes.length; at += recordHeaderLength + v.getUint32(at + 8, le)) out.push(at);
  return out;
}
