// Dialect evidence when VER's answer is not in the capture: CVR's client version bounds it from above,
// the parameter layouts seen narrow it, and a snaplen-cut payload is said once and counted.

import { describe, expect, it } from 'vitest';
import { maxDialectOfClient } from '../../src/session/client-versions.js';
import { Conversation, buildCapture } from '../support/capture-builder.js';
import { eventsOf, runAnalysis } from '../support/run-analysis.js';

describe('client versions (reference §1.3)', () => {
  it.each([
    ['1.0.0863', 2],
    ['3.0.0286', 5],
    ['5.0.0544', 8],
    ['6.2.0205', 10],
    ['7.0.0816', 11],
    ['7.5.0324', 12],
    ['8.5.1302', 15],
    ['14.0.8089', 18],
    ['15.4.3502', 21],
  ])('%s speaks at most MSNP%i', (version, max) => {
    expect(maxDialectOfClient(version)).toBe(max);
  });

  it('an unreadable version gives no bound', () => {
    expect(maxDialectOfClient('beta')).toBeNull();
  });
});

describe('inference in the pipeline', () => {
  it('a client-only capture (no VER answer) is bounded by its CVR and the forms it uses', async () => {
    const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
    c.handshake()
      .client('VER 1 MSNP10 MSNP9 MSNP8 CVR0\r\n')
      .client('CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0205 MSMSGS alice@example.com\r\n')
      .client('USR 3 TWN I alice@example.com\r\n');
    const { text } = await runAnalysis(buildCapture(c.segments), { format: 'ndjson' });
    const close = eventsOf(text, 'connection').find((e) => e.event === 'close');
    expect(close?.dialectSource).toBe('inferred');
    const range = close?.dialectRange as [number, number];
    // TWN authentication exists from MSNP8; a 6.2 client speaks at most MSNP10.
    expect(range[1]).toBe(10);
    expect(range[0]).toBeGreaterThanOrEqual(8);
  });

  it('a payload cut by the snaplen is said once (decode.snaplen_cut) and each cut becomes a tcp.gap', async () => {
    const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
    const body = `MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n${'x'.repeat(400)}`;
    c.handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').client(`MSG 2 N ${body.length}\r\n${body}`).client(`MSG 3 N ${body.length}\r\n${body}`).close();
    const { text } = await runAnalysis(buildCapture(c.segments, { snaplen: 200 }), { format: 'ndjson' });
    const codes = eventsOf(text, 'diagnostic').map((d) => d.code);
    expect(codes.filter((x) => x === 'decode.snaplen_cut')).toHaveLength(1);
    expect(codes.filter((x) => x === 'tcp.gap').length).toBeGreaterThanOrEqual(2);
    const msgs = eventsOf(text, 'command').filter((e) => e.verb === 'MSG');
    expect(msgs).toHaveLength(2);
    expect(msgs.every((m) => typeof m.payloadMissing === 'number' && m.payloadMissing > 0)).toBe(true);
  });
});

describe('commands outside the dialect', () => {
  it('a known verb the negotiated dialect does not have is reported (info), and still decoded', async () => {
    const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
    c.handshake().client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n').client('ADC 2 FL N=bob@example.com F=Bob\r\n').client('PNG\r\n');
    const { text } = await runAnalysis(buildCapture(c.segments), { format: 'ndjson' });
    const diags = eventsOf(text, 'diagnostic').filter((d) => d.code === 'msnp.unknown_command');
    expect(diags).toHaveLength(1);
    expect(diags[0]?.message).toMatch(/ADC is not a command of MSNP8 \(the reference has it in MSNP10–12\)/);
    expect(eventsOf(text, 'command').map((e) => e.verb)).toEqual(['VER', 'VER', 'ADC', 'PNG']);
  });
});
