// House rule 3 for TCP: the bytes and gaps per direction do not depend on how the stream was cut into segments,
// in what order they arrived, or how often they were duplicated or overlapped, as long as every byte is there.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../scripts/prng.mjs';
import { TCP, type ScriptSegment } from '../support/capture-builder.js';
import { reassemble, segmentsOf, summarize } from './harness.js';

type Dir = 'c2s' | 's2c';
const ENDS = { c2s: { addr: '10.0.0.2', port: 50000 }, s2c: { addr: '10.0.0.1', port: 1863 } } as const;
const other = (d: Dir): Dir => (d === 'c2s' ? 's2c' : 'c2s');

interface DirModel {
  data: Uint8Array;
  /** [start, length] of byte ranges the capture never holds (start taken modulo the data length). */
  lost: Array<[number, number]>;
  fin: boolean;
}

interface Scenario {
  handshake: boolean;
  isn: Record<Dir, number>;
  dirs: Record<Dir, DirModel>;
  seed: number;
  maxPiece: number;
  duplicates: number;
  /**
   * 'seen': every ACK covers what the capture has shown of the other direction so far (never ahead of data);
   * 'sent': every ACK covers what the other side had sent when the segment left, so the shuffled capture shows
   * ACKs ahead of the data they acknowledge (only used with every byte present).
   */
  acks: 'seen' | 'sent';
  /** The side that ends the connection with an RST after everything else it sent and received. */
  rst: Dir | null;
}

/** A piece of the script before sequence and acknowledgement numbers are filled in. */
type Piece = { dir: Dir; kind: 'data'; from: number; to: number } | { dir: Dir; kind: 'fin' | 'rst' } | { dir: Dir; kind: 'syn' | 'syn-ack' | 'ack' };

function presentMask(m: DirModel): boolean[] {
  const mask = new Array<boolean>(m.data.length).fill(true);
  for (const [start, len] of m.lost) {
    if (m.data.length === 0) break;
    const s = start % m.data.length;
    for (let i = s; i < Math.min(m.data.length, s + len); i++) mask[i] = false;
  }
  return mask;
}

/** Maximal runs of present bytes. */
function runsOf(mask: boolean[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < mask.length; ) {
    if (!mask[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < mask.length && mask[j]) j++;
    runs.push([i, j]);
    i = j;
  }
  return runs;
}

/** What the reassembler must produce for one direction, in the harness's "[gap N]" notation. */
function expectedText(m: DirModel, mask: boolean[], handshake: boolean, rst: boolean): { text: string; gaps: number } {
  let text = '';
  let gaps = 0;
  let started = handshake;
  let gap = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) {
      if (started) gap++;
      continue;
    }
    started = true;
    if (gap > 0) {
      text += `[gap ${gap}]`;
      gaps++;
      gap = 0;
    }
    text += String.fromCharCode(m.data[i] as number);
  }
  // Bytes lost at the end are only known when the FIN (or the RST's seq or ack) says where the stream ends.
  if (gap > 0 && (m.fin || rst)) {
    text += `[gap ${gap}]`;
    gaps++;
  }
  return { text, gaps };
}

interface Script {
  segments: ScriptSegment[];
  /** Per direction and byte: how much of the other direction its first sending acknowledged ('sent' ACKs). */
  need: Record<Dir, number[]>;
}

/**
 * Cuts the scenario's streams into pieces and sends them in a random interleaving of the two directions (each
 * direction in order, with re-sends of random earlier ranges), then shuffles that into the arrival order and
 * numbers the segments.
 */
function script(sc: Scenario, masks: Record<Dir, boolean[]>): Script {
  const rnd = mulberry32(sc.seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const queues: Record<Dir, Piece[]> = { c2s: [], s2c: [] };
  for (const dir of ['c2s', 's2c'] as const) {
    for (const [s, e] of runsOf(masks[dir])) {
      for (let at = s; at < e; ) {
        const to = Math.min(e, at + 1 + int(sc.maxPiece));
        queues[dir].push({ dir, kind: 'data', from: at, to });
        at = to;
      }
    }
    if (sc.dirs[dir].fin) queues[dir].push({ dir, kind: 'fin' });
  }
  // The sending: what each side has sent when a segment leaves is what the other side's later segments ACK.
  const sent: Record<Dir, number> = { c2s: 0, s2c: 0 };
  const finSent: Record<Dir, boolean> = { c2s: false, s2c: false };
  const need: Record<Dir, number[]> = { c2s: [], s2c: [] };
  const schedule: Array<{ p: Piece; ack: number }> = [];
  let resends = sc.duplicates * 2;
  while (queues.c2s.length + queues.s2c.length > 0) {
    const d: Dir = queues.c2s.length === 0 ? 's2c' : queues.s2c.length === 0 ? 'c2s' : rnd() < 0.5 ? 'c2s' : 's2c';
    const ack = sent[other(d)] + (finSent[other(d)] ? 1 : 0);
    if (resends > 0 && sent[d] > 0 && rnd() < 0.2) {
      // A re-send (retransmission, or a partial overlap) of bytes already sent, with the ACK of its own time.
      resends--;
      const runs = runsOf(masks[d].slice(0, sent[d]));
      if (runs.length > 0) {
        const [rs, re] = runs[int(runs.length)] as [number, number];
        const from = rs + int(re - rs);
        schedule.push({ p: { dir: d, kind: 'data', from, to: from + 1 + int(re - from) }, ack });
      }
      continue;
    }
    const p = queues[d].shift() as Piece;
    if (p.kind === 'data') {
      for (let k = p.from; k < p.to; k++) need[d][k] ??= ack;
      sent[d] = p.to;
    } else {
      finSent[d] = true;
      if (rnd() < 0.3) schedule.push({ p, ack });
    }
    schedule.push({ p, ack });
  }
  if (sc.rst !== null) {
    // The RST leaves last, when its sender has had everything (bytes the capture lost too): its seq and ack
    // count both sides' data and FINs (an RST after a FIN is one past it).
    const o = other(sc.rst);
    schedule.push({ p: { dir: sc.rst, kind: 'rst' }, ack: sc.dirs[o].data.length + (sc.dirs[o].fin ? 1 : 0) });
  }

  const arrival = [...schedule];
  for (let i = arrival.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [arrival[i], arrival[j]] = [arrival[j] as (typeof arrival)[number], arrival[i] as (typeof arrival)[number]];
  }
  const pieces = arrival.map((x) => x.p);
  const ackSent = new Map(arrival.map((x) => [x.p, x.ack]));
  if (!sc.handshake) {
    // Joined mid-stream, the first byte seen is where a direction starts: the capture must not open with a
    // segment that a later, lower one precedes (that would be a different capture, not a reordering of this one).
    for (const dir of ['c2s', 's2c'] as const) {
      const runs = runsOf(masks[dir]);
      if (runs.length === 0) continue;
      const first = pieces.findIndex((p) => p.dir === dir);
      const lowest = pieces.findIndex((p) => p.dir === dir && p.kind === 'data' && p.from === (runs[0] as [number, number])[0]);
      if (lowest > first) [pieces[first], pieces[lowest]] = [pieces[lowest] as Piece, pieces[first] as Piece];
    }
    // A FIN or an RST cannot open a connection; the first segment carries data.
    const firstData = pieces.findIndex((p) => p.kind === 'data');
    if (firstData > 0) pieces.unshift(...pieces.splice(firstData, 1));
  } else {
    pieces.unshift({ dir: 'c2s', kind: 'syn' }, { dir: 's2c', kind: 'syn-ack' }, { dir: 'c2s', kind: 'ack' });
  }

  // Sequence numbers: offset 0 is isn+1. ACKs, 'seen': what the receiver holds contiguously so far in arrival
  // order (never past a hole, never ahead of the data); 'sent': what the other side had sent when this one left.
  const start = (d: Dir): number => (sc.isn[d] + 1) >>> 0;
  const covered: Record<Dir, boolean[]> = { c2s: [], s2c: [] };
  const prefix: Record<Dir, number> = { c2s: 0, s2c: 0 };
  const finSeen: Record<Dir, boolean> = { c2s: false, s2c: false };
  const ackOf = (p: Piece): number => {
    const d = other(p.dir);
    if (sc.acks === 'sent') return (start(d) + (ackSent.get(p) ?? 0)) >>> 0;
    const finAcked = finSeen[d] && prefix[d] === sc.dirs[d].data.length ? 1 : 0;
    return (start(d) + prefix[d] + finAcked) >>> 0;
  };
  const out: ScriptSegment[] = [];
  let ts = 1_000_000_000;
  for (const p of pieces) {
    const d = p.dir;
    let seq = start(d);
    let flags: number = TCP.ACK;
    let payload: Uint8Array = new Uint8Array(0);
    if (p.kind === 'syn') {
      seq = sc.isn[d];
      flags = TCP.SYN;
    } else if (p.kind === 'syn-ack') {
      seq = sc.isn[d];
      flags = TCP.SYN | TCP.ACK;
    } else if (p.kind === 'data') {
      seq = (start(d) + p.from) >>> 0;
      flags = TCP.ACK | TCP.PSH;
      payload = sc.dirs[d].data.slice(p.from, p.to);
      for (let i = p.from; i < p.to; i++) covered[d][i] = true;
      while (covered[d][prefix[d]] === true) prefix[d]++;
    } else if (p.kind === 'fin') {
      seq = (start(d) + sc.dirs[d].data.length) >>> 0;
      flags = TCP.FIN | TCP.ACK;
      finSeen[d] = true;
    } else if (p.kind === 'rst') {
      seq = (start(d) + sc.dirs[d].data.length + (sc.dirs[d].fin ? 1 : 0)) >>> 0;
      flags = TCP.RST | TCP.ACK;
    }
    const ack =
      p.kind === 'syn' ? 0 : p.kind === 'syn-ack' ? start(other(d)) : p.kind === 'rst' ? (start(other(d)) + (ackSent.get(p) ?? 0)) >>> 0 : ackOf(p);
    // 100 µs apart: the whole capture stays well inside the acked-hole grace and the hole timeout.
    out.push({ dir: d, src: ENDS[d], dst: ENDS[other(d)], seq, ack, flags, window: 65535, payload, tsMicros: (ts += 100) });
  }
  return { segments: out, need };
}

const isnArb = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0xffffffff, 0xfffffffe, 0xfffffc00, 0xffffff00, 0));
const dirArb = (lossy: boolean): fc.Arbitrary<DirModel> =>
  fc.record({
    // Mostly tiny streams (where the corner cases are), some long ones (many segments, many holes).
    data: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 100, maxLength: 1500, size: 'max' })),
    lost: lossy ? fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 60 })), { maxLength: 3 }) : fc.constant([]),
    fin: fc.boolean(),
  });
const scenarioArb = (lossy: boolean): fc.Arbitrary<Scenario> =>
  fc.record({
    handshake: fc.boolean(),
    isn: fc.record({ c2s: isnArb, s2c: isnArb }),
    dirs: fc.record({ c2s: dirArb(lossy), s2c: dirArb(lossy) }),
    seed: fc.integer(),
    maxPiece: fc.constantFrom(1, 7, 64, 300, 1460),
    duplicates: fc.integer({ min: 0, max: 6 }),
    acks: lossy ? fc.constant('seen' as const) : fc.constantFrom('seen' as const, 'sent' as const),
    rst: fc.constantFrom(null, 'c2s' as const, 's2c' as const),
  });

function check(sc: Scenario, sweep: boolean): void {
  const masks = { c2s: presentMask(sc.dirs.c2s), s2c: presentMask(sc.dirs.s2c) };
  const rst = sc.rst !== null;
  const exp = { c2s: expectedText(sc.dirs.c2s, masks.c2s, sc.handshake, rst), s2c: expectedText(sc.dirs.s2c, masks.s2c, sc.handshake, rst) };
  const anyData = masks.c2s.some(Boolean) || masks.s2c.some(Boolean);
  const { segments, need } = script(sc, masks);
  const segs = segmentsOf(segments);
  const { events, diags, reassembler } = reassemble(segs, { sweep, noFinish: true });
  // With the handshake and every byte captured, an RST has nothing to wait for once everything is in.
  if (rst && sc.handshake && exp.c2s.gaps + exp.s2c.gaps === 0) {
    expect(events.some((e) => e.kind === 'close'), 'closed before the end of the capture').toBe(true);
  }
  const last = segs[segs.length - 1];
  reassembler.finish(last?.packet ?? 0, last?.tsMicros ?? 0, events);
  expect(reassembler.bufferedBytes, 'held bytes are all accounted for at the end').toBe(0);
  const conns = summarize(events);
  if (sc.acks === 'sent' && sc.handshake) {
    // Causality across directions: no byte is handed out before the bytes of the other side it acknowledged.
    // (Joined mid-stream, a side that has not shown its first byte yet cannot be waited for: nothing says where
    // its stream starts.)
    const delivered: Record<Dir, number> = { c2s: 0, s2c: 0 };
    for (const ev of events) {
      if (ev.kind !== 'data') continue;
      delivered[ev.dir] += ev.bytes.length;
      const o = other(ev.dir);
      const required = Math.min(need[ev.dir][delivered[ev.dir] - 1] ?? 0, sc.dirs[o].data.length);
      expect(delivered[o], `${ev.dir} bytes up to ${delivered[ev.dir]} acknowledged ${required} bytes of ${o}`).toBeGreaterThanOrEqual(required);
    }
  }
  if (!sc.handshake && !anyData) {
    expect(conns).toEqual([]);
    return;
  }
  const holes = exp.c2s.gaps + exp.s2c.gaps;
  const allFinished = sc.dirs.c2s.fin && sc.dirs.s2c.fin && holes === 0;
  expect(conns).toHaveLength(1);
  // Both FINs and an RST: whichever the capture shows last ends the connection.
  const close = sc.rst !== null ? (allFinished ? expect.stringMatching(/^(fin|rst)$/) : 'rst') : allFinished ? 'fin' : 'end-of-capture';
  expect(conns[0]).toMatchObject({ c2s: exp.c2s.text, s2c: exp.s2c.text, midStream: !sc.handshake, close });
  expect(diags.map((d) => d.code)).toEqual(new Array<string>(holes).fill('tcp.gap'));
}

describe('output does not depend on segmentation, order or duplication', () => {
  it('every byte present: the same bytes per direction, no gaps, whatever the arrival (ACKs ahead of data, data behind the RST too)', () => {
    fc.assert(
      fc.property(scenarioArb(false), fc.boolean(), (sc, sweep) => check(sc, sweep)),
      { numRuns: 300 },
    );
  });

  it('bytes missing from the capture: the same gaps in the same places, whatever the arrival (an RST giving ends too)', () => {
    fc.assert(
      fc.property(scenarioArb(true), fc.boolean(), (sc, sweep) => check(sc, sweep)),
      { numRuns: 300 },
    );
  });
});
