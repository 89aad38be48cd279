// Request ↔ reply matching over a long session: extra reply lines that come a few requests late still
// find their request, while what each connection remembers of answered requests stays bounded.

import { describe, expect, it } from 'vitest';
import { Conversation, buildCapture } from '../support/capture-builder.js';
import { eventsOf, runAnalysis } from '../support/run-analysis.js';

function session(laterRequests: number): Conversation {
  const c = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
  c.handshake()
    .client('VER 1 MSNP8 CVR0\r\n')
    .server('VER 1 MSNP8\r\n')
    .client('CHG 2 NLN 0\r\n')
    .server('CHG 2 NLN 0\r\n');
  // Other requests, each answered, between CHG's reply and a late ILN line carrying CHG's TrID.
  for (let i = 0; i < laterRequests; i++) {
    c.client(`REA ${3 + i} alice@example.com Alice${i}\r\n`).server(`REA ${3 + i} ${i + 1} alice@example.com Alice${i}\r\n`);
  }
  c.server('ILN 2 NLN bob@example.com Bob\r\n');
  return c;
}

async function lateLine(laterRequests: number): Promise<{ iln: Record<string, unknown>; diagnostics: Record<string, unknown>[] }> {
  const { text } = await runAnalysis(buildCapture(session(laterRequests).segments), { format: 'ndjson' });
  const iln = eventsOf(text, 'command').find((e) => e.verb === 'ILN');
  if (iln === undefined) throw new Error('ILN not decoded');
  return { iln, diagnostics: eventsOf(text, 'diagnostic').filter((d) => d.code === 'msnp.reply_without_request') };
}

describe('transaction matching', () => {
  it('an extra reply line after 20 other requests still answers its request', async () => {
    const { iln, diagnostics } = await lateLine(20);
    expect(iln.request).toMatchObject({ verb: 'CHG', trId: 2 });
    expect(diagnostics).toEqual([]);
  });

  it('one after 100 other requests is past what a connection remembers: reported, not matched', async () => {
    const { iln, diagnostics } = await lateLine(100);
    expect(iln.request).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.details).toMatchObject({ trId: 2, verb: 'ILN' });
  });
});
