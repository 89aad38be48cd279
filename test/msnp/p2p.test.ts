import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, type P2pContent } from '../../src/msnp/content.js';
import { decodeP2pPacket, decodeP2pV1Header, p2pFlagNames, type P2pV1Header, type P2pV1Packet } from '../../src/msnp/p2p.js';
import { decodeFileContext, parseMsnObject, parseSlp, SlpReassembler } from '../../src/msnp/slp.js';

interface Vector {
  example: string;
  dir: 'C>S' | 'S>C';
  first_line: string;
  note: string;
  b64: string;
}

interface Expectations {
  session_id: number;
  invite_total_size: number;
  invite_chunks: number[];
  invite_identifier: string;
  file_name: string;
  file_size: number;
  file_data: string;
  data_flags: string;
  data_footer: number;
}

const tv = JSON.parse(readFileSync(new URL('../../../shared/protocol/testvectors.json', import.meta.url), 'utf8')) as {
  messages: Vector[];
  p2p_file_transfer_expectations: Expectations;
};
const expected = tv.p2p_file_transfer_expectations;
const enc = new TextEncoder();

/** The p2p-ft example, in order, each decoded as the switchboard MSG it is. */
const ft = tv.messages
  .filter((v) => v.example === 'p2p-ft')
  .map((v) => {
    const bytes = Buffer.from(v.b64, 'base64');
    const eol = bytes.indexOf('\r\n');
    const payload = new Uint8Array(bytes.subarray(eol + 2));
    const content = decodeMessage(payload, { verb: 'MSG', dir: 'c2s', dialect: 9 }) as P2pContent;
    const data = payload.subarray(content.dataOffset, content.dataOffset + content.packet.dataLength);
    return { note: v.note, payload, content, packet: content.packet as P2pV1Packet, header: content.packet.header as P2pV1Header, data };
  });

const [invite1, invite2, inviteAck, ok200, okAck, fileData, dataAck, bye] = ft as [
  (typeof ft)[number],
  (typeof ft)[number],
  (typeof ft)[number],
  (typeof ft)[number],
  (typeof ft)[number],
  (typeof ft)[number],
  (typeof ft)[number],
  (typeof ft)[number],
];

describe('P2Pv1 over the switchboard (MSNP.md §13.4)', () => {
  it('has the eight packets of the example, all clean', () => {
    expect(ft).toHaveLength(8);
    for (const p of ft) {
      expect(p.content.kind).toBe('p2p');
      expect(p.packet.version).toBe(1);
      expect(p.content.problems).toEqual([]);
    }
  });

  it('INVITE chunk 2 header, field by field (the walk-through)', () => {
    expect(invite2.header).toEqual({
      sessionId: 0,
      identifier: 0x0ac47447,
      offset: 1202,
      totalSize: 1276,
      messageLength: 74,
      flags: 0,
      flagsHex: '0x00000000',
      flagNames: ['none (SLP or data preparation)'],
      ackIdentifier: 0x0ac56e77,
      ackUniqueId: 0,
      ackDataSize: 0,
    });
    expect(invite2.packet.footer).toEqual({ appId: 0, appName: 'MSNSLP negotiation / ACKs of it' });
    expect(invite2.packet.role).toBe('slp-continuation');
    expect(invite2.packet.chunk).toEqual({ offset: 1202, totalSize: 1276, length: 74, first: false, last: true });
  });

  it('INVITE comes in the expected chunks with one Identifier', () => {
    expect([invite1.header.messageLength, invite2.header.messageLength]).toEqual(expected.invite_chunks);
    expect(invite1.header.identifier).toBe(Number(expected.invite_identifier));
    expect(invite2.header.identifier).toBe(Number(expected.invite_identifier));
    expect(invite1.header.totalSize).toBe(expected.invite_total_size);
    expect(invite1.packet.role).toBe('slp');
    expect(invite1.packet.chunk).toMatchObject({ offset: 0, first: true, last: false });
  });

  it('the first INVITE chunk already shows method, addresses and EUF-GUID (partial)', () => {
    const slp = invite1.content.slp;
    expect(slp).toMatchObject({
      type: 'request',
      method: 'INVITE',
      target: 'bob@hotmail.com',
      to: 'bob@hotmail.com',
      from: 'alice@hotmail.com',
      branch: '{CDE28DAF-B67C-4B2D-8186-D3F46EEF0916}',
      cseq: 0,
      callId: '{F87327A8-741F-4FEF-AB63-45D06F51A0C2}',
      maxForwards: 0,
      contentType: 'application/x-msnmsgr-sessionreqbody',
      contentLength: 948,
      eufGuid: '{5D3E02AB-6190-11D3-BBBB-00C04F795683}',
      eufGuidName: 'file transfer',
      sessionId: expected.session_id,
      appId: 2,
      context: null,
      partial: true,
      problems: [],
    });
  });

  it('reassembled INVITE: file name and size from the context', () => {
    const r = new SlpReassembler();
    expect(r.push('alice>bob', invite1.header, invite1.data).complete).toBeNull();
    const done = r.push('alice>bob', invite2.header, invite2.data);
    expect(done.problems).toEqual([]);
    const slp = done.complete?.slp;
    expect(done.complete?.bytes.length).toBe(expected.invite_total_size);
    expect(slp?.partial).toBe(false);
    expect(slp?.problems).toEqual([]);
    expect(slp?.bodyLength).toBe(948);
    expect(slp?.sessionId).toBe(expected.session_id);
    expect(slp?.context).toEqual({
      kind: 'file',
      headerLength: 638,
      version: 3,
      fileSize: expected.file_size,
      type: 1,
      typeName: 'no preview',
      fileName: expected.file_name,
      previewLength: 0,
      bytes: 638,
    });
    expect(r.pendingCount).toBe(0);
  });

  it('ACKs point back at what they acknowledge', () => {
    expect(inviteAck.packet.role).toBe('ack');
    expect(inviteAck.header).toMatchObject({ flags: 2, flagNames: ['ACK'], ackIdentifier: invite1.header.identifier, ackUniqueId: invite1.header.ackIdentifier, ackDataSize: 1276 });
    expect(okAck.header).toMatchObject({ ackIdentifier: ok200.header.identifier, ackUniqueId: ok200.header.ackIdentifier, ackDataSize: ok200.header.totalSize });
    expect(dataAck.header).toMatchObject({ sessionId: expected.session_id, ackIdentifier: fileData.header.identifier, ackDataSize: expected.file_size });
    expect(dataAck.packet.footer?.appId).toBe(2);
  });

  it('200 OK and BYE', () => {
    expect(ok200.content.slp).toMatchObject({ type: 'response', status: 200, reason: 'OK', cseq: 1, sessionId: expected.session_id, contentLength: 25, bodyLength: 25, partial: false, problems: [] });
    expect(bye.content.slp).toMatchObject({ type: 'request', method: 'BYE', target: 'alice@hotmail.com', contentType: 'application/x-msnmsgr-sessionclosebody', contentLength: 3, body: [], problems: [] });
  });

  it('file data: session, flags, footer and the bytes', () => {
    expect(fileData.packet.role).toBe('file-data');
    expect(fileData.header.sessionId).toBe(expected.session_id);
    expect(fileData.header.flagsHex).toBe(`0x${Number(expected.data_flags).toString(16).padStart(8, '0')}`);
    expect(fileData.header.flagNames).toEqual(['file data']);
    expect(fileData.packet.footer).toEqual({ appId: expected.data_footer, appName: 'file transfer' });
    expect(Buffer.from(fileData.data).toString()).toBe(expected.file_data);
  });
});

describe('SLP reassembly is independent of chunking, order and duplicates', () => {
  const whole = new Uint8Array([...invite1.data, ...invite2.data]);
  const reference = parseSlp(whole);
  const chunkHeader = (offset: number, length: number): P2pV1Header => ({ ...invite1.header, offset, messageLength: length });

  it('any split, shuffled and duplicated, yields the same message once', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: whole.length - 1 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (cuts, order, dups) => {
          const points = [0, ...cuts.sort((a, b) => a - b), whole.length];
          const pieces = points.slice(1).map((end, i) => ({ start: points[i] as number, end }));
          for (const d of dups) pieces.push(pieces[d % pieces.length] as { start: number; end: number });
          for (let i = 0; i < order.length && pieces.length > 1; i++) {
            const j = (order[i] as number) % pieces.length;
            const k = i % pieces.length;
            [pieces[j], pieces[k]] = [pieces[k] as { start: number; end: number }, pieces[j] as { start: number; end: number }];
          }
          const r = new SlpReassembler();
          const completed = [];
          for (const p of pieces) {
            const res = r.push('s', chunkHeader(p.start, p.end - p.start), whole.subarray(p.start, p.end));
            if (res.complete !== null) completed.push(res.complete);
          }
          // Duplicates after completion start a new (never-finished) entry; the message itself completes at least once.
          expect(completed.length).toBeGreaterThanOrEqual(1);
          for (const c of completed) expect(c.slp).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is bounded: size limit, pending limit, foreign sessions, scopes', () => {
    const r = new SlpReassembler({ maxMessageBytes: 1000, maxPending: 2 });
    expect(r.push('s', invite1.header, invite1.data).problems[0]).toMatch(/^slp\.too_large/);
    const small = (id: number): P2pV1Header => ({ ...invite1.header, identifier: id, totalSize: 100, messageLength: 10, offset: 0 });
    r.push('a', small(1), new Uint8Array(10));
    r.push('a', small(2), new Uint8Array(10));
    expect(r.push('b', small(3), new Uint8Array(10)).problems[0]).toMatch(/^slp\.evicted/);
    expect(r.pendingCount).toBe(2);
    r.dropScope('a');
    expect(r.pendingCount).toBe(1);
    expect(r.push('b', { ...small(4), sessionId: 7 }, new Uint8Array(10)).problems[0]).toMatch(/^slp\.not_slp/);
    expect(r.push('b', { ...small(5), offset: 95 }, new Uint8Array(10)).problems[0]).toMatch(/^p2p\.bad_offset/);
    expect(r.push('b', { ...small(3), totalSize: 200 }, new Uint8Array(10)).problems[0]).toMatch(/^p2p\.bad_length/);
  });
});

/** A P2Pv1 packet built field by field (header little-endian, footer big-endian). */
function v1(fields: Partial<Record<'sessionId' | 'identifier' | 'offset' | 'totalSize' | 'flags' | 'ackId' | 'ackUid' | 'ackSize', number>>, data: Uint8Array, footer: number | null = 0, messageLength = data.length): Uint8Array {
  const out = new Uint8Array(48 + data.length + (footer === null ? 0 : 4));
  const v = new DataView(out.buffer);
  v.setUint32(0, fields.sessionId ?? 0, true);
  v.setUint32(4, fields.identifier ?? 1, true);
  v.setUint32(8, fields.offset ?? 0, true);
  v.setUint32(16, fields.totalSize ?? data.length, true);
  v.setUint32(24, messageLength, true);
  v.setUint32(28, fields.flags ?? 0, true);
  v.setUint32(32, fields.ackId ?? 0, true);
  v.setUint32(36, fields.ackUid ?? 0, true);
  v.setUint32(40, fields.ackSize ?? 0, true);
  out.set(data, 48);
  if (footer !== null) v.setUint32(48 + data.length, footer, false);
  return out;
}

describe('P2Pv1 header decoding', () => {
  it('names flags exactly or bit by bit', () => {
    expect(p2pFlagNames(0x01000020)).toEqual(['MSNObject data (WLM)']);
    expect(p2pFlagNames(0x20)).toEqual(['MSNObject data']);
    expect(p2pFlagNames(0x24)).toEqual(['request ACK / pending', 'MSNObject data']);
    expect(p2pFlagNames(0x80000000)).toEqual(['0x80000000']);
  });

  it('data preparation, MSNObject data, close and handshake roles', () => {
    expect(decodeP2pPacket(v1({ sessionId: 9, totalSize: 4 }, new Uint8Array(4), 1), { footer: true })).toMatchObject({ role: 'data-preparation', sessionId: 9, footer: { appId: 1 }, problems: [] });
    expect(decodeP2pPacket(v1({ sessionId: 9, flags: 0x01000020, totalSize: 5000 }, new Uint8Array(1202), 12), { footer: true })).toMatchObject({ role: 'msnobject-data', footer: { appId: 12, appName: 'display picture (WLM)' }, problems: [] });
    expect(decodeP2pPacket(v1({ sessionId: 9, flags: 0x40 }, new Uint8Array(0), 2), { footer: true }).role).toBe('close');
    expect(decodeP2pPacket(v1({ flags: 0x100 }, new Uint8Array(0), null), { footer: false })).toMatchObject({ role: 'handshake', footer: null, problems: [] });
  });

  it('reports MessageLength that does not match the bytes', () => {
    const short = decodeP2pPacket(v1({}, enc.encode('abc'), 0, 10), { footer: true });
    expect(short.dataLength).toBe(3);
    expect(short.problems[0]).toMatch(/^p2p\.bad_length: MessageLength 10 but only 3/);
    const long = decodeP2pPacket(v1({}, enc.encode('abcdef'), 0, 2), { footer: true });
    expect(long.dataLength).toBe(2);
    expect(long.problems[0]).toMatch(/^p2p\.bad_length: MessageLength 2 but 6/);
    expect(decodeP2pPacket(v1({ offset: 10, totalSize: 5 }, enc.encode('abc')), { footer: true }).problems[0]).toMatch(/^p2p\.bad_offset/);
  });

  it('truncated headers are reported, never read past the end', () => {
    for (let n = 0; n < 48; n++) {
      const p = decodeP2pPacket(new Uint8Array(n), { footer: true, version: 1 });
      expect(p.header).toBeNull();
      expect(p.problems[0]).toMatch(/^p2p\.truncated_header/);
    }
    expect(decodeP2pV1Header(new Uint8Array(47))).toBeNull();
    expect(decodeP2pPacket(new Uint8Array(48), { footer: true }).problems).toEqual(['p2p.missing_footer: no room for the 4-byte AppID footer']);
  });
});

describe('P2Pv2 (MSNP.md §8.10)', () => {
  /** Transport header with an ACK TLV, a data header with "data remaining", SLP data, footer. */
  function v2(data: Uint8Array, opts: { tf: number; sessionId: number; remaining: number }): Uint8Array {
    const transport = [16, 0x02, 0, 0, 0, 0, 0, 42, 0x02, 4, 0, 0, 0, 7, 0, 0];
    const remaining = new Uint8Array(8);
    new DataView(remaining.buffer).setUint32(4, opts.remaining, false);
    const dataHeader = [20, opts.tf, 0, 1, ...u32be(opts.sessionId), 0x01, 8, ...remaining, 0, 0];
    const payloadLength = dataHeader.length + data.length;
    transport[2] = payloadLength >> 8;
    transport[3] = payloadLength & 0xff;
    return new Uint8Array([...transport, ...dataHeader, ...data, 0, 0, 0, 0]);
  }
  const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const slpText = 'MSNSLP/1.0 200 OK\r\nTo: <msnmsgr:a@b.c;{1}>\r\nFrom: <msnmsgr:d@e.f;{2}>\r\nVia: MSNSLP/1.0/TLP ;branch={B}\r\nCSeq: 1 \r\nCall-ID: {C}\r\nMax-Forwards: 0\r\nContent-Type: application/x-msnmsgr-sessionreqbody\r\nContent-Length: 18\r\n\r\nSessionID: 77\r\n\r\n\0';

  it('decodes transport and data headers, TLVs and the footer', () => {
    const p = decodeP2pPacket(v2(enc.encode(slpText), { tf: 1, sessionId: 0, remaining: 0 }), { footer: true });
    expect(p.version).toBe(2);
    expect(p.problems).toEqual([]);
    expect(p.role).toBe('slp');
    if (p.version !== 2 || p.header === null) throw new Error('not v2');
    expect(p.header).toMatchObject({ headerLength: 16, opcode: 2, opcodeNames: ['RAK'], sequence: 42 });
    expect(p.header.tlvs).toEqual([{ type: 2, length: 4, name: 'ACK sequence', value: 7 }]);
    expect(p.header.data).toMatchObject({ headerLength: 20, tf: 1, packageNumber: 1, sessionId: 0, dataRemaining: 0 });
    expect(p.dataLength).toBe(enc.encode(slpText).length);
    expect(p.footer).toEqual({ appId: 0, appName: 'MSNSLP negotiation / ACKs of it' });
  });

  it('is picked automatically inside an MSG for MSNP16+, with its SLP parsed', () => {
    const head = enc.encode('MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: a@b.c;{1}\r\nP2P-Src: d@e.f;{2}\r\n\r\n');
    const m = decodeMessage(new Uint8Array([...head, ...v2(enc.encode(slpText), { tf: 1, sessionId: 0, remaining: 0 })]), { verb: 'MSG', dir: 's2c', dialect: 18 });
    if (m.kind !== 'p2p') throw new Error(m.kind);
    expect(m.packet.version).toBe(2);
    expect(m.p2pSrc).toBe('d@e.f;{2}');
    expect(m.slp).toMatchObject({ status: 200, to: 'a@b.c;{1}', sessionId: 77, partial: false, problems: [] });
    expect(m.problems).toEqual([]);
  });

  it('file data roles and truncation', () => {
    expect(decodeP2pPacket(v2(enc.encode('xyz'), { tf: 7, sessionId: 5, remaining: 100 }), { footer: true })).toMatchObject({ role: 'file-data', sessionId: 5, chunk: { first: true, last: false } });
    for (let n = 0; n < 40; n++) {
      const p = decodeP2pPacket(v2(enc.encode('xyz'), { tf: 6, sessionId: 5, remaining: 0 }).subarray(0, n), { footer: true, version: 2 });
      expect(p.problems.length).toBeGreaterThan(0);
    }
  });
});

describe('MSNSLP text', () => {
  it('reads a declined invite and a transport request', () => {
    const decline = parseSlp(enc.encode('MSNSLP/1.0 603 Decline\r\nTo: <msnmsgr:a@b.c>\r\nFrom: <msnmsgr:d@e.f>\r\nVia: MSNSLP/1.0/TLP ;branch={B}\r\nCSeq: 1 \r\nCall-ID: {C}\r\nMax-Forwards: 0\r\nContent-Type: application/x-msnmsgr-sessionreqbody\r\nContent-Length: 18\r\n\r\nSessionID: 77\r\n\r\n\0'));
    expect(decline).toMatchObject({ type: 'response', status: 603, reason: 'Decline', sessionId: 77, problems: [] });
    const body = 'Bridges: TRUDPv1 TCPv1\r\nNetID: 0\r\nConn-Type: Direct-Connect\r\nUPnPNat: false\r\nICF: false\r\nNonce: {N}\r\nSessionID: 77\r\n\r\n\0';
    const trans = parseSlp(enc.encode(`INVITE MSNMSGR:a@b.c MSNSLP/1.0\r\nTo: <msnmsgr:a@b.c>\r\nFrom: <msnmsgr:d@e.f>\r\nVia: MSNSLP/1.0/TLP ;branch={B}\r\nCSeq: 0 \r\nCall-ID: {C}\r\nMax-Forwards: 0\r\nContent-Type: application/x-msnmsgr-transreqbody\r\nContent-Length: ${enc.encode(body).length}\r\n\r\n${body}`));
    expect(trans.problems).toEqual([]);
    expect(trans.body.find((f) => f.name === 'Bridges')?.value).toBe('TRUDPv1 TCPv1');
  });

  it('decodes an MSNObject context (display picture request)', () => {
    const obj = '<msnobj Creator="alice@hotmail.com" Size="32" Type="3" Location="TFR2C.tmp" Friendly="AAA=" SHA1D="BuWMNBSbmXUvLgBMCDXUvfMO4L4=" SHA1C="NMGNAfApqf/BvHoq8xR8wvOlxNY="/>';
    const body = `EUF-GUID: {A4268EEC-FEC5-49E5-95C3-F126696BDBF6}\r\nSessionID: 5\r\nAppID: 1\r\nContext: ${Buffer.from(`${obj}\0`).toString('base64')}\r\n\r\n\0`;
    const slp = parseSlp(enc.encode(`INVITE MSNMSGR:alice@hotmail.com MSNSLP/1.0\r\nTo: <msnmsgr:alice@hotmail.com>\r\nFrom: <msnmsgr:bob@hotmail.com>\r\nVia: MSNSLP/1.0/TLP ;branch={B}\r\nCSeq: 0 \r\nCall-ID: {C}\r\nMax-Forwards: 0\r\nContent-Type: application/x-msnmsgr-sessionreqbody\r\nContent-Length: ${enc.encode(body).length}\r\n\r\n${body}`));
    expect(slp.problems).toEqual([]);
    expect(slp.eufGuidName).toBe('MSNObject (display picture, emoticon, wink, voice clip)');
    expect(slp.context).toMatchObject({ kind: 'msnobject', xml: obj });
    if (slp.context?.kind !== 'msnobject') throw new Error('not msnobject');
    expect(slp.context.msnObject).toEqual({
      creator: 'alice@hotmail.com',
      size: 32,
      type: 3,
      typeName: 'display picture',
      location: 'TFR2C.tmp',
      friendly: '',
      sha1d: 'BuWMNBSbmXUvLgBMCDXUvfMO4L4=',
      sha1c: 'NMGNAfApqf/BvHoq8xR8wvOlxNY=',
      attributes: expect.any(Array),
    });
  });

  it('reports a bad start line, a Content-Length mismatch and bad base64', () => {
    expect(parseSlp(enc.encode('HELLO\r\n\r\n')).problems[0]).toMatch(/^slp\.bad_start_line/);
    const p = parseSlp(enc.encode('BYE MSNMSGR:a MSNSLP/1.0\r\nTo: <msnmsgr:a>\r\nFrom: <msnmsgr:b>\r\nCall-ID: {C}\r\nContent-Type: null\r\nContent-Length: 9\r\n\r\nContext: @@@\r\n\0'));
    expect(p.problems).toEqual(['slp.bad_length: Content-Length 9 but 15 body bytes', 'slp.bad_context: Context is not clean base64']);
  });

  it('file contexts: version 2 with a preview, and too short', () => {
    const ctx = new Uint8Array(574 + 10);
    const v = new DataView(ctx.buffer);
    v.setUint32(0, 574, true);
    v.setUint32(4, 2, true);
    v.setUint32(8, 0x12345678, true);
    v.setUint32(12, 1, true);
    v.setUint32(16, 0, true);
    ctx.set(Buffer.from('résumé.doc', 'utf16le'), 20);
    const problems: string[] = [];
    expect(decodeFileContext(ctx, problems)).toEqual({ kind: 'file', headerLength: 574, version: 2, fileSize: 0x1_12345678, type: 0, typeName: 'preview', fileName: 'résumé.doc', previewLength: 10, bytes: 584 });
    expect(problems).toEqual([]);
    expect(decodeFileContext(new Uint8Array(10), problems)).toBeNull();
    expect(problems[0]).toMatch(/^slp\.bad_context/);
  });

  it('MSNObject parsing tolerates junk', () => {
    expect(parseMsnObject('<notmsnobj/>').msnObject).toBeNull();
    expect(parseMsnObject('<msnobj Size="x" Friendly="%%%"/>').msnObject).toMatchObject({ size: null, friendly: null });
  });
});

describe('robustness', () => {
  it('random bytes never throw in the P2P decoder, any version, with or without footer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom(1 as const, 2 as const, 'auto' as const), fc.boolean(), (bytes, version, footer) => {
        const p = decodeP2pPacket(bytes, { footer, version });
        expect(p.dataOffset + p.dataLength).toBeLessThanOrEqual(bytes.length);
        expect(JSON.parse(JSON.stringify(p))).toEqual(p);
      }),
      { numRuns: 1500 },
    );
  });

  it('every prefix and single-byte corruption of valid v1 and v2 packets stays in bounds', () => {
    const v2Packet = new Uint8Array([16, 2, 0, 23, 0, 0, 0, 42, 2, 4, 0, 0, 0, 7, 0, 0, 20, 1, 0, 1, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 120, 121, 122, 0, 0, 0, 0]);
    expect(decodeP2pPacket(v2Packet, { footer: true })).toMatchObject({ version: 2, dataLength: 3, problems: [] });
    const samples = [v2Packet, fileData.payload.subarray(fileData.content.bodyOffset), invite1.payload.subarray(invite1.content.bodyOffset)];
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.nat(), fc.nat(255), fc.nat(), fc.constantFrom(1 as const, 2 as const, 'auto' as const), (sample, at, value, cut, version) => {
        const bytes = sample.slice(0, cut % (sample.length + 1));
        if (bytes.length > 0) bytes[at % bytes.length] = value;
        for (const footer of [true, false]) {
          const p = decodeP2pPacket(bytes, { footer, version });
          expect(p.dataOffset + p.dataLength).toBeLessThanOrEqual(bytes.length);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes and token soup never throw in the SLP parser', () => {
    const token = fc.constantFrom('INVITE ', 'MSNMSGR:', ' MSNSLP/1.0', 'MSNSLP/1.0 200 OK', '\r\n', ': ', 'Context', 'EUF-GUID', '{5D3E02AB-6190-11D3-BBBB-00C04F795683}', '{A4268EEC-FEC5-49E5-95C3-F126696BDBF6}', 'fgIAAAMAAAA', 'PG1zbm9iag==', 'Content-Length: 9', '\0', '=');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 800 }), fc.array(token, { maxLength: 80 }).map((t) => enc.encode(t.join('')))), fc.boolean(), (bytes, partial) => {
        const slp = parseSlp(bytes, { partial });
        expect(JSON.parse(JSON.stringify(slp))).toEqual(slp);
      }),
      { numRuns: 1500 },
    );
  });

  it('random file contexts and chunk streams never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 800 }), (bytes) => {
        decodeFileContext(bytes, []);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.array(fc.record({ id: fc.nat(5), offset: fc.nat(300), total: fc.nat(300), data: fc.uint8Array({ maxLength: 120 }) }), { maxLength: 60 }), (chunks) => {
        const r = new SlpReassembler({ maxPending: 4, maxMessageBytes: 256 });
        for (const c of chunks) {
          r.push('s', { ...invite1.header, identifier: c.id, offset: c.offset, totalSize: c.total, messageLength: c.data.length }, c.data);
          expect(r.pendingCount).toBeLessThanOrEqual(4);
        }
      }),
      { numRuns: 500 },
    );
  });
});
