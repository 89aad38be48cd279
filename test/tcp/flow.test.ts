// The flow table (found from either direction) and the activity list (coldest first).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActivityList, type ActivityNode, FlowTable } from '../../src/tcp/flow.js';

describe('FlowTable', () => {
  it('finds a flow from both directions and forgets it from both', () => {
    const t = new FlowTable<string>();
    t.set('10.0.0.2', 50000, '10.0.0.1', 1863, 'a');
    t.set('::1', 1863, '::2', 1863, 'b');
    expect(t.get('10.0.0.2', 50000, '10.0.0.1', 1863)).toBe('a');
    expect(t.get('10.0.0.1', 1863, '10.0.0.2', 50000)).toBe('a');
    expect(t.get('10.0.0.1', 50000, '10.0.0.2', 1863)).toBeUndefined();
    expect(t.get('::2', 1863, '::1', 1863)).toBe('b');
    t.delete('10.0.0.1', 1863, '10.0.0.2', 50000);
    expect(t.get('10.0.0.2', 50000, '10.0.0.1', 1863)).toBeUndefined();
    expect(t.get('10.0.0.1', 1863, '10.0.0.2', 50000)).toBeUndefined();
    expect(t.get('::1', 1863, '::2', 1863)).toBe('b');
  });

  it('keeps the highest ports apart', () => {
    const t = new FlowTable<number>();
    t.set('a', 65535, 'b', 0, 1);
    t.set('a', 0, 'b', 65535, 2);
    expect([t.get('a', 65535, 'b', 0), t.get('a', 0, 'b', 65535), t.get('b', 0, 'a', 65535)]).toEqual([1, 2, 1]);
  });
});

describe('FlowTable against a plain Map of string keys', () => {
  // Few addresses and ports, so that tuples collide in the lookup cache and are reused after deletes.
  const end = fc.record({ addr: fc.constantFrom('10.0.0.1', '10.0.0.2', '::1'), port: fc.constantFrom(0, 1863, 1864, 50000, 65535) });
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), a: end, b: end, value: fc.nat(5) }),
    fc.record({ kind: fc.constant('delete' as const), a: end, b: end }),
    fc.record({ kind: fc.constant('get' as const), a: end, b: end }),
    fc.record({ kind: fc.constant('clear' as const) }),
  );

  it('answers every lookup as the reference does, whatever was set, replaced, deleted or cleared before', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const t = new FlowTable<number>();
        const ref = new Map<string, number>();
        const key = (a: { addr: string; port: number }, b: { addr: string; port: number }) => `${a.addr}|${a.port}|${b.addr}|${b.port}`;
        for (const o of ops) {
          if (o.kind === 'clear') {
            t.clear();
            ref.clear();
          } else if (o.kind === 'set') {
            t.set(o.a.addr, o.a.port, o.b.addr, o.b.port, o.value);
            ref.set(key(o.a, o.b), o.value);
            ref.set(key(o.b, o.a), o.value);
          } else if (o.kind === 'delete') {
            t.delete(o.a.addr, o.a.port, o.b.addr, o.b.port);
            ref.delete(key(o.a, o.b));
            ref.delete(key(o.b, o.a));
          }
          // Every kind of step is followed by a lookup of its tuple, in both directions.
          if (o.kind !== 'clear') {
            expect(t.get(o.a.addr, o.a.port, o.b.addr, o.b.port)).toBe(ref.get(key(o.a, o.b)));
            expect(t.get(o.b.addr, o.b.port, o.a.addr, o.a.port)).toBe(ref.get(key(o.b, o.a)));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('ActivityList', () => {
  interface Node extends ActivityNode {
    name: string;
  }
  const node = (name: string): Node => ({ name, activityPrev: null, activityNext: null, activityList: null });

  it('keeps nodes coldest first, moves touched ones to the warm end, and hands nodes between lists', () => {
    const live = new ActivityList<Node>();
    const closed = new ActivityList<Node>();
    const [a, b, c] = [node('a'), node('b'), node('c')];
    live.touch(a);
    live.touch(b);
    live.touch(c);
    live.touch(a);
    expect(live.toArray().map((n) => n.name)).toEqual(['b', 'c', 'a']);
    expect(live.coldest?.name).toBe('b');
    closed.touch(c);
    expect(live.toArray().map((n) => n.name)).toEqual(['b', 'a']);
    expect([live.size, closed.size]).toEqual([2, 1]);
    live.remove(c); // not in this list: no effect
    live.remove(b);
    live.remove(a);
    expect([live.size, live.coldest]).toEqual([0, null]);
    expect(closed.toArray().map((n) => n.name)).toEqual(['c']);
  });
});
