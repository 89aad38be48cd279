import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, decodeMimeWords, type MessageContent, type MessageContext } from '../../src/msnp/content.js';
import { countInvalidUtf8, parseMime, splitMime } from '../../src/msnp/mime.js';

interface Vector {
  example: string;
  dir: 'C>S' | 'S>C';
  server: string;
  proto: string;
  first_line: string;
  b64: string;
}

const vectors = (JSON.parse(readFileSync(new URL('../../../shared/protocol/testvectors.json', import.meta.url), 'utf8')) as { messages: Vector[] }).messages;

/** Command line and payload of one vector: the payload is everything after the first CR LF. */
function unit(v: Vector): { line: string; verb: string; payload: Uint8Array; ctx: MessageContext } {
  const bytes = Buffer.from(v.b64, 'base64');
  const eol = bytes.indexOf('\r\n');
  const line = bytes.subarray(0, eol).toString('utf8');
  const verb = line.split(' ')[0] ?? '';
  const dialect = /^MSNP(\d+)$/.exec(v.proto);
  return {
    line,
    verb,
    payload: new Uint8Array(bytes.subarray(eol + 2)),
    ctx: { verb, dir: v.dir === 'C>S' ? 'c2s' : 's2c', dialect: dialect === null ? null : Number(dialect[1]) },
  };
}

const msgVectors = vectors.filter((v) => v.server !== 'HTTP' && unit(v).verb === 'MSG');
const enc = new TextEncoder();
const ctx: MessageContext = { verb: 'MSG', dir: 'c2s', dialect: 9 };
const mime = (text: string) => enc.encode(text);

function decodeVector(example: string, firstLine: string): MessageContent {
  const v = vectors.find((x) => x.example === example && x.first_line === firstLine);
  if (v === undefined) throw new Error(`no vector ${example} / ${firstLine}`);
  const u = unit(v);
  return decodeMessage(u.payload, u.ctx);
}

function as<K extends MessageContent['kind']>(m: MessageContent, kind: K): Extract<MessageContent, { kind: K }> {
  expect(m.kind).toBe(kind);
  return m as Extract<MessageContent, { kind: K }>;
}

describe('MSG vectors (MSNP.md §13)', () => {
  it('has MSG vectors to test', () => {
    expect(msgVectors.length).toBe(19);
  });

  it.each(msgVectors.map((v) => [`${v.example}: ${v.first_line}`, v] as const))('%s decodes without problems', (_name, v) => {
    const u = unit(v);
    const m = decodeMessage(u.payload, u.ctx);
    expect(m.problems).toEqual([]);
    expect(m.kind).not.toBe('unknown');
    expect(m.kind).not.toBe('not-mime');
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('profile (MSNP8)', () => {
    const m = as(decodeVector('msnp8-login', 'MSG Hotmail Hotmail 474'), 'profile');
    expect(m.contentType).toBe('text/x-msmsgsprofile');
    expect(m.charset).toBe('UTF-8');
    expect(m.bodyLength).toBe(0);
    expect(m.loginTime).toBe(1062764229);
    expect(m.memberIdHigh).toBe(84736);
    expect(m.memberIdLow).toBe(-1434729391);
    expect(m.puid).toBe('0x00014b00aa7bc451');
    expect(m.preferredEmail).toBe('alice@hotmail.com');
    expect(m.language).toBe(1033);
    expect(m.country).toBe('US');
    expect(m.clientIp).toBe('192.0.2.10');
    expect(m.clientPort).toBe(10771);
    expect(m.clientPortSwapped).toBe(((10771 & 0xff) << 8) | (10771 >> 8));
    expect(m.fields.find((f) => f.name === 'MSPAuth')?.value).toBe('53*1hAu8ADuD3TEwdXoOMi08sD*2!cMrntTwVMTjoB3p6stWTqzbkKZPVQzA5NOt19SLI60PY!b8K4YhC!Ooo5ug$$');
    expect(m.fields.find((f) => f.name === 'PostalCode')?.value).toBe('');
    expect(m.fields).toHaveLength(20);
  });

  it('profile (MSNP15) keeps later fields', () => {
    const m = as(decodeVector('msnp15-login', 'MSG Hotmail Hotmail 446'), 'profile');
    expect(m.preferredEmail).toBeNull();
    expect(m.puid).toBe('0xb67ff5eb1d95bcfb');
    expect(m.fields.find((f) => f.name === 'ABCHMigrated')?.value).toBe('1');
    expect(m.fields.find((f) => f.name === 'MPOPEnabled')?.value).toBe('0');
  });

  it('initial mail-data notification', () => {
    const m = as(decodeVector('msnp15-login', 'MSG Hotmail Hotmail 291'), 'mail-data');
    expect(m.notification).toBe('initial');
    expect(m.mailData).toEqual({
      tooLarge: false,
      inboxTotal: 0,
      inboxUnread: 0,
      otherTotal: 0,
      otherUnread: 0,
      quotaTotal: 409600,
      quotaUsed: 204800,
      offlineMessages: [],
    });
    expect(m.inboxUrl).toBe('/cgi-bin/HoTMaiL');
    expect(m.foldersUrl).toBe('/cgi-bin/folders');
    expect(m.postUrl).toBe('http://www.hotmail.com');
  });

  it('typing, as sent and as delivered', () => {
    for (const line of ['MSG 3 U 90', 'MSG alice@hotmail.com Alice%20A. 90']) {
      const m = as(decodeVector('sb-chat', line), 'typing');
      expect(m.typingUser).toBe('alice@hotmail.com');
      expect(m.bodyLength).toBe(2);
    }
  });

  it('chat text with its font', () => {
    for (const line of ['MSG 4 A 128', 'MSG alice@hotmail.com Alice%20A. 128']) {
      const m = as(decodeVector('sb-chat', line), 'text');
      expect(m.text).toBe('Hello, Bob! é');
      expect(m.bodyLength).toBe(14);
      expect(m.bodyOffset).toBe(114);
      expect(m.invalidUtf8).toBe(0);
      expect(m.font).toEqual({
        raw: 'FN=Arial; EF=I; CO=0; CS=0; PF=22',
        fontName: 'Arial',
        effects: ['italic'],
        colour: '#000000',
        colourRaw: '0',
        charset: '0',
        charsetName: 'ANSI',
        pitchFamily: '22',
        rightToLeft: false,
        other: [],
      });
    }
  });

  it('third-party client caps', () => {
    const m = as(decodeVector('sb-chat', 'MSG 2 U 95'), 'client-caps');
    expect(m.clientName).toBe('Gaim/0.79');
    expect(m.chatLogging).toBe('Y');
    expect(m.chatLoggingMeaning).toBe('logs the conversation');
  });

  it('MSNFTP invitation: INVITE, ACCEPT, ACCEPT with address', () => {
    const invite = as(decodeVector('msnftp', 'MSG 4 N 273'), 'invite');
    expect(invite).toMatchObject({
      command: 'INVITE',
      applicationName: 'File Transfer',
      applicationGuid: '{5D3E02AB-6190-11d3-BBBB-00C04F795683}',
      applicationGuidName: 'MSNFTP file transfer',
      cookie: 33267,
      fileName: 'hello.txt',
      fileSize: 11,
      ipAddress: null,
    });
    const accept = as(decodeVector('msnftp', 'MSG 5 N 181'), 'invite');
    expect(accept).toMatchObject({ command: 'ACCEPT', cookie: 33267, ipAddress: null });
    expect(accept.fields.find((f) => f.name === 'Request-Data')?.value).toBe('IP-Address:');
    const where = as(decodeVector('msnftp', 'MSG 6 N 236'), 'invite');
    expect(where).toMatchObject({ command: 'ACCEPT', cookie: 33267, ipAddress: '192.0.2.10', port: 6891, authCookie: '93301' });
  });

  it('P2P file transfer: every packet typed (details in p2p.test.ts)', () => {
    const p2p = msgVectors.filter((v) => v.example === 'p2p-ft').map((v) => as(decodeMessage(unit(v).payload, unit(v).ctx), 'p2p'));
    expect(p2p.map((m) => m.packet.role)).toEqual(['slp', 'slp-continuation', 'ack', 'slp', 'ack', 'file-data', 'ack', 'slp']);
    expect(p2p.map((m) => m.p2pDest)).toEqual([
      'bob@hotmail.com',
      'bob@hotmail.com',
      'alice@hotmail.com',
      'alice@hotmail.com',
      'bob@hotmail.com',
      'bob@hotmail.com',
      'alice@hotmail.com',
      'alice@hotmail.com',
    ]);
    const first = p2p[0] as (typeof p2p)[number];
    expect(first.slp?.method).toBe('INVITE');
    expect(first.slp?.partial).toBe(true);
    expect(first.slp?.eufGuidName).toBe('file transfer');
    const data = p2p[5] as (typeof p2p)[number];
    const v = msgVectors.filter((x) => x.example === 'p2p-ft')[5] as Vector;
    const payload = unit(v).payload;
    expect(Buffer.from(payload.subarray(data.dataOffset, data.dataOffset + data.packet.dataLength)).toString()).toBe('hello world');
    expect(p2p[3]?.slp?.status).toBe(200);
    expect(p2p[7]?.slp?.method).toBe('BYE');
  });
});

describe('MIME tolerance', () => {
  it('compares header names case-insensitively and keeps colons inside values', () => {
    const m = as(decodeMessage(mime('MIME-Version: 1.0\r\ncontent-TYPE: Text/Plain;charset=utf-8\r\nX-Note: a: b: c\r\n\r\nhi'), ctx), 'text');
    expect(m.contentType).toBe('text/plain');
    expect(m.charset).toBe('utf-8');
    expect(m.headers[2]).toEqual({ name: 'X-Note', value: 'a: b: c' });
    expect(m.problems).toEqual([]);
  });

  it('accepts LF-only line ends', () => {
    const m = as(decodeMessage(mime('MIME-Version: 1.0\nContent-Type: text/x-msmsgscontrol\nTypingUser: bob@x.com\n\n\n'), ctx), 'typing');
    expect(m.typingUser).toBe('bob@x.com');
    expect(m.problems).toEqual([]);
  });

  it('accepts a header-only message without the blank line', () => {
    const m = as(decodeMessage(mime('MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: bob@x.com\r\n'), ctx), 'typing');
    expect(m.typingUser).toBe('bob@x.com');
    expect(m.problems).toEqual([]);
  });

  it('finds the body when the blank line is missing, and says so', () => {
    const m = as(decodeMessage(mime('MIME-Version: 1.0\r\nContent-Type: text/plain\r\nhello there'), ctx), 'text');
    expect(m.text).toBe('hello there');
    expect(m.problems).toEqual(['msnp.bad_mime: no empty line between headers and body']);
  });

  it('a payload that is not MIME is kept, not lost', () => {
    const m = decodeMessage(mime('just some words\r\nmore'), ctx);
    expect(m.kind).toBe('not-mime');
    expect(m.bodyLength).toBe(21);
    expect(m.problems[0]).toMatch(/^msnp\.bad_mime:/);
  });

  it('missing Content-Type is a problem, not a crash', () => {
    const m = decodeMessage(mime('MIME-Version: 1.0\r\n\r\nbody'), ctx);
    expect(m.kind).toBe('unknown');
    expect(m.problems).toEqual(['msnp.missing_content_type: the message has no Content-Type header']);
  });

  it('unknown content types keep their headers and byte count', () => {
    const m = decodeMessage(mime('MIME-Version: 1.0\r\nContent-Type: application/x-something; a=b\r\nX-Y: z\r\n\r\n12345'), ctx);
    expect(m).toMatchObject({ kind: 'unknown', contentType: 'application/x-something', bodyLength: 5, problems: [] });
    expect(m.headers).toHaveLength(3);
  });

  it('parseMime keeps its strict behaviour for the transcript', () => {
    expect(parseMime(mime('not a header\r\n\r\n'))).toBeNull();
    expect(parseMime(mime('A: 1\r\n\r\nbody'))).toEqual({ headers: [{ name: 'A', value: '1' }], bodyOffset: 8 });
    expect(parseMime(mime('A: 1\r\nB: 2'))).toEqual({ headers: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], bodyOffset: 10 });
    expect(splitMime(mime('A: 1\r\nB: 2')).missingBlankLine).toBe(true);
  });
});

describe('invalid UTF-8', () => {
  it('is shown with U+FFFD, counted, and reported', () => {
    const head = mime('MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n');
    const body = new Uint8Array([0x61, 0xff, 0x62, 0xc3, 0x28, 0xe2, 0x82]);
    const m = as(decodeMessage(new Uint8Array([...head, ...body]), ctx), 'text');
    expect(m.text).toBe('a\uFFFDb\uFFFD(\uFFFD');
    expect(m.invalidUtf8).toBe(3);
    expect(m.bodyLength).toBe(7);
    expect(m.problems).toEqual(['msnp.invalid_utf8: 3 invalid UTF-8 sequences in the body (7 bytes; shown as U+FFFD)']);
  });

  it('a declared non-UTF-8 charset is honoured instead', () => {
    const m = as(decodeMessage(new Uint8Array([...mime('Content-Type: text/plain; charset=ISO-8859-1\r\n\r\ncaf'), 0xe9]), ctx), 'text');
    expect(m.text).toBe('café');
    expect(m.problems).toEqual([]);
  });

  it('in headers is reported too', () => {
    const bytes = new Uint8Array([...mime('Content-Type: text/x-msmsgscontrol\r\nTypingUser: b'), 0xfe, ...mime('b@x.com\r\n\r\n')]);
    const m = as(decodeMessage(bytes, ctx), 'typing');
    expect(m.typingUser).toBe('b\uFFFDb@x.com');
    expect(m.problems).toEqual(['msnp.invalid_utf8: 1 invalid UTF-8 sequences in the MIME headers']);
  });

  it('counts like the WHATWG decoder replaces', () => {
    const samples = [[0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe0, 0x80, 0x41], [0xf0, 0x9f, 0x98, 0x80]];
    for (const s of samples) {
      const text = new TextDecoder().decode(new Uint8Array(s));
      expect(countInvalidUtf8(new Uint8Array(s)).invalid).toBe([...text].filter((c) => c === '\uFFFD').length);
    }
  });

  it('a cut multi-byte character at the end of a chunked first part is not a problem', () => {
    const m = as(decodeMessage(new Uint8Array([...mime('MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nMessage-ID: {A}\r\nChunks: 2\r\n\r\nab'), 0xe2, 0x82]), ctx), 'text');
    expect(m.chunk).toEqual({ messageId: '{A}', index: 0, count: 2 });
    expect(m.problems).toEqual([]);
  });
});

describe('font format (X-MMS-IM-Format)', () => {
  const font = (fmt: string) => {
    const m = as(decodeMessage(mime(`MIME-Version: 1.0\r\nContent-Type: text/plain\r\nX-MMS-IM-Format: ${fmt}\r\n\r\nx`), ctx), 'text');
    return { font: m.font, problems: m.problems };
  };

  it('turns BGR into #RRGGBB, names effects and charsets, URL-decodes the font', () => {
    expect(font('FN=Segoe%20UI; EF=BUS; CO=ff0000; CS=80; PF=0; RL=1').font).toMatchObject({
      fontName: 'Segoe UI',
      effects: ['bold', 'underline', 'strikethrough'],
      colour: '#0000FF',
      charsetName: 'Shift-JIS',
      rightToLeft: true,
    });
    expect(font('FN=Arial; EF=; CO=ff; CS=cc').font).toMatchObject({ colour: '#FF0000', effects: [], charsetName: 'Cyrillic' });
    expect(font('CO=C81ABB').font?.colour).toBe('#BB1AC8');
    expect(font('FN=Caf%C3%A9%2').font?.fontName).toBe('Café%2');
  });

  it('reports values it cannot read', () => {
    const r = font('CO=zz; EF=X; CS=?');
    expect(r.font?.colour).toBeNull();
    expect(r.problems).toHaveLength(3);
  });
});

describe('other content types', () => {
  const msg = (ct: string, body: string, extra = '') => decodeMessage(mime(`MIME-Version: 1.0\r\nContent-Type: ${ct}\r\n${extra}\r\n${body}`), ctx);

  it('nudge, wink and action datacasts', () => {
    expect(as(msg('text/x-msnmsgr-datacast', 'ID: 1\r\n\r\n'), 'datacast')).toMatchObject({ id: 1, idName: 'nudge', data: null, problems: [] });
    const wink = as(msg('text/x-msnmsgr-datacast', 'ID: 2\r\nData: <msnobj Creator="a@b.com" Size="10" Type="8" Location="0" Friendly="VwBpAG4AawAAAA=="/>\r\n\r\n'), 'datacast');
    expect(wink).toMatchObject({ id: 2, idName: 'wink', problems: [] });
    expect(wink.msnObject).toMatchObject({ creator: 'a@b.com', size: 10, type: 8, typeName: 'wink', friendly: 'Wink' });
    expect(as(msg('text/x-msnmsgr-datacast', 'ID: 3\r\n\r\n'), 'datacast').idName).toBe('voice clip');
    expect(as(msg('text/x-msnmsgr-datacast', 'ID: 4\r\nData: waves\r\n\r\n'), 'datacast')).toMatchObject({ idName: 'action message', data: 'waves' });
  });

  it('custom emoticons: tab-separated shortcut / MSNObject pairs', () => {
    const m = as(msg('text/x-mms-emoticon', '(tea)\t<msnobj Creator="c@x.com" Size="99" Type="2" Location="TFR1.dat" Friendly="AAA="/>\t:cat:\t<msnobj Creator="c@x.com" Size="7" Type="2" Location="x" Friendly="AAA="/>\t'), 'emoticons');
    expect(m.animated).toBe(false);
    expect(m.emoticons.map((e) => [e.shortcut, e.msnObject?.size, e.msnObject?.typeName])).toEqual([
      ['(tea)', 99, 'custom emoticon'],
      [':cat:', 7, 'custom emoticon'],
    ]);
    expect(m.problems).toEqual([]);
    expect(as(msg('text/x-mms-animemoticon', 'a\t<msnobj/>\t'), 'emoticons').animated).toBe(true);
  });

  it('system message, keep-alive, e-mail notifications', () => {
    expect(as(msg('application/x-msmsgssystemmessage', 'Type: 1\r\nArg1: 5\r\n'), 'system')).toMatchObject({ systemType: 1, arg1: '5', description: 'server going down for maintenance in 5 minutes' });
    expect(msg('text/x-keepalive', '').kind).toBe('keepalive');
    expect(as(msg('text/x-msmsgsinitialemailnotification; charset=UTF-8', 'Inbox-Unread: 3\r\nFolders-Unread: 1\r\nInbox-URL: /cgi-bin/HoTMaiL\r\n\r\n'), 'email-initial')).toMatchObject({ inboxUnread: 3, foldersUnread: 1, inboxUrl: '/cgi-bin/HoTMaiL' });
    const mail = as(msg('text/x-msmsgsemailnotification; charset=UTF-8', 'From: =?utf-8?B?QsO2Yg==?=\r\nFrom-Addr: bob@x.com\r\nSubject: =?"us-ascii"?Q?Hi_there=21?=\r\nDest-Folder: ACTIVE\r\nid: 2\r\n\r\n'), 'email-new');
    expect(mail).toMatchObject({ from: 'Böb', fromAddress: 'bob@x.com', subject: 'Hi there!', destFolder: 'ACTIVE', id: '2', problems: [] });
    expect(as(msg('text/x-msmsgsactivemailnotification', 'Src-Folder: ACTIVE\r\nDest-Folder: trAsH\r\nMessage-Delta: 1\r\n'), 'email-activity')).toMatchObject({ srcFolder: 'ACTIVE', destFolder: 'trAsH', messageDelta: 1 });
    const oim = as(msg('text/x-msmsgsoimnotification', 'Mail-Data: <MD><E><I>1</I><IU>1</IU><O>0</O><OU>0</OU></E><M><T>11</T><S>6</S><RT>2008-07-12T10:00:00.000Z</RT><RS>0</RS><SZ>900</SZ><E>bob@x.com</E><I>{AB-CD}</I><F>00000000-0000-0000-0000-000000000009</F><N>=?utf-8?B?Qm9i?=</N></M></MD>\r\n'), 'mail-data');
    expect(oim.notification).toBe('oim');
    expect(oim.mailData?.offlineMessages).toEqual([{ type: '11', size: 900, receivedTime: '2008-07-12T10:00:00.000Z', sender: 'bob@x.com', senderName: 'Bob', id: '{AB-CD}', folder: '00000000-0000-0000-0000-000000000009' }]);
    expect(as(msg('text/x-msmsgsoimnotification', 'Mail-Data: too-large\r\n'), 'mail-data').mailData?.tooLarge).toBe(true);
    expect(decodeMimeWords('=?x-unknown?B?QQ==?=')).toBe('=?x-unknown?B?QQ==?=');
  });

  it('invitation cancel and unknown application', () => {
    const m = as(msg('text/x-msmsgsinvite', 'Invitation-Command: CANCEL\r\nInvitation-Cookie: 81234567\r\nCancel-Code: FTTIMEOUT\r\n\r\n'), 'invite');
    expect(m).toMatchObject({ command: 'CANCEL', cookie: 81234567, cancelCode: 'FTTIMEOUT' });
    expect(as(msg('text/x-msmsgsinvite', 'Application-GUID: {02D3C01F-BF30-4825-A83A-DE7AF41648AA}\r\nInvitation-Command: INVITE\r\n'), 'invite').applicationGuidName).toBe('voice conversation');
  });

  it('ink', () => {
    expect(as(msg('image/gif', `base64:${Buffer.from('GIF89a....').toString('base64')}`), 'ink')).toMatchObject({ format: 'gif', encoding: 'base64', dataBytes: 10 });
    expect(as(msg('application/x-ms-ink', 'raw'), 'ink')).toMatchObject({ format: 'isf', encoding: 'binary', dataBytes: 3 });
  });

  it('chunked messages: first part typed with chunk info, continuations flagged', () => {
    const first = as(msg('text/plain; charset=UTF-8', 'first half ', 'Message-ID: {5E0A7E4A}\r\nChunks: 2\r\n'), 'text');
    expect(first.chunk).toEqual({ messageId: '{5E0A7E4A}', index: 0, count: 2 });
    expect(first.text).toBe('first half ');
    const next = decodeMessage(mime('Message-ID: {5E0A7E4A}\r\nChunk: 1\r\n\r\nsecond half'), ctx);
    expect(next).toMatchObject({ kind: 'chunk', chunk: { messageId: '{5E0A7E4A}', index: 1, count: null }, bodyLength: 11, problems: [] });
    expect(decodeMessage(mime('Chunk: 1\r\n\r\nx'), ctx).problems[0]).toMatch(/^msnp\.bad_chunk/);
  });

  it('a P2P message with a truncated binary header', () => {
    const m = as(decodeMessage(new Uint8Array([...mime('MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: a@b.c\r\n\r\n'), 1, 2, 3]), ctx), 'p2p');
    expect(m.packet.header).toBeNull();
    expect(m.problems[0]).toMatch(/^p2p\.truncated_header/);
  });
});

describe('robustness', () => {
  const contentTypes = [
    'text/plain; charset=UTF-8',
    'text/x-msmsgscontrol',
    'text/x-msmsgsprofile',
    'text/x-msmsgsinitialemailnotification',
    'text/x-msmsgsemailnotification',
    'text/x-msmsgsactivemailnotification',
    'text/x-msmsgsinitialmdatanotification',
    'text/x-msmsgsoimnotification',
    'text/x-msnmsgr-datacast',
    'text/x-mms-emoticon',
    'text/x-mms-animemoticon',
    'text/x-clientcaps',
    'application/x-msmsgssystemmessage',
    'text/x-keepalive',
    'text/x-msmsgsinvite',
    'application/x-msnmsgrp2p',
    'image/gif',
    'application/x-ms-ink',
    'application/x-what',
  ];
  const check = (m: MessageContent) => {
    expect(typeof m.kind).toBe('string');
    expect(Array.isArray(m.problems)).toBe(true);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  };

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        check(decodeMessage(bytes, ctx));
      }),
      { numRuns: 500 },
    );
  });

  it('every content type with a random body never throws', () => {
    fc.assert(
      fc.property(fc.constantFrom(...contentTypes), fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (ct, body, chunked) => {
        const head = mime(`MIME-Version: 1.0\r\nContent-Type: ${ct}\r\n${chunked ? 'Message-ID: {X}\r\nChunks: 3\r\n' : ''}X-MMS-IM-Format: FN=%ZZ; EF=Q; CO=12345678\r\n\r\n`);
        check(decodeMessage(new Uint8Array([...head, ...body]), { verb: 'MSG', dir: 's2c', dialect: 18 }));
      }),
      { numRuns: 800 },
    );
  });

  it('text-ish random bodies (field lists, msnobj, Mail-Data) never throw', () => {
    const token = fc.constantFrom('ID: ', 'Data: ', '<msnobj ', 'Creator="', '"', '/>', '\t', '\r\n', 'Mail-Data: ', '<MD>', '<E>', '<M>', '</M>', '=?utf-8?B?', '?=', '%', '&amp;', '<', '>', 'x');
    fc.assert(
      fc.property(fc.constantFrom(...contentTypes), fc.array(token, { maxLength: 60 }), (ct, parts) => {
        check(decodeMessage(mime(`Content-Type: ${ct}\r\n\r\n${parts.join('')}`), ctx));
      }),
      { numRuns: 800 },
    );
  });

  it('every truncated prefix of every MSG vector decodes without throwing', () => {
    for (const v of msgVectors) {
      const { payload, ctx: c } = unit(v);
      for (let n = 0; n <= payload.length; n += n < 200 ? 1 : 37) check(decodeMessage(payload.subarray(0, n), c));
    }
  });
});
