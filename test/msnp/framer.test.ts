import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Diagnostic, Direction } from '../../src/diag.js';
import type { MsnpCommand } from '../../src/msnp/command.js';
import { ConnectionFramer } from '../../src/msnp/connection-framer.js';
import { BodyBudget } from '../../src/msnp/framer.js';
import type { Connection } from '../../src/tcp/stream.js';

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

function conn(midStream = false): Connection {
  return {
    id: 1,
    client: { addr: '10.0.0.2', port: 50000 },
    server: { addr: '10.0.0.1', port: 1863 },
    clientBy: 'syn',
    midStream,
    firstPacket: 1,
    firstTsMicros: 0,
  };
}

interface Piece {
  dir: Direction;
  data: Uint8Array;
  gapBefore?: number;
}

function frame(pieces: Piece[], opts: { midStream?: boolean } = {}) {
  const commands: MsnpCommand[] = [];
  const diags: Diagnostic[] = [];
  const f = new ConnectionFramer(conn(opts.midStream), { command: (c) => commands.push(c) }, (d) => diags.push(d));
  pieces.forEach((p, i) => f.push(p.dir, p.data, p.gapBefore ?? 0, i + 1, i));
  f.finish(pieces.length);
  return { commands, diags, framer: f };
}

const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);

const summary = (cs: MsnpCommand[]) =>
  cs.map((c) => ({
    dir: c.dir,
    verb: c.verb,
    trId: c.trId,
    args: c.args,
    payload: c.payload === null ? null : Buffer.from(c.payload).toString('latin1'),
    missing: c.payloadMissing,
    truncated: c.truncated,
  }));

describe('MSNP framer', () => {
  it('frames command lines, TrIDs and bare-LF tolerance', () => {
    const { commands } = frame([
      { dir: 'c2s', data: bytes('VER 1 MSNP8 CVR0\r\nPNG\nOUT\r\n') },
      { dir: 's2c', data: bytes('VER 1 MSNP8\r\nQNG 50\r\nRNG 11752013 207.46.108.38:1863 CKI 849102291.520491113 a@b.com A\r\n') },
    ]);
    expect(summary(commands).map((c) => [c.dir, c.verb, c.trId, c.args.length])).toEqual([
      ['c2s', 'VER', 1, 3],
      ['c2s', 'PNG', null, 0],
      ['c2s', 'OUT', null, 0],
      ['s2c', 'VER', 1, 2],
      ['s2c', 'QNG', null, 1],
      ['s2c', 'RNG', null, 6],
    ]);
    expect(commands[5]?.dialect).toBe(8);
  });

  it('reads payloads by byte length, not characters, and never searches for CRLF inside them', () => {
    const body = 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nbrisé ☕\r\nMSG 9 N 3\r\n';
    const line = `MSG 4 N ${enc.encode(body).length}\r\n`;
    const { commands } = frame([{ dir: 'c2s', data: bytes(line + body + 'OUT\r\n') }]);
    expect(commands.map((c) => c.verb)).toEqual(['MSG', 'OUT']);
    expect(Buffer.from(commands[0]!.payload!).toString('utf8')).toBe(body);
    expect(commands[0]?.payloadLength).toBe(enc.encode(body).length);
  });

  it('QRY from the client carries 32 bytes with no CRLF; the server QRY reply has none', () => {
    const hex = '0123456789abcdef0123456789abcdef';
    const { commands } = frame([
      { dir: 'c2s', data: bytes(`QRY 11 PROD0061VRRZH@4F 32\r\n${hex}QRY 12 PROD0061VRRZH@4F 32\r\n${hex}PNG\r\n`) },
      { dir: 's2c', data: bytes('QRY 11\r\nQRY 12\r\nQNG 45\r\n') },
    ]);
    expect(summary(commands).map((c) => [c.dir, c.verb, c.trId, c.payload])).toEqual([
      ['c2s', 'QRY', 11, hex],
      ['c2s', 'QRY', 12, hex],
      ['c2s', 'PNG', null, null],
      ['s2c', 'QRY', 11, null],
      ['s2c', 'QRY', 12, null],
      ['s2c', 'QNG', null, null],
    ]);
  });

  it('gives identical commands for any split of the stream', () => {
    const body = 'MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: a@b.com\r\n\r\n\r\n';
    const stream = bytes(`USR 1 a@b.com 1.2.3\r\nMSG 2 U ${body.length}\r\n${body}QRY 3 X 32\r\n${'a'.repeat(32)}MSG 4 N 0\r\nOUT\r\n`);
    const whole = summary(frame([{ dir: 'c2s', data: stream }]).commands);
    expect(whole.map((c) => c.verb)).toEqual(['USR', 'MSG', 'QRY', 'MSG', 'OUT']);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const pieces: Piece[] = [];
        for (let i = 0; i + 1 < points.length; i++) pieces.push({ dir: 'c2s', data: stream.slice(points[i], points[i + 1]) });
        expect(summary(frame(pieces).commands)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('joined mid-stream inside a body: skips to the next known command and says how much was skipped', () => {
    const { commands, diags } = frame(
      [{ dir: 's2c', data: bytes('ser: a@b.com\r\n\r\nhello there\r\nNLN NLN a@b.com A 0\r\n') }],
      { midStream: true },
    );
    expect(commands.map((c) => c.verb)).toEqual(['NLN']);
    const resync = diags.find((d) => d.code === 'msnp.resync');
    expect(resync?.details?.bytes).toBe(29);
  });

  it('a gap inside a body keeps framing in step (the hole size is exact)', () => {
    const body = 'x'.repeat(100);
    const { commands } = frame([
      { dir: 'c2s', data: bytes(`MSG 5 N 100\r\n${body.slice(0, 30)}`) },
      { dir: 'c2s', data: bytes(`${body.slice(50)}OUT\r\n`), gapBefore: 20 },
    ]);
    expect(commands.map((c) => c.verb)).toEqual(['MSG', 'OUT']);
    expect(commands[0]?.payloadMissing).toBe(20);
    const payload = commands[0]?.payload ?? new Uint8Array(0);
    expect(Buffer.from(payload).toString('latin1')).toBe(`${body.slice(0, 30)}${'\0'.repeat(20)}${body.slice(50)}`);
  });

  it('a gap inside a command line resynchronises at the next known command', () => {
    const { commands, diags } = frame([
      { dir: 'c2s', data: bytes('PNG\r\nCHG 7 NL') },
      { dir: 'c2s', data: bytes('8 0\r\nPNG\r\n'), gapBefore: 5 },
    ]);
    expect(commands.map((c) => c.verb)).toEqual(['PNG', 'PNG']);
    expect(diags.map((d) => d.code)).toContain('msnp.resync');
  });

  it('a wrong length is flagged and framing resumes at the next command', () => {
    const first = 'MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhi';
    const stream = `MSG 4 N 69\r\n${first}MSG 5 U 10\r\n0123456789\r\nMSG 6 N 3\r\nabcOUT\r\n`;
    const { commands, diags } = frame([{ dir: 'c2s', data: bytes(stream) }]);
    // 69 bytes swallow the first body and most of MSG 5, as a real server would read them.
    expect(commands.map((c) => c.verb)).toEqual(['MSG', 'MSG', 'OUT']);
    expect(commands[1]?.trId).toBe(6);
    expect(diags.map((d) => d.code)).toEqual(expect.arrayContaining(['msnp.bad_length', 'msnp.resync']));
  });

  it('a non-numeric length is reported and the line still shown', () => {
    const { commands, diags } = frame([{ dir: 'c2s', data: bytes('MSG 4 N abc\r\nOUT\r\n') }]);
    expect(commands.map((c) => [c.verb, c.payloadLength])).toEqual([
      ['MSG', null],
      ['OUT', null],
    ]);
    expect(diags.map((d) => d.code)).toContain('msnp.bad_length');
  });

  it('errors carry a payload only from MSNP13 (or while the dialect is unknown) with two parameters', () => {
    const xml = '<ml><d n="example.com"><c n="x" t="1" l="1" /></d></ml>';
    const unknown = frame([{ dir: 's2c', data: bytes(`911 7\r\n241 9 ${xml.length}\r\n${xml}ADL 10 OK\r\n`) }]).commands;
    expect(summary(unknown).map((c) => [c.verb, c.trId, c.payload])).toEqual([
      ['911', 7, null],
      ['241', 9, xml],
      ['ADL', 10, null],
    ]);
    const msnp8 = frame([{ dir: 's2c', data: bytes('VER 1 MSNP8\r\n201 9 5\r\nPNG\r\n') }]).commands;
    expect(msnp8.map((c) => [c.verb, c.payloadLength])).toEqual([
      ['VER', null],
      ['201', null],
      ['PNG', null],
    ]);
  });

  it('an HTTP or binary stream on the MSNP port is not reported as commands', () => {
    const { commands, diags } = frame([
      { dir: 'c2s', data: bytes('GET / HTTP/1.1\r\nHost: x\r\nUSR: yes\r\n\r\n') },
      { dir: 's2c', data: bytes('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n\x01\x02\x03') },
    ]);
    expect(commands).toEqual([]);
    expect(diags.map((d) => d.code)).toEqual(['msnp.not_msnp']);
  });

  it('the stream ending mid-body yields the partial command, flagged truncated', () => {
    const { commands, diags } = frame([{ dir: 'c2s', data: bytes('MSG 3 A 341\r\n' + 'y'.repeat(120)) }]);
    expect(commands).toHaveLength(1);
    expect(commands[0]?.truncated).toBe(true);
    expect(commands[0]?.payload?.length).toBe(120);
    expect(diags.map((d) => d.code)).toContain('msnp.truncated_payload');
  });

  it('an over-long line is dropped with a diagnostic, bounded by the line limit', () => {
    const { commands, diags } = frame([
      { dir: 'c2s', data: bytes('PNG\r\nUSR 1 ') },
      { dir: 'c2s', data: bytes('z'.repeat(40_000)) },
      { dir: 'c2s', data: bytes('\r\nPNG\r\n') },
    ]);
    expect(commands.map((c) => c.verb)).toEqual(['PNG', 'PNG']);
    expect(diags.map((d) => d.code)).toEqual(expect.arrayContaining(['msnp.line_too_long', 'msnp.resync']));
  });
});

describe('framer limits and secrets', () => {
  it('a line cut by the end of the stream is reported without its text (it may hold a ticket)', () => {
    const { diags } = frame([{ dir: 'c2s', data: bytes('VER 1 MSNP8 CVR0\r\nUSR 4 TWN S t=SECRETTICKET1234567890&p=PROFILE') }]);
    const cut = diags.find((d) => d.code === 'msnp.truncated_line');
    expect(cut?.message).toMatch(/starting USR/);
    expect(JSON.stringify(diags)).not.toMatch(/SECRET/);
  });

  it('an over-long line is refused the same way whether it came in one chunk or many', () => {
    const long = `MSG 1 N 5 ${'x'.repeat(40_000)}\r\nPNG\r\n`;
    const whole = frame([{ dir: 'c2s', data: bytes(`VER 1 MSNP8\r\n${long}`) }]);
    const pieces = [bytes('VER 1 MSNP8\r\n'), ...Array.from({ length: 41 }, (_, i) => bytes(long.slice(i * 1000, (i + 1) * 1000)))];
    const split = frame(pieces.map((data) => ({ dir: 'c2s' as const, data })));
    for (const r of [whole, split]) {
      expect(r.commands.map((c) => c.verb)).toEqual(['VER', 'PNG']);
      expect(r.diags.filter((d) => d.code === 'msnp.line_too_long')).toHaveLength(1);
    }
  });

  it('garbage without line ends after a gap is skipped as it comes, not carried: same report as in one chunk', () => {
    const garbage = 'A'.repeat(40_000);
    const tail = '\r\nPNG\r\n';
    const whole = frame([
      { dir: 'c2s', data: bytes('VER 1 MSNP8\r\n') },
      { dir: 'c2s', data: bytes(garbage + tail), gapBefore: 7 },
    ]);
    const pieces = Array.from({ length: 40 }, (_, i) => bytes(garbage.slice(i * 1000, (i + 1) * 1000)));
    const split = frame([
      { dir: 'c2s', data: bytes('VER 1 MSNP8\r\n') },
      { dir: 'c2s', data: pieces[0]!, gapBefore: 7 },
      ...pieces.slice(1).map((data) => ({ dir: 'c2s' as const, data })),
      { dir: 'c2s', data: bytes(tail) },
    ]);
    for (const r of [whole, split]) expect(r.commands.map((c) => c.verb)).toEqual(['VER', 'PNG']);
    const resync = (r: typeof whole) => r.diags.filter((d) => d.code === 'msnp.resync').map((d) => ({ ...d, packet: 0 }));
    expect(resync(split)).toEqual(resync(whole));
    expect(resync(split)[0]?.details).toMatchObject({ bytes: garbage.length + 2 });
    // White-box: the carried-over line buffer of the direction did not grow with the garbage.
    const c2s = (split.framer as unknown as { c2s: { partial: Uint8Array } }).c2s;
    expect(c2s.partial.length).toBeLessThanOrEqual(4096);
  });

  it('a body announced large but cut short keeps exactly the bytes that came', () => {
    const { commands } = frame([{ dir: 'c2s', data: bytes('VER 1 MSNP8\r\nMSG 1 N 4000000\r\nhello') }]);
    const msg = commands.find((c) => c.verb === 'MSG');
    expect(msg?.truncated).toBe(true);
    expect(Buffer.from(msg!.payload!).toString('latin1')).toBe('hello');
  });
});

describe('the body budget shared by all connections', () => {
  const connN = (id: number): Connection => ({ ...conn(), id, client: { addr: '10.0.0.2', port: 50000 + id } });
  const body = (n: number, c: string) => c.repeat(n);

  it('cuts a body it has no room for, passes over the rest, and frames on after it', () => {
    const commands: MsnpCommand[] = [];
    const diags: Diagnostic[] = [];
    const budget = new BodyBudget(5000);
    const f = new ConnectionFramer(conn(), { command: (c) => commands.push(c) }, (d) => diags.push(d), undefined, budget);
    const msg = `MSG 2 N 10000\r\n${body(10000, 'x')}PNG\r\n`;
    // In 3000-byte segments: the body spans four of them, so it has to be held.
    for (let at = 0, i = 1; at < msg.length; at += 3000, i++) f.push('c2s', bytes(msg.slice(at, at + 3000)), 0, i, i);
    f.finish(9);
    expect(summary(commands).map((c) => [c.verb, c.payload?.length ?? null, c.truncated])).toEqual([
      ['MSG', 3000 - 'MSG 2 N 10000\r\n'.length, true],
      ['PNG', null, false],
    ]);
    expect(diags).toMatchObject([{ code: 'msnp.body_budget', severity: 'warning', packet: 2, details: { verb: 'MSG', announced: 10000, kept: 2985, limit: 5000 } }]);
    expect(budget.used).toBe(0);
  });

  it('bodies read one after the other each fit; read at the same time, the one that overflows is cut', () => {
    const commands: MsnpCommand[] = [];
    const diags: Diagnostic[] = [];
    const budget = new BodyBudget(6000);
    const framers = [1, 2].map((id) => new ConnectionFramer(connN(id), { command: (c) => commands.push(c) }, (d) => diags.push(d), undefined, budget));
    const [a, b] = framers as [ConnectionFramer, ConnectionFramer];
    const head = 'MSG 2 N 4000\r\n';
    // One after the other: 4000 + 4000 held, never together.
    a.push('c2s', bytes(head + body(2000, 'a')), 0, 1, 1);
    a.push('c2s', bytes(body(2000, 'a')), 0, 2, 2);
    b.push('c2s', bytes(head + body(2000, 'b')), 0, 3, 3);
    b.push('c2s', bytes(body(2000, 'b')), 0, 4, 4);
    expect(diags).toEqual([]);
    // At the same time: the second one's growth does not fit beside the first.
    a.push('c2s', bytes(head + body(3500, 'a')), 0, 5, 5);
    b.push('c2s', bytes(head + body(3500, 'b')), 0, 6, 6);
    a.push('c2s', bytes(body(500, 'a')), 0, 7, 7);
    b.push('c2s', bytes(body(500, 'b')), 0, 8, 8);
    for (const f of framers) f.finish(9);
    expect(commands.map((c) => [c.conn.id, c.payload?.length, c.truncated])).toEqual([
      [1, 4000, false],
      [2, 4000, false],
      [2, 0, true], // cut at once, at packet 6
      [1, 4000, false],
    ]);
    expect(diags).toMatchObject([{ code: 'msnp.body_budget', conn: 2, packet: 6 }]);
    expect(budget.used).toBe(0);
  });

  it('near the bound a body grows once into all the room left, not a segment at a time', () => {
    const budget = new BodyBudget(10_000);
    const commands: MsnpCommand[] = [];
    const f = new ConnectionFramer(conn(), { command: (c) => commands.push(c) }, () => {}, undefined, budget);
    f.push('c2s', bytes(`MSG 2 N 9000\r\n${body(3000, 'x')}`), 0, 1, 1); // 4096 bytes reserved
    f.push('c2s', bytes(body(2000, 'x')), 0, 2, 2); // doubling to 8192 would fit too
    expect(budget.used).toBe(8192);
    f.push('c2s', bytes(body(3500, 'x')), 0, 3, 3); // 8500 needed: 9000 (the body) fits in the room
    expect(budget.used).toBe(9000);
    f.push('c2s', bytes(body(500, 'x')), 0, 4, 4);
    expect(commands.map((c) => [c.payload?.length, c.truncated])).toEqual([[9000, false]]);
    expect(budget.used).toBe(0);
    // With another body holding most of the budget, the growth takes the room left in one step.
    const other = new BodyBudget(10_000);
    other.used = 5_000;
    const g = new ConnectionFramer(conn(), { command: () => {} }, () => {}, undefined, other);
    g.push('c2s', bytes(`MSG 2 N 9000\r\n${body(3000, 'y')}`), 0, 1, 1);
    g.push('c2s', bytes(body(1200, 'y')), 0, 2, 2);
    expect(other.used).toBe(10_000);
  });

  it('a hole inside a body that would not fit is passed over the same way', () => {
    const commands: MsnpCommand[] = [];
    const diags: Diagnostic[] = [];
    const budget = new BodyBudget(5000);
    const f = new ConnectionFramer(conn(), { command: (c) => commands.push(c) }, (d) => diags.push(d), undefined, budget);
    f.push('c2s', bytes('MSG 2 N 9000\r\nabc'), 0, 1, 1);
    f.push('c2s', bytes(`${body(2997, 'z')}PNG\r\n`), 6000, 2, 2); // 6000 bytes lost, then the body's last 2997
    f.finish(3);
    expect(commands.map((c) => [c.verb, c.payload?.length ?? null, c.truncated])).toEqual([
      ['MSG', 3, true],
      ['PNG', null, false],
    ]);
    expect(codes(diags)).toEqual(['msnp.body_budget']);
    expect(budget.used).toBe(0);
  });
});
