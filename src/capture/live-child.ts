// The analysis process's side of live capture: spawns the capture child (dist/capture-worker.js),
// waits until it has the interface open, hands its stdout (a pcap/pcapng stream) to the caller, and
// collects its status messages: drops, the final totals, or how it died.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { LiveCaptureError } from './cap-binding.js';
import type { StopReason } from './live.js';
import { isWorkerMessage, type ParentMessage, type StopTotals, type WorkerConfig } from './live-protocol.js';
import type { DropReport } from './live-records.js';

const WORKER = fileURLToPath(new URL('../capture-worker.js', import.meta.url));
/** How much of the child's stderr is kept to explain a crash. */
const STDERR_KEEP = 4096;

export type ChildEnd =
  | ({ ok: true } & StopTotals)
  /** The child ended without its final report: killed, crashed. `message` is one line for the user. */
  | { ok: false; message: string };

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** The end of the child's stderr, kept to explain a crash; collected from the spawn on. */
interface StderrTail {
  text: string;
}

export class CaptureChild {
  private readonly overflows: DropReport[] = [];
  private stopSent = false;
  private stopWanted: StopReason | null = null;
  private stopped: StopTotals | null = null;
  private fatal: string | null = null;
  private readonly ended: Promise<ChildEnd>;

  private constructor(
    private readonly child: ChildProcess,
    readonly linkType: number,
    readonly linkTypeName: string,
    /** The child has exited and its IPC channel is closed. */
    closed: Promise<Exit>,
    stderr: StderrTail,
  ) {
    child.on('message', (m: unknown) => {
      if (!isWorkerMessage(m)) return;
      if (m.type === 'overflow') this.overflows.push({ packets: m.packets, bytes: m.bytes, firstAt: m.firstAt });
      else if (m.type === 'stopped') this.stopped = m;
      else if (m.type === 'error') this.fatal = m.message;
    });
    this.ended = closed.then(({ code, signal }) => {
      const s = this.stopped;
      if (s !== null && code === 0) return { ok: true, reason: s.reason, received: s.received, written: s.written, dropped: s.dropped, cut: s.cut };
      const how = signal !== null ? `killed by ${signal}` : `exit code ${code}`;
      const why = this.fatal ?? firstTelling(stderr.text);
      return { ok: false, message: `the capture process ended unexpectedly (${how})${why !== null ? `: ${why}` : ''}` };
    });
  }

  /**
   * Spawns the child and waits until the interface is open. Throws LiveCaptureError with the child's
   * one-line reason (no such interface, permission, bad filter, cap missing) when it cannot start.
   */
  static start(config: WorkerConfig): Promise<CaptureChild> {
    const child = spawn(process.execPath, [WORKER, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const disconnected = new Promise<void>((resolve) => {
      if (!child.connected) resolve();
      else child.once('disconnect', () => resolve());
    });
    // Every IPC message has been delivered once the channel is closed, so both are awaited.
    const closed = Promise.all([exited, disconnected]).then(([e]) => e);
    const stderr: StderrTail = { text: '' };
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      stderr.text = (stderr.text + s).slice(-STDERR_KEEP);
    });
    return new Promise<CaptureChild>((resolve, reject) => {
      const onMessage = (m: unknown): void => {
        if (!isWorkerMessage(m)) return;
        if (m.type === 'started') {
          cleanup();
          resolve(new CaptureChild(child, m.linkType, m.linkTypeName, closed, stderr));
        } else if (m.type === 'error') {
          cleanup();
          reject(new LiveCaptureError(m.message));
        }
      };
      const onSpawnError = (err: Error): void => {
        cleanup();
        reject(new LiveCaptureError(`cannot start the capture process: ${err.message}`));
      };
      const onEarlyExit = ({ code, signal }: Exit): void => {
        cleanup();
        const why = firstTelling(stderr.text);
        reject(new LiveCaptureError(`the capture process ended before capturing (${signal ?? `exit code ${code}`})${why !== null ? `: ${why}` : ''}`));
      };
      let settled = false;
      const cleanup = (): void => {
        settled = true;
        child.off('message', onMessage);
        child.off('error', onSpawnError);
      };
      child.on('message', onMessage);
      child.once('error', onSpawnError);
      // An 'error' message arrives before the exit; wait for the channel too, so it is not missed.
      void closed.then((e) => {
        if (!settled) onEarlyExit(e);
      });
    });
  }

  /** The packets, as a pcap or pcapng stream. */
  get packets(): Readable {
    return this.child.stdout as Readable;
  }

  /**
   * Asks the child to close the capture and write out what it holds (the packet stream then ends).
   * Safe to call repeatedly; the first reason is the one reported.
   */
  stop(reason: StopReason): void {
    this.stopWanted ??= reason;
    if (this.stopSent || !this.child.connected) return;
    this.stopSent = true;
    const msg: ParentMessage = { type: 'stop', reason };
    this.child.send(msg, (err) => {
      // The channel closed under us: the child is already on its way out.
      void err;
    });
  }

  /** The reason the parent asked for, if it asked. */
  get stopRequested(): StopReason | null {
    return this.stopWanted;
  }

  /** Drop reports received since the last call. */
  takeOverflows(): DropReport[] {
    return this.overflows.length === 0 ? [] : this.overflows.splice(0);
  }

  /** Resolves once the child has exited and its channel is closed. */
  end(): Promise<ChildEnd> {
    return this.ended;
  }

  /** Last resort when the child does not end by itself after a stop (e.g. it is wedged). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** The line of a crash report worth showing (node prints the error after a source excerpt). */
function firstTelling(stderr: string): string | null {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.find((l) => /Error\b|Segmentation|Aborted|FATAL|Warning/.test(l)) ?? lines[0] ?? null;
}
