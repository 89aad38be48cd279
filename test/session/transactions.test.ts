// Request ↔ reply matching over a long session: extra reply lines that come a few requests late still
// find their request, while what each connection remembers of answered requests stays bounded.

import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MsnpCommand } from '../../src/msnp/command.js';
import { TransactionTracker } from '../../src/session/transactions.js';
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
  it('an extra reply line after 31 other answered requests still answers its request', async () => {
    const { iln, diagnostics } = await lateLine(31);
    expect(iln.request).toMatchObject({ verb: 'CHG', trId: 2 });
    expect(diagnostics).toEqual([]);
  });

  it('one after 32 other answered requests is past what a connection remembers: reported, not matched', async () => {
    const { iln, diagnostics } = await lateLine(32);
    expect(iln.request).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.details).toMatchObject({ trId: 2, verb: 'ILN' });
  });
});

let packet = 0;
function line(dir: 'c2s' | 's2c', text: string): MsnpCommand {
  const [verb = '', ...args] = text.split(' ');
  const trId = /^\d+$/.test(args[0] ?? '') ? Number(args[0]) : null;
  packet++;
  return { dir, verb, trId, args, line: text, packet, firstPacket: packet, tsMicros: packet * 1000 } as unknown as MsnpCommand;
}

describe('TransactionTracker', () => {
  beforeEach(() => {
    packet = 0;
  });

  it('marks the first reply line, and later lines of the same reply as not first', () => {
    const t = new TransactionTracker(() => {}, false);
    t.request(line('c2s', 'SYN 5 0 0'));
    const first = t.reply(line('s2c', 'SYN 5 12 3 2'));
    t.request(line('c2s', 'PNG 6'));
    const later = t.reply(line('s2c', 'LST 5 alice@example.com Alice 11'));
    const again = t.reply(line('s2c', 'LST 5 bob@example.com Bob 11'));
    expect(first).toMatchObject({ first: true, request: { verb: 'SYN', trId: 5, packet: 1 }, latencyMicros: 1000 });
    expect(later).toMatchObject({ first: false, request: { verb: 'SYN', trId: 5, packet: 1 }, latencyMicros: 3000 });
    expect(again?.first).toBe(false);
    expect(t.unanswered().map((r) => r.verb)).toEqual(['PNG']);
  });

  it('a NAK finds an unawaited MSG N and counts as its first reply; it was never unanswered', () => {
    const t = new TransactionTracker(() => {}, false);
    t.request(line('c2s', 'MSG 7 N 120'));
    expect(t.unanswered()).toEqual([]);
    expect(t.reply(line('s2c', 'NAK 7'))).toMatchObject({ first: true, request: { verb: 'MSG', trId: 7 } });
  });

  it('a reused TrID replaces what was remembered under it', () => {
    const reports: string[] = [];
    const t = new TransactionTracker((d) => reports.push(d.code), false);
    t.request(line('c2s', 'CHG 9 NLN 0'));
    t.reply(line('s2c', 'CHG 9 NLN 0'));
    t.request(line('c2s', 'PRP 9 MFN Alice'));
    expect(t.reply(line('s2c', 'PRP 9 MFN Alice'))).toMatchObject({ first: true, request: { verb: 'PRP' } });
    expect(t.reply(line('s2c', 'ILN 9 NLN bob@example.com Bob'))).toMatchObject({ first: false, request: { verb: 'PRP' } });
    expect(reports).toEqual(['msnp.trid_order']);
  });

  it('a TrID used over and over takes one place among the remembered requests, not one per use', () => {
    const t = new TransactionTracker(() => {}, false);
    t.request(line('c2s', 'CHG 1 NLN 0'));
    t.reply(line('s2c', 'CHG 1 NLN 0'));
    for (let i = 0; i < 40; i++) t.request(line('c2s', 'MSG 2 N 120'));
    expect(t.reply(line('s2c', 'ILN 1 NLN bob@example.com Bob'))).toMatchObject({ first: false, request: { verb: 'CHG', trId: 1 } });
  });

  it('TrID 0 is remembered like any other; an unknown TrID finds nothing', () => {
    const t = new TransactionTracker(() => {}, false);
    expect(t.reply(line('s2c', 'ILN 3 NLN bob@example.com Bob'))).toBeNull();
    t.request(line('c2s', 'MSG 0 U 80'));
    expect(t.reply(line('s2c', 'NAK 0'))).toMatchObject({ first: true, request: { verb: 'MSG', trId: 0 } });
  });

  it('matches like a Map-based model of 32 remembered requests, for any mix of requests, replies and reused TrIDs', () => {
    const step = fc.record({ client: fc.boolean(), kind: fc.integer({ min: 0, max: 2 }), trId: fc.integer({ min: 0, max: 34 }) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 50, maxLength: 400 }), (steps) => {
        packet = 0;
        const t = new TransactionTracker(() => {}, false);
        const model = new MapModel();
        for (const s of steps) {
          const text = s.client ? [`CHG ${s.trId} NLN 0`, `MSG ${s.trId} U 80`, `MSG ${s.trId} A 80`][s.kind] : [`CHG ${s.trId} NLN 0`, `ILN ${s.trId} NLN b@x.com B`, `NAK ${s.trId}`][s.kind];
          const cmd = line(s.client ? 'c2s' : 's2c', text as string);
          if (s.client) {
            t.request(cmd);
            model.request(cmd);
          } else {
            const got = t.reply(cmd);
            expect(got === null ? null : { ...got.request, first: got.first }).toEqual(model.reply(cmd));
          }
        }
        expect(t.unanswered().map((r) => r.trId)).toEqual(model.unanswered());
      }),
      { numRuns: 300 },
    );
  });
});

/** What the tracker did before its answered list became a flat array: a Map kept in order of use. */
class MapModel {
  private readonly pending = new Map<number, { verb: string; trId: number; packet: number; tsMicros: number; replies: number }>();
  private readonly answered = new Map<number, { verb: string; trId: number; packet: number; tsMicros: number; replies: number }>();

  request(cmd: MsnpCommand): void {
    if (cmd.trId === null) return;
    const entry = { verb: cmd.verb, trId: cmd.trId, packet: cmd.packet, tsMicros: cmd.tsMicros, replies: 0 };
    if (cmd.verb === 'MSG' && cmd.args[1] === 'U') {
      this.remember(entry);
      return;
    }
    this.answered.delete(cmd.trId);
    this.pending.set(cmd.trId, entry);
  }

  reply(cmd: MsnpCommand): Record<string, unknown> | null {
    if (cmd.trId === null) return null;
    let req = this.pending.get(cmd.trId);
    if (req !== undefined) {
      this.pending.delete(cmd.trId);
      this.remember(req);
    } else {
      req = this.answered.get(cmd.trId);
    }
    if (req === undefined) return null;
    req.replies++;
    return { ...req, first: req.replies === 1 };
  }

  unanswered(): number[] {
    return [...this.pending.keys()];
  }

  private remember(req: { verb: string; trId: number; packet: number; tsMicros: number; replies: number }): void {
    this.answered.delete(req.trId);
    this.answered.set(req.trId, req);
    if (this.answered.size > 32) this.answered.delete(this.answered.keys().next().value as number);
  }
}
