// The bounded hand-off between cap's callback and the pipeline: batching, ending, drop accounting.

import { describe, expect, it } from 'vitest';
import { BatchQueue } from '../../src/capture/batch-queue.js';

describe('BatchQueue', () => {
  it('hands over everything pushed in one synchronous run as one batch', async () => {
    const q = new BatchQueue<number>();
    const next = q.next();
    for (let i = 0; i < 5; i++) q.push(i, 10, i);
    expect(await next).toEqual([0, 1, 2, 3, 4]);
  });

  it('returns queued items at once when the consumer was busy, then waits', async () => {
    const q = new BatchQueue<string>();
    q.push('a', 1, 0);
    q.push('b', 1, 0);
    expect(await q.next()).toEqual(['a', 'b']);
    let got: string[] | null | undefined;
    void q.next().then((b) => (got = b));
    await new Promise((r) => setImmediate(r));
    expect(got).toBeUndefined();
    q.push('c', 1, 0);
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(['c']);
  });

  it('delivers what is queued after end(), then null; refuses pushes after end', async () => {
    const q = new BatchQueue<number>();
    q.push(1, 1, 0);
    q.end();
    expect(q.push(2, 1, 0)).toBe(false);
    expect(await q.next()).toEqual([1]);
    expect(await q.next()).toBeNull();
    expect(await q.next()).toBeNull();
  });

  it('end() wakes a waiting consumer', async () => {
    const q = new BatchQueue<number>();
    const next = q.next();
    q.end();
    expect(await next).toBeNull();
  });

  it('drops and counts beyond maxItems or maxBytes, and reports each drop once', async () => {
    const q = new BatchQueue<number>({ maxItems: 3, maxBytes: 1000 });
    expect([q.push(1, 10, 100), q.push(2, 10, 101), q.push(3, 10, 102), q.push(4, 10, 103), q.push(5, 20, 104)]).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(q.takeDrops()).toEqual({ items: 2, bytes: 30, firstAt: 103 });
    expect(q.takeDrops()).toBeNull();
    expect(await q.next()).toEqual([1, 2, 3]);
    const bytesQ = new BatchQueue<number>({ maxItems: 100, maxBytes: 25 });
    expect([bytesQ.push(1, 10, 0), bytesQ.push(2, 10, 0), bytesQ.push(3, 10, 0), bytesQ.push(4, 5, 0)]).toEqual([true, true, false, true]);
    expect(bytesQ.takeDrops()).toEqual({ items: 1, bytes: 10, firstAt: 0 });
  });

  it('next(max) hands out slices in order and keeps the byte count right', async () => {
    const q = new BatchQueue<number>({ maxItems: 10, maxBytes: 100 });
    for (let i = 0; i < 10; i++) q.push(i, 10, 0);
    expect(q.push(10, 10, 0)).toBe(false);
    expect(await q.next(4)).toEqual([0, 1, 2, 3]);
    expect(q.length).toBe(6);
    // 4 slots (40 bytes) were freed by the slice.
    for (let i = 10; i < 14; i++) expect(q.push(i, 10, 0)).toBe(true);
    expect(q.push(99, 10, 0)).toBe(false);
    expect(await q.next(5)).toEqual([4, 5, 6, 7, 8]);
    expect(await q.next(100)).toEqual([9, 10, 11, 12, 13]);
    expect(q.length).toBe(0);
  });

  it('keeps order across compaction of its backing arrays', async () => {
    const q = new BatchQueue<number>({ maxItems: 100_000, maxBytes: 1e9 });
    let pushed = 0;
    const got: number[] = [];
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 300; i++) q.push(pushed++, 1, 0);
      for (let i = 0; i < 2; i++) got.push(...((await q.next(128)) ?? []));
    }
    q.end();
    for (let b = await q.next(128); b !== null; b = await q.next(128)) got.push(...b);
    expect(got).toEqual(Array.from({ length: pushed }, (_, i) => i));
  });
});
