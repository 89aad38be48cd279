// The contract between a capture format's record walker (pcap.ts, pcapng.ts) and the block reader
// (source.ts), and the carry-over of records that straddle the blocks or chunks the input arrives in.

import type { DiagnosticSink, Severity } from '../diag.js';
import type { RawPacket } from './packet.js';
import { plainBytes } from '../bytes.js';

/**
 * A push parser over the records of one capture format. It walks whole records in place (packets are
 * views into the caller's buffer) and stops at the first record it cannot finish with the bytes it has.
 */
export interface RecordWalker {
  /**
   * Walks records in buf[at, end); `offset` is the file offset of buf[at] (for diagnostics). Appends the
   * packets to `out` and returns where it stopped. Unless `eof`, a stop short of `end` sets `need`: the
   * number of bytes, counted from the stop, it must see in one piece to go on (always more than it had).
   * With `eof` nothing more will come: the walker reports what is cut short and returns `end`.
   * A walker may also return `end` with `skip` set: that many further input bytes are to be dropped
   * unread (the rest of a huge block nobody needs); the feeder counts them down.
   */
  walk(buf: Uint8Array, at: number, end: number, offset: number, eof: boolean, out: RawPacket[]): number;
  need: number;
  skip: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Feeds input chunks of any size (256 KiB file blocks, 64 KiB pipe reads, single bytes) to a walker.
 * Records inside a chunk are walked in place; only the piece of a record that straddles chunks is
 * copied (into a fresh buffer, which is never written again).
 */
export class ChunkFeeder {
  /** Unconsumed input waiting for more bytes: the tail of one chunk plus heads of the next ones. */
  private pieces: Uint8Array[] = [];
  private pendingLength = 0;
  /** File offset of the first pending byte, or of the next input byte when nothing is pending. */
  private offset = 0;

  constructor(private readonly walker: RecordWalker) {}

  push(chunk: Uint8Array, out: RawPacket[]): void {
    const w = this.walker;
    const end = chunk.length;
    let at = 0;
    for (;;) {
      if (w.skip > 0) {
        const n = Math.min(w.skip, end - at);
        w.skip -= n;
        at += n;
        this.offset += n;
        if (w.skip > 0) return;
      }
      if (at === end) return;
      if (this.pendingLength === 0) break;
      // Take just enough of this chunk to let the walker finish the record it stopped in.
      const take = Math.min(w.need - this.pendingLength, end - at);
      this.pieces.push(chunk.slice(at, at + take)); // a copy, like keep()'s
      this.pendingLength += take;
      at += take;
      if (this.pendingLength < w.need) return;
      const joined = join(this.pieces, this.pendingLength);
      const stop = w.walk(joined, 0, joined.length, this.offset, false, out);
      this.offset += stop;
      this.keep(joined, stop);
    }
    const stop = w.walk(chunk, at, end, this.offset, false, out);
    this.offset += stop - at;
    this.keep(chunk, stop);
  }

  /** End of input: the walker sees whatever is left and reports it as cut short. */
  finish(out: RawPacket[]): void {
    const rest = this.pendingLength === 0 ? EMPTY : join(this.pieces, this.pendingLength);
    this.pieces = [];
    this.pendingLength = 0;
    this.walker.walk(rest, 0, rest.length, this.offset, true, out);
  }

  /** Keeps buf[stop, end) pending after a walk over buf that stopped at `stop`. */
  private keep(buf: Uint8Array, stop: number): void {
    const rest = buf.length - stop;
    if (rest > 0 && rest >= this.walker.need && this.walker.skip === 0) {
      // A walker that stops without asking for more than it has would make the feeder spin.
      throw new Error(`capture walker stopped with ${rest} bytes left but asked for only ${this.walker.need}`);
    }
    // A copy: the caller's buffer is reused once its packets are analysed (source.ts); the tail is at most one record.
    this.pieces = rest > 0 ? [buf.slice(stop)] : [];
    this.pendingLength = rest;
  }
}

/** The pieces as one contiguous plain Uint8Array of `length` bytes (see plainBytes). */
export function join(pieces: readonly Uint8Array[], length: number): Uint8Array {
  // A lone piece (the tail of the last chunk, at end of input) is contiguous already.
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  return plainBytes(Buffer.concat(pieces, length));
}

/** A scan's verdict on one offset: a plausible record/block starts here, none does, or more bytes are needed. */
export const enum Candidate {
  Yes,
  No,
  NeedMore,
}

/** What a walker gives the shared forward scan it runs after damage. */
export interface Resyncing {
  need: number;
  candidate(view: DataView, p: number, end: number, eof: boolean): Candidate;
  endDamage(resumeOffset: number, atEof: boolean): void;
}

/**
 * Scans byte by byte from `at` for the next plausible record (each walker says what plausible means);
 * returns where to go on, or where to wait for `minBytes` more bytes when the block ends first.
 */
export function scanForward(w: Resyncing, view: DataView, at: number, end: number, base: number, eof: boolean, minBytes: number): number {
  for (let p = at; ; p++) {
    if (p + minBytes > end) {
      if (!eof) {
        w.need = minBytes;
        return p;
      }
      w.endDamage(base + end, true);
      return end;
    }
    const verdict = w.candidate(view, p, end, eof);
    if (verdict === Candidate.Yes) {
      w.endDamage(base + p, false);
      return p;
    }
    if (verdict === Candidate.NeedMore) return p;
  }
}

/** Hands one diagnostic about the capture file to `diag`; `tsMicros` only when a packet's time is known. */
export function report(
  diag: DiagnosticSink,
  code: string,
  severity: Severity,
  message: string,
  packet: number,
  details: Record<string, number | null>,
  tsMicros?: number,
): void {
  diag({ code, severity, message, packet, ...(tsMicros !== undefined && { tsMicros }), details });
}
