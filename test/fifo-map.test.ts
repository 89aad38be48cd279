// FifoMap against a plain Map: the same answers, and the same oldest key as the Map's insertion order.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FifoMap } from '../src/fifo-map.js';

describe('FifoMap', () => {
  it('answers like a Map, and its oldest key is the Map’s first, whatever was set, replaced or deleted', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key, value: fc.nat(9) }),
      fc.record({ kind: fc.constant('delete' as const), key }),
      fc.record({ kind: fc.constant('evict' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 4000 }), (ops) => {
        const f = new FifoMap<number>();
        const ref = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            f.set(o.key, o.value);
            ref.set(o.key, o.value);
          } else if (o.kind === 'delete') {
            expect(f.delete(o.key)).toBe(ref.delete(o.key));
          } else {
            const oldest = ref.keys().next().value;
            expect(f.oldestKey()).toBe(oldest);
            if (oldest !== undefined) {
              f.delete(oldest);
              ref.delete(oldest);
            }
          }
          expect(f.size).toBe(ref.size);
          for (const k of ['a', 'b', 'c', 'd', 'e']) expect([f.has(k), f.get(k)]).toEqual([ref.has(k), ref.get(k)]);
        }
        expect(f.oldestKey()).toBe(ref.keys().next().value);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps its order through many keys deleted out of order and many taken as oldest', () => {
    const f = new FifoMap<number>();
    const ref = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const k = `k${i}`;
      f.set(k, i);
      ref.set(k, i);
      if (i % 3 === 1) {
        // Deleted out of order: the one set just before.
        f.delete(`k${i - 1}`);
        ref.delete(`k${i - 1}`);
      }
      if (ref.size > 500) {
        const oldest = ref.keys().next().value as string;
        expect(f.oldestKey()).toBe(oldest);
        f.delete(oldest);
        ref.delete(oldest);
      }
    }
    expect([...ref.keys()].every((k) => f.get(k) === ref.get(k))).toBe(true);
    expect(f.oldestKey()).toBe(ref.keys().next().value);

    // One old key while thousands come and go behind it: the order is compacted around it.
    const g = new FifoMap<number>();
    g.set('anchor', 0);
    for (let i = 0; i < 5000; i++) {
      g.set(`t${i}`, i);
      g.delete(`t${i}`);
    }
    g.set('last', 1);
    expect(g.oldestKey()).toBe('anchor');
    g.delete('anchor');
    expect(g.oldestKey()).toBe('last');
  });
});
