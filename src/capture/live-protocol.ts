// What the analysis process (live-child.ts) and the capture child (capture-worker.ts) tell each other.
// Packets go on the child's stdout as a pcap/pcapng stream; everything else goes on the IPC channel.

import type { DropReport, LiveFileFormat } from './live-records.js';
import type { LiveCaptureOptions, StopReason } from './live.js';

/** Passed to the child as its one command-line argument (JSON). */
export interface WorkerConfig extends LiveCaptureOptions {
  format: LiveFileFormat;
  /** Bound on bytes written to stdout but not yet read by the parent. */
  maxPendingBytes: number;
}

export type WorkerMessage =
  /** The interface is open and packets are coming; sent once. */
  | { type: 'started'; linkType: number; linkTypeName: string }
  /** The interface cannot be opened (or the child failed): one line for the user. The child exits. */
  | { type: 'error'; message: string }
  /** Packets dropped because the parent fell too far behind (the stdout queue hit its bound). */
  | ({ type: 'overflow' } & DropReport)
  /** Capture closed and stdout fully written; the child exits 0 after this. */
  | ({ type: 'stopped' } & StopTotals);

/** How the capture ended, with the child's totals (packets received, written to stdout, dropped, cut by snaplen). */
export interface StopTotals {
  reason: StopReason;
  received: number;
  written: number;
  dropped: number;
  cut: number;
}

/** Parent to child: close the capture, write out what is queued and exit. */
export type ParentMessage = { type: 'stop'; reason: StopReason };

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}
