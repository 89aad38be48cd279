// Turns the packets read back from the capture child into the live source the pipeline pulls from:
// empty batches carrying the time while nothing arrives (so holes and idle connections time out
// during a quiet capture), the child's drop reports as capture.queue_overflow diagnostics, and a
// stop of the child when the pipeline stops pulling early (its output closed).

import type { DiagnosticSink } from '../diag.js';
import type { CaptureChild } from './live-child.js';
import { receiptClock } from './live-clock.js';
import { DEFAULT_FLUSH_MS } from './live-records.js';
import type { PacketBatch } from './packet.js';

/** With no traffic, the pipeline is told the time this often. */
export const IDLE_TICK_MS = 250;
// A packet stamped in the child reaches this process up to one flush interval later; an idle tick
// claims no later time than that, so it never runs ahead of a packet still on its way.
const TICK_LAG_MICROS = 2 * DEFAULT_FLUSH_MS * 1000;

type ReadOutcome = { ok: true; r: IteratorResult<PacketBatch> } | { ok: false; err: unknown };

export async function* liveBatches(packets: AsyncIterable<PacketBatch>, child: CaptureChild, diag: DiagnosticSink): AsyncGenerator<PacketBatch, void, undefined> {
  const clock = receiptClock();
  const it = packets[Symbol.asyncIterator]();
  // The read in flight settles exactly once into `read.outcome` and wakes the waiting tick, if any. (Racing
  // the read's promise against a timer on every tick would attach one more handler per tick, all kept
  // until the read ends: hours of them on a quiet interface.)
  let reading: Promise<void> | null = null;
  const read: { outcome: ReadOutcome | null } = { outcome: null };
  let wake: (() => void) | null = null;
  const settle = (o: ReadOutcome): void => {
    read.outcome = o;
    wake?.();
  };
  let done = false;
  try {
    for (;;) {
      reading ??= it.next().then(
        (r) => settle({ ok: true, r }),
        (err: unknown) => settle({ ok: false, err }),
      );
      if (read.outcome === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            wake = null;
            resolve();
          }, IDLE_TICK_MS);
          wake = () => {
            clearTimeout(timer);
            wake = null;
            resolve();
          };
        });
      }
      reportOverflows(child, diag);
      const o = read.outcome;
      if (o === null) {
        yield Object.assign([] as PacketBatch, { nowMicros: clock() - TICK_LAG_MICROS });
        continue;
      }
      read.outcome = null;
      reading = null;
      if (!o.ok) throw o.err;
      if (o.r.done === true) {
        done = true;
        return;
      }
      yield o.r.value;
    }
  } finally {
    if (!done) {
      // The pipeline broke off (its output closed) or failed: stop the child and stop reading its
      // stream, so neither side waits for the other; then let the reader release it.
      child.stop('consumer');
      child.packets.destroy();
      if (reading !== null) await reading;
      await it.return?.(undefined);
    }
  }
}

function reportOverflows(child: CaptureChild, diag: DiagnosticSink): void {
  for (const d of child.takeOverflows()) {
    diag({
      code: 'capture.queue_overflow',
      severity: 'warning',
      message: `${d.packets} packets (${d.bytes} bytes) dropped by the capture process: the analysis fell behind`,
      packet: 0,
      tsMicros: d.firstAt,
      details: { packets: d.packets, bytes: d.bytes },
    });
  }
}
