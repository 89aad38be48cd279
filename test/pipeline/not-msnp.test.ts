// A connection on an MSNP port that carries another protocol must not turn into MSNP commands:
// HTTP (whose PUT/GET lines look like verbs), binary data, a lone keep-alive byte.

import { describe, expect, it } from 'vitest';
import { Conversation, buildCapture } from '../support/capture-builder.js';
import { eventsOf, runAnalysis } from '../support/run-analysis.js';

async function decode(conv: Conversation): Promise<{ verbs: unknown[]; codes: unknown[] }> {
  const { text } = await runAnalysis(buildCapture(conv.segments), { format: 'ndjson' });
  return { verbs: eventsOf(text, 'command').map((e) => e.verb), codes: eventsOf(text, 'diagnostic').map((e) => e.code) };
}

describe('non-MSNP traffic on an MSNP port', () => {
  it('HTTP with PUT and GET request lines gives no commands, one msnp.not_msnp', async () => {
    const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
    c.handshake()
      .client('PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello')
      .server('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
      .client('GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n')
      .close();
    expect(await decode(c)).toEqual({ verbs: [], codes: ['msnp.not_msnp'] });
  });

  it('binary data gives no commands', async () => {
    const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
    const junk = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) & 0xff);
    c.handshake().client(junk, { mss: 1000 }).server(junk.subarray(0, 500)).close();
    expect((await decode(c)).verbs).toEqual([]);
  });

  it('the same port still decodes MSNP after such a connection closed', async () => {
    const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
    c.handshake().client('GET / HTTP/1.0\r\n\r\n').close();
    const d = new Conversation({ client: '10.0.0.2:50001', server: '10.0.0.1:1863', startMicros: Date.UTC(2005, 4, 6, 10) * 1000 });
    d.handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').close();
    const { text } = await runAnalysis(buildCapture([...c.segments, ...d.segments]), { format: 'ndjson' });
    expect(eventsOf(text, 'command').map((e) => `${String(e.dir)} ${String(e.verb)}`)).toEqual(['c2s VER', 's2c VER']);
  });
});

describe('content detection on other ports', () => {
  it('an opening line split over several segments is recognised as well as a whole one', async () => {
    for (const split of [[], [2], [1, 5, 9]]) {
      const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:5000' });
      c.handshake().client('VER 1 MSNP8 CVR0\r\n', { split }).server('VER 1 MSNP8\r\n').client('PNG\r\n').close();
      const { text } = await runAnalysis(buildCapture(c.segments), { format: 'ndjson' });
      expect(eventsOf(text, 'command').map((e) => e.verb), `split ${split.join(',')}`).toEqual(['VER', 'VER', 'PNG']);
      expect(eventsOf(text, 'connection').find((e) => e.event === 'open')?.midStream).toBe(false);
    }
  });

  it('an opening line whose pieces arrive out of order is recognised, and nothing before it is lost', async () => {
    const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:5000' });
    c.handshake().client('VER 1 MSNP8 CVR0\r\n', { split: [4, 9] }).server('VER 1 MSNP8\r\n').client('PNG\r\n');
    // Data order: "CVR0\r\n", the server's VER, "MSNP8 ", "VER 1 " (which completes the opening), PNG.
    const [syn, synAck, ack, a, b, cc, reply, png] = c.segments;
    c.segments.splice(0, c.segments.length, ...[syn, synAck, ack, cc, reply, b, a, png].map((s) => s!));
    c.close();
    const { text } = await runAnalysis(buildCapture(c.segments), { format: 'ndjson' });
    expect(eventsOf(text, 'command').map((e) => [e.dir, e.verb, e.args])).toEqual([
      ['c2s', 'VER', ['1', 'MSNP8', 'CVR0']],
      ['s2c', 'VER', ['1', 'MSNP8']],
      ['c2s', 'PNG', []],
    ]);
    expect(eventsOf(text, 'diagnostic').filter((d) => d.severity !== 'info')).toEqual([]);
  });

  it('a switchboard opening cut in two with the server reply captured between them is recognised', async () => {
    const c = new Conversation({ client: '10.0.0.2:50001', server: '10.0.0.1:5001' });
    c.handshake().client('USR 1 alice@example.com 17262740.1050826919.32308\r\n', { split: [20] }).server('USR 1 OK alice@example.com Alice\r\n').client('CAL 2 bob@example.com\r\n');
    const [syn, synAck, ack, first, second, reply, ...rest] = c.segments.map((s) => s!);
    const data = [first!, reply!, second!, ...rest];
    const withSyn = [syn!, synAck!, ack!, ...data];
    const synAckOnly = [synAck!, ack!, ...data]; // the SYN was not captured: the SYN-ACK says who the client is
    for (const [what, segments] of [['SYN', withSyn], ['SYN-ACK only', synAckOnly]] as const) {
      const { text } = await runAnalysis(buildCapture(segments), { format: 'ndjson' });
      expect(eventsOf(text, 'command').map((e) => [e.dir, e.verb]), what).toEqual([
        ['c2s', 'USR'],
        ['s2c', 'USR'],
        ['c2s', 'CAL'],
      ]);
    }
    // Joined mid-stream: the side whose bytes may still be an opening line is taken as the client.
    const { text } = await runAnalysis(buildCapture(data), { format: 'ndjson' });
    expect(eventsOf(text, 'command').map((e) => e.verb)).toEqual(['USR', 'USR', 'CAL']);
  });

  it('a repeated SYN keeps what was held, and does not reopen a connection judged not MSNP', async () => {
    const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:5000' });
    c.handshake().client('VER 1 MSNP8 CVR0\r\n', { split: [6] }).server('VER 1 MSNP8\r\n');
    c.segments.splice(4, 0, { ...c.segments[0]! }); // the SYN again, between the two pieces
    const held = await runAnalysis(buildCapture(c.segments), { format: 'ndjson' });
    expect(eventsOf(held.text, 'command').map((e) => [e.dir, e.verb])).toEqual([
      ['c2s', 'VER'],
      ['s2c', 'VER'],
    ]);
    const d = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:5000' });
    d.handshake().client('HELO example.com\r\n');
    d.segments.push({ ...d.segments[0]! });
    d.server('VER 1 MSNP8\r\n'); // MSNP-looking text later in a stream that was not MSNP
    const rejected = await runAnalysis(buildCapture(d.segments), { format: 'ndjson' });
    expect(eventsOf(rejected.text, 'command')).toEqual([]);
  });

  it('holds a bounded number of segments while the first bytes are missing, then gives the connection up', async () => {
    const withPings = async (n: number): Promise<unknown[]> => {
      const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:5000' });
      c.handshake().lose('c2s', 'VER 1 MSNP8 CVR0\r\n');
      for (let i = 0; i < n; i++) c.client('PNG\r\n');
      c.overlap('c2s', 0, 'VER 1 MSNP8 CVR0\r\n').close(); // the lost opening, re-sent at last
      const { text } = await runAnalysis(buildCapture(c.segments), { format: 'ndjson' });
      return eventsOf(text, 'command').map((e) => e.verb);
    };
    expect(await withPings(15)).toEqual(['VER', ...Array(15).fill('PNG')]);
    expect(await withPings(17)).toEqual([]);
  });

  it('a new connection on the tuple of one that was not MSNP is judged afresh', async () => {
    const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:5000' });
    c.handshake().client('HELO example.com\r\n').close();
    const d = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:5000', isn: { client: 5_000_000, server: 9_000_000 } });
    d.handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').close();
    const { text } = await runAnalysis(buildCapture([...c.segments, ...d.segments.map((s) => ({ ...s, tsMicros: s.tsMicros + 60e6 }))]), { format: 'ndjson' });
    expect(eventsOf(text, 'command').map((e) => e.verb)).toEqual(['VER', 'VER']);
  });

  it('an RST before the first bytes: bytes reordered behind it are still judged; a second later, it is forgotten', async () => {
    const base = Date.UTC(2005, 4, 6, 10) * 1000;
    const reordered = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:9999', startMicros: base });
    reordered.handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').reset('c2s');
    const rst = reordered.segments.pop()!;
    reordered.segments.splice(3, 0, { ...rst, tsMicros: reordered.segments[3]!.tsMicros });
    const one = await runAnalysis(buildCapture(reordered.segments), { format: 'ndjson', ports: [] });
    expect(eventsOf(one.text, 'command').map((e) => e.verb)).toEqual(['VER', 'VER']);
    expect(eventsOf(one.text, 'connection').map((e) => e.reason ?? e.event)).toEqual(['open', 'rst']);

    // 128 servers speak first (16 KiB each, held: only a client's bytes can rule a connection out), then
    // their clients reset. What they held is let go a second later: an MSNP opening cut in two still fits.
    const dead: Conversation[] = [];
    for (let i = 0; i < 128; i++) {
      const c = new Conversation({ client: `10.1.0.${i}:40000`, server: '10.0.0.9:7000', startMicros: base + i * 100, stepMicros: 10 });
      dead.push(c.handshake().server(new Uint8Array(16384).fill(0x41), { mss: 1024 }).reset('c2s'));
    }
    const later = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:9999', startMicros: base + 5_000_000 });
    later.handshake().client('VER 1 MSNP8 CVR0\r\n', { split: [5] }).server('VER 1 MSNP8\r\n').close();
    const all = [...dead.flatMap((c) => c.segments).sort((x, y) => x.tsMicros - y.tsMicros), ...later.segments];
    const two = await runAnalysis(buildCapture(all), { format: 'ndjson', ports: [] });
    expect(eventsOf(two.text, 'command').map((e) => e.verb)).toEqual(['VER', 'VER']);
  });

  it('a tuple reset before any data starts afresh for a new connection, SYN captured or not', async () => {
    const base = Date.UTC(2005, 4, 6, 10) * 1000;
    const refused = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:9999', startMicros: base });
    refused.handshake().reset('s2c');
    // The SYN was not captured: only the SYN-ACK and the RST of the old connection are known.
    const noSyn = refused.segments.slice(1);
    const next = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:9999', isn: { client: 7_000_000, server: 8_000_000 }, startMicros: base + 10_000 });
    next.handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').close();
    const a = await runAnalysis(buildCapture([...noSyn, ...next.segments]), { format: 'ndjson', ports: [] });
    expect(eventsOf(a.text, 'command').map((e) => e.verb)).toEqual(['VER', 'VER']);
    expect(eventsOf(a.text, 'connection').filter((e) => e.event === 'open')).toHaveLength(1);
    // A minute later, without the new connection's SYN: judged from its own first bytes, not the old ISN.
    const midStream = next.segments.slice(3).map((s) => ({ ...s, tsMicros: s.tsMicros + 60e6 }));
    const b = await runAnalysis(buildCapture([...refused.segments, ...midStream]), { format: 'ndjson', ports: [] });
    expect(eventsOf(b.text, 'command').map((e) => e.verb)).toEqual(['VER', 'VER']);
  });

  it('a connection that is not MSNP is left alone, and --no-detect looks at nothing', async () => {
    const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:5000' });
    c.handshake().client('VERY long story\r\n', { split: [2] }).server('ok\r\n').close();
    const d = new Conversation({ client: '10.0.0.2:50001', server: '10.0.0.1:5000' });
    d.handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').close();
    const bytes = buildCapture([...c.segments, ...d.segments]);
    expect(eventsOf((await runAnalysis(bytes, { format: 'ndjson' })).text, 'command')).toHaveLength(2);
    expect(eventsOf((await runAnalysis(bytes, { format: 'ndjson', detect: false })).text, 'connection')).toHaveLength(0);
  });
});
