// A profile message's MSPAuth ticket is redacted in every decoded list a reporter may show: the header
// list and the field list share their header objects, so redacting one must cover both.

import { describe, expect, it } from 'vitest';
import type { MsnpCommand } from '../../src/msnp/command.js';
import { CommandInterpreter } from '../../src/session/interpreter.js';

describe('profile ticket redaction', () => {
  it('leaves the ticket in neither the headers nor the fields', () => {
    const body = Buffer.from('MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1\r\nMSPAuth: 7Xs3cretTicket$$\r\nkv: 2\r\n\r\n');
    const cmd = {
      conn: { id: 1 }, dir: 's2c', verb: 'MSG', trId: null, args: ['Hotmail', 'Hotmail', String(body.length)],
      line: `MSG Hotmail Hotmail ${body.length}`, payloadLength: body.length, payload: body, payloadMissing: 0,
      truncated: false, firstPacket: 1, packet: 1, tsMicros: 0, dialect: 8,
    } as unknown as MsnpCommand;
    const d = new CommandInterpreter(() => {}, { showSecrets: false, passwords: [] }).interpret(cmd, { reply: null, dialectLearnt: null }, 8);
    const m = d.message as { kind: string; headers: { name: string; value: string }[]; fields: { name: string; value: string }[] };
    expect(m.kind).toBe('profile');
    for (const list of [m.headers, m.fields]) expect(list.find((h) => h.name === 'MSPAuth')?.value).toBe('«redacted 16 chars»');
    expect(JSON.stringify(d)).not.toContain('7Xs3cret');
  });
});
