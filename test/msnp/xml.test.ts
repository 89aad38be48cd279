import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeXmlPayload, parseCurrentMedia, type XmlPayload } from '../../src/msnp/xml-payloads.js';
import { attr, child, childText, parseXml, rootElements, textOf, type XmlElement } from '../../src/msnp/xml.js';

interface Vector {
  example: string;
  server: string;
  proto: string;
  first_line: string;
  b64: string;
}

const vectors = (JSON.parse(readFileSync(new URL('../../../shared/protocol/testvectors.json', import.meta.url), 'utf8')) as { messages: Vector[] }).messages;
const XML_VERBS = ['UUX', 'UBX', 'ADL', 'RML', 'FQY', 'NOT', 'IPG', 'GCF', 'UUN', 'UBN', 'SDG', 'NFY', 'PUT', 'DEL'];
const enc = new TextEncoder();

function unit(v: Vector): { verb: string; args: string[]; payload: Uint8Array; dialect: number | null } {
  const bytes = Buffer.from(v.b64, 'base64');
  const eol = bytes.indexOf('\r\n');
  const [verb = '', ...args] = bytes.subarray(0, eol).toString('utf8').split(' ');
  const dialect = /^MSNP(\d+)$/.exec(v.proto);
  return { verb, args, payload: new Uint8Array(bytes.subarray(eol + 2)), dialect: dialect === null ? null : Number(dialect[1]) };
}

const payloadVectors = vectors.filter((v) => v.server !== 'HTTP' && XML_VERBS.includes(unit(v).verb) && unit(v).payload.length > 0);

function decodeVector(example: string, firstLine: string): XmlPayload {
  const v = vectors.find((x) => x.example === example && x.first_line === firstLine);
  if (v === undefined) throw new Error(`no vector ${firstLine}`);
  const u = unit(v);
  return decodeXmlPayload(u.verb, u.payload, u.dialect, u.args);
}

function as<K extends XmlPayload['kind']>(p: XmlPayload, kind: K): Extract<XmlPayload, { kind: K }> {
  expect(p.kind).toBe(kind);
  return p as Extract<XmlPayload, { kind: K }>;
}

const decode = (verb: string, xml: string, args: string[] = []) => decodeXmlPayload(verb, enc.encode(xml), 18, args);

describe('XML reader', () => {
  it('reads elements, both attribute quotes, text, CDATA, entities, self-closing tags', () => {
    const doc = parseXml(`<?xml version="1.0" encoding="utf-8"?><!-- c --><!DOCTYPE x [<!ENTITY e "v">]><a x='1' y="two &amp; &quot;3&quot;"><b/>t &lt;&gt;&apos;&#65;&#x42;&#x1F600;<![CDATA[<raw & stuff>]]><c k = "v" /></a>`);
    expect(doc.problems).toEqual([]);
    const a = doc.root as XmlElement;
    expect(a.name).toBe('a');
    expect(a.attributes).toEqual([
      { name: 'x', value: '1' },
      { name: 'y', value: 'two & "3"' },
    ]);
    expect(a.children.map((c) => (c.type === 'element' ? `<${c.name}>` : c.text))).toEqual(['<b>', "t <>'AB😀<raw & stuff>", '<c>']);
    expect(attr(child(a, 'c'), 'k')).toBe('v');
  });

  it('reads fragments with several roots and drops layout white space only', () => {
    const doc = parseXml('<EndpointData>\n  <Capabilities>1:2</Capabilities>\n</EndpointData>\n<PSM> </PSM>');
    expect(rootElements(doc).map((e) => e.name)).toEqual(['EndpointData', 'PSM']);
    expect((doc.root as XmlElement).children).toHaveLength(1);
    expect(textOf(rootElements(doc)[1])).toBe(' ');
    expect(childText(doc.root, 'capabilities')).toBe('1:2');
  });

  it('forgives and reports: raw &, unknown entities, bad references', () => {
    const doc = parseXml('<PSM>Tom & Jerry &nbsp; &#0; &#xD800; &#zz; a&b</PSM>');
    expect(textOf(doc.root)).toBe('Tom & Jerry &nbsp; \uFFFD \uFFFD &#zz; a&b');
    expect(doc.problems).toEqual([
      "unescaped '&' at 9",
      'unknown entity &nbsp; at 17',
      'invalid character reference &#0; at 24',
      'invalid character reference &#xD800; at 29',
      "unescaped '&' at 38",
      "unescaped '&' at 45",
    ]);
  });

  it('forgives and reports: bad nesting, stray and missing end tags, odd attributes, stray <', () => {
    const doc = parseXml('<a><b><c></b></x>1 < 2<d k=v flag z="q></a>');
    expect(doc.root?.name).toBe('a');
    expect(doc.problems).toEqual([
      '<c> not closed before </b>',
      'stray </x> at 13',
      "unescaped '<' at 19",
      'unquoted attribute value k in <d>',
      'attribute flag without a value in <d>',
      'unterminated attribute value z in <d>',
      '<d> not closed before </a>',
    ]);
    expect(attr(child(doc.root, 'd'), 'z')).toBe('q');
  });

  it('unterminated constructs end the document without throwing', () => {
    for (const s of ['<a><!-- never', '<a><![CDATA[ open', '<?xml ', '<!DOCTYPE', '<a b="1"', '<a></a', '<', '&', '<a/><']) {
      const doc = parseXml(s);
      expect(doc.problems.length).toBeGreaterThan(0);
    }
  });

  it('is depth limited and linear on hostile input', () => {
    const deep = '<a>'.repeat(50000) + 'x' + '</a>'.repeat(50000);
    let t = Date.now();
    const doc = parseXml(deep, { maxDepth: 64 });
    expect(Date.now() - t).toBeLessThan(2000);
    expect(doc.problems).toContain('elements nested deeper than 64 were skipped');
    let depth = 0;
    for (let el: XmlElement | undefined = doc.root ?? undefined; el !== undefined; el = child(el, 'a')) depth++;
    expect(depth).toBe(64);
    for (const hostile of ['&'.repeat(300000), '<a '.repeat(100000), '<!x'.repeat(100000), '<a b="'.repeat(50000), '</'.repeat(100000), '<a>'.repeat(100000)]) {
      t = Date.now();
      const d = parseXml(hostile);
      expect(Date.now() - t).toBeLessThan(2000);
      expect(d.problems.length).toBeLessThanOrEqual(17);
    }
  });

  it('random text never throws and stays JSON-serialisable', () => {
    const token = fc.constantFrom('<', '>', '/', '</', '/>', '<a', '<b', ' x="1"', " y='2'", '=', '"', "'", '&', '&amp;', '&#x41;', '&#9;', '&lt', '<![CDATA[', ']]>', '<!--', '-->', '<?', '?>', 'text', ' ', '\n');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.array(token, { maxLength: 120 }).map((t) => t.join(''))), (s) => {
        const doc = parseXml(s, { maxDepth: 8, maxNodes: 200 });
        expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
        expect(doc.problems.length).toBeLessThanOrEqual(17);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('XML payload vectors (MSNP.md §13.2, §13.7)', () => {
  it('has payload vectors to test', () => {
    expect(payloadVectors.map((v) => unit(v).verb)).toEqual(['GCF', 'ADL', 'UBX', 'UUX', 'FQY', 'FQY', 'SDG', 'SDG', 'NFY']);
  });

  it.each(payloadVectors.map((v) => [v.first_line, v] as const))('%s decodes without problems', (_n, v) => {
    const u = unit(v);
    const p = decodeXmlPayload(u.verb, u.payload, u.dialect, u.args);
    expect(p.problems).toEqual([]);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('GCF policy summary', () => {
    const p = as(decodeVector('msnp15-login', 'GCF 0 159'), 'config');
    expect(p).toMatchObject({ root: 'Policies', bytes: 159, summary: '1 policy: SHIELDS' });
    expect(p.policies.map((x) => x.type)).toEqual(['SHIELDS']);
    expect(p.shieldClients).toEqual([
      [
        { name: 'maj', value: '7' },
        { name: 'min', value: '0' },
        { name: 'minbld', value: '0' },
        { name: 'maxbld', value: '9999' },
        { name: 'deny', value: ' ' },
      ],
    ]);
  });

  it('ADL handles with list bits and networks', () => {
    const p = as(decodeVector('msnp15-login', 'ADL 9 111'), 'membership');
    expect(p.initial).toBe(true);
    expect(p.contacts.map((c) => [c.handle, c.listBits, c.lists, c.networkId, c.networkName])).toEqual([
      ['bob@hotmail.com', 3, ['FL', 'AL'], 1, 'Windows Live / Passport'],
      ['dave@yahoo.com', 1, ['FL'], 32, 'Yahoo! Messenger'],
    ]);
  });

  it('UBX / UUX status', () => {
    expect(as(decodeVector('msnp15-login', 'UBX bob@hotmail.com 1 125'), 'status')).toMatchObject({ psm: 'at work', currentMedia: null, machineGuid: '{0061D708-CD9B-4D56-B64B-FFFAA92FF344}' });
    expect(as(decodeVector('msnp15-login', 'UUX 12 123'), 'status')).toMatchObject({ psm: 'hello', machineGuid: '{F26D1F07-95E2-403C-BC18-D4BFED493428}', otherElements: [] });
  });

  it('FQY query and answer', () => {
    expect(as(decodeVector('msnp15-login', 'FQY 14 44'), 'membership').contacts).toMatchObject([{ handle: 'dave@yahoo.com', networkId: null, listBits: null }]);
    expect(as(decodeVector('msnp15-login', 'FQY 14 51'), 'membership').contacts).toMatchObject([{ handle: 'dave@yahoo.com', networkId: 32 }]);
  });

  it('SDG text message: routing, reliability, messaging block and typed body', () => {
    for (const line of ['SDG 58 282', 'SDG 0 282']) {
      const p = as(decodeVector('msnp21-sdg', line), 'multipart');
      expect(p.routing?.to).toMatchObject({ networkId: 1, handle: 'bob@live.com', epid: null });
      expect(p.routing?.from).toMatchObject({ networkId: 1, handle: 'alice@live.com', epid: '{03c49942-1aea-4cda-8d9a-2c0a403b6782}' });
      expect(p.reliability?.version).toBe('1.0');
      expect(p.content).toMatchObject({ kind: 'messaging', version: '2.0', contentType: 'text/plain', contentLength: 5 });
      expect(p.messageType).toBe('Text');
      expect(p.bodyLength).toBe(5);
      expect(p.message).toMatchObject({ kind: 'text', text: 'hello', font: { fontName: 'Segoe UI', effects: [], colour: '#000000', charsetName: 'default', pitchFamily: '0' } });
    }
  });

  it('NFY presence document', () => {
    const p = as(decodeVector('msnp21-sdg', 'NFY PUT 249'), 'multipart');
    expect(p).toMatchObject({ uri: '/user', notifType: 'Partial', notifNum: 0, bodyLength: 47, content: { kind: 'notification', contentType: 'application/user+xml', contentLength: 47 } });
    expect(p.routing?.from?.handle).toBe('bob@live.com');
    expect(p.document).toEqual({ type: 'user', status: 'NLN', psm: null, friendlyName: null, currentMedia: null, userTile: null, services: [{ name: 'IM', fields: [{ name: 'Status', value: 'NLN' }] }], endpoints: [] });
  });
});

describe('status documents (UUX/UBX)', () => {
  it('CurrentMedia is split at literal \\0', () => {
    const p = as(decode('UUX', '<Data><PSM>Tom &amp; Jerry</PSM><CurrentMedia>\\0Music\\01\\0{0} - {1}\\0Song Title\\0Artist\\0Album\\0\\0</CurrentMedia></Data>'), 'status');
    expect(p.problems).toEqual([]);
    expect(p.psm).toBe('Tom & Jerry');
    expect(p.currentMedia).toEqual({ raw: '\\0Music\\01\\0{0} - {1}\\0Song Title\\0Artist\\0Album\\0\\0', application: '', type: 'Music', enabled: true, format: '{0} - {1}', args: ['Song Title', 'Artist', 'Album'], text: 'Song Title - Artist' });
    expect(parseCurrentMedia('')).toBeNull();
  });

  it("Escargot's un-escaped '&' is read and reported, not fatal", () => {
    const p = as(decode('UBX', '<Data><PSM>Grüße from the lab ☕ & more</PSM><CurrentMedia></CurrentMedia></Data>', ['alice@example.com', '84']), 'status');
    expect(p.psm).toBe('Grüße from the lab ☕ & more');
    expect(p.problems).toEqual(["msnp.bad_xml: unescaped '&' at 32"]);
  });

  it('MSNP16+ endpoint data, at the top level and inside <Data>', () => {
    const uux = as(decode('UUX', '<EndpointData><Capabilities>2789003324:48</Capabilities></EndpointData>'), 'status');
    expect(uux.endpoints).toEqual([{ id: null, capabilities: '2789003324:48', caps: 2789003324, capsEx: 48 }]);
    const priv = as(decode('UUX', '<PrivateEndpointData><EpName>LAPTOP</EpName><Idle>false</Idle><ClientType>1</ClientType><State>NLN</State></PrivateEndpointData>'), 'status');
    expect(priv.privateEndpoints).toEqual([{ id: null, epName: 'LAPTOP', idle: false, clientType: 1, state: 'NLN' }]);
    const ubx = as(decode('UBX', '<Data><PSM></PSM><CurrentMedia></CurrentMedia><MachineGuid>{G}</MachineGuid><DDP></DDP><SignatureSound>x</SignatureSound><Scene></Scene><ColorScheme>-3</ColorScheme><EndpointData id="{E1}"><Capabilities>1:2</Capabilities></EndpointData><Foo/></Data>'), 'status');
    expect(ubx).toMatchObject({ psm: '', ddp: '', signatureSound: 'x', colorScheme: '-3', otherElements: ['Foo'], endpoints: [{ id: '{E1}', caps: 1, capsEx: 2 }] });
  });

  it('non-XML and invalid UTF-8 are problems', () => {
    expect(decode('UUX', 'hello').problems).toEqual(['msnp.bad_xml: UUX payload is not XML']);
    const bad = decodeXmlPayload('UBX', new Uint8Array([...enc.encode('<Data><PSM>'), 0xff, ...enc.encode('</PSM></Data>')]), 11);
    expect(as(bad, 'status').psm).toBe('\uFFFD');
    expect(bad.problems).toEqual(['msnp.invalid_utf8: 1 invalid UTF-8 sequences in the UBX payload']);
    expect(decodeXmlPayload('UUX', new Uint8Array(0), 15).kind).toBe('empty');
  });
});

describe('membership, notifications, user notifications', () => {
  it('RML, circles, MSNP21 services, friendly names, empty domains', () => {
    const p = as(decode('ADL', '<ml><d n="live.com"><c n="00000000-0000-0000-0009-abcdefabcdef" t="9" l="1"/><c n="bob" f="Bob%20B."><s n="IM" l="3"/><s n="PE" l="3"/></c></d><d n="empty.com"></d></ml>'), 'membership');
    expect(p.initial).toBe(false);
    expect(p.emptyDomains).toEqual(['empty.com']);
    expect(p.contacts[0]).toMatchObject({ networkName: 'circle', lists: ['FL'] });
    expect(p.contacts[1]).toMatchObject({ handle: 'bob@live.com', friendly: 'Bob B.', services: [{ name: 'IM', listBits: 3, lists: ['FL', 'AL'] }, { name: 'PE', listBits: 3, lists: ['FL', 'AL'] }] });
    expect(as(decode('RML', '<ml><d n="x.com"><c n="y" l="12" t="1"/></d></ml>'), 'membership').contacts[0]?.lists).toEqual(['BL', 'RL']);
    expect(as(decode('ADL', '<ml><d n="x.com"><c n="y" l="96" t="1"/></d></ml>'), 'membership').contacts[0]?.lists).toEqual(['0x20', '0x40']);
    expect(decode('ADL', '<nope/>').problems).toEqual(['msnp.bad_xml: no <ml> root element']);
  });

  it('NOT alert with an escaped NotificationData body, and IPG page', () => {
    const not = as(decode('NOT', '<NOTIFICATION ver="2" id="1" siteid="45705" siteurl="http://contacts.msn.com"><TO pid="0x00014b00:0xaa7bc451" name="alice@hotmail.com"><VIA agent="messenger"/></TO><MSG id="0"><SUBSCR url="s.htm"/><ACTION url="a.htm"/><BODY>&lt;NotificationData xmlns="x"&gt;&lt;Service&gt;ABCHInternal&lt;/Service&gt;&lt;/NotificationData&gt;</BODY></MSG></NOTIFICATION>'), 'notification');
    expect(not.problems).toEqual([]);
    expect(not).toMatchObject({ id: '1', version: '2', siteId: '45705', siteUrl: 'http://contacts.msn.com', to: { pid: '0x00014b00:0xaa7bc451', name: 'alice@hotmail.com', via: 'messenger' } });
    expect(not.messages).toEqual([{ id: '0', actionUrl: 'a.htm', subscriptionUrl: 's.htm', body: '<NotificationData xmlns="x"><Service>ABCHInternal</Service></NotificationData>', bodyRoot: 'NotificationData' }]);
    const ipg = as(decode('IPG', '<NOTIFICATION id="0" siteid="111100400" siteurl="http://mobile.msn.com/"><TO name="alice@hotmail.com" pid="0x1:0x2"/><FROM name="tel:+15551234"/><MSG><BODY><TEXT>call me</TEXT></BODY></MSG></NOTIFICATION>'), 'notification');
    expect(ipg).toMatchObject({ from: { name: 'tel:+15551234', pid: null }, problems: [] });
    expect(ipg.messages[0]?.body).toBe('call me');
  });

  it('GCF Shields.xml of MSNP11-12', () => {
    const p = as(decode('GCF', '<?xml version="1.0" encoding="utf-8" ?><config><shield><cli maj="7" min="0" minbld="0" maxbld="9999" deny=" " /></shield><block></block></config>'), 'config');
    expect(p).toMatchObject({ root: 'config', summary: 'shields config, 1 client rule', problems: [] });
  });

  it('UUN/UBN by type', () => {
    const snm = as(decode('UBN', '<SNM opcode="SNM" csid="{C}" object="photo"/>', ['bob@live.com', '1', '44']), 'user-notification');
    expect(snm).toMatchObject({ target: 'bob@live.com', type: 1, typeName: 'XML (<SNM>)', root: 'SNM', rootAttributes: [{ name: 'opcode', value: 'SNM' }, { name: 'csid', value: '{C}' }, { name: 'object', value: 'photo' }] });
    const bye = as(decode('UUN', 'goawyplzthxbye', ['7', 'alice@live.com;{G}', '4', '14']), 'user-notification');
    expect(bye).toMatchObject({ target: 'alice@live.com;{G}', type: 4, text: 'goawyplzthxbye', problems: [] });
    const slp = as(decode('UBN', 'MSNSLP/1.0 603 Decline\r\nTo: <msnmsgr:a>\r\nFrom: <msnmsgr:b>\r\nCall-ID: {C}\r\nContent-Type: null\r\nContent-Length: 0\r\n\r\n', ['b@x.com', '3', '99']), 'user-notification');
    expect(slp.slp).toMatchObject({ status: 603, problems: [] });
    expect(as(decode('UBN', '<SNM/>'), 'user-notification')).toMatchObject({ type: null, root: 'SNM' });
  });
});

describe('multi-part payloads (MSNP.md §7)', () => {
  const sdg = (blocks: string) => as(decode('SDG', `Routing: 1.0\r\nTo: 1:bob@live.com;path=IM\r\nFrom: 1:alice@live.com;epid={E}\r\n\r\nReliability: 1.0\r\nStream: 0\r\nSegment: 3\r\n\r\n${blocks}`), 'multipart');

  it('nudge, typing, Signal/P2P', () => {
    const nudge = sdg('Messaging: 2.0\r\nMessage-Type: Nudge\r\nContent-Length: 9\r\nContent-Type: Text/plain; charset=UTF-8\r\n\r\nID: 1\r\n\r\n');
    expect(nudge.problems).toEqual([]);
    expect(nudge.routing?.to?.path).toBe('IM');
    expect(nudge.reliability).toMatchObject({ stream: 0, segment: 3 });
    expect(nudge.message).toMatchObject({ kind: 'datacast', id: 1, idName: 'nudge' });
    const typing = sdg('Messaging: 2.0\r\nMessage-Type: Control/Typing\r\nContent-Length: 0\r\n\r\n');
    expect(typing.problems).toEqual([]);
    expect(typing.message).toMatchObject({ kind: 'typing', typingUser: 'alice@live.com' });
    const body = 'BYE MSNMSGR:bob@live.com;{B} MSNSLP/1.0\r\nTo: <msnmsgr:bob@live.com;{B}>\r\nFrom: <msnmsgr:alice@live.com;{E}>\r\nVia: MSNSLP/1.0/TLP ;branch={X}\r\nCSeq: 0 \r\nCall-ID: {C}\r\nMax-Forwards: 0\r\nContent-Type: application/x-msnmsgr-sessionclosebody\r\nContent-Length: 3\r\n\r\n\r\n\0';
    const signal = sdg(`Messaging: 2.0\r\nMessage-Type: Signal/P2P\r\nContent-Length: ${enc.encode(body).length}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n${body}`);
    expect(signal.problems).toEqual([]);
    expect(signal.slp).toMatchObject({ method: 'BYE', target: 'bob@live.com;{B}', to: 'bob@live.com;{B}' });
  });

  it('network and circle documents', () => {
    const net = as(decode('NFY', 'Routing: 1.0\r\nTo: 1:alice@live.com\r\nFrom: 14:fb\r\n\r\nReliability: 1.0\r\n\r\nNotification: 1.0\r\nNotifNum: 1\r\nUri: /network\r\nNotifType: Full\r\nContent-Type: application/network+xml\r\nContent-Length: 45\r\n\r\n<network><status>SigningIn</status></network>'), 'multipart');
    expect(net.problems).toEqual([]);
    expect(net.routing?.from).toMatchObject({ networkId: 14, handle: 'fb', networkName: 'remote network gateway (14:fb)' });
    expect(net.document).toEqual({ type: 'network', status: 'SigningIn' });
    const circle = '<circle><roster><id>IM</id><user><id>1:bob@live.com</id></user><user><id>1:carol@live.com</id></user></roster></circle>';
    const put = as(decode('PUT', `Routing: 1.0\r\nTo: 10:{T}@live.com\r\nFrom: 1:alice@live.com\r\n\r\nReliability: 1.0\r\n\r\nPublication: 1.0\r\nUri: /circle\r\nContent-Type: application/multiparty+xml\r\nContent-Length: ${circle.length}\r\n\r\n${circle}`), 'multipart');
    expect(put.problems).toEqual([]);
    expect(put.content?.kind).toBe('publication');
    expect(put.routing?.to?.networkName).toBe('temporary group (multiparty)');
    expect(put.document).toEqual({ type: 'roster', root: 'circle', rosterIds: ['IM'], members: ['1:bob@live.com', '1:carol@live.com'] });
  });

  it('full presence document with a user tile', () => {
    const obj = '<msnobj Creator="bob@live.com" Size="10" Type="3" Location="0" Friendly="AAA="/>';
    const user = `<user><s n="IM"><Status>BSY</Status><CurrentMedia>\\0Music\\01\\0{0}\\0Song\\0\\0</CurrentMedia></s><s n="PE"><UserTileLocation>${obj.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}</UserTileLocation><FriendlyName>Bob</FriendlyName><PSM>busy</PSM></s><sep n="IM" epid="{E}"><Capabilities>1:2</Capabilities></sep></user>`;
    const p = as(decode('NFY', `Routing: 1.0\r\nTo: 1:a@live.com\r\nFrom: 1:bob@live.com\r\n\r\nReliability: 1.0\r\n\r\nNotification: 1.0\r\nUri: /user\r\nNotifType: Full\r\nContent-Type: application/user+xml\r\nContent-Length: ${enc.encode(user).length}\r\n\r\n${user}`), 'multipart');
    expect(p.problems).toEqual([]);
    expect(p.document).toMatchObject({ type: 'user', status: 'BSY', psm: 'busy', friendlyName: 'Bob', currentMedia: { type: 'Music', text: 'Song' }, userTile: { creator: 'bob@live.com', type: 3 }, endpoints: [{ name: 'IM', epid: '{E}', fields: [{ name: 'Capabilities', value: '1:2' }] }] });
  });

  it('malformed multi-part payloads are reported', () => {
    expect(decode('SDG', 'Routing: 1.0\r\nTo: 1:a@b.c\r\n').problems).toEqual(['msnp.bad_multipart: routing block without From', 'msnp.bad_multipart: payload ends inside a header block', 'msnp.bad_multipart: no content block']);
    expect(decode('SDG', 'Routing: 1.0\r\nTo: 1:a\r\nFrom: 1:b\r\n\r\nMessaging: 2.0\r\nMessage-Type: Text\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nabc').problems).toEqual(['msnp.bad_length: Content-Length 10 but 3 body bytes']);
    expect(decode('NFY', 'hello there').problems).toEqual(['msnp.bad_multipart: 1 header lines are not "Name: value"', 'msnp.bad_multipart: empty header block at byte 0', 'msnp.bad_multipart: no Routing block']);
  });
});

describe('robustness', () => {
  it('random bytes never throw for any verb', () => {
    fc.assert(
      fc.property(fc.constantFrom(...XML_VERBS, 'ZZZ', '241'), fc.uint8Array({ maxLength: 1500 }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }), (verb, bytes, args) => {
        const p = decodeXmlPayload(verb, bytes, 18, args);
        expect(JSON.parse(JSON.stringify(p))).toEqual(p);
      }),
      { numRuns: 1500 },
    );
  });

  it('XML-ish and multi-part-ish token soup never throws for any verb', () => {
    const token = fc.constantFrom('<Data>', '</Data>', '<PSM>', '</PSM>', '<CurrentMedia>', '\\0', '<ml l="1">', '<d n="x">', '<c n="y" l="3" t="1"/>', '<s n="IM"/>', '<NOTIFICATION>', '<MSG>', '<BODY>', '<Policy type="P">', '<user>', '<sep n="IM">', '&', '&amp;', 'Routing: 1.0\r\n', 'To: 1:a@b.c\r\n', 'From: 1:d\r\n', 'Reliability: 1.0\r\n', 'Messaging: 2.0\r\n', 'Notification: 1.0\r\n', 'Message-Type: Data\r\n', 'Message-Type: Signal/P2P\r\n', 'Message-Type: Nudge\r\n', 'Content-Type: application/user+xml\r\n', 'Content-Type: application/x-msnmsgrp2p\r\n', 'Content-Length: 5\r\n', '\r\n', 'x');
    fc.assert(
      fc.property(fc.constantFrom(...XML_VERBS), fc.array(token, { maxLength: 60 }), (verb, parts) => {
        const p = decodeXmlPayload(verb, enc.encode(parts.join('')), 21, ['1', 'a@b.c', '3', '9']);
        expect(JSON.parse(JSON.stringify(p))).toEqual(p);
      }),
      { numRuns: 2000 },
    );
  });
});
