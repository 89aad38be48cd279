// `--payload auto` leaves a body out of NDJSON only when `message` gives back its exact bytes: chat text
// in valid UTF-8 under a header block of `Name: value` CRLF lines. Every other body keeps its raw payload.

import { describe, expect, it } from 'vitest';
import { Conversation, buildCapture } from '../support/capture-builder.js';
import { eventsOf, runAnalysis } from '../support/run-analysis.js';

const text = 'Grüße ☕ "quoted" \\ back\\slash\ttab\r\nnew line';
const bodies: Record<string, string> = {
  canonical: `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=B; CO=0; CS=0; PF=22\r\n\r\n${text}`,
  noSpace: `MIME-Version:1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n${text}`,
  twoSpaces: `MIME-Version:  1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n${text}`,
  tab: `MIME-Version:\t1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n${text}`,
  bareLf: `MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\n${text}`,
  leadingEmptyLine: `\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n${text}`,
  latin1: `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\nplain`,
  typing: 'MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: bob@example.com\r\n\r\n\r\n',
};

async function decode(payload: 'auto' | 'always') {
  const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' }).handshake();
  conv.client('VER 1 MSNP8 CVR0\r\n').server('VER 1 MSNP8\r\n');
  let trId = 2;
  for (const body of Object.values(bodies)) conv.client(`MSG ${trId++} N ${Buffer.byteLength(body)}\r\n${body}`);
  const { text: out } = await runAnalysis(buildCapture(conv.segments), { format: 'ndjson', payload });
  const msgs = eventsOf(out, 'command').filter((c) => c.verb === 'MSG');
  return Object.fromEntries(Object.keys(bodies).map((name, i) => [name, msgs[i] as Record<string, unknown>]));
}

describe('NDJSON --payload', () => {
  it('auto: a canonical chat message has no payload; headers and text give back its exact bytes', async () => {
    const e = (await decode('auto')).canonical as Record<string, unknown>;
    expect(e.payload).toBeUndefined();
    const m = e.message as { headers: Array<{ name: string; value: string }>; text: string };
    const rebuilt = `${m.headers.map((h) => `${h.name}: ${h.value}\r\n`).join('')}\r\n${m.text}`;
    expect(rebuilt).toBe(bodies.canonical);
  });

  it('auto: every body that headers and text cannot give back keeps its raw payload', async () => {
    const all = await decode('auto');
    for (const name of ['noSpace', 'twoSpaces', 'tab', 'bareLf', 'leadingEmptyLine', 'latin1', 'typing']) {
      const e = all[name] as Record<string, unknown>;
      expect(e.payload, name).toBe(bodies[name]);
      expect((e.message as Record<string, unknown>).headers, name).toBeUndefined();
    }
  });

  it('always: every body is there as sent', async () => {
    const all = await decode('always');
    for (const [name, body] of Object.entries(bodies)) expect((all[name] as Record<string, unknown>).payload, name).toBe(body);
  });
});
