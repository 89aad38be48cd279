// Receipt timestamps for live capture. cap gives none, so the capture child stamps each packet when
// it reaches JavaScript, and the analysis process uses the same clock for its idle ticks.

/**
 * Microseconds since the Unix epoch: one wall-clock reading at creation, then the monotonic clock, so
 * times keep their order even if the system clock is stepped during the capture.
 */
export function receiptClock(): () => number {
  const wallBase = Math.round((performance.timeOrigin + performance.now()) * 1000);
  const hrBase = process.hrtime.bigint();
  return () => wallBase + Number((process.hrtime.bigint() - hrBase) / 1000n);
}
