// What TCP reassembly hands to the protocol layers: connection life-cycle events and
// in-order byte chunks per direction, with explicit gaps where bytes were never seen.

import type { Direction } from '../diag.js';

export interface Endpoint {
  addr: string;
  port: number;
}

export interface Connection {
  /** 1-based, in order of first packet seen; a reused 4-tuple after close gets a new id. */
  id: number;
  client: Endpoint;
  server: Endpoint;
  /** How the client side was decided: it sent the SYN, or (no SYN seen) its port is not an MSNP port. */
  clientBy: 'syn' | 'port' | 'first-packet';
  /** True when the capture holds no SYN for this connection (joined mid-stream). */
  midStream: boolean;
  firstPacket: number;
  firstTsMicros: number;
  /** A virtual connection: one HTTP gateway session carried by TCP connection `conn`. */
  tunnel?: { conn: number; sessionId: string; server: string };
}

export type StreamEvent =
  | { kind: 'open'; conn: Connection; packet: number; tsMicros: number }
  | {
      kind: 'data';
      conn: Connection;
      dir: Direction;
      /** In-order bytes; a view or copy owned by the receiver from now on. */
      bytes: Uint8Array;
      /** Bytes that were never seen just before these (0 = contiguous). */
      gapBefore: number;
      /** Frame that delivered the last of these bytes (Wireshark-style "completed in" frame). */
      packet: number;
      tsMicros: number;
    }
  | {
      /** A hole that is given up on with no data after it yet (at close or end of capture). */
      kind: 'gap';
      conn: Connection;
      dir: Direction;
      bytes: number;
      packet: number;
      tsMicros: number;
    }
  | {
      kind: 'close';
      conn: Connection;
      reason: 'fin' | 'rst' | 'idle' | 'end-of-capture' | 'evicted';
      packet: number;
      tsMicros: number;
    };
