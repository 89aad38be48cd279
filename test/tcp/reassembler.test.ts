// TCP reassembly, scenario by scenario: ordering, retransmission and overlap, wraparound, joins mid-stream,
// holes and how they are given up on, limits, connection life cycle, and who the client is.

import { describe, expect, it } from 'vitest';
import { Conversation, TCP, type ScriptSegment, bytesOf } from '../support/capture-builder.js';
import type { StreamEvent } from '../../src/tcp/stream.js';
import { codes, reassemble, segmentsOf, summarize } from './harness.js';

const CLIENT = '10.0.0.2:50000';
const SERVER = '10.0.0.1:1863';

function conversation(isn: { client?: number; server?: number } = { client: 1000, server: 5000 }): Conversation {
  return new Conversation({ client: CLIENT, server: SERVER, isn });
}

function run(items: readonly ScriptSegment[], opts: Parameters<typeof reassemble>[1] = {}) {
  const r = reassemble(segmentsOf(items), opts);
  return { ...r, conns: summarize(r.events) };
}

function dataEvents(events: readonly StreamEvent[]): Extract<StreamEvent, { kind: 'data' }>[] {
  return events.filter((e): e is Extract<StreamEvent, { kind: 'data' }> => e.kind === 'data');
}

describe('in-order connections', () => {
  it('delivers both directions of a full connection and closes on the FINs', () => {
    const conv = conversation().handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').client('OUT\r\n').close();
    const { events, diags, conns, reassembler } = run(conv.segments);
    expect(conns).toEqual([
      {
        id: 1,
        client: CLIENT,
        server: SERVER,
        clientBy: 'syn',
        midStream: false,
        c2s: 'VER 1 MSNP8 CVR0\r\nOUT\r\n',
        s2c: 'VER 1 MSNP8\r\n',
        close: 'fin',
      },
    ]);
    expect(diags).toEqual([]);
    expect(events[0]).toMatchObject({ kind: 'open', packet: 1 });
    // Closed by the second FIN (frame 8), not at the end of capture.
    expect(events[events.length - 1]).toMatchObject({ kind: 'close', reason: 'fin', packet: 8 });
    expect(reassembler.stats).toMatchObject({ connections: 1, openConnections: 0, retransmissions: 0, gaps: 0, bytesDelivered: 36 });
  });

  it('hands in-order payloads out as views of the segment, with their frame and time', () => {
    const conv = conversation().handshake().client('abc').client('def');
    const segs = segmentsOf(conv.segments);
    const r = reassemble(segs);
    const data = dataEvents(r.events);
    expect(data.map((d) => [d.packet, d.gapBefore, Buffer.from(d.bytes).toString()])).toEqual([
      [4, 0, 'abc'],
      [5, 0, 'def'],
    ]);
    expect(data[0]!.bytes.buffer).toBe(segs[3]!.payload.buffer);
    expect(data[1]!.tsMicros).toBe(segs[4]!.tsMicros);
  });

  it('numbers connections from 1 in order of their first packet', () => {
    const a = new Conversation({ client: '10.0.0.2:1000', server: SERVER, startMicros: 0 }).handshake().client('a');
    const b = new Conversation({ client: '10.0.0.3:2000', server: SERVER, startMicros: 500 }).handshake().client('b');
    const { conns } = run([a.segments[0]!, b.segments[0]!, ...a.segments.slice(1), ...b.segments.slice(1)]);
    expect(conns.map((c) => [c.id, c.client, c.c2s])).toEqual([
      [1, '10.0.0.2:1000', 'a'],
      [2, '10.0.0.3:2000', 'b'],
    ]);
  });
});

describe('reordering', () => {
  it('buffers segments that arrive ahead of a hole and delivers them when it fills', () => {
    const conv = conversation().handshake().client('0123456789abcdefghij', { mss: 4 }).server('ok');
    const [syn, synAck, ack, ...rest] = conv.segments;
    // Data segments 0..4 of the client arrive as 3, 1, 4, 0, 2.
    const order = [rest[3]!, rest[1]!, rest[4]!, rest[0]!, rest[2]!, rest[5]!];
    const { conns, diags, reassembler, events } = run([syn!, synAck!, ack!, ...order]);
    expect(conns[0]!.c2s).toBe('0123456789abcdefghij');
    expect(diags).toEqual([]);
    expect(reassembler.stats.outOfOrder).toBe(3);
    // The frame that filled the first hole (7: seq 0) releases 0123 and 4567 with it.
    expect(dataEvents(events).map((d) => [Buffer.from(d.bytes).toString(), d.packet])).toEqual([
      ['0123', 7],
      ['4567', 7],
      ['89ab', 8],
      ['cdef', 8],
      ['ghij', 8],
      ['ok', 9],
    ]);
  });

  it('copies the bytes it holds back (the payload is a view into a reused block)', () => {
    const conv = conversation().handshake().client('abcdef', { split: [3] });
    const segs = segmentsOf([...conv.segments.slice(0, 3), conv.segments[4]!, conv.segments[3]!]);
    const r = reassemble(segs.slice(0, 4), { noFinish: true });
    segs[3]!.payload.fill(0x21); // the capture block is overwritten by the next read
    r.reassembler.push(segs[4]!, r.events);
    r.reassembler.finish(5, 0, r.events);
    expect(summarize(r.events)[0]!.c2s).toBe('abcdef');
  });
});

describe('retransmissions and overlaps', () => {
  it('drops exact retransmissions', () => {
    const conv = conversation().handshake().client('USR 1 MD5 I a@b.c\r\n').retransmit(3).server('x').retransmit(3);
    const { conns, diags, reassembler } = run(conv.segments);
    expect(conns[0]!.c2s).toBe('USR 1 MD5 I a@b.c\r\n');
    expect(diags).toEqual([]);
    expect(reassembler.stats.retransmissions).toBe(2);
  });

  it('keeps only the new part of a partial retransmission', () => {
    const conv = conversation().handshake().client('abcdef').overlap('c2s', 3, 'defGHI');
    const { conns, diags, reassembler } = run(conv.segments);
    expect(conns[0]!.c2s).toBe('abcdefGHI');
    expect(diags).toEqual([]);
    expect(reassembler.stats.overlaps).toBe(1);
  });

  it('flags re-sent bytes that differ from what was delivered, keeping the first', () => {
    const conv = conversation().handshake().client('MSG 1 U 5\r\nhello').retransmit(3, { payload: 'MSG 1 U 5\r\nHELLO' });
    const { conns, diags, reassembler } = run(conv.segments);
    expect(conns[0]!.c2s).toBe('MSG 1 U 5\r\nhello');
    expect(diags).toMatchObject([{ code: 'tcp.overlap_mismatch', severity: 'warning', conn: 1, dir: 'c2s', packet: 5, details: { offset: 11, bytes: 16, differing: 5 } }]);
    expect(reassembler.stats.overlapMismatches).toBe(1);
  });

  it('flags differing bytes against held (out-of-order) data, keeping the first', () => {
    const conv = conversation().handshake().client('aaaa').client('bbbb').overlap('c2s', 4, 'BBBBcc');
    const [syn, synAck, ack, a, b, b2] = conv.segments;
    const { conns, diags } = run([syn!, synAck!, ack!, b!, b2!, a!]);
    expect(conns[0]!.c2s).toBe('aaaabbbbcc');
    expect(codes(diags)).toEqual(['tcp.overlap_mismatch']);
    expect(diags[0]!.details).toMatchObject({ offset: 4, bytes: 4, differing: 4 });
  });

  it('a segment that overlaps held data on both sides only adds the bytes in between', () => {
    const conv = conversation().handshake().client('01').lose('c2s', 2).client('45').lose('c2s', 2).client('89');
    conv.overlap('c2s', 1, '123456789X');
    const [syn, synAck, ack, s01, s45, s89, big] = conv.segments;
    const { conns, diags, reassembler } = run([syn!, synAck!, ack!, s45!, s89!, s01!, big!]);
    expect(conns[0]!.c2s).toBe('0123456789X');
    expect(diags).toEqual([]);
    expect(reassembler.stats.overlaps).toBeGreaterThan(0);
  });

  it('checks re-sent bytes against the last recentBytesPerDirection delivered bytes only', () => {
    const text = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const conv = conversation().handshake().client(text, { mss: 700 });
    conv.overlap('c2s', 2900, 'X'.repeat(100)); // within the last 1024 bytes: checked
    conv.overlap('c2s', 10, 'Y'.repeat(100)); // long gone from the ring: not checkable
    const { conns, diags } = run(conv.segments);
    expect(conns[0]!.c2s).toBe(text);
    expect(diags).toMatchObject([{ code: 'tcp.overlap_mismatch', details: { offset: 2900, bytes: 100, differing: 100 } }]);
    expect(run(conv.segments, { recentBytesPerDirection: 0 }).diags).toEqual([]);
  });

  it('ignores a one-byte keep-alive probe at next-1, whatever byte it carries', () => {
    const conv = conversation().handshake().client('PNG\r\n');
    const probe: ScriptSegment = { ...conv.last, seq: (conv.nextSeq('c2s') - 1) >>> 0, payload: Uint8Array.of(0), tsMicros: conv.last.tsMicros + 1 };
    const { conns, diags, reassembler } = run([...conv.segments, probe]);
    expect(conns[0]!.c2s).toBe('PNG\r\n');
    expect(diags).toEqual([]);
    expect(reassembler.stats.keepalives).toBe(1);
  });
});

describe('order across directions', () => {
  it('a reply captured before its request is handed out after it', () => {
    const conv = conversation().handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').client('CVR 2\r\n');
    const [syn, synAck, ack, ver, reply, cvr] = conv.segments;
    const { events, diags, reassembler } = run([syn!, synAck!, ack!, reply!, ver!, cvr!]);
    expect(dataEvents(events).map((d) => [d.dir, Buffer.from(d.bytes).toString(), d.packet])).toEqual([
      ['c2s', 'VER 1 MSNP8 CVR0\r\n', 5],
      ['s2c', 'VER 1 MSNP8\r\n', 5], // released by the request's frame
      ['c2s', 'CVR 2\r\n', 6],
    ]);
    expect(diags).toEqual([]);
    expect(reassembler.stats.outOfOrder).toBe(0);
  });

  it('a reply whose request the capture lost waits ackedHoleGraceMicros at most', () => {
    const conv = conversation().handshake().lose('c2s', 'PNG\r\n').server('QNG 50\r\n').server('NLN NLN a@b.c A\r\n').server('NLN AWY d@e.f D\r\n');
    const r = reassemble(segmentsOf(conv.segments), { noFinish: true });
    expect(summarize(r.events)[0]!.s2c).toBe('');
    // One wait for the lost request frees everything that acknowledged no more than it.
    r.reassembler.advanceTime(conv.last.tsMicros + 1_000_000, r.events);
    expect(summarize(r.events)[0]!.s2c).toBe('QNG 50\r\nNLN NLN a@b.c A\r\nNLN AWY d@e.f D\r\n');
    r.reassembler.finish(0, conv.last.tsMicros + 2_000_000, r.events);
    expect(summarize(r.events)[0]).toMatchObject({ c2s: '[gap 5]' });
  });
});

describe('sequence numbers', () => {
  it('wraps around 2^32 in both directions, with reordering across the wrap', () => {
    const conv = conversation({ client: 0xfffffff0, server: 0xfffffffe }).handshake().client('The quick brown fox jumps over the lazy dog', { mss: 5 }).server('0123456789', { mss: 3 });
    const segs = [...conv.segments];
    [segs[5], segs[6]] = [segs[6]!, segs[5]!];
    [segs[8], segs[10]] = [segs[10]!, segs[8]!];
    const { conns, diags } = run(segs);
    expect(conns[0]!.c2s).toBe('The quick brown fox jumps over the lazy dog');
    expect(conns[0]!.s2c).toBe('0123456789');
    expect(diags).toEqual([]);
  });

  it('takes a SYN with data and a FIN with data', () => {
    const c = { addr: '10.0.0.2', port: 50000 };
    const s = { addr: '10.0.0.1', port: 1863 };
    const seg = (dir: 'c2s' | 's2c', seq: number, ack: number, flags: number, payload: string, t: number): ScriptSegment => ({
      dir,
      src: dir === 'c2s' ? c : s,
      dst: dir === 'c2s' ? s : c,
      seq,
      ack,
      flags,
      window: 65535,
      payload: bytesOf(payload),
      tsMicros: t,
    });
    const items = [
      seg('c2s', 100, 0, TCP.SYN, 'hello', 1), // data 101..105
      seg('s2c', 900, 106, TCP.SYN | TCP.ACK, '', 2),
      seg('c2s', 106, 901, TCP.ACK | TCP.FIN, 'bye', 3), // data 106..108, FIN 109
      seg('s2c', 901, 110, TCP.ACK | TCP.FIN | TCP.PSH, 'ok', 4),
      seg('c2s', 110, 904, TCP.ACK, '', 5),
    ];
    const { conns, diags } = run(items);
    expect(conns).toMatchObject([{ clientBy: 'syn', midStream: false, c2s: 'hellobye', s2c: 'ok', close: 'fin' }]);
    expect(diags).toEqual([]);
  });

  it('drops and reports bytes past the FIN', () => {
    const conv = conversation().handshake().client('abc').fin('c2s');
    const after: ScriptSegment = { ...conv.segments[3]!, seq: conv.nextSeq('c2s'), payload: bytesOf('zzz'), tsMicros: conv.last.tsMicros + 1 };
    const { conns, diags } = run([...conv.segments, after]);
    expect(conns[0]!.c2s).toBe('abc');
    expect(codes(diags)).toEqual(['tcp.data_after_fin']);
  });
});

describe('FIN', () => {
  it('drops held bytes that turn out to lie past a FIN that arrives later', () => {
    const conv = conversation().handshake().client('ab').lose('c2s', 1);
    const held: ScriptSegment = { ...conv.segments[3]!, seq: conv.nextSeq('c2s'), payload: bytesOf('zzz') };
    conv.fin('c2s'); // at offset 3, exactly where the held bytes start
    const { conns, diags } = run([...conv.segments.slice(0, 4), held, conv.last]);
    expect(conns[0]!.c2s).toBe('ab[gap 1]');
    expect(codes(diags)).toEqual(['tcp.data_after_fin', 'tcp.gap']);
    expect(diags[0]!.details).toMatchObject({ offset: 3, bytes: 3 });
  });

  it('closes as fin from advanceTime once the hole before a FIN has timed out', () => {
    const conv = conversation().handshake().fin('s2c').client('AAA').lose('c2s', 2).fin('c2s');
    const r = reassemble(segmentsOf(conv.segments), { noFinish: true });
    expect(summarize(r.events)[0]!.close).toBe(null);
    r.reassembler.advanceTime(conv.last.tsMicros + 10_000_000, r.events);
    expect(summarize(r.events)[0]).toMatchObject({ c2s: 'AAA[gap 2]', s2c: '', close: 'fin' });
    expect(r.diags).toMatchObject([{ code: 'tcp.gap', details: { reason: 'timeout', bytes: 2 } }]);
  });
});

describe('joined mid-stream', () => {
  it('starts at the first byte seen without reporting the unseen start', () => {
    const conv = conversation({ client: 123456, server: 999 }).client('PNG\r\n').server('QNG 50\r\n').client('PNG\r\n');
    const { conns, diags, events } = run(conv.segments);
    expect(conns).toEqual([{ id: 1, client: CLIENT, server: SERVER, clientBy: 'port', midStream: true, c2s: 'PNG\r\nPNG\r\n', s2c: 'QNG 50\r\n', close: 'end-of-capture' }]);
    expect(diags).toEqual([]);
    expect(dataEvents(events).every((d) => d.gapBefore === 0)).toBe(true);
  });

  it('handles a one-direction-only stream', () => {
    const conv = conversation().client('MSG 1 U 3\r\nabc', { mss: 5 }).client('OUT\r\n');
    const { conns, diags } = run(conv.segments);
    expect(conns).toMatchObject([{ midStream: true, c2s: 'MSG 1 U 3\r\nabcOUT\r\n', s2c: '', close: 'end-of-capture' }]);
    expect(diags).toEqual([]);
  });

  it('does not open a connection for a bare ACK, FIN or RST of an unknown 4-tuple', () => {
    const conv = conversation().ack('c2s').fin('s2c').reset('c2s');
    const { events, reassembler } = run(conv.segments);
    expect(events).toEqual([]);
    expect(reassembler.stats.ignoredSegments).toBe(3);
  });
});

describe('holes', () => {
  it('skips a hole when the peer ACKs past it (no grace)', () => {
    const conv = conversation().handshake().client('AAA').lose('c2s', 'BBB').client('CCC').ack('s2c').client('DDD');
    const { conns, diags, events } = run(conv.segments, { noFinish: true, ackedHoleGraceMicros: 0 });
    expect(conns[0]!.c2s).toBe('AAA[gap 3]CCCDDD');
    expect(diags).toMatchObject([{ code: 'tcp.gap', severity: 'warning', conn: 1, dir: 'c2s', packet: 6, details: { bytes: 3, offset: 3, reason: 'acked' } }]);
    // CCC keeps the frame that carried it; it was only released by the ACK.
    expect(dataEvents(events).map((d) => [Buffer.from(d.bytes).toString(), d.gapBefore, d.packet])).toEqual([
      ['AAA', 0, 4],
      ['CCC', 3, 5],
      ['DDD', 0, 7],
    ]);
  });

  it('lets an acknowledged hole wait ackedHoleGraceMicros for bytes the capture reordered behind the ACK', () => {
    const conv = conversation().handshake().client('AAA').client('BBB').ack('s2c').client('CCC');
    const [syn, synAck, ack, a, b, ackB, c] = conv.segments;
    // The server's ACK of BBB and the CCC after it are captured before BBB itself.
    const reordered = run([syn!, synAck!, ack!, a!, ackB!, c!, b!]);
    expect(reordered.conns[0]!.c2s).toBe('AAABBBCCC');
    expect(reordered.diags).toEqual([]);
    // Really lost: skipped once the grace has passed (here on the next segment; advanceTime does it too).
    const lost = conversation().handshake().client('AAA').lose('c2s', 'BBB').ack('s2c').client('CCC').wait(1_000_000).ack('s2c');
    const r = run(lost.segments, { noFinish: true });
    expect(r.conns[0]!.c2s).toBe('AAA[gap 3]CCC');
    expect(r.diags).toMatchObject([{ code: 'tcp.gap', packet: 7, details: { reason: 'acked' } }]);
  });

  it('skips acknowledged bytes as soon as data after them is seen, and reports a lost tail at the end', () => {
    const conv = conversation().handshake().client('AAA').lose('c2s', 'BBB').ack('s2c');
    const head = run(conv.segments);
    expect(head.conns[0]!.c2s).toBe('AAA[gap 3]');
    conv.client('CCC');
    const { conns, diags } = run(conv.segments, { noFinish: true, ackedHoleGraceMicros: 0 });
    expect(conns[0]!.c2s).toBe('AAA[gap 3]CCC');
    expect(diags).toMatchObject([{ code: 'tcp.gap', packet: 6 }]);
  });

  it('reports a hole never filled at the end of capture', () => {
    const conv = conversation().handshake().client('AAA').lose('c2s', 'BB').client('CCC');
    const { conns, diags, events } = run(conv.segments);
    expect(conns[0]!.c2s).toBe('AAA[gap 2]CCC');
    expect(diags).toMatchObject([{ code: 'tcp.gap', details: { bytes: 2, reason: 'end-of-capture' } }]);
    expect(events.slice(-2)).toMatchObject([{ kind: 'data', gapBefore: 2 }, { kind: 'close', reason: 'end-of-capture' }]);
  });

  it('reports a hole before the FIN as a gap event when the peer acknowledges the FIN', () => {
    const conv = conversation().handshake().client('AAA').lose('c2s', 'BB').fin('c2s').fin('s2c').ack('c2s');
    const { conns, diags, events } = run(conv.segments, { ackedHoleGraceMicros: 0 });
    expect(conns[0]!).toMatchObject({ c2s: 'AAA[gap 2]', close: 'fin' });
    expect(codes(diags)).toEqual(['tcp.gap']);
    // The server's FIN-ACK (frame 6) acknowledges the client's FIN and so the bytes before it.
    expect(events.filter((e) => e.kind === 'gap')).toMatchObject([{ dir: 'c2s', bytes: 2, packet: 6 }]);
  });

  it('gives up on a hole after holeTimeoutMicros of capture time (advanceTime)', () => {
    const conv = conversation().handshake().client('AAA').lose('c2s', 'BB').client('CCC');
    const r = reassemble(segmentsOf(conv.segments), { noFinish: true, holeTimeoutMicros: 5_000_000 });
    const t = conv.last.tsMicros;
    r.reassembler.advanceTime(t + 4_000_000, r.events);
    expect(summarize(r.events)[0]!.c2s).toBe('AAA');
    r.reassembler.advanceTime(t + 5_000_000, r.events);
    expect(summarize(r.events)[0]!.c2s).toBe('AAA[gap 2]CCC');
    expect(r.diags).toMatchObject([{ code: 'tcp.gap', packet: 0, tsMicros: t + 5_000_000, details: { reason: 'timeout' } }]);
  });

  it('gives up on a stale hole when later traffic of that direction arrives', () => {
    const conv = conversation().handshake().client('AAA').lose('c2s', 'BB').client('CCC').wait(11_000_000).client('DDD');
    const { conns, diags } = run(conv.segments, { noFinish: true });
    expect(conns[0]!.c2s).toBe('AAA[gap 2]CCCDDD');
    expect(diags).toMatchObject([{ code: 'tcp.gap', details: { reason: 'timeout' } }]);
  });

  it('skips bytes the snaplen cut off once the data after them arrives', () => {
    const conv = conversation().client('x'.repeat(100)).client('tail');
    const segs = segmentsOf(conv.segments, { snaplen: 14 + 20 + 20 + 10 });
    expect(segs[0]!.missingTail).toBe(90);
    const { events, diags, reassembler } = reassemble(segs, { ackedHoleGraceMicros: 0 });
    expect(summarize(events)[0]!.c2s).toBe(`${'x'.repeat(10)}[gap 90]tail`);
    expect(diags).toMatchObject([{ code: 'tcp.gap', packet: 2, details: { bytes: 90, reason: 'acked' } }]);
    expect(reassembler.stats.gapBytes).toBe(90);
  });
});

describe('limits', () => {
  it('skips holes when the out-of-order buffer is over its cap', () => {
    const conv = conversation().handshake().client('A').lose('c2s', 10).client('B'.repeat(2000), { mss: 100 });
    const { conns, diags, reassembler } = run(conv.segments, { maxBufferedBytesPerDirection: 1000, noFinish: true });
    expect(conns[0]!.c2s).toBe(`A[gap 10]${'B'.repeat(2000)}`);
    expect(codes(diags)).toEqual(['tcp.buffer_limit', 'tcp.gap']);
    expect(diags[1]!.details).toMatchObject({ reason: 'buffer-limit', bytes: 10 });
    expect(reassembler.stats.bufferLimitHits).toBe(1);
    expect(reassembler.stats.maxBufferedBytes).toBeLessThanOrEqual(1000 + 164);
  });

  it('skips the hole that has waited longest when all connections together hold too much', () => {
    const mk = (i: number) => new Conversation({ client: `10.0.0.${i}:4000`, server: SERVER, startMicros: i * 10 }).handshake().client('A').lose('c2s', 10).client('B'.repeat(1000));
    const convs = [mk(1), mk(2), mk(3)];
    const items = convs.flatMap((c) => c.segments);
    const perHole = 1000 + 64; // bytes held behind each hole, with their bookkeeping
    const { conns, diags, reassembler } = run(items, { maxBufferedBytesTotal: 2 * perHole + 100, noFinish: true });
    expect(conns.map((c) => c.c2s)).toEqual([`A[gap 10]${'B'.repeat(1000)}`, 'A', 'A']);
    expect(diags).toMatchObject([
      { code: 'tcp.total_buffer_limit', severity: 'warning', conn: 1, dir: 'c2s', details: { buffered: 3 * perHole, limit: 2 * perHole + 100 } },
      { code: 'tcp.gap', conn: 1, details: { reason: 'buffer-limit', bytes: 10 } },
    ]);
    expect(reassembler.bufferedBytes).toBe(2 * perHole);
    // Under the limit nothing is skipped before the holes time out or the capture ends.
    const calm = run(items, { maxBufferedBytesTotal: 3 * perHole, noFinish: true });
    expect(calm.conns.map((c) => c.c2s)).toEqual(['A', 'A', 'A']);
    expect(calm.diags).toEqual([]);
  });

  it('one sweep past the hole timeout skips the hole, and the reply that waited for those bytes follows', () => {
    const conv = conversation().handshake().client('A').lose('c2s', 10).client('B'.repeat(100)).server('X');
    const segs = segmentsOf(conv.segments);
    const r = reassemble(segs, { noFinish: true });
    r.reassembler.advanceTime(segs[segs.length - 1]!.tsMicros + 11_000_000, r.events);
    expect(summarize(r.events).map((c) => [c.c2s, c.s2c])).toEqual([[`A[gap 10]${'B'.repeat(100)}`, 'X']]);
    expect(r.diags.map((d) => [d.code, d.dir, (d.details as { bytes: number }).bytes])).toEqual([['tcp.gap', 'c2s', 10]]);
  });

  it('after the total cap frees a connection, its other direction is not left waiting for nothing', () => {
    // The server's X acknowledges the client's bytes after the hole, so it waits for them; the cap frees both.
    const a = new Conversation({ client: '10.0.0.2:4000', server: SERVER, startMicros: 0 }).handshake().client('A').lose('c2s', 10).client('B'.repeat(1000)).server('X');
    const b = new Conversation({ client: '10.0.0.3:4000', server: SERVER, startMicros: 2500 }).handshake().client('A').lose('c2s', 10).client('C'.repeat(1000));
    const segs = segmentsOf([...a.segments, ...b.segments].sort((x, y) => x.tsMicros - y.tsMicros));
    const last = segs[segs.length - 1]!.tsMicros;
    const r = reassemble(segs, { maxBufferedBytesTotal: 1500, noFinish: true });
    r.reassembler.advanceTime(last + 11_000_000, r.events); // past the hole timeout
    r.reassembler.finish(0, last + 12_000_000, r.events);
    const conns = summarize(r.events);
    expect(conns.map((c) => [c.c2s, c.s2c])).toEqual([
      [`A[gap 10]${'B'.repeat(1000)}`, 'X'],
      [`A[gap 10]${'C'.repeat(1000)}`, ''],
    ]);
    expect(r.diags.filter((d) => d.code === 'tcp.gap').map((d) => [d.conn, d.dir, (d.details as { bytes: number }).bytes])).toEqual([
      [1, 'c2s', 10],
      [2, 'c2s', 10],
    ]);
  });

  it('a connection whose FINs the total cap lets through closes as fin at once', () => {
    const a = new Conversation({ client: '10.0.0.2:4000', server: SERVER, startMicros: 0 }).handshake().client('A').lose('c2s', 10).client('B'.repeat(1000)).close();
    const b = new Conversation({ client: '10.0.0.3:4000', server: SERVER, startMicros: 20_000 }).handshake().client('A').lose('c2s', 10).client('C'.repeat(1000));
    const segs = segmentsOf([...a.segments, ...b.segments].sort((x, y) => x.tsMicros - y.tsMicros));
    const r = reassemble(segs, { maxBufferedBytesTotal: 1500, noFinish: true });
    const closes = r.events.filter((e) => e.kind === 'close');
    expect(closes.map((e) => [e.conn.id, e.kind === 'close' && e.reason, e.packet])).toEqual([[1, 'fin', segs[segs.length - 1]!.packet]]);
    expect(r.reassembler.stats.openConnections).toBe(1);
  });

  it('the total cap finishing the connection of the segment being handled closes it once', () => {
    const c = new Conversation({ client: '10.0.0.2:4000', server: SERVER }).handshake().fin('s2c').client('A').lose('c2s', 10).client('B'.repeat(1000)).fin('c2s');
    const fin = c.segments.pop()!;
    const held = c.segments.pop()!;
    c.segments.push(fin, held); // the client's FIN comes before its out-of-order bytes, which go over the cap
    const r = reassemble(segmentsOf(c.segments), { maxBufferedBytesTotal: 500, noFinish: true });
    expect(r.events.filter((e) => e.kind === 'close').map((e) => e.kind === 'close' && e.reason)).toEqual(['fin']);
    expect(r.reassembler.stats.openConnections).toBe(0);
  });

  it('bytes the capture reordered behind the RST are still delivered, and the close is the RST', () => {
    const conv = conversation().handshake().client('OUT\r\n').server('OUT\r\n').reset('c2s');
    const [reply, rst] = conv.segments.splice(-2, 2);
    conv.segments.push(rst!, reply!, { ...conv.segments[3]!, tsMicros: reply!.tsMicros + 1 }); // then the client's OUT again
    const segs = segmentsOf(conv.segments);
    const r = reassemble(segs, { sweep: true, noFinish: true });
    expect(summarize(r.events).map((c) => [c.c2s, c.s2c, c.close])).toEqual([['OUT\r\n', 'OUT\r\n', 'rst']]);
    expect(r.diags).toEqual([]);
    // The close is stamped with the RST's frame, and came as soon as the reply was in (no end of capture needed).
    expect(r.events.filter((e) => e.kind === 'close').map((e) => e.packet)).toEqual([segs[4]!.packet]);
    expect(r.reassembler.stats.afterClose).toBe(1); // the retransmitted OUT
  });

  it('an RST closes at once when nothing before it is missing', () => {
    const conv = conversation().handshake().client('OUT\r\n').server('OUT\r\n').reset('c2s').server('late');
    const segs = segmentsOf(conv.segments);
    const r = reassemble(segs, { noFinish: true });
    expect(r.events.filter((e) => e.kind === 'close').map((e) => [e.kind === 'close' && e.reason, e.packet])).toEqual([['rst', segs[5]!.packet]]);
    expect(r.diags).toMatchObject([{ code: 'tcp.data_after_close', dir: 's2c', details: { bytes: 4, offset: 5, closed: 'rst' } }]);
  });

  it('a refused SYN closes at once, and so does an RST whose numbers are far off', () => {
    const refused = conversation().handshake();
    const [syn, synAck] = refused.segments;
    const rst = { ...synAck!, flags: TCP.RST | TCP.ACK, tsMicros: synAck!.tsMicros };
    const segs = segmentsOf([syn!, rst]);
    let r = reassemble(segs, { noFinish: true });
    expect(r.events.map((e) => e.kind)).toEqual(['open', 'close']);
    // A second connection right after, with room for one: the refused one is not evicted.
    const other = new Conversation({ client: '10.0.0.3:4000', server: SERVER, startMicros: rst.tsMicros + 10 }).handshake();
    r = reassemble(segmentsOf([syn!, rst, ...other.segments]), { maxConnections: 1 });
    expect(r.diags).toEqual([]);
    expect(summarize(r.events).map((c) => c.close)).toEqual(['rst', 'end-of-capture']);

    const odd = conversation({ client: 1000, server: 3_500_000_000 }).handshake().client('OUT\r\n').server('OUT\r\n');
    odd.segments.push({ ...odd.segments[3]!, flags: TCP.RST | TCP.ACK, ack: 0, payload: new Uint8Array(0), tsMicros: odd.last.tsMicros + 10 });
    r = reassemble(segmentsOf(odd.segments), { noFinish: true });
    expect(summarize(r.events).map((c) => [c.s2c, c.close])).toEqual([['OUT\r\n', 'rst']]);
    expect(r.diags).toEqual([]);
  });

  it('joined mid-stream, a side first seen after the RST still ends where the RST acknowledged', () => {
    const conv = conversation().client('A').server('x').lose('s2c', 1).reset('c2s').server('late');
    const [a, x, rst, late] = conv.segments;
    const r = reassemble(segmentsOf([a!, rst!, x!, late!]));
    expect(summarize(r.events).map((c) => [c.c2s, c.s2c, c.close])).toEqual([['A', 'x[gap 1]', 'rst']]);
    expect(codes(r.diags)).toEqual(['tcp.data_after_fin', 'tcp.gap']);
  });

  it('new data far from the old bytes while a reset connection waits is a new connection on the 4-tuple', () => {
    const first = conversation().handshake().client('AAA').lose('c2s', 2).client('CCC').reset('s2c');
    const later = new Conversation({ client: CLIENT, server: SERVER, isn: { client: 400_000_000, server: 9 }, startMicros: first.last.tsMicros + 1000 }).client('again');
    const { conns } = run([...first.segments, ...later.segments]);
    expect(conns.map((c) => [c.id, c.c2s, c.close, c.midStream])).toEqual([
      [1, 'AAA[gap 2]CCC', 'rst', false],
      [2, 'again', 'end-of-capture', true],
    ]);
  });

  it('after an RST, bytes that never come are waited for one acked-hole grace, then skipped as reset', () => {
    // The server's reply is lost; the client's RST acknowledges it, so it was sent.
    const conv = conversation().handshake().client('OUT\r\n').lose('s2c', 'OUT\r\n').reset('c2s').wait(500_000).client('x').wait(600_000).ack('c2s');
    const segs = segmentsOf(conv.segments);
    const r = reassemble(segs, { sweep: true, noFinish: true });
    const c = summarize(r.events);
    expect(c.map((x) => [x.c2s, x.s2c, x.close])).toEqual([['OUT\r\n', '[gap 5]', 'rst']]);
    // Bytes past where the RST said the client's stream ended are not stream data.
    expect(codes(r.diags)).toEqual(['tcp.data_after_fin', 'tcp.gap']);
    expect(r.diags[0]!.message).toContain('past the end the RST gave');
    expect(r.diags[1]).toMatchObject({ packet: segs[4]!.packet, details: { bytes: 5, offset: 0, reason: 'rst' } });
    // Closed by the sweep at the last segment, 1.1 s after the RST; stamped with the RST's frame.
    const close = r.events.find((e) => e.kind === 'close')!;
    expect(close.packet).toBe(segs[4]!.packet);
    expect(r.events.indexOf(close)).toBe(r.events.length - 1);
  });

  it('evicts the least recently active connection at maxConnections', () => {
    const mk = (i: number) => new Conversation({ client: `10.0.0.${i}:4000`, server: SERVER, startMicros: i * 10 }).client(`c${i}`);
    const a = mk(1);
    const b = mk(2);
    const c = mk(3);
    a.client('-more'); // a is now more recently active than b
    const items = [a.segments[0]!, b.segments[0]!, a.segments[1]!, c.segments[0]!];
    const { conns, diags, events } = run(items, { maxConnections: 2 });
    expect(conns.map((x) => [x.id, x.c2s, x.close])).toEqual([
      [1, 'c1-more', 'end-of-capture'],
      [2, 'c2', 'evicted'],
      [3, 'c3', 'end-of-capture'],
    ]);
    expect(diags).toMatchObject([{ code: 'tcp.connection_limit', severity: 'warning', conn: 2, packet: 4 }]);
    // The victim closes before the newcomer opens.
    expect(events.slice(5, 7)).toMatchObject([{ kind: 'close', conn: { id: 2 } }, { kind: 'open', conn: { id: 3 } }]);
  });

  it('closes idle connections, and a later segment on the 4-tuple opens a new one', () => {
    const conv = conversation().handshake().client('PNG\r\n').wait(16 * 60 * 1_000_000).client('PNG\r\n');
    const { conns } = run(conv.segments, { sweep: true });
    expect(conns).toMatchObject([
      { id: 1, c2s: 'PNG\r\n', close: 'idle', midStream: false },
      { id: 2, c2s: 'PNG\r\n', close: 'end-of-capture', midStream: true, clientBy: 'port' },
    ]);
  });

  it('ignores retransmissions of an idle-closed connection', () => {
    const conv = conversation().handshake().client('PNG\r\n').wait(16 * 60 * 1_000_000).retransmit(3);
    const { conns, reassembler } = run(conv.segments, { sweep: true });
    expect(conns).toHaveLength(1);
    expect(reassembler.stats.afterClose).toBe(1);
  });
});

describe('connection life cycle', () => {
  it('closes on RST, flushing holes, and ignores what follows of the old connection', () => {
    // The RST finds a hole: it closes the connection once the grace for the missing bytes is over.
    const conv = conversation().handshake().client('AAA').lose('c2s', 2).client('CCC').reset('s2c').wait(1_100_000).retransmit(4).ack('c2s');
    const { conns, diags, reassembler } = run(conv.segments, { sweep: true });
    expect(conns).toEqual([expect.objectContaining({ c2s: 'AAA[gap 2]CCC', s2c: '', close: 'rst' })]);
    expect(diags).toMatchObject([{ code: 'tcp.gap', details: { reason: 'rst' } }]);
    expect(reassembler.stats.afterClose).toBe(2);
  });

  it('opens a new connection on a reused 4-tuple after close, ignoring the old FIN and ACK', () => {
    const first = conversation({ client: 1000, server: 5000 }).handshake().client('one').close();
    const second = new Conversation({ client: CLIENT, server: SERVER, isn: { client: 777_777, server: 3 }, startMicros: first.last.tsMicros + 1000 }).handshake().client('two').close();
    const lateFin = { ...first.segments[first.segments.length - 3]!, tsMicros: first.last.tsMicros + 1 };
    const lateAck = { ...first.last, tsMicros: first.last.tsMicros + 2 };
    const { conns, diags } = run([...first.segments, lateFin, lateAck, ...second.segments]);
    expect(conns.map((c) => [c.id, c.c2s, c.close, c.midStream])).toEqual([
      [1, 'one', 'fin', false],
      [2, 'two', 'fin', false],
    ]);
    expect(diags).toEqual([]);
  });

  it('a new SYN with another ISN on an open connection closes it and opens a new one', () => {
    const first = conversation({ client: 1000, server: 5000 }).handshake().client('one');
    const second = new Conversation({ client: CLIENT, server: SERVER, isn: { client: 888, server: 3 }, startMicros: first.last.tsMicros + 1000 }).handshake().client('two');
    const { conns, diags } = run([...first.segments, first.segments[0]!, ...second.segments]);
    expect(conns.map((c) => [c.id, c.c2s, c.close])).toEqual([
      [1, 'one', 'idle'],
      [2, 'two', 'end-of-capture'],
    ]);
    expect(codes(diags)).toEqual(['tcp.port_reuse']);
  });

  it('a retransmitted SYN, or a SYN arriving after its connection was joined, opens nothing new', () => {
    const conv = conversation().handshake().client('hello').server('x').retransmit(0);
    const [syn, synAck, ack, hello, x, synAgain] = conv.segments;
    const { conns, diags, reassembler } = run([hello!, syn!, synAck!, ack!, x!, synAgain!]);
    expect(conns).toMatchObject([{ id: 1, midStream: true, c2s: 'hello', s2c: 'x' }]);
    expect(diags).toEqual([]);
    // The late SYN told the ISN, so the second copy is known for a retransmission.
    expect(reassembler.stats.retransmissions).toBe(1);
    expect(run([syn!, synAck!, ack!, hello!, synAgain!]).reassembler.stats.retransmissions).toBe(1);
  });

  it('a SYN-ACK the capture shows after later bytes of the server still starts the server stream', () => {
    const conv = conversation().handshake().client('GET\r\n').server('HTTP 200\r\n').server('VER 1\r\n');
    const [syn, synAck, ack, get, http, ver] = conv.segments;
    // The second reply arrives first: it waits for the request it acknowledges, and the SYN-ACK then moves it.
    const { conns, diags } = run([syn!, ver!, synAck!, ack!, get!, http!]);
    expect(conns).toMatchObject([{ c2s: 'GET\r\n', s2c: 'HTTP 200\r\nVER 1\r\n', midStream: false, close: 'end-of-capture' }]);
    expect(diags).toEqual([]);
  });

  it('data after close without a SYN, far from the old bytes, is a new mid-stream connection', () => {
    const first = conversation({ client: 1000, server: 5000 }).handshake().client('one').close();
    const later = new Conversation({ client: CLIENT, server: SERVER, isn: { client: 400_000_000, server: 9 }, startMicros: first.last.tsMicros + 1000 }).client('again');
    const { conns } = run([...first.segments, ...later.segments]);
    expect(conns.map((c) => [c.id, c.c2s, c.midStream])).toEqual([
      [1, 'one', false],
      [2, 'again', true],
    ]);
  });
});

describe('who is the client', () => {
  it('the sender of the SYN, whatever the ports', () => {
    const conv = new Conversation({ client: '10.0.0.1:1863', server: '10.0.0.2:6000' }).handshake().client('hi');
    expect(run(conv.segments).conns[0]).toMatchObject({ client: '10.0.0.1:1863', clientBy: 'syn', c2s: 'hi' });
  });

  it('the receiver of a SYN-ACK seen without its SYN', () => {
    const conv = new Conversation({ client: '10.0.0.1:1863', server: '10.0.0.2:6000' }).handshake().client('hi').server('yo');
    const { conns, diags } = run(conv.segments.slice(1));
    expect(conns[0]).toMatchObject({ client: '10.0.0.1:1863', clientBy: 'syn', midStream: false, c2s: 'hi', s2c: 'yo' });
    expect(diags).toEqual([]);
  });

  it('the side that is not on a server port when no SYN was seen', () => {
    const conv = conversation().server('QNG 30\r\n').client('PNG\r\n');
    expect(run(conv.segments).conns[0]).toMatchObject({ client: CLIENT, clientBy: 'port', s2c: 'QNG 30\r\n' });
  });

  it('the sender of the first packet when ports do not tell', () => {
    const conv = new Conversation({ client: '10.0.0.2:7000', server: '10.0.0.1:8000' }).server('first').client('second');
    expect(run(conv.segments).conns[0]).toMatchObject({ client: '10.0.0.1:8000', server: '10.0.0.2:7000', clientBy: 'first-packet', c2s: 'first', s2c: 'second' });
  });
});
