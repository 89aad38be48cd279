// Opens a capture (file path, "-" for stdin, or any readable stream), tells pcap from pcapng by its magic
// number and yields its packets in batches, one batch per block read. I/O problems the user must see throw.

import { type FileHandle, open } from 'node:fs/promises';
import type { DiagnosticSink } from '../diag.js';
import { plainBytes } from '../bytes.js';
import type { RawPacket } from './packet.js';
import { PcapWalker, pcapVariant } from './pcap.js';
import { PcapngWalker, isPcapng } from './pcapng.js';
import { ChunkFeeder, join, type RecordWalker } from './walker.js';

/** The input cannot be opened or read (missing, permission denied, a directory, a failing device). */
export class CaptureOpenError extends Error {
  override readonly name = 'CaptureOpenError';
}

/** The input is no capture msnsniff can read (empty, or not pcap/pcapng). */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';
}

export interface ReadCaptureOptions {
  /** Bytes per file read (default 256 KiB). Packets are views into these blocks, valid until the next batch. */
  blockSize?: number;
  /** What to call the input in error messages (default: the path, "stdin", or "input"). */
  name?: string;
  /**
   * Test aid: fill a file block with garbage before it is read into again, so that any packet bytes kept
   * past their batch without a copy change the output (see test/capture/block-reuse.test.ts).
   */
  poisonReusedBlocks?: boolean;
}

// One batch of packets per block. 256 KiB (~300 packets of MSNP traffic) measured ~10% faster than
// 1 MiB: a batch's packet objects are all alive while it is analysed, and fewer of them outlive a
// young-generation GC. 64 KiB was slower again (more reads and output flushes).
export const DEFAULT_BLOCK_SIZE = 256 << 10;

/**
 * The packets of a capture, in batches. `input` is a file path, "-" for stdin, or a stream of chunks
 * (any async iterable of bytes or latin1 strings, such as a readable stream).
 * Errors opening or reading it, and input that is no capture, throw from the first `next()` (or later for
 * read errors) as CaptureOpenError / CaptureFormatError; damage inside the capture goes to `diag`.
 */
export function readCapture(
  input: string | ChunkStream,
  diag: DiagnosticSink,
  opts: ReadCaptureOptions = {},
): AsyncIterable<RawPacket[]> {
  if (typeof input === 'string' && input !== '-') {
    const blockSize = Math.max(1, Math.floor(opts.blockSize ?? DEFAULT_BLOCK_SIZE));
    return walkChunks(fileBlocks(input, blockSize, opts.poisonReusedBlocks === true), opts.name ?? input, diag);
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
      head = head === null ? chunk : join([head, chunk], head.length + chunk.length);
      if (head.length < 4) {
        // A copy: the chunk's buffer is read into again while the head waits for more bytes.
        head = head.slice();
        continue;
      }
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
 * Reads a file in blocks into two buffers used in turn: one is walked while the next read fills the other.
 * A block handed out is read into again only after the consumer asked for the block after it, i.e. after
 * the batch of packets made from it was analysed. So a packet's bytes are valid for its batch only: whatever
 * the analysis keeps longer (out-of-order segments, partial lines and bodies, gateway pieces) it copies.
 * (Fresh blocks instead cost an allocation per read and kept ~50 MB of dead 1 MiB blocks waiting for a GC.)
 */
async function* fileBlocks(path: string, blockSize: number, poison: boolean): AsyncGenerator<Uint8Array> {
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
    const buffers = [freshBlock(blockSize), freshBlock(blockSize)];
    let turn = 0;
    const read = (): Promise<ReadResult> => {
      const buf = buffers[turn] as Uint8Array;
      turn ^= 1;
      if (poison) buf.fill(0xa5);
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
      // The other buffer takes the next read while this one is walked.
      next = read();
      inflight = next;
      yield r.n === blockSize ? r.buf : r.buf.subarray(0, r.n);
    }
  } finally {
    // The consumer may stop early with a read still under way: let it land before closing the file.
    if (inflight !== null) await inflight;
    await handle.close();
  }
}

/** Chunks of a capture stream: node streams are async iterables of Buffers (or strings with an encoding). */
export type ChunkStream = AsyncIterable<Uint8Array | string>;

async function* streamChunks(stream: ChunkStream, name: string): AsyncGenerator<Uint8Array> {
  if (stream === process.stdin && process.stdin.isTTY === true) {
    throw new CaptureOpenError('stdin is a terminal: pipe a capture into it (e.g. tcpdump -U -w - | msnsniff read -)');
  }
  const it = stream[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array | string>;
      try {
        r = await it.next();
      } catch (err) {
        done = true;
        // A stage between the source and here (capture -w's file copy) may already have said what failed.
        if (err instanceof CaptureOpenError) throw err;
        throw new CaptureOpenError(`cannot read ${name}: ${reason(err)}`, { cause: err });
      }
      if (r.done === true) {
        done = true;
        return;
      }
      const c = r.value;
      // Plain Uint8Array views, so that packets look the same whichever way the bytes came in.
      yield plainBytes(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
    }
  } finally {
    // Stopped early (the consumer broke off, or the input is no capture): release the stream.
    if (!done) await it.return?.();
  }
}

/** An uninitialised buffer: bytes past what a read fills are never exposed (packets are views of [0, n)). */
function freshBlock(size: number): Uint8Array {
  return plainBytes(Buffer.allocUnsafeSlow(size));
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
