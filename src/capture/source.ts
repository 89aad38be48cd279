// Opens a capture (file path, "-" for stdin, or any readable stream), tells pcap from pcapng by its magic
// number and yields its packets in batches, one batch per block read. I/O problems the user must see throw.

import { type FileHandle, open } from 'node:fs/promises';
import type { DiagnosticSink } from '../diag.js';
import type { RawPacket } from './packet.js';
import { PcapWalker, pcapVariant } from './pcap.js';
import { PcapngWalker, isPcapng } from './pcapng.js';
import { ChunkFeeder, type RecordWalker } from './walker.js';

/** The input cannot be opened or read (missing, permission denied, a directory, a failing device). */
export class CaptureOpenError extends Error {
  override readonly name = 'CaptureOpenError';
}

/** The input is no capture msnsniff can read (empty, or not pcap/pcapng). */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';
}

export interface ReadCaptureOptions {
  /** Bytes per file read (default 1 MiB). Packets are views into these blocks. */
  blockSize?: number;
  /** What to call the input in error messages (default: the path, "stdin", or "input"). */
  name?: string;
}

export const DEFAULT_BLOCK_SIZE = 1 << 20;

/**
 * The packets of a capture, in batches. `input` is a file path, "-" for stdin, or a readable stream.
 * Errors opening or reading it, and input that is no capture, throw from the first `next()` (or later for
 * read errors) as CaptureOpenError / CaptureFormatError; damage inside the capture goes to `diag`.
 */
export function readCapture(
  input: string | NodeJS.ReadableStream,
  diag: DiagnosticSink,
  opts: ReadCaptureOptions = {},
): AsyncIterable<RawPacket[]> {
  if (typeof input === 'string' && input !== '-') {
    const blockSize = Math.max(1, Math.floor(opts.blockSize ?? DEFAULT_BLOCK_SIZE));
    return walkChunks(fileBlocks(input, blockSize), opts.name ?? input, diag);
  }
  const name = opts.name ?? (input === '-' ? 'stdin' : 'input');
  return walkChunks(streamChunks(input === '-' ? process.stdin : input, name), name, diag);
}

async function* walkChunks(chunks: AsyncIterable<Uint8Array>, name: string, diag: DiagnosticSink): AsyncGenerator<RawPacket[]> {
  let feeder: ChunkFeeder | null = null;
  let head: Uint8Array | null = null; // the first bytes, until there are enough to read a magic number
  for await (const chunk of chunks) {
    if (chunk.length === 0) continue;
    const out: RawPacket[] = [];
    if (feeder === null) {
      head = head === null ? chunk : Buffer.concat([head, chunk]);
      if (head.length < 4) continue;
      feeder = new ChunkFeeder(walkerFor(head, name, diag));
      feeder.push(head, out);
      head = null;
    } else {
      feeder.push(chunk, out);
    }
    // Yield per chunk, so that a live pipe (tcpdump -U -w - | msnsniff read -) is analysed as it arrives.
    if (out.length > 0) yield out;
  }
  if (feeder === null) {
    if (head === null) throw new CaptureFormatError(`${name} is empty`);
    throw new CaptureFormatError(`${name} is not a pcap or pcapng capture (only ${head.length} bytes: 0x${hexOf(head)})`);
  }
  const out: RawPacket[] = [];
  feeder.finish(out);
  if (out.length > 0) yield out;
}

function walkerFor(head: Uint8Array, name: string, diag: DiagnosticSink): RecordWalker {
  if (isPcapng(head)) return new PcapngWalker(diag);
  const variant = pcapVariant(head);
  if (variant !== null) return new PcapWalker(variant, diag);
  const magic = hexOf(head.subarray(0, 4));
  const hint = head[0] === 0x1f && head[1] === 0x8b ? ': gzip data, decompress it first' : '';
  throw new CaptureFormatError(`${name} is not a pcap or pcapng capture (starts with 0x${magic}${hint})`);
}

/**
 * Reads a file in blocks, each into a fresh buffer (packets yielded from a block are views into it, so a
 * block is never written again), with the next read already under way while the last block is walked.
 */
async function* fileBlocks(path: string, blockSize: number): AsyncGenerator<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new CaptureOpenError(`cannot open ${path}: ${reason(err)}`, { cause: err });
  }
  type ReadResult = { buf: Uint8Array; n: number } | { err: unknown };
  let inflight: Promise<ReadResult> | null = null;
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new CaptureOpenError(`cannot open ${path}: is a directory`);
    const fh = handle;
    // A short read (a pipe or FIFO, or the tail of a file) is copied out so that the big buffer, never
    // handed out, can take the next read: no 1 MiB block stays alive for a few bytes of packets.
    let spare: Uint8Array | null = null;
    const read = (): Promise<ReadResult> => {
      const buf = spare ?? freshBlock(blockSize);
      spare = null;
      // The handler is attached at once: a failing prefetch must not surface as an unhandled rejection.
      return fh.read(buf, 0, blockSize, null).then(
        (r) => ({ buf, n: r.bytesRead }),
        (err: unknown) => ({ err }),
      );
    };
    let next = read();
    for (;;) {
      inflight = next;
      const r = await next;
      inflight = null;
      if ('err' in r) throw new CaptureOpenError(`cannot read ${path}: ${reason(r.err)}`, { cause: r.err });
      if (r.n === 0) return;
      let block: Uint8Array;
      if (r.n < blockSize / 2) {
        block = r.buf.slice(0, r.n);
        spare = r.buf;
      } else {
        block = r.n === blockSize ? r.buf : r.buf.subarray(0, r.n);
      }
      next = read();
      inflight = next;
      yield block;
    }
  } finally {
    // The consumer may stop early with a read still under way: let it land before closing the file.
    if (inflight !== null) await inflight;
    await handle.close();
  }
}

async function* streamChunks(stream: NodeJS.ReadableStream, name: string): AsyncGenerator<Uint8Array> {
  if (stream === process.stdin && process.stdin.isTTY === true) {
    throw new CaptureOpenError('stdin is a terminal: pipe a capture into it (e.g. tcpdump -U -w - | msnsniff read -)');
  }
  const it = stream[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let r: IteratorResult<string | Buffer>;
      try {
        r = await it.next();
      } catch (err) {
        done = true;
        throw new CaptureOpenError(`cannot read ${name}: ${reason(err)}`, { cause: err });
      }
      if (r.done === true) {
        done = true;
        return;
      }
      const c = r.value;
      // Plain Uint8Array views, so that packets look the same whichever way the bytes came in.
      yield typeof c === 'string' ? new Uint8Array(Buffer.from(c, 'latin1')) : new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
    }
  } finally {
    // Stopped early (the consumer broke off, or the input is no capture): release the stream.
    if (!done) await it.return?.();
  }
}

/** An uninitialised buffer: bytes past what a read fills are never exposed (packets are views of [0, n)). */
function freshBlock(size: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Node's error codes in the words a user expects after "cannot open x: ". */
function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | null;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EIO':
      return 'input/output error';
  }
  return e !== null && typeof e === 'object' && typeof e.message === 'string' ? e.message : String(err);
}

function hexOf(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
