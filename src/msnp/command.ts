// A framed MSNP command: one command line and, for payload commands, the body that followed it.

import type { Direction } from '../diag.js';
import type { Connection } from '../tcp/stream.js';

export interface MsnpCommand {
  conn: Connection;
  dir: Direction;
  /** Three upper-case letters, or three digits for an error reply. */
  verb: string;
  trId: number | null;
  /** Every token after the verb, as sent (split on runs of spaces). */
  args: string[];
  /** The command line as sent, without its line terminator (UTF-8 decoded leniently). */
  line: string;
  /** Announced body length for payload commands, else null. */
  payloadLength: number | null;
  /** The body bytes (payloadLength of them, fewer if the stream ended first), else null. */
  payload: Uint8Array | null;
  /** Body bytes lost to capture gaps; they read as zeros in `payload`. */
  payloadMissing: number;
  /** The stream ended before the announced body was complete. */
  truncated: boolean;
  /** Frame that held the first byte of the command line. */
  firstPacket: number;
  /** Frame that completed the command (Wireshark's "reassembled in"). */
  packet: number;
  tsMicros: number;
  /** Protocol dialect in force on the connection (from VER), or null while unknown. */
  dialect: number | null;
}

/** Where framers deliver their results, in stream order. */
export interface FramerOutput {
  command(cmd: MsnpCommand): void;
}
