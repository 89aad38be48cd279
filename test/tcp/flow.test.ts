// The flow table (found from either direction) and the activity list (coldest first).

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
