// Entry of the capture child process that `msnsniff capture` spawns (like Wireshark's dumpcap): it
// only opens the interface, stamps packets and writes them to stdout as a pcap/pcapng stream, so the
// analysis in the parent can never keep it from draining the small kernel ring. Control and status
// travel on the IPC channel (live-protocol.ts). Not meant to be run by hand.

import { Socket } from 'node:net';
import { setPriority } from 'node:os';
import { finished } from 'node:stream';
import { messageOf } from './capture/cap-binding.js';
import { CAP_SNAPLEN, LiveCapture, type StopReason } from './capture/live.js';
import type { ParentMessage, WorkerConfig, WorkerMessage } from './capture/live-protocol.js';
import { RecordChunker } from './capture/live-records.js';

function send(msg: WorkerMessage, then?: () => void): void {
  if (process.send === undefined || !process.connected) {
    then?.();
    return;
  }
  process.send(msg, undefined, {}, () => then?.());
}

/** Reports one line and exits: the parent prints it as the reason the capture could not run. */
function fail(message: string, code: number): void {
  send({ type: 'error', message }, () => process.exit(code));
}

process.on('uncaughtException', (err) => fail(`capture process failed: ${err.stack?.split('\n')[0] ?? err.message}`, 3));

if (process.send === undefined) {
  process.stderr.write('capture-worker: internal to `msnsniff capture`, needs its IPC channel\n');
  process.exit(2);
}

let live: LiveCapture | null = null;
let records: RecordChunker | null = null;
// A stop may come while the interface is still opening (the parent was interrupted at once).
let stopBeforeStart: StopReason | null = null;
const stop = (reason: StopReason): void => {
  if (live !== null) live.stop(reason);
  else stopBeforeStart ??= reason;
};
process.on('message', (m: ParentMessage) => {
  if (m.type === 'stop') stop(m.reason);
});
// Ctrl-C in a terminal reaches the whole process group; the parent forwards its own SIGTERM as a stop message.
process.on('SIGINT', () => stop('signal'));
process.on('SIGTERM', () => stop('signal'));
// The parent is gone (crashed or killed): nobody to write to.
process.on('disconnect', () => {
  live?.stop('consumer');
  process.exit(1);
});

// The kernel ring holds only ~512 frames (cap's 65535 snaplen makes each slot 128 KiB): at lo's burst
// rates that is ~20 ms, and on a busy machine the scheduler can leave this process waiting longer
// than that behind the analysis. Running ahead of it costs little (a few µs per packet), so ask for
// a higher priority; only root or CAP_SYS_NICE may, and without it the default stays.
const PRIORITY = -10;
try {
  setPriority(PRIORITY);
} catch {
  // Not permitted: capture at the normal priority.
}

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
// stdout as a plain non-blocking socket: node may make process.stdout synchronous for pipes, and a
// write that blocks here is exactly what would let the kernel ring overflow.
const out = new Socket({ fd: 1, readable: false, writable: true });
// The parent stopped reading (its own output closed): stop without writing out the queue.
out.on('error', () => {
  out.destroy();
  live?.stop('consumer');
});

const reportDrops = (): void => {
  const d = records?.takeDrops();
  if (d !== null && d !== undefined) send({ type: 'overflow', ...d });
};

// Whatever stopped the capture (count, duration, signal, the parent): write out what is queued,
// report the totals, exit.
const finish = (reason: StopReason): void => {
  records?.flush();
  reportDrops();
  const done = (): void => {
    const stats = { received: live?.stats.received ?? 0, written: records?.stats.written ?? 0, dropped: records?.stats.dropped ?? 0, cut: live?.stats.cut ?? 0 };
    send({ type: 'stopped', reason, ...stats }, () => process.exit(0));
  };
  if (out.destroyed) {
    done();
    return;
  }
  finished(out, done);
  out.end();
};

try {
  live = LiveCapture.open(config, (data, origLen, ts) => void records?.add(data, origLen, ts), finish);
} catch (err) {
  fail(messageOf(err), 2);
}

if (live !== null) {
  records = new RecordChunker(out, { format: config.format, linkType: live.linkType, snaplen: CAP_SNAPLEN, maxPendingBytes: config.maxPendingBytes });
  // Drops are reported about once a second while they last, not once per packet.
  setInterval(reportDrops, 1000).unref();
  send({ type: 'started', linkType: live.linkType, linkTypeName: live.linkTypeName });
  if (stopBeforeStart !== null) live.stop(stopBeforeStart);
}
