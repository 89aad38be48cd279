// The HTTP gateway decoder: real gateway captures through the real front end (capture → decode → reassembly),
// synthetic HTTP for pipelining, gaps, truncation, skipped requests and limits, and property tests that the
// output does not depend on how the bytes were split.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/source.js';
import { PacketDecoder } from '../../src/decode/decoder.js';
import type { Direction } from '../../src/diag.js';
import { type GatewayChunk, GatewayDecoder, type GatewayDiagnostic, type GatewayOptions, looksLikeGatewayRequest } from '../../src/msnp/gateway.js';
import { Reassembler } from '../../src/tcp/reassembler.js';
import type { Connection, StreamEvent } from '../../src/tcp/stream.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = resolve(here, '../../../shared/corpus/escargot-loopback');
const FILE_D = resolve(corpus, 'escargot2017-server_scripted-client_msnp9+msnp11_http-gateway-ns+sb.pcap');
const FILE_MSNP12 = resolve(corpus, 'escargot2017-server_scripted-client_msnp12-twn_ns+http-gateway.pcap');

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

// ---------------------------------------------------------------------------------------------------------
// Harness

interface Push {
  dir: Direction;
  bytes: Uint8Array;
  gapBefore: number;
  packet: number;
  tsMicros: number;
}

interface ConnStream {
  conn: Connection;
  pushes: Push[];
  endPacket: number;
}

/** The port-8081 connections of a capture as the pipeline would see them: in-order data and gaps per direction. */
async function gatewayConnections(file: string): Promise<ConnStream[]> {
  const ignore = (): void => {};
  const decoder = new PacketDecoder(ignore);
  const reassembler = new Reassembler({ isServerPort: (p) => p === 8081 }, ignore);
  const events: StreamEvent[] = [];
  let lastPacket = 0;
  let lastTs = 0;
  for await (const batch of readCapture(file, ignore)) {
    for (const pkt of batch) {
      const seg = decoder.decode(pkt);
      const before = events.length;
      if (seg !== null) reassembler.push(seg, events);
      // Data events may be views into the capture's read block, valid for this batch only: keep copies.
      for (let i = before; i < events.length; i++) {
        const ev = events[i] as StreamEvent;
        if (ev.kind === 'data') events[i] = { ...ev, bytes: Uint8Array.from(ev.bytes) };
      }
      lastPacket = pkt.index;
      lastTs = pkt.tsMicros;
    }
  }
  reassembler.finish(lastPacket, lastTs, events);
  const conns = new Map<number, ConnStream>();
  for (const ev of events) {
    if (ev.kind === 'open') {
      if (ev.conn.server.port === 8081) conns.set(ev.conn.id, { conn: ev.conn, pushes: [], endPacket: ev.packet });
      continue;
    }
    const c = conns.get(ev.conn.id);
    if (c === undefined) continue;
    if (ev.kind === 'data') c.pushes.push({ dir: ev.dir, bytes: ev.bytes, gapBefore: ev.gapBefore, packet: ev.packet, tsMicros: ev.tsMicros });
    else if (ev.kind === 'gap') c.pushes.push({ dir: ev.dir, bytes: new Uint8Array(0), gapBefore: ev.bytes, packet: ev.packet, tsMicros: ev.tsMicros });
    else c.endPacket = ev.packet;
  }
  return [...conns.values()];
}

interface Decoded {
  chunks: GatewayChunk[];
  diags: GatewayDiagnostic[];
  decoder: GatewayDecoder;
}

function run(pushes: readonly Push[], endPacket: number, opts: GatewayOptions = {}): Decoded {
  const diags: GatewayDiagnostic[] = [];
  const decoder = new GatewayDecoder((d) => diags.push(d), opts);
  const chunks: GatewayChunk[] = [];
  for (const p of pushes) chunks.push(...decoder.push(p.dir, p.bytes, p.gapBefore, p.packet, p.tsMicros));
  chunks.push(...decoder.finish(endPacket));
  return { chunks, diags, decoder };
}

/** Cuts every push into pieces whose sizes cycle through `sizes` (the gap goes with the first piece). */
function resplit(pushes: readonly Push[], sizes: readonly number[]): Push[] {
  const out: Push[] = [];
  let k = 0;
  for (const p of pushes) {
    if (p.bytes.length === 0) {
      out.push(p);
      continue;
    }
    let at = 0;
    while (at < p.bytes.length) {
      const n = Math.max(1, sizes[k++ % sizes.length] ?? 1);
      out.push({ ...p, bytes: p.bytes.slice(at, at + n), gapBefore: at === 0 ? p.gapBefore : 0 });
      at += n;
    }
  }
  return out;
}

/** A chunk as plain data, for comparisons. */
const view = (c: GatewayChunk) => ({
  session: c.session.sessionId,
  server: c.session.server,
  dir: c.dir,
  text: text(c.bytes),
  packet: c.packet,
  tsMicros: c.tsMicros,
  gapBefore: c.gapBefore,
  action: c.action,
  status: c.status,
  sessionClose: c.sessionClose,
});

/** Concatenated bytes per session and direction (as latin1 text), in order of first chunk. */
function streams(chunks: readonly GatewayChunk[]): Map<string, { server: string; c2s: string; s2c: string }> {
  const m = new Map<string, { server: string; c2s: string; s2c: string }>();
  for (const c of chunks) {
    let s = m.get(c.session.sessionId);
    if (s === undefined) {
      s = { server: c.session.server, c2s: '', s2c: '' };
      m.set(c.session.sessionId, s);
    }
    s[c.dir] += text(c.bytes);
  }
  return m;
}

// Synthetic HTTP ---------------------------------------------------------------------------------------

function request(target: string, body = '', extra = ''): string {
  return (
    `POST http://127.0.0.1:8081/gateway/gateway.dll?${target} HTTP/1.1\r\nUser-Agent: MSMSGS\r\nHost: 127.0.0.1:8081\r\n` +
    `Content-Type: application/x-msn-messenger\r\n${extra}Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`
  );
}

function response(sessionId: string | null, body = '', extra = '', status = '200 OK'): string {
  const mm = sessionId === null ? '' : `X-MSN-Messenger: SessionID=${sessionId}; GW-IP=127.0.0.1\r\n`;
  return `HTTP/1.1 ${status}\r\n${mm}${extra}Content-Type: application/x-msn-messenger\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;
}

let packetNo = 0;
function c2s(s: string, gapBefore = 0): Push {
  packetNo++;
  return { dir: 'c2s', bytes: bytes(s), gapBefore, packet: packetNo, tsMicros: packetNo * 1000 };
}
function s2c(s: string, gapBefore = 0): Push {
  packetNo++;
  return { dir: 's2c', bytes: bytes(s), gapBefore, packet: packetNo, tsMicros: packetNo * 1000 };
}

// ---------------------------------------------------------------------------------------------------------

describe('gateway decoder on the Escargot gateway captures', async () => {
  const connsD = await gatewayConnections(FILE_D);
  const decodedD = connsD.map((c) => ({ conn: c, ...run(c.pushes, c.endPacket) }));
  const gatewayD = decodedD.filter((d) => d.decoder.isGateway);

  it('tells gateway connections from the Passport /login ones', () => {
    expect(connsD.length).toBe(5);
    expect(gatewayD.length).toBe(3);
    for (const d of decodedD) {
      const first = d.conn.pushes.find((p) => p.dir === 'c2s');
      expect(first).toBeDefined();
      expect(looksLikeGatewayRequest((first as Push).bytes)).toBe(d.decoder.isGateway);
      if (!d.decoder.isGateway) {
        // GET /login: skipped silently, with its response.
        expect(d.chunks).toEqual([]);
        expect(d.diags).toEqual([]);
        expect(d.decoder.stats).toMatchObject({ requests: 1, responses: 1, skippedRequests: 1, gatewayRequests: 0 });
      }
    }
  });

  it('finds alice NS + SB on one connection, bob NS and bob SB on two more, without diagnostics', () => {
    for (const d of gatewayD) expect(d.diags).toEqual([]);
    const perConn = gatewayD.map((d) => d.decoder.sessions.map((s) => s.server));
    expect(perConn).toEqual([['NS', 'SB'], ['NS'], ['SB']]);
    const all = gatewayD.flatMap((d) => d.decoder.sessions);
    expect(all.length).toBe(4);
    for (const s of all) {
      expect(s.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(s).toMatchObject({ ip: '127.0.0.1', gwIp: '127.0.0.1', opened: true, closed: false });
      expect(s.currentId).toBe(s.sessionId);
    }
    expect(new Set(all.map((s) => s.sessionId)).size).toBe(4);
  });

  it("carries alice's NS and SB streams interleaved on one keep-alive connection", () => {
    const alice = gatewayD[0] as (typeof gatewayD)[number];
    const st = streams(alice.chunks);
    const [ns, sb] = alice.decoder.sessions;
    const nsStream = st.get(ns?.sessionId ?? '');
    const sbStream = st.get(sb?.sessionId ?? '');
    expect(nsStream?.c2s.startsWith(
      'VER 1 MSNP9 MSNP8 CVR0\r\nCVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0205 MSMSGS alice@example.com\r\nUSR 3 TWN I alice@example.com\r\nUSR 4 TWN S ',
    )).toBe(true);
    expect(nsStream?.c2s).toContain('SYN 5 0\r\nCHG 6 NLN 805306404 %3Cmsnobj%2F%3E\r\n');
    expect(nsStream?.c2s).toMatch(/XFR \d+ SB\r\n/);
    expect(nsStream?.s2c.startsWith('VER 1 MSNP9\r\nCVR 2 6.2.0205 ')).toBe(true);
    expect(nsStream?.s2c).toContain('USR 4 OK alice@example.com Alice%20A. 1 0\r\n');
    expect(nsStream?.s2c).toMatch(/XFR \d+ SB 127\.0\.0\.1:1864 CKI /);
    expect(sbStream?.c2s).toMatch(/^USR 1 alice@example\.com [0-9a-f]+\r\nCAL 2 bob@example\.com\r\n/);
    expect(sbStream?.s2c.startsWith('USR 1 OK alice@example.com')).toBe(true);
    expect(sbStream?.s2c).toContain('CAL 2 RINGING');
    expect(sbStream?.c2s).toContain('MSG 3 U ');
    // The first chunk of each session is its open: request body then response body, together.
    const firstSb = alice.chunks.findIndex((c) => c.session === sb);
    expect(alice.chunks[firstSb]).toMatchObject({ dir: 'c2s', action: 'open' });
    expect(alice.chunks[firstSb + 1]).toMatchObject({ dir: 's2c', action: 'open', status: 200 });
    // Both sessions really interleave on the connection.
    const order = alice.chunks.map((c) => (c.session === ns ? 'N' : 'S')).join('');
    expect(order).toMatch(/N+S+N+S+/);
    // Chunks of one direction are in capture order per session; polls give empty chunks.
    expect(alice.chunks.some((c) => c.dir === 'c2s' && c.action === 'poll' && c.bytes.length === 0)).toBe(true);
    for (const c of alice.chunks) expect(c.gapBefore).toBe(0);
  });

  it("brings bob the RNG in a poll response and opens his SB with ANS", () => {
    const bobNs = gatewayD[1] as (typeof gatewayD)[number];
    const bobSb = gatewayD[2] as (typeof gatewayD)[number];
    const ns = [...streams(bobNs.chunks).values()][0];
    expect(ns?.c2s.startsWith('VER 1 MSNP11')).toBe(true);
    expect(ns?.s2c.startsWith('VER 1 MSNP11\r\n')).toBe(true);
    expect(ns?.s2c).toMatch(/RNG \S+ 127\.0\.0\.1:1864 CKI \S+ alice@example\.com Alice%20A\./);
    const rng = bobNs.chunks.find((c) => c.dir === 's2c' && text(c.bytes).includes('RNG '));
    expect(rng?.action).toBe('poll');
    const sb = [...streams(bobSb.chunks).values()][0];
    expect(sb?.server).toBe('SB');
    expect(sb?.c2s).toMatch(/^ANS 1 bob@example\.com \S+ \S+\r\n/);
    expect(sb?.s2c).toContain('IRO 1 1 1 alice@example.com');
    expect(sb?.s2c).toContain('ANS 1 OK');
  });

  it('gives the same chunks however the reassembled bytes are re-split', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        for (const d of decodedD) {
          const again = run(resplit(d.conn.pushes, sizes), d.conn.endPacket);
          expect(again.chunks.map(view)).toEqual(d.chunks.map(view));
          expect(again.diags).toEqual(d.diags);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('gives the same session streams when all requests come before all responses', () => {
    for (const d of decodedD) {
      const reordered = [...d.conn.pushes.filter((p) => p.dir === 'c2s'), ...d.conn.pushes.filter((p) => p.dir === 's2c')];
      const again = run(reordered, d.conn.endPacket);
      expect(streams(again.chunks)).toEqual(streams(d.chunks));
    }
  });

  it('decodes the gateway NS session of the MSNP12 capture', async () => {
    const conns = await gatewayConnections(FILE_MSNP12);
    const decoded = conns.map((c) => run(c.pushes, c.endPacket));
    const gw = decoded.filter((d) => d.decoder.isGateway);
    expect(gw.length).toBe(1);
    const d = gw[0] as Decoded;
    expect(d.diags).toEqual([]);
    expect(d.decoder.sessions).toMatchObject([{ server: 'NS', ip: '127.0.0.1', opened: true }]);
    const st = [...streams(d.chunks).values()][0];
    expect(st?.c2s.startsWith('VER 1 MSNP7 CVR0\r\n')).toBe(true);
    expect(st?.s2c.startsWith('VER 1 MSNP7\r\n')).toBe(true);
    expect(d.chunks.some((c) => c.action === 'poll')).toBe(true);
    // The /login connection is no gateway.
    expect(decoded.filter((x) => !x.decoder.isGateway).map((x) => x.decoder.stats.skippedRequests)).toEqual([1]);
  });
});

describe('gateway decoder on the reference example (testvectors.json, §13.5)', () => {
  const vectors = JSON.parse(readFileSync(resolve(here, '../../../shared/protocol/testvectors.json'), 'utf8')) as {
    messages: { example: string; dir: string; b64: string }[];
  };
  const msgs = vectors.messages.filter((m) => m.example === 'http-gateway');

  it('opens the session from the response, joins several commands and ends on Session=close', () => {
    // The client waits for each response before the next request (§10), so feed them alternately.
    const reqs = msgs.filter((m) => m.dir === 'C>S').map((m) => Buffer.from(m.b64, 'base64'));
    const resps = msgs.filter((m) => m.dir === 'S>C').map((m) => Buffer.from(m.b64, 'base64'));
    expect(reqs.length).toBe(3);
    expect(resps.length).toBe(3);
    const pushes: Push[] = [];
    reqs.forEach((r, i) => {
      pushes.push({ dir: 'c2s', bytes: r, gapBefore: 0, packet: 2 * i + 1, tsMicros: 0 });
      const s = resps[i];
      if (s !== undefined) pushes.push({ dir: 's2c', bytes: s, gapBefore: 0, packet: 2 * i + 2, tsMicros: 0 });
    });
    const { chunks, diags, decoder } = run(pushes, 7);
    expect(decoder.isGateway).toBe(true);
    expect(decoder.sessions).toEqual([
      { sessionId: '954547325.13160', server: 'NS', ip: 'messenger.hotmail.com', currentId: '954547325.13160', gwIp: '207.46.110.18', opened: true, closed: true },
    ]);
    expect(chunks.map((c) => [c.dir, text(c.bytes), c.action, c.status, c.sessionClose, c.packet])).toEqual([
      ['c2s', 'VER 5 MSNP8 CVR0\r\n', 'open', null, false, 1],
      ['s2c', 'VER 5 MSNP8 CVR0\r\n', 'open', 200, false, 2],
      ['c2s', 'CVR 6 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS alice@hotmail.com\r\nUSR 7 TWN I alice@hotmail.com\r\n', null, null, false, 3],
      ['s2c', '', null, 200, false, 4],
      ['c2s', '', 'poll', null, false, 5],
      ['s2c', 'OUT OTH\r\n', 'poll', 200, true, 6],
    ]);
    expect(diags.map((d) => d.code)).toEqual(['gateway.session_close']);
  });
});

describe('gateway decoder on synthetic HTTP', () => {
  beforeEach(() => {
    packetNo = 0;
  });

  it('pairs pipelined requests and responses in order, holding the open body for its SessionID', () => {
    const { chunks, diags } = run(
      [
        c2s(request('Action=open&Server=NS&IP=10.0.0.1', 'VER 1 MSNP8 CVR0\r\n') + request('SessionID=other', 'PNG\r\n')),
        s2c(response('first', 'VER 1 MSNP8\r\n') + response('other', 'QNG 50\r\n')),
      ],
      99,
    );
    expect(chunks.map((c) => [c.session.sessionId, c.session.server, c.dir, text(c.bytes)])).toEqual([
      // The open waits for its response to learn its SessionID. The second request names a SessionID not seen
      // yet, which that response might have introduced, so it waits too; the response shows it is another one.
      ['first', 'NS', 'c2s', 'VER 1 MSNP8 CVR0\r\n'],
      ['first', 'NS', 's2c', 'VER 1 MSNP8\r\n'],
      ['other', 'unknown', 'c2s', 'PNG\r\n'],
      ['other', 'unknown', 's2c', 'QNG 50\r\n'],
    ]);
    expect(chunks[0]?.session.ip).toBe('10.0.0.1');
    expect(chunks[2]?.session.ip).toBe('127.0.0.1'); // from GW-IP: its open was not seen
    expect(diags.map((d) => d.code)).toEqual(['gateway.midstream_session']);
  });

  it('keeps request order when the capture shows a request before the open response it depends on', () => {
    const { chunks, diags, decoder } = run(
      [
        c2s(request('Action=open&Server=SB&IP=1.2.3.4', 'USR 1 a@b c\r\n')),
        c2s(request('SessionID=S', 'CAL 2 b@c\r\n')),
        s2c(response('S', 'USR 1 OK a@b A\r\n') + response('S', 'CAL 2 RINGING 1\r\n')),
      ],
      9,
    );
    expect(diags).toEqual([]);
    expect(decoder.sessions).toEqual([expect.objectContaining({ sessionId: 'S', server: 'SB', opened: true })]);
    expect(streams(chunks).get('S')).toEqual({ server: 'SB', c2s: 'USR 1 a@b c\r\nCAL 2 b@c\r\n', s2c: 'USR 1 OK a@b A\r\nCAL 2 RINGING 1\r\n' });
  });

  it('keeps a hole inside a body in place and resyncs after a gap between messages', () => {
    const r1 = request('SessionID=A', 'MSG 1 U 5\r\nhello');
    const r2 = request('SessionID=A', 'OUT\r\n');
    const r3 = request('SessionID=A', 'CHG 3 NLN\r\n');
    const cut = r1.length - 4; // the last 4 bytes of r1's body are lost, and r2, and the start of r3's request line
    const r3Tail = r3.slice(10);
    const { chunks, diags } = run(
      [
        c2s(request('Action=open&Server=NS', 'VER 1 MSNP8\r\n')),
        s2c(response('A', 'VER 1 MSNP8\r\n')),
        c2s(r1.slice(0, cut)),
        c2s(r3Tail + request('SessionID=A', 'SYN 4 0\r\n'), 4 + r2.length + 10),
        s2c(response('A', 'ACK 1\r\n') + response('A') + response('A') + response('A', 'SYN 4 1\r\n')),
      ],
      99,
    );
    const c = chunks.filter((x) => x.dir === 'c2s').map((x) => [text(x.bytes), x.gapBefore]);
    expect(c).toEqual([
      ['VER 1 MSNP8\r\n', 0],
      ['MSG 1 U 5\r\nh', 0],
      // The lost tail of r1 (4) and everything up to the next request line that could be found (r2, r3).
      ['SYN 4 0\r\n', 4 + r2.length + r3.length],
    ]);
    expect(diags.map((d) => d.code)).toEqual(['gateway.resync', 'gateway.unpaired_response', 'gateway.unpaired_response']);
    expect(diags[1]?.severity).toBe('info');
    // All four responses still land in session A, in order.
    expect(streams(chunks).get('A')?.s2c).toBe('VER 1 MSNP8\r\nACK 1\r\nSYN 4 1\r\n');
  });

  it('splits a body with a hole inside into runs, the hole in gapBefore', () => {
    const r = request('SessionID=A', 'ABCDEFGHIJ');
    const { chunks, diags } = run([c2s(r.slice(0, r.length - 7)), c2s(r.slice(r.length - 4), 3), s2c(response('A', 'OK\r\n'))], 9);
    expect(chunks.map((x) => [x.dir, text(x.bytes), x.gapBefore, x.packet])).toEqual([
      ['c2s', 'ABC', 0, 2],
      ['c2s', 'GHIJ', 3, 2],
      ['s2c', 'OK\r\n', 0, 3],
    ]);
    expect(diags.map((d) => d.code)).toEqual(['gateway.midstream_session']);
  });

  it('joins a connection mid-stream quietly', () => {
    const { chunks, diags } = run(
      [
        c2s('dy of an earlier request\r\n' + request('SessionID=A', 'PNG\r\n')),
        s2c('wer to an earlier request\r\n' + response('A', 'QNG 1\r\n') + response('A', 'QNG 2\r\n')),
      ],
      9,
      { midStream: true },
    );
    expect(chunks.map((x) => [x.session.sessionId, x.dir, text(x.bytes)])).toEqual([
      ['A', 'c2s', 'PNG\r\n'],
      // Which of the two answers the request seen is unknowable; both name session A, which is what counts.
      ['A', 's2c', 'QNG 1\r\n'],
      ['A', 's2c', 'QNG 2\r\n'],
    ]);
    expect(diags.map((d) => [d.code, d.severity])).toEqual([
      ['gateway.resync', 'info'],
      ['gateway.midstream_session', 'info'],
      ['gateway.resync', 'info'],
      ['gateway.unpaired_response', 'info'],
    ]);
  });

  it('passes on a body cut by the end of the stream and announces the missing bytes', () => {
    const full = request('SessionID=A', 'MSG 2 N 40\r\n' + 'x'.repeat(40));
    const { chunks, diags } = run([c2s(request('Action=open&Server=SB', 'USR 1 a@b c\r\n')), s2c(response('A', 'USR 1 OK a@b A\r\n')), c2s(full.slice(0, full.length - 30))], 9);
    const last = chunks.slice(-2);
    expect(last.map((x) => [x.dir, text(x.bytes), x.gapBefore, x.packet])).toEqual([
      ['c2s', 'MSG 2 N 40\r\n' + 'x'.repeat(10), 0, 3],
      ['c2s', '', 30, 9],
    ]);
    expect(diags.map((d) => [d.code, d.details])).toEqual([
      ['gateway.truncated', { missing: 30 }],
      ['gateway.unanswered', { requests: 1, droppedBytes: 0 }],
    ]);
  });

  it('ends a response without Content-Length at the end of the stream', () => {
    const head = 'HTTP/1.0 200 OK\r\nX-MSN-Messenger: SessionID=A; GW-IP=1.2.3.4\r\nConnection: close\r\n\r\n';
    const { chunks, diags } = run([c2s(request('Action=open&Server=NS', 'VER 1 MSNP8\r\n')), s2c(head + 'VER 1 '), s2c('MSNP8\r\n')], 5);
    // Completed by the end of the stream: stamped with the last frame that brought its bytes.
    expect(chunks.map((x) => [x.dir, text(x.bytes), x.packet])).toEqual([
      ['c2s', 'VER 1 MSNP8\r\n', 1],
      ['s2c', 'VER 1 MSNP8\r\n', 3],
    ]);
    expect(chunks[0]?.session).toMatchObject({ ip: '1.2.3.4' });
    expect(diags).toEqual([]);
  });

  it('skips non-gateway requests on the same connection silently', () => {
    const login = 'GET /login HTTP/1.1\r\nHost: 127.0.0.1:8081\r\nAuthorization: Passport1.4 sign-in=a,pwd=secret\r\n\r\n';
    const loginResp = "HTTP/1.1 200 OK\r\nAuthentication-Info: Passport1.4 da-status=success,from-PP='0123'\r\nContent-Length: 0\r\n\r\n";
    const { chunks, diags, decoder } = run(
      [c2s(login), s2c(loginResp), c2s(request('Action=open&Server=NS', 'VER 1 MSNP8\r\n')), s2c(response('A', 'VER 1 MSNP8\r\n'))],
      9,
    );
    expect(chunks.map((x) => [x.dir, text(x.bytes)])).toEqual([
      ['c2s', 'VER 1 MSNP8\r\n'],
      ['s2c', 'VER 1 MSNP8\r\n'],
    ]);
    expect(diags).toEqual([]);
    expect(decoder.stats).toMatchObject({ requests: 2, responses: 2, skippedRequests: 1, gatewayRequests: 1, sessions: 1 });
    expect(decoder.isGateway).toBe(true);
  });

  it('skips a message whose headers are over the limit and finds the next one', () => {
    const big = request('SessionID=A', 'PNG\r\n', `X-Padding: ${'p'.repeat(400)}\r\n`);
    const { chunks, diags } = run(
      [
        c2s(request('Action=open&Server=NS', 'VER 1 MSNP8\r\n')),
        s2c(response('A', 'VER 1 MSNP8\r\n')),
        c2s(big + request('SessionID=A', 'OUT\r\n')),
        s2c(response('A', 'QNG 50\r\n') + response('A', 'OUT\r\n')),
      ],
      9,
      { maxHeaderBytes: 256 },
    );
    expect(diags.map((d) => d.code)).toEqual(['gateway.too_large', 'gateway.resync', 'gateway.unpaired_response']);
    const a = streams(chunks).get('A');
    expect(a?.c2s).toBe('VER 1 MSNP8\r\nOUT\r\n');
    expect(a?.s2c).toBe('VER 1 MSNP8\r\nQNG 50\r\nOUT\r\n');
    expect(chunks.find((x) => x.dir === 'c2s' && text(x.bytes) === 'OUT\r\n')?.gapBefore).toBeGreaterThan(0);
  });

  it('skips a body over the limit without buffering it', () => {
    const { chunks, diags } = run(
      [
        c2s(request('Action=open&Server=NS', 'VER 1 MSNP8\r\n')),
        s2c(response('A', 'VER 1 MSNP8\r\n')),
        c2s(request('SessionID=A', 'y'.repeat(100))),
        c2s(request('SessionID=A', 'OUT\r\n')),
      ],
      9,
      { maxBodyBytes: 50 },
    );
    expect(diags.map((d) => d.code)).toEqual(['gateway.too_large', 'gateway.unanswered']);
    expect(chunks.filter((x) => x.dir === 'c2s').map((x) => [text(x.bytes), x.gapBefore])).toEqual([
      ['VER 1 MSNP8\r\n', 0],
      ['', 0],
      ['OUT\r\n', 100],
    ]);
  });

  it('reports chunked bodies and HTTP errors, drops the body of a failed open', () => {
    const chunked = 'HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=A\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
    const { chunks, diags } = run(
      [
        c2s(request('Action=open&Server=NS', 'VER 1 MSNP8\r\n')),
        s2c('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!'),
        c2s(request('Action=open&Server=NS', 'VER 2 MSNP8\r\n')),
        s2c(response('A', 'VER 2 MSNP8\r\n')),
        c2s(request('SessionID=A', 'PNG\r\n')),
        s2c(chunked),
        c2s(request('SessionID=A', 'OUT\r\n')),
        s2c(response('A', 'nope', '', '400 Bad Request')),
      ],
      20,
    );
    expect(diags.map((d) => d.code)).toEqual(['gateway.open_failed', 'gateway.chunked', 'gateway.resync', 'gateway.http_error']);
    expect(chunks.map((x) => [x.dir, text(x.bytes), x.status, x.gapBefore])).toEqual([
      ['c2s', 'VER 2 MSNP8\r\n', null, 0],
      ['s2c', 'VER 2 MSNP8\r\n', 200, 0],
      ['c2s', 'PNG\r\n', null, 0],
      ['s2c', '', 200, 0],
      ['c2s', 'OUT\r\n', null, 0],
      ['s2c', '', 400, 15],
    ]);
  });

  it('follows a SessionID that changes from response to response', () => {
    const { chunks, diags, decoder } = run(
      [
        c2s(request('Action=open&Server=NS&IP=messenger.hotmail.com', 'VER 1 MSNP8\r\n')),
        s2c(response('1.1', 'VER 1 MSNP8\r\n')),
        c2s(request('SessionID=1.1', 'CVR 2\r\n')),
        s2c(response('1.2', 'CVR 2 x\r\n')),
        c2s(request('Action=poll&SessionID=1.2')),
        s2c(response('1.3')),
        c2s(request('SessionID=1.3', 'OUT\r\n')),
        s2c(response('1.3')),
      ],
      20,
    );
    expect(decoder.sessions).toEqual([expect.objectContaining({ sessionId: '1.1', currentId: '1.3', server: 'NS' })]);
    expect(new Set(chunks.map((c) => c.session.sessionId))).toEqual(new Set(['1.1']));
    expect(diags.map((d) => d.code)).toEqual(['gateway.session_renamed', 'gateway.session_renamed']);
  });

  it('accepts origin-form targets, bare LF line ends, blank lines between messages and 100 Continue', () => {
    const req = 'POST /gateway/gateway.dll?Action=open&Server=SB&IP=1.2.3.4%3A1864 HTTP/1.1\nContent-Length: 6\n\nANS 1\r\n\r\n';
    const { chunks, diags } = run([c2s(req), s2c('HTTP/1.1 100 Continue\r\n\r\n'), s2c(response('S', 'IRO 1\r\n'))], 9);
    expect(diags).toEqual([]);
    expect(chunks.map((x) => [x.session.server, x.session.ip, x.dir, text(x.bytes)])).toEqual([
      ['SB', '1.2.3.4:1864', 'c2s', 'ANS 1\r'],
      ['SB', '1.2.3.4:1864', 's2c', 'IRO 1\r\n'],
    ]);
  });

  it('recognises gateway requests from their first bytes', () => {
    expect(looksLikeGatewayRequest(bytes('POST /gateway/gateway.dll?Action=open&Server=NS&IP=1.2.3.4 HTTP/1.1\r\n'))).toBe(true);
    expect(looksLikeGatewayRequest(bytes('POST http://127.0.0.1:8081/gateway/gateway.dll?SessionID=x HTTP/1.1\r\n'))).toBe(true);
    expect(looksLikeGatewayRequest(bytes('POST http://gateway.messenger.hotmail.com/gateway/gateway.dll?Action=open'))).toBe(true);
    expect(looksLikeGatewayRequest(bytes('GET /login HTTP/1.1\r\n'))).toBe(false);
    expect(looksLikeGatewayRequest(bytes('POST /other/gateway.dll? HTTP/1.1\r\n'))).toBe(false);
    expect(looksLikeGatewayRequest(bytes('VER 1 MSNP8 CVR0\r\n'))).toBe(false);
    expect(looksLikeGatewayRequest(bytes('POST /gate'))).toBe(false);
    expect(looksLikeGatewayRequest(new Uint8Array(0))).toBe(false);
  });
});

describe('gateway decoder robustness', () => {
  const tokens = [
    request('Action=open&Server=NS&IP=1.2.3.4', 'VER 1 MSNP8\r\n'),
    request('SessionID=a', 'PNG\r\n'),
    request('Action=poll&SessionID=b'),
    response('a', 'QNG 5\r\n'),
    response('b'),
    response(null, 'x'),
    response('a', '', 'X-Pad: 1\r\n', '404 Not Found'),
    'HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=a; Session=close\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    request('SessionID=a', 'MSG 1 N 3\r\nabc', 'Transfer-Encoding: chunked\r\n'),
    'POST /gateway/gateway.dll?SessionID=a HTTP/1.1\r\n',
    'HTTP/1.1 200 OK\r\n',
    'GET /login HTTP/1.0\r\n',
    'Content-Length: 7\r\n',
    'Content-Length: x\r\n',
    'Transfer-Encoding: chunked\r\n',
    'X-MSN-Messenger: SessionID=c; Session=close\r\n',
    '\r\n',
    '\n',
    'HTTP/1.',
    'PO',
  ];
  const streamText = fc.array(fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 30 }).map((b) => text(b))), {
    maxLength: 25,
  });
  const pushesArb = fc.array(
    fc.record({
      dir: fc.constantFrom<Direction>('c2s', 's2c'),
      body: streamText.map((parts) => parts.join('')),
      gapBefore: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 300 })),
    }),
    { maxLength: 12 },
  );
  const optsArb = fc.record({
    maxHeaderBytes: fc.integer({ min: 16, max: 400 }),
    maxBodyBytes: fc.integer({ min: 0, max: 64 }),
    maxPendingRequests: fc.integer({ min: 1, max: 4 }),
    maxSessions: fc.integer({ min: 1, max: 3 }),
    midStream: fc.boolean(),
  });

  it('never throws on random input and gives the same output however it is split', () => {
    // What the runs reached, to check that the generator exercises the interesting paths.
    const reached = new Set<string>();
    fc.assert(
      fc.property(pushesArb, optsArb, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }), (raw, opts, sizes) => {
        const pushes: Push[] = raw.map((p, i) => ({ dir: p.dir, bytes: Buffer.from(p.body, 'latin1'), gapBefore: p.gapBefore, packet: i + 1, tsMicros: i }));
        const a = run(pushes, pushes.length + 1, opts);
        const b = run(resplit(pushes, sizes), pushes.length + 1, opts);
        for (const d of a.diags) reached.add(d.code);
        if (a.chunks.some((c) => c.bytes.length > 0 && c.dir === 'c2s')) reached.add('c2s-bytes');
        if (a.chunks.some((c) => c.bytes.length > 0 && c.dir === 's2c')) reached.add('s2c-bytes');
        if (a.chunks.some((c) => c.gapBefore > 0)) reached.add('gapBefore');
        expect(b.chunks.map(view)).toEqual(a.chunks.map(view));
        expect(b.diags).toEqual(a.diags);
        // Output never holds more than went in, and a second finish adds nothing.
        const inBytes = pushes.reduce((n, p) => n + p.bytes.length, 0);
        expect(a.chunks.reduce((n, c) => n + c.bytes.length, 0)).toBeLessThanOrEqual(inBytes);
        expect(a.decoder.finish(99)).toEqual([]);
        expect(a.decoder.push('c2s', bytes('x'), 0, 100, 0)).toEqual([]);
      }),
      { numRuns: 400 },
    );
    for (const want of ['c2s-bytes', 's2c-bytes', 'gapBefore', 'gateway.bad_http', 'gateway.resync', 'gateway.too_large', 'gateway.chunked', 'gateway.truncated']) {
      expect(reached).toContain(want);
    }
  });

  it('survives random bytes of any kind', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 200 }), fc.nat(50)), { maxLength: 20 }), (items) => {
        const d = new GatewayDecoder(() => {});
        items.forEach(([c, b, g], i) => d.push(c ? 'c2s' : 's2c', b, g % 7 === 0 ? g : 0, i, i));
        d.finish(items.length);
      }),
      { numRuns: 300 },
    );
  });
});
