// Receipt timestamps for live capture. cap gives none, so the capture child stamps each packet when
// it reaches JavaScript, and the analysis process uses the same clock for its idle ticks.

/**
 * Microseconds since the Unix epoch: one wall-clock reading at creation, then the monotonic clock, so
 * times keep their order even if the system clock is stepped during the capture. (performance.now():
 * runs once per packet, and is several times cheaper than hrtime.bigint() and its BigInt arithmetic.)
 */
export function receiptClock(): () => number {
  const start = performance.now();
  const wallBase = Math.round((performance.timeOrigin + start) * 1000);
  return () => wallBase + Math.round((performance.now() - start) * 1000);
}
