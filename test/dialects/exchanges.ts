// One scripted exchange per dialect (MSNP2, 5, 7, 8, 9, 11, 12, 13, 15, 18, 21): login, contact list,
// presence, challenge, errors and chat, written per MSNP.md §3 forms or taken from testvectors.json (§13).

import { expect } from 'vitest';
import { challengeResponse, type ChallengeAlgorithm } from '../../src/msnp/auth.js';
import {
  HIDDEN_OPENING,
  burst,
  c,
  chat,
  close,
  multipart,
  relay,
  s,
  synList,
  typing,
  vc,
  vectorUnit,
  vs,
  type ConnSpec,
  type Exchange,
  type Step,
} from './script.js';

// --- people, names and texts ------------------------------------------------------------------------------

const ALICE = 'alice@hotmail.com';
const BOB = 'bob@hotmail.com';
/** "Alice été" and "Böb ✓", URL-encoded UTF-8 as friendly names are sent (reference §2.1). */
const ALICE_FN = 'Alice%20%C3%A9t%C3%A9';
const BOB_FN = 'B%C3%B6b%20%E2%9C%93';
const ALICE_NAME = 'Alice été';
const BOB_NAME = 'Böb ✓';

/** Chat lines with 2-, 3- and 4-byte UTF-8 sequences; sent in 7-byte segments, so characters straddle segments. */
const TEXT_ALICE = 'Grüße, Böb — ça va? 😀 日本語';
const TEXT_BOB = 'Ça va bien, merci ✓ 👋';
const TEXT_BOB_2 = 'Tu viens ce soir? 🎉';
const TEXT_ALICE_2 = 'À plus tard — 再见';

// --- addresses ----------------------------------------------------------------------------------------------

const NS = '10.0.0.1:1863';
/** Switchboards live on 1864: not an MSNP port of the runs, so only XFR/RNG can make them followed. */
const SB = '10.0.0.5:1864';

function aliceConnections(user: string, ns = NS, sb = SB): Record<string, ConnSpec> {
  return {
    ns: { client: '10.0.0.2:50000', server: ns, role: 'NS', user },
    sb1: { client: '10.0.0.2:50001', server: sb, role: 'SB', user, announcedBy: { conn: 'ns', via: 'XFR' } },
    sb2: { client: '10.0.0.2:50002', server: sb, role: 'SB', user, announcedBy: { conn: 'ns', via: 'RNG' } },
  };
}

const COOKIE_XFR = '17262740.1050826919.32308';
const COOKIE_RNG = '849102291.520491113';
const SESSION_CAL = '11752013';
const SESSION_RNG = '11752099';

// --- challenges (reference §11.4 product ids and keys) ----------------------------------------------------

const PRODUCT_KEYS: Readonly<Record<string, string>> = {
  'msmsgs@msnmsgr.com': 'Q1P7W2E4J9R8U3S5',
  'PROD0038W!61ZTF9': 'VT6PX?UQTM4WM%YR',
  'PROD0090YUAUV{2B': 'YMM8C_H7KCQ2S_KL',
  'PROD0101{0RM?UBW': 'CFHUR$52U_{VIX5T',
  'PROD01065C%ZFN6F': 'O4BG@C7BWLYQX?5G',
  'PROD0119GSJUC$18': 'ILTXC!4IXB5FB*PX',
  'PROD0120PW!CCV9@': 'C1BX{V4W}Q3*10SM',
};

/** A verified QRY: by the product's own key and the dialect's algorithm (no "although …" fallback match). */
function validChallenge(algorithm: ChallengeAlgorithm) {
  return {
    kind: 'challenge',
    valid: true,
    message: expect.stringMatching(algorithm === 'md5' ? /^(?!.*although).*MD5 algorithm/ : /^(?!.*although).*MSNP11 algorithm/),
    algorithm,
    productId: expect.any(String),
  };
}

/** `S: CHL 0 challenge`, then `C: QRY TrID product 32` with the right answer for the dialect (§11.2/§11.3). */
function challenge(conn: string, trId: number, productId: string, chl: string, dialect: number): Step[] {
  const key = PRODUCT_KEYS[productId];
  if (key === undefined) throw new Error(`no key for ${productId}`);
  const algorithm: ChallengeAlgorithm = dialect >= 11 ? 'msnp11' : 'md5';
  return [
    s(conn, `CHL 0 ${chl}`, { expect: { params: { challenge: chl } } }),
    c(conn, `QRY ${trId} ${productId}`, {
      body: challengeResponse(algorithm, chl, productId, key),
      send: { split: [20] },
      expect: { auth: validChallenge(algorithm), params: { productId } },
    }),
    s(conn, `QRY ${trId}`),
  ];
}

// --- bodies ---------------------------------------------------------------------------------------------------

function profileBody(email: string, ticket: string, extra: readonly string[] = []): string {
  const fields = [
    'LoginTime: 1149163200',
    'EmailEnabled: 1',
    'MemberIdHigh: 84736',
    'MemberIdLow: -1434729391',
    'lang_preference: 1033',
    `preferredEmail: ${email}`,
    'country: FR',
    'PostalCode: ',
    'Gender: ',
    'Kid: 0',
    'Age: ',
    'BDayPre: ',
    'Birthday: ',
    'Wallet: ',
    'Flags: 1027',
    'sid: 507',
    'kv: 7',
    `MSPAuth: ${ticket}$$`,
    'ClientIP: 192.0.2.10',
    'ClientPort: 10771',
    ...extra,
  ];
  return `MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n${fields.join('\r\n')}\r\n\r\n`;
}

const PROFILE_EXPECT = (email: string) => ({ message: { kind: 'profile', preferredEmail: email, country: 'FR', clientIp: '192.0.2.10', clientPort: 10771 } });

const SHIELDS = '<config><shield><cli maj="7" min="0" minbld="0" maxbld="9999" deny=" " /></shield><block></block></config>';
const POLICIES = `<Policies><Policy type="SHIELDS">${SHIELDS}</Policy><Policy type="ABCH"><policy><set id="push" service="ABCH" priority="200"><r id="pushstorage" threshold="180000" /></set></policy></Policy></Policies>`;

const PASSPORT_CHALLENGE = 'lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1149163200,kpp=1,kv=7,ver=2.1.6000.1,rn=1lgjBfIL,tpf=b0735e3a873dfb5e75054465196398e0';
const SSO_NONCE = 'E4Fhehbe0q2Je+SUSp7IRnJV+rN4uME75ljIpUjIZ1Si+DgmrfuiIL+AFmkMA6Wv';
/** The MBI response blob of the §13.2 vector (a valid header with dummy key material). */
const MBI_BLOB = vectorUnit('msnp15-login', 'c2s', 'USR 7 SSO S').line.split(' ')[5] ?? '';

const ticket = (n: number) => `t=${n}Aa9fKq*Xk2pQ!rS0vW3yZ$&p=${n}pR0f1Le*Q`;

/** URL-encoded MSNObject (reference §5.5, its consistent test values). */
const ALICE_MSNOBJ = encodeURIComponent(
  '<msnobj Creator="alice@hotmail.com" Size="32" Type="3" Location="TFR2C.tmp" Friendly="AAA=" SHA1D="BuWMNBSbmXUvLgBMCDXUvfMO4L4=" SHA1C="NMGNAfApqf/BvHoq8xR8wvOlxNY="/>',
);
const BOB_MSNOBJ = encodeURIComponent('<msnobj Creator="bob@hotmail.com" Size="24539" Type="3" Location="TFR2F.tmp" Friendly="AAA=" SHA1D="trC8SlFx2sWQxZMIBAWSEnXc8oQ="/>');

// --- switchboards (reference §3.6) ----------------------------------------------------------------------------

interface SwitchboardForms {
  /** How alice names herself in USR/ANS (MSNP16+: with her machine GUID). */
  alice: string;
  /** Bob as CAL names him. */
  bob: string;
  /** Bob as the switchboard names him in MSG/BYE (one endpoint). */
  bobFrom: string;
  /** JOI lines for bob (MSNP16+: once per endpoint and once plain). */
  joi: string[];
  /** IRO lines without the `IRO TrID` prefix. */
  iro: string[];
  bye: string[];
  cookieXfr: string;
  cookieRng: string;
  /** Expected named parameters of the first JOI and IRO. */
  joiParams: Record<string, unknown>;
  iroParams: Record<string, unknown>;
}

/** Alice opens a switchboard (XFR SB cookie), invites bob, types, chats both ways, meets an error, bob leaves. */
function callerSwitchboard(f: SwitchboardForms): Step[] {
  return [
    c('sb1', `USR 1 ${f.alice} ${f.cookieXfr}`, { send: HIDDEN_OPENING }),
    s('sb1', `USR 1 OK ${f.alice} ${ALICE_FN}`, { expect: { params: { result: 'OK', friendly: ALICE_NAME } } }),
    c('sb1', `CAL 2 ${f.bob}`),
    s('sb1', `CAL 2 RINGING ${SESSION_CAL}`),
    ...f.joi.map((l, i) => s('sb1', `JOI ${l}`, i === 0 ? { expect: { params: f.joiParams } } : {})),
    typing('sb1', 'c2s', 'MSG 3 U', f.alice.split(';')[0] ?? f.alice),
    chat('sb1', 'c2s', 'MSG 4 A', TEXT_ALICE),
    s('sb1', 'ACK 4'),
    chat('sb1', 's2c', `MSG ${f.bobFrom} ${BOB_FN}`, TEXT_BOB, 5),
    c('sb1', 'CAL 5 nobody@hotmail.com'),
    s('sb1', '217 5', { expect: { error: { code: 217 } } }),
    ...f.bye.map((l) => s('sb1', `BYE ${l}`)),
    c('sb1', 'OUT'),
    close('sb1', 's2c'),
  ];
}

/** Bob invites alice (RNG on her NS); she answers, gets the roster, bob types and writes, she answers. */
function inviteeSwitchboard(f: SwitchboardForms): Step[] {
  return [
    c('sb2', `ANS 1 ${f.alice} ${f.cookieRng} ${SESSION_RNG}`, { send: HIDDEN_OPENING }),
    ...f.iro.map((l, i) => s('sb2', `IRO 1 ${l}`, i === 0 ? { expect: { params: f.iroParams } } : {})),
    s('sb2', 'ANS 1 OK'),
    typing('sb2', 's2c', `MSG ${f.bobFrom} ${BOB_FN}`, f.bob),
    chat('sb2', 's2c', `MSG ${f.bobFrom} ${BOB_FN}`, TEXT_BOB_2, 6),
    chat('sb2', 'c2s', 'MSG 2 N', TEXT_ALICE_2, 9),
    c('sb2', 'OUT'),
    close('sb2', 's2c'),
  ];
}

/** MSNP2–11: `JOI handle friendly`, `IRO TrID i n handle friendly`. */
function plainSwitchboard(alice: string, bob: string): SwitchboardForms {
  const nameOnly = { handle: bob, friendly: BOB_NAME };
  return {
    alice,
    bob,
    bobFrom: bob,
    joi: [`${bob} ${BOB_FN}`],
    iro: [`1 1 ${bob} ${BOB_FN}`],
    bye: [bob],
    cookieXfr: COOKIE_XFR,
    cookieRng: COOKIE_RNG,
    joiParams: nameOnly,
    iroParams: { index: 1, total: 1, ...nameOnly },
  };
}

/** MSNP12–15: capabilities added to JOI and IRO. */
function capsSwitchboard(alice: string, bob: string, caps: number, flags: string[]): SwitchboardForms {
  const f = plainSwitchboard(alice, bob);
  const capsParams = { caps: { value: caps, flags: expect.arrayContaining(flags) } };
  return {
    ...f,
    joi: [`${bob} ${BOB_FN} ${caps}`],
    iro: [`1 1 ${bob} ${BOB_FN} ${caps}`],
    joiParams: { ...f.joiParams, ...capsParams },
    iroParams: { ...f.iroParams, ...capsParams },
  };
}

// --- MSNP2: MD5 login with INF, SYN with serials and TrIDs on every list line ---------------------------------

function md5Login(trId: number): Step[] {
  return [
    c('ns', `INF ${trId}`),
    s('ns', `INF ${trId} MD5`, { expect: { params: { packages: ['MD5'] } } }),
    c('ns', `USR ${trId + 1} MD5 I ${ALICE}`, { expect: { params: { package: 'MD5', stage: 'I', handle: ALICE } } }),
    s('ns', `USR ${trId + 1} MD5 S 1013928519.693957190`, { expect: { params: { salt: '1013928519.693957190' } } }),
    // md5("1013928519.693957190" + "password"), reference §11.1.
    c('ns', `USR ${trId + 2} MD5 S 7f919fab309532df353c901430df36fa`, { expect: { auth: { kind: 'md5-login' } } }),
  ];
}

const msnp2: Exchange = {
  dialect: 2,
  source: 'MSNP.md §3 forms for MSNP2 (IETF draft era): VER/CVR/INF/USR MD5, SYN/GTC/BLP/LST, CHG/ILN/NLN/FLN, ADD, XFR SB, RNG; SB §3.6',
  ports: [1863],
  connections: aliceConnections(ALICE),
  steps: [
    c('ns', 'VER 1 MSNP2', { expect: { params: { versions: [2] } } }),
    s('ns', 'VER 1 MSNP2'),
    c('ns', 'CVR 2 0x0409 win 4.10 i386 MSMSGS 1.0.0863 MSMSGS', { expect: { params: { clientVersion: '1.0.0863' } } }),
    s('ns', 'CVR 2 1.0.0863 1.0.0863 1.0.0863 http://messenger.msn.com/download/setup.exe http://messenger.msn.com'),
    ...md5Login(3),
    s('ns', `USR 5 OK ${ALICE} ${ALICE_FN}`, { expect: { params: { result: 'OK', handle: ALICE, friendly: ALICE_NAME } } }),
    c('ns', 'SYN 6 0'),
    burst(
      'ns',
      ['SYN 6 7', 'GTC 6 7 A', 'BLP 6 7 AL', `LST 6 FL 7 1 1 ${BOB} ${BOB_FN}`, `LST 6 AL 7 1 1 ${BOB} ${BOB_FN}`, 'LST 6 BL 7 0 0', `LST 6 RL 7 1 1 ${BOB} ${BOB_FN}`],
      {
        1: { params: { serial: 7, setting: { code: 'A' } } },
        3: { params: { list: { code: 'FL' }, serial: 7, index: 1, total: 1, handle: BOB, friendly: BOB_NAME } },
        5: { params: { list: { code: 'BL' }, index: 0, total: 0 } },
      },
    ),
    c('ns', 'CHG 7 NLN'),
    s('ns', 'CHG 7 NLN', { expect: { params: { status: { code: 'NLN', name: 'online' } } } }),
    s('ns', `ILN 7 BRB ${BOB} ${BOB_FN}`, { expect: { params: { status: { code: 'BRB', name: 'be right back' }, handle: BOB, friendly: BOB_NAME } } }),
    c('ns', 'CHG 8 FLN'),
    s('ns', '201 8', { expect: { error: { code: 201 } } }),
    c('ns', 'ADD 9 FL carol@hotmail.com Carol'),
    s('ns', 'ADD 9 FL 8 carol@hotmail.com Carol', { expect: { params: { list: { code: 'FL' }, serial: 8, handle: 'carol@hotmail.com' } } }),
    s('ns', `NLN AWY ${BOB} ${BOB_FN}`, { expect: { params: { status: { code: 'AWY', name: 'away' }, friendly: BOB_NAME } } }),
    c('ns', 'PNG'),
    s('ns', 'QNG'),
    c('ns', 'XFR 10 SB'),
    s('ns', `XFR 10 SB ${SB} CKI ${COOKIE_XFR}`),
    ...callerSwitchboard(plainSwitchboard(ALICE, BOB)),
    s('ns', `RNG ${SESSION_RNG} ${SB} CKI ${COOKIE_RNG} ${BOB} ${BOB_FN}`, { expect: { params: { friendly: BOB_NAME } } }),
    ...inviteeSwitchboard(plainSwitchboard(ALICE, BOB)),
    s('ns', `FLN ${BOB}`, { expect: { params: { handle: BOB } } }),
    c('ns', 'OUT'),
  ],
};

// --- MSNP5: + PRP/BPR in SYN, NOT (payload), PAG (payload) ----------------------------------------------------

const NOTIFICATION =
  '<NOTIFICATION ver="1" id="1" siteid="111100200" siteurl="http://alerts.msn.com/"><TO pid="0x00014b00:0xaa7bc451" name="alice@hotmail.com"><VIA agent="messenger"/></TO><MSG id="0"><ACTION url="a.htm"/><SUBSCR url="s.htm"/><BODY lang="1033" icon=""><TEXT>Schöne Grüße aus Köln</TEXT></BODY></MSG></NOTIFICATION>';
const PAGE = '<PHONE pri="1"><LOC>MOBILE</LOC><NUM>15551234</NUM></PHONE><TEXT xml:space="preserve" enc="utf-8">Ruf mich an ✆</TEXT>';

const msnp5: Exchange = {
  dialect: 5,
  source: 'MSNP.md §3 forms for MSNP5: MD5 login, SYN with PRP/BPR, NOT and PAG payloads, errors 205/800; SB §3.6',
  ports: [1863],
  connections: aliceConnections(ALICE),
  steps: [
    c('ns', 'VER 1 MSNP5 MSNP4 MSNP3', { expect: { params: { versions: [5, 4, 3] } } }),
    s('ns', 'VER 1 MSNP5'),
    c('ns', 'CVR 2 0x0409 win 4.10 i386 MSMSGS 3.0.0283 MSMSGS'),
    s('ns', 'CVR 2 3.0.0283 3.0.0283 3.0.0283 http://messenger.msn.com/download/setup.exe http://messenger.msn.com'),
    ...md5Login(3),
    s('ns', `USR 5 OK ${ALICE} ${ALICE_FN}`, { expect: { params: { friendly: ALICE_NAME } } }),
    c('ns', 'SYN 6 0'),
    burst(
      'ns',
      [
        'SYN 6 12',
        'GTC 6 12 A',
        'BLP 6 12 AL',
        'PRP 6 12 PHH 01%20555%201234',
        `LST 6 FL 12 1 1 ${BOB} ${BOB_FN}`,
        `BPR 12 ${BOB} PHM 01%20555%209876`,
        `LST 6 AL 12 1 1 ${BOB} ${BOB_FN}`,
        'LST 6 BL 12 0 0',
        `LST 6 RL 12 1 1 ${BOB} ${BOB_FN}`,
      ],
      {
        3: { params: { property: { code: 'PHH', name: 'home phone' }, value: '01 555 1234' } },
        5: { params: { handle: BOB, property: { code: 'PHM', name: 'mobile phone' }, value: '01 555 9876' } },
      },
    ),
    c('ns', 'CHG 7 NLN'),
    s('ns', 'CHG 7 NLN'),
    s('ns', `ILN 7 PHN ${BOB} ${BOB_FN}`, { expect: { params: { status: { code: 'PHN', name: 'on the phone' }, friendly: BOB_NAME } } }),
    s('ns', 'NOT', {
      body: NOTIFICATION,
      send: { mss: 40 },
      expect: { xml: { kind: 'notification', siteUrl: 'http://alerts.msn.com/', to: { name: ALICE }, messages: [{ body: 'Schöne Grüße aus Köln' }] } },
    }),
    c('ns', 'ADD 8 FL nobody@hotmail.com nobody'),
    s('ns', '205 8', { expect: { error: { code: 205 } } }),
    c('ns', `PAG 9 ${BOB}`, { body: PAGE, expect: { params: { handle: BOB } } }),
    s('ns', '800 9', { expect: { error: { code: 800 } } }),
    c('ns', 'PNG'),
    s('ns', 'QNG'),
    s('ns', `NLN LUN ${BOB} ${BOB_FN}`, { expect: { params: { status: { code: 'LUN', name: 'out to lunch' } } } }),
    c('ns', 'XFR 10 SB'),
    s('ns', `XFR 10 SB ${SB} CKI ${COOKIE_XFR}`),
    ...callerSwitchboard(plainSwitchboard(ALICE, BOB)),
    s('ns', `RNG ${SESSION_RNG} ${SB} CKI ${COOKIE_RNG} ${BOB} ${BOB_FN}`),
    ...inviteeSwitchboard(plainSwitchboard(ALICE, BOB)),
    s('ns', `FLN ${BOB}`),
    c('ns', 'OUT'),
  ],
};

// --- MSNP7: + groups (LSG, LST group field), CHL/QRY (MD5), USR OK verified flag, IPG -------------------------

const INCOMING_PAGE =
  '<NOTIFICATION id="0" siteid="111100400" siteurl="http://mobile.msn.com/"><TO name="alice@hotmail.com" pid="0x00014b00:0xaa7bc451"/><FROM name="tel:+15551234"/><MSG pri="1" id="1"><ACTION url="2wayIM.asp"/><SUBSCR url="2wayIM.asp"/><CAT id="110110001"/><BODY lang="1033"><TEXT>Bin gleich da ✓</TEXT></BODY></MSG></NOTIFICATION>';

const msnp7: Exchange = {
  dialect: 7,
  source: 'MSNP.md §3 forms for MSNP7: MD5 login, SYN with LSG/LST groups, CHL/QRY MD5 (§11.2), IPG, ADG error; SB §3.6',
  ports: [1863],
  connections: aliceConnections(ALICE),
  steps: [
    c('ns', 'VER 1 MSNP7 MSNP6 MSNP5 CVR0', { expect: { params: { versions: [7, 6, 5], cvr0: true } } }),
    s('ns', 'VER 1 MSNP7'),
    c('ns', 'CVR 2 0x0409 winnt 5.1 i386 MSMSGS 4.7.3001 MSMSGS'),
    s('ns', 'CVR 2 4.7.3001 4.7.3001 4.7.2009 http://messenger.msn.com/download/setup.exe http://messenger.msn.com'),
    ...md5Login(3),
    s('ns', `USR 5 OK ${ALICE} ${ALICE_FN} 1`, { expect: { params: { friendly: ALICE_NAME, verified: true } } }),
    c('ns', 'SYN 6 0'),
    burst(
      'ns',
      [
        'SYN 6 25',
        'GTC 6 25 A',
        'BLP 6 25 BL',
        'PRP 6 25 PHH 01%20555%201234',
        'LSG 6 25 1 2 0 Other%20Contacts 0',
        'LSG 6 25 2 2 1 Fr%C3%A8res 0',
        `LST 6 FL 25 1 1 ${BOB} ${BOB_FN} 1`,
        `BPR 25 ${BOB} MOB Y`,
        `LST 6 AL 25 1 1 ${BOB} ${BOB_FN}`,
        'LST 6 BL 25 0 0',
        `LST 6 RL 25 1 1 ${BOB} ${BOB_FN}`,
      ],
      {
        2: { params: { setting: { code: 'BL' } } },
        5: { params: { index: 2, total: 2, groupId: '1', groupName: 'Frères' } },
        6: { params: { list: { code: 'FL' }, handle: BOB, friendly: BOB_NAME, groups: ['1'] } },
      },
    ),
    c('ns', 'CHG 7 NLN'),
    s('ns', 'CHG 7 NLN'),
    s('ns', `ILN 7 IDL ${BOB} ${BOB_FN}`, { expect: { params: { status: { code: 'IDL', name: 'idle' } } } }),
    ...challenge('ns', 8, 'msmsgs@msnmsgr.com', '29409134351025259292', 7),
    s('ns', 'IPG', { body: INCOMING_PAGE, send: { mss: 50 }, expect: { xml: { kind: 'notification', from: { name: 'tel:+15551234' }, messages: [{ body: 'Bin gleich da ✓' }] } } }),
    c('ns', 'ADG 9 Fr%C3%A8res 0'),
    s('ns', '228 9', { expect: { error: { code: 228 } } }),
    c('ns', 'PNG'),
    s('ns', 'QNG'),
    c('ns', 'XFR 10 SB'),
    s('ns', `XFR 10 SB ${SB} CKI ${COOKIE_XFR}`),
    ...callerSwitchboard(plainSwitchboard(ALICE, BOB)),
    s('ns', `RNG ${SESSION_RNG} ${SB} CKI ${COOKIE_RNG} ${BOB} ${BOB_FN}`),
    ...inviteeSwitchboard(plainSwitchboard(ALICE, BOB)),
    s('ns', `FLN ${BOB}`),
    c('ns', 'OUT'),
  ],
};

// --- MSNP8: §13.1 test vectors (DS referral, TWN, SYN, presence, CHL/QRY), plus switchboards on 1864 --------

const V8 = 'msnp8-login';
const SB8 = '207.46.108.37:1864';
/** The §13.1 XFR 11 announces 207.46.108.37:1863 (an MSNP port); the added XFR 12 announces port 1864. */
const COOKIE_8 = '17262741.1050826920.41077';

const msnp8: Exchange = {
  dialect: 8,
  source: 'testvectors.json msnp8-login (MSNP.md §13.1, exact bytes); added: XFR 12 SB and RNG to port 1864, ADD error 205, switchboards per §3.6',
  ports: [1863],
  connections: {
    ds: { client: '10.0.0.2:49999', server: '207.46.104.20:1863', role: 'DS', user: ALICE },
    ...aliceConnections(ALICE, '207.46.106.118:1863', SB8),
  },
  steps: [
    vc('ds', V8, 'VER 1'),
    vs('ds', V8, 'VER 1'),
    vc('ds', V8, 'CVR 2'),
    vs('ds', V8, 'CVR 2'),
    vc('ds', V8, 'USR 3'),
    vs('ds', V8, 'XFR 3 NS', { expect: { params: { serverType: 'NS', address: { host: '207.46.106.118', port: 1863 } } } }),
    close('ds', 's2c'),
    vc('ns', V8, 'VER 4'),
    vs('ns', V8, 'VER 4'),
    vc('ns', V8, 'CVR 5', { expect: { params: { clientVersion: '6.0.0602', handle: ALICE } } }),
    vs('ns', V8, 'CVR 5'),
    vc('ns', V8, 'USR 6'),
    vs('ns', V8, 'USR 6 TWN S', { expect: { params: { package: 'TWN', stage: 'S' } } }),
    vc('ns', V8, 'USR 7 TWN S'),
    vs('ns', V8, 'USR 7 OK', { expect: { params: { handle: ALICE, friendly: 'Alice A.', verified: true } } }),
    vs('ns', V8, 'MSG Hotmail', { send: { mss: 100 }, expect: { message: { kind: 'profile', preferredEmail: ALICE, loginTime: 1062764229 } } }),
    vc('ns', V8, 'SYN 8'),
    vs('ns', V8, 'SYN 8', { expect: { params: { contactCount: 2, groupCount: 1 } } }),
    vs('ns', V8, 'GTC A', { noTrId: true }),
    vs('ns', V8, 'BLP AL', { noTrId: true }),
    vs('ns', V8, 'PRP PHH', { noTrId: true }),
    vs('ns', V8, 'LSG 0', { noTrId: true, expect: { params: { groupId: '0', groupName: 'Other Contacts' } } }),
    vs('ns', V8, 'LST bob', { noTrId: true, expect: { params: { handle: BOB, lists: { value: 11, names: ['FL', 'AL', 'RL'] }, groups: ['0'] } } }),
    vs('ns', V8, 'BPR PHM', { noTrId: true }),
    vs('ns', V8, 'LST carol', { noTrId: true, expect: { params: { lists: { value: 10, names: ['AL', 'RL'] } } } }),
    vc('ns', V8, 'CHG 9', {
      expect: { params: { status: { code: 'NLN' }, caps: { value: 268435492, flags: ['SupportsGifInk', 'SupportsChunking'], generation: { code: 1 } } } },
    }),
    vs('ns', V8, 'CHG 9'),
    vs('ns', V8, 'ILN 9', { expect: { params: { status: { code: 'NLN', name: 'online' }, handle: BOB, friendly: 'Bob', caps: { value: 268435500 } } } }),
    vs('ns', V8, 'CHL 0'),
    vc('ns', V8, 'QRY 10', { expect: { auth: validChallenge('md5'), params: { productId: 'msmsgs@msnmsgr.com' } } }),
    vs('ns', V8, 'QRY 10'),
    vc('ns', V8, 'PNG'),
    vs('ns', V8, 'QNG'),
    vs('ns', V8, 'NLN AWY', { expect: { params: { status: { code: 'AWY', name: 'away' } } } }),
    vc('ns', V8, 'XFR 11'),
    vs('ns', V8, 'XFR 11 SB'),
    c('ns', 'XFR 12 SB'),
    s('ns', `XFR 12 SB ${SB8} CKI ${COOKIE_8}`, { expect: { params: { serverType: 'SB', address: { host: '207.46.108.37', port: 1864 }, auth: 'CKI' } } }),
    ...callerSwitchboard({ ...plainSwitchboard(ALICE, BOB), cookieXfr: COOKIE_8 }),
    s('ns', `RNG ${SESSION_RNG} ${SB8} CKI ${COOKIE_RNG} ${BOB} ${BOB_FN}`),
    ...inviteeSwitchboard(plainSwitchboard(ALICE, BOB)),
    c('ns', 'ADD 13 FL nobody@hotmail.com nobody'),
    s('ns', '205 13', { expect: { error: { code: 205 } } }),
    vs('ns', V8, 'FLN'),
    vc('ns', V8, 'OUT'),
  ],
};

// --- MSNP9: §13.3 switchboard chat and §13.4 P2P transfer (exact bytes), NS lines per §3 ---------------------

const SB_CHAT = 'sb-chat';
const P2P = 'p2p-ft';
const ALICE_A = 'alice@hotmail.com Alice%20A.';
const BOB_B = 'bob@hotmail.com Bob';
const SB9 = '207.46.108.37:1864';
const INVITE_ID = 0x0ac47447;
const CALL_ID = '{F87327A8-741F-4FEF-AB63-45D06F51A0C2}';

/** Passport (TWN) login, MSNP8–14 (§3.1). `okTail`: `friendly 1 0` in MSNP8–9, `1 0` from MSNP10. */
function twnLogin(conn: string, handle: string, okTail: string, first: number, n: number, okExpect?: Record<string, unknown>): Step[] {
  return [
    c(conn, `USR ${first} TWN I ${handle}`),
    s(conn, `USR ${first} TWN S ${PASSPORT_CHALLENGE}`, { expect: { params: { package: 'TWN', stage: 'S', passport: { lc: '1033', ru: 'http://messenger.msn.com' } } } }),
    c(conn, `USR ${first + 1} TWN S ${ticket(n)}`, { expect: { params: { package: 'TWN', stage: 'S' } } }),
    s(conn, `USR ${first + 1} OK ${handle} ${okTail}`, okExpect === undefined ? {} : { expect: okExpect }),
  ];
}

/** Client MSG D of §13.4, the server's ACK (reference §3.6: D is acknowledged like A) and its relay to the peer. */
function p2pChunk(from: 'sb1' | 'sb2', prefix: string, expect: Record<string, unknown>): Step[] {
  const to = from === 'sb1' ? 'sb2' : 'sb1';
  const trId = prefix.split(' ')[1] ?? '';
  return [
    vc(from, P2P, prefix, { send: { mss: 536 }, expect }),
    s(from, `ACK ${trId}`),
    relay(to, P2P, prefix, from === 'sb1' ? ALICE_A : BOB_B, { send: { mss: 536 }, expect }),
  ];
}

const msnp9: Exchange = {
  dialect: 9,
  source:
    'testvectors.json sb-chat and p2p-ft (MSNP.md §13.3, §13.4, exact bytes; bob’s SB stays on the RNG’s 1863); alice’s and bob’s NS lines per §3 MSNP9 forms (MSNObject, QNG seconds, PGD)',
  ports: [1863],
  connections: {
    ns: { client: '10.0.0.2:50000', server: '207.46.106.118:1863', role: 'NS', user: ALICE },
    bobns: { client: '10.0.0.3:50000', server: '207.46.106.119:1863', role: 'NS', user: BOB },
    sb1: { client: '10.0.0.2:50001', server: SB9, role: 'SB', user: ALICE, announcedBy: { conn: 'ns', via: 'XFR' } },
    sb2: { client: '10.0.0.3:50001', server: '207.46.108.37:1863', role: 'SB', user: BOB, announcedBy: { conn: 'bobns', via: 'RNG' } },
  },
  steps: [
    c('ns', 'VER 1 MSNP9 MSNP8 CVR0'),
    s('ns', 'VER 1 MSNP9 CVR0'),
    c('ns', `CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0205 MSMSGS ${ALICE}`),
    s('ns', 'CVR 2 6.2.0205 6.2.0205 6.0.0602 http://download.microsoft.com/download/msnmessenger/SetupDl.exe http://messenger.msn.com'),
    ...twnLogin('ns', ALICE, `${ALICE_FN} 1 0`, 3, 9, { params: { handle: ALICE, friendly: ALICE_NAME, verified: true } }),
    s('ns', 'MSG Hotmail Hotmail', { body: profileBody(ALICE, 'Zq9*Tk!4vW'), send: { mss: 120 }, expect: PROFILE_EXPECT(ALICE) }),
    c('ns', 'SYN 5 0'),
    s('ns', 'SYN 5 43 1 1'),
    synList('ns', ['GTC A', 'BLP AL', 'LSG 0 Other%20Contacts 0', `LST ${BOB} ${BOB_FN} 11 0`], { 3: { params: { friendly: BOB_NAME, lists: { value: 11 } } } }),
    c('ns', `CHG 6 NLN 805306404 ${ALICE_MSNOBJ}`, {
      expect: { params: { caps: { value: 805306404, generation: { code: 3 } }, msnobj: { creator: ALICE, size: 32, type: { code: 3 }, sha1d: 'BuWMNBSbmXUvLgBMCDXUvfMO4L4=' } } },
    }),
    s('ns', `CHG 6 NLN 805306404 ${ALICE_MSNOBJ}`),
    s('ns', `ILN 6 NLN ${BOB} ${BOB_FN} 805306412 ${BOB_MSNOBJ}`, { expect: { params: { friendly: BOB_NAME, caps: { value: 805306412 }, msnobj: { creator: BOB, size: 24539 } } } }),
    ...challenge('ns', 7, 'PROD0038W!61ZTF9', '15570131571988941333', 9),
    c('bobns', 'VER 1 MSNP9 CVR0'),
    s('bobns', 'VER 1 MSNP9 CVR0'),
    c('bobns', `CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0205 MSMSGS ${BOB}`),
    s('bobns', 'CVR 2 6.2.0205 6.2.0205 6.0.0602 http://download.microsoft.com/download/msnmessenger/SetupDl.exe http://messenger.msn.com'),
    ...twnLogin('bobns', BOB, 'Bob 1 0', 3, 10),
    c('bobns', 'CHG 5 NLN 805306412'),
    s('bobns', 'CHG 5 NLN 805306412'),
    c('ns', 'PNG'),
    s('ns', 'QNG 45', { expect: { params: { seconds: 45 } } }),
    c('ns', 'XFR 8 SB'),
    s('ns', `XFR 8 SB ${SB9} CKI ${COOKIE_XFR}`),
    vc('sb1', SB_CHAT, 'USR 1', { send: HIDDEN_OPENING }),
    vs('sb1', SB_CHAT, 'USR 1 OK', { expect: { params: { handle: ALICE, friendly: 'Alice A.' } } }),
    vc('sb1', SB_CHAT, 'CAL 2'),
    vs('sb1', SB_CHAT, 'CAL 2 RINGING'),
    vs('bobns', SB_CHAT, 'RNG', { expect: { params: { handle: ALICE, friendly: 'Alice A.' } } }),
    vc('sb2', SB_CHAT, 'ANS 1', { send: HIDDEN_OPENING }),
    vs('sb2', SB_CHAT, 'IRO 1', { expect: { params: { index: 1, total: 1, handle: ALICE, friendly: 'Alice A.' } } }),
    vs('sb2', SB_CHAT, 'ANS 1 OK'),
    vs('sb1', SB_CHAT, 'JOI', { expect: { params: { handle: BOB, friendly: 'Bob' } } }),
    vc('sb1', SB_CHAT, 'MSG 3 U', { expect: { message: { kind: 'typing', typingUser: ALICE } } }),
    vs('sb2', SB_CHAT, 'MSG alice@hotmail.com Alice%20A. 90', { expect: { message: { kind: 'typing', typingUser: ALICE } } }),
    vc('sb1', SB_CHAT, 'MSG 4 A', { send: { mss: 7 }, expect: { message: { kind: 'text', text: 'Hello, Bob! é' } } }),
    vs('sb1', SB_CHAT, 'ACK 4'),
    vs('sb2', SB_CHAT, 'MSG alice@hotmail.com Alice%20A. 128', { send: { mss: 7 }, expect: { message: { kind: 'text', text: 'Hello, Bob! é' } } }),
    vc('sb2', SB_CHAT, 'MSG 2 U', { expect: { message: { kind: 'client-caps', clientName: 'Gaim/0.79', chatLogging: 'Y' } } }),
    // Values from §13.4 and testvectors.json p2p_file_transfer_expectations.
    ...p2pChunk('sb1', 'MSG 5 D 1342', { message: { kind: 'p2p', p2pDest: BOB, packet: { header: { sessionId: 0, identifier: INVITE_ID, offset: 0, totalSize: 1276, messageLength: 1202 } } } }),
    ...p2pChunk('sb1', 'MSG 6 D 214', {
      message: { kind: 'p2p', packet: { header: { identifier: INVITE_ID, offset: 1202, totalSize: 1276, messageLength: 74, ackIdentifier: 0x0ac56e77 } } },
      slp: { method: 'INVITE', callId: CALL_ID, eufGuid: '{5D3E02AB-6190-11D3-BBBB-00C04F795683}', sessionId: 180646677, appId: 2, context: { fileName: 'hello.txt', fileSize: 11 } },
    }),
    ...p2pChunk('sb2', 'MSG 3 D 142', { message: { kind: 'p2p', p2pDest: ALICE, packet: { header: { flags: 2, ackIdentifier: INVITE_ID, ackUniqueId: 0x0ac56e77, ackDataSize: 1276 } } } }),
    ...p2pChunk('sb2', 'MSG 4 D 470', { message: { kind: 'p2p' }, slp: { status: 200, callId: CALL_ID, sessionId: 180646677 } }),
    ...p2pChunk('sb1', 'MSG 7 D 140', { message: { kind: 'p2p', packet: { header: { flags: 2, ackDataSize: 328 } } } }),
    ...p2pChunk('sb1', 'MSG 8 D 151', { message: { kind: 'p2p', packet: { header: { sessionId: 180646677, flags: 0x01000030, totalSize: 11, messageLength: 11 }, footer: { appId: 2 } } } }),
    ...p2pChunk('sb2', 'MSG 5 D 142', { message: { kind: 'p2p', packet: { header: { sessionId: 180646677, flags: 2, ackDataSize: 11 } } } }),
    ...p2pChunk('sb2', 'MSG 6 D 472', { message: { kind: 'p2p' }, slp: { method: 'BYE', callId: CALL_ID } }),
    vc('sb2', SB_CHAT, 'OUT'),
    close('sb2', 's2c'),
    vs('sb1', SB_CHAT, 'BYE'),
    c('sb1', 'OUT'),
    close('sb1', 's2c'),
    c('ns', `PGD 9 ${BOB} 1`, { body: PAGE }),
    s('ns', '800 9', { expect: { error: { code: 800 } } }),
    s('ns', `NLN AWY ${BOB} ${BOB_FN} 805306412 ${BOB_MSNOBJ}`),
    s('ns', `FLN ${BOB}`),
    c('bobns', 'OUT'),
    c('ns', 'OUT'),
  ],
};

// --- MSNP11: TWN, SYN with GUIDs, UUX/UBX, GCF Shields, MSNP11 challenge -------------------------------------

const GROUP_GUID = '3f2a9e6c-3c5b-4a6b-9e0c-2b7c7f6a1d11';
const BOB_GUID = '5a1e2f3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b';
const UBX_DATA = '<Data><PSM>Grüße aus Köln &amp; Bonn</PSM><CurrentMedia>\\0Music\\01\\0{0} - {1}\\0Song Title\\0Artist\\0Album\\0\\0</CurrentMedia></Data>';
const UUX_DATA = '<Data><PSM>Bonjour à tous</PSM><CurrentMedia></CurrentMedia></Data>';

/** MSNP10–12 list sync (reference §3.3). `netid` adds the MSNP12 network field to LST. */
function guidSync(trId: number, netid: boolean): Step[] {
  return [
    c('ns', `SYN ${trId} 0 0`),
    s('ns', `SYN ${trId} 2006-06-01T11:58:07.1230000-07:00 2006-06-01T11:58:09.4560000-07:00 1 1`, { expect: { params: { contactCount: 1, groupCount: 1 } } }),
    synList(
      'ns',
      [
        'GTC A',
        'BLP AL',
        `PRP MFN ${ALICE_FN}`,
        `LSG Fr%C3%A8res ${GROUP_GUID}`,
        `LST N=${BOB} F=${BOB_FN} C=${BOB_GUID} 11${netid ? ' 1' : ''} ${GROUP_GUID}`,
        'BPR MOB Y',
      ],
      {
        2: { params: { property: { code: 'MFN', name: 'display name' }, value: ALICE_NAME } },
        3: { params: { groupName: 'Frères' } },
        4: { params: { handle: BOB, friendly: BOB_NAME, lists: { value: 11, names: ['FL', 'AL', 'RL'] }, ...(netid ? { network: { code: 1 } } : {}) } },
      },
    ),
  ];
}

function msnp11or12(dialect: 11 | 12): Exchange {
  const caps = dialect === 11 ? 1073774628 : 1342210084; // 0x40008024 MSNC4 (7.0) / 0x50008024 MSNC5 (7.5)
  const product = dialect === 11 ? 'PROD0090YUAUV{2B' : 'PROD0101{0RM?UBW';
  const client = dialect === 11 ? '7.0.0816' : '7.5.0324';
  const sb = dialect === 11 ? plainSwitchboard(ALICE, BOB) : capsSwitchboard(ALICE, BOB, caps, ['SupportsWinks', 'SupportsChunking']);
  return {
    dialect,
    source: `MSNP.md §3 forms for MSNP${dialect}: TWN, SYN/LST with GUIDs${dialect === 12 ? ' and network id' : ''}, UUX/UBX, GCF, CHL/QRY (§11.3), ${
      dialect === 11 ? 'ADC error 208' : 'GTC error 218, JOI/IRO with capabilities'
    }; SB §3.6`,
    ports: [1863],
    connections: aliceConnections(ALICE),
    steps: [
      c('ns', `VER 1 MSNP${dialect} MSNP${dialect - 1} CVR0`),
      s('ns', `VER 1 MSNP${dialect}`),
      c('ns', `CVR 2 0x0409 winnt 5.1 i386 MSNMSGR ${client} msmsgs ${ALICE}`),
      s('ns', `CVR 2 ${client} ${client} 6.2.0205 http://msgr.dlservice.microsoft.com/download/setup.exe http://messenger.msn.com`),
      ...twnLogin('ns', ALICE, '1 0', 3, dialect, { params: { handle: ALICE, verified: true } }),
      s('ns', 'SBS 0 null'),
      s('ns', 'MSG Hotmail Hotmail', { body: profileBody(ALICE, `Yx${dialect}*Tk!4vW`, ['ABCHMigrated: 1']), send: { mss: 200 }, expect: PROFILE_EXPECT(ALICE) }),
      ...guidSync(5, dialect === 12),
      c('ns', `CHG 6 NLN ${caps} 0`),
      s('ns', `CHG 6 NLN ${caps} 0`, { expect: { params: { status: { code: 'NLN' }, caps: { value: caps, flags: expect.arrayContaining(['SupportsWinks']) } } } }),
      s('ns', `ILN 6 BSY ${BOB} ${BOB_FN} ${caps} ${BOB_MSNOBJ}`, { expect: { params: { status: { code: 'BSY', name: 'busy' }, friendly: BOB_NAME } } }),
      s('ns', `UBX ${BOB}`, {
        body: UBX_DATA,
        send: { mss: 30 },
        expect: {
          params: { handle: BOB },
          // CurrentMedia `\0Music\01\0{0} - {1}\0Song Title\0Artist\0Album\0\0` (reference §3.2).
          xml: { kind: 'status', psm: 'Grüße aus Köln & Bonn', currentMedia: { type: 'Music', enabled: true, format: '{0} - {1}', args: ['Song Title', 'Artist', 'Album'] } },
        },
      }),
      c('ns', 'UUX 7', { body: UUX_DATA, expect: { xml: { kind: 'status', psm: 'Bonjour à tous' } } }),
      s('ns', 'UUX 7', { body: '' }),
      c('ns', 'GCF 8 Shields.xml'),
      s('ns', 'GCF 8 Shields.xml', { body: SHIELDS, expect: { params: { file: 'Shields.xml' }, xml: { kind: 'config', root: 'config' } } }),
      ...challenge('ns', 9, product, '22210219642164014968', dialect),
      ...(dialect === 11
        ? [c('ns', 'ADC 10 FL N=nobody@hotmail.com F=nobody'), s('ns', '208 10', { expect: { error: { code: 208 } } })]
        : [c('ns', 'GTC 10 A'), s('ns', '218 10', { expect: { error: { code: 218 } } })]),
      c('ns', 'PNG'),
      s('ns', 'QNG 50'),
      s('ns', `NLN AWY ${BOB} ${BOB_FN} ${caps} ${BOB_MSNOBJ}`),
      c('ns', 'XFR 11 SB'),
      s('ns', `XFR 11 SB ${SB} CKI ${COOKIE_XFR}`),
      ...callerSwitchboard(sb),
      s('ns', `RNG ${SESSION_RNG} ${SB} CKI ${COOKIE_RNG} ${BOB} ${BOB_FN}`),
      ...inviteeSwitchboard(sb),
      s('ns', `FLN ${BOB}`),
      c('ns', 'OUT'),
    ],
  };
}

// --- MSNP13: address book era: GCF 0, ADL/RML, error with payload, still TWN -----------------------------------

const LIVE_ALICE = 'alice@live.com';
const ADL_INITIAL = `<ml l="1"><d n="hotmail.com"><c n="bob" l="3" t="1" /></d></ml>`;
/** RL (8) may not be set by the client: the server answers 241 with the offending XML (reference §3.4). */
const ADL_FORBIDDEN = `<ml><d n="hotmail.com"><c n="carol" l="8" t="1" /></d></ml>`;
const UUX_13 = '<Data><PSM>Überall — überall</PSM><CurrentMedia></CurrentMedia><MachineGuid>{F26D1F07-95E2-403C-BC18-D4BFED493428}</MachineGuid></Data>';
const UBX_13 = '<Data><PSM>Grüße ✓</PSM><CurrentMedia></CurrentMedia><MachineGuid>{0061D708-CD9B-4D56-B64B-FFFAA92FF344}</MachineGuid></Data>';

const msnp13: Exchange = {
  dialect: 13,
  source: 'MSNP.md §3 forms for MSNP13: TWN with GCF 0 policies, ADL/RML, error 241 with XML payload, UUX/UBX, XFR/RNG with U host; SB §3.6 with capabilities',
  ports: [1863],
  connections: aliceConnections(LIVE_ALICE),
  steps: [
    c('ns', 'VER 1 MSNP13 CVR0'),
    s('ns', 'VER 1 MSNP13'),
    c('ns', `CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.0.0812 msmsgs ${LIVE_ALICE}`),
    s('ns', 'CVR 2 8.0.0812 8.0.0812 7.5.0324 http://msgr.dlservice.microsoft.com/download/Install_WLMessenger.exe http://ideas.live.com'),
    c('ns', `USR 3 TWN I ${LIVE_ALICE}`),
    s('ns', 'GCF 0', { body: POLICIES, send: { mss: 64 }, expect: { trId: 0, xml: { kind: 'config', policies: [{ type: 'SHIELDS' }, { type: 'ABCH' }] } } }),
    s('ns', `USR 3 TWN S ${PASSPORT_CHALLENGE}`),
    c('ns', `USR 4 TWN S ${ticket(13)}`),
    s('ns', `USR 4 OK ${LIVE_ALICE} 1 0`),
    s('ns', 'SBS 0 null'),
    s('ns', 'MSG Hotmail Hotmail', { body: profileBody(LIVE_ALICE, 'Wq13*Tk!4vW', ['ABCHMigrated: 1']), expect: PROFILE_EXPECT(LIVE_ALICE) }),
    c('ns', 'BLP 5 BL'),
    s('ns', 'BLP 5 BL', { expect: { params: { setting: { code: 'BL' } } } }),
    c('ns', 'ADL 6', { body: ADL_INITIAL, expect: { xml: { kind: 'membership', initial: true, contacts: [{ handle: BOB, listBits: 3, lists: ['FL', 'AL'], networkId: 1 }] } } }),
    s('ns', 'ADL 6 OK', { expect: { params: { result: 'OK' } } }),
    c('ns', 'ADL 7', { body: ADL_FORBIDDEN, expect: { xml: { contacts: [{ handle: 'carol@hotmail.com', lists: ['RL'] }] } } }),
    s('ns', '241 7', { body: ADL_FORBIDDEN, expect: { error: { code: 241 } } }),
    c('ns', `PRP 8 MFN ${ALICE_FN}`),
    s('ns', `PRP 8 MFN ${ALICE_FN}`, { expect: { params: { value: ALICE_NAME } } }),
    c('ns', 'CHG 9 NLN 1610645540 0'),
    s('ns', 'CHG 9 NLN 1610645540 0', { expect: { params: { caps: { value: 1610645540, generation: { code: 6 } } } } }),
    s('ns', `ILN 9 NLN ${BOB} ${BOB_FN} 1610645540 0`, { expect: { params: { handle: BOB, friendly: BOB_NAME } } }),
    s('ns', `UBX ${BOB}`, { body: UBX_13, send: { mss: 25 }, expect: { xml: { kind: 'status', psm: 'Grüße ✓', machineGuid: '{0061D708-CD9B-4D56-B64B-FFFAA92FF344}' } } }),
    c('ns', 'UUX 10', { body: UUX_13, send: { mss: 25 }, expect: { xml: { kind: 'status', psm: 'Überall — überall' } } }),
    s('ns', 'UUX 10', { body: '' }),
    s('ns', 'ADL 0', {
      body: '<ml><d n="hotmail.com"><c n="dave" l="8" t="1" f="Dave%20%C3%98" /></d></ml>',
      expect: { trId: 0, xml: { kind: 'membership', contacts: [{ handle: 'dave@hotmail.com', lists: ['RL'], friendly: 'Dave Ø' }] } },
    }),
    c('ns', 'RML 11', { body: '<ml><d n="hotmail.com"><c n="carol" l="1" t="1" /></d></ml>', expect: { xml: { kind: 'membership', contacts: [{ handle: 'carol@hotmail.com', lists: ['FL'] }] } } }),
    s('ns', 'RML 11 OK'),
    ...challenge('ns', 12, 'PROD01065C%ZFN6F', '13038318816579321232', 13),
    c('ns', 'PNG'),
    s('ns', 'QNG 50'),
    s('ns', `NLN BSY ${BOB} ${BOB_FN} 1610645540 0`, { expect: { params: { status: { code: 'BSY' } } } }),
    c('ns', 'XFR 13 SB'),
    s('ns', `XFR 13 SB ${SB} CKI ${COOKIE_XFR} U messenger.msn.com`, { expect: { params: { serviceHost: 'messenger.msn.com' } } }),
    ...callerSwitchboard(capsSwitchboard(LIVE_ALICE, BOB, 1610645540, ['SupportsWinks'])),
    s('ns', `RNG ${SESSION_RNG} ${SB} CKI ${COOKIE_RNG} ${BOB} ${BOB_FN} U messenger.hotmail.com`),
    ...inviteeSwitchboard(capsSwitchboard(LIVE_ALICE, BOB, 1610645540, ['SupportsWinks'])),
    s('ns', `FLN ${BOB}`),
    c('ns', 'OUT'),
  ],
};

// --- MSNP15: §13.2 test vectors (DS referral, SSO, GCF, ADL, UUX/UBX, CHL/QRY, FQY), plus error and SBs ------

const V15 = 'msnp15-login';
const SB15 = '65.54.239.141:1864';

const msnp15: Exchange = {
  dialect: 15,
  source: 'testvectors.json msnp15-login (MSNP.md §13.2, exact bytes); added: ADL error 241 with payload, XFR SB/RNG (MSNP14+ forms) to port 1864, switchboards per §3.6',
  ports: [1863],
  connections: {
    ds: { client: '10.0.0.2:49999', server: '65.54.239.20:1863', role: 'DS', user: LIVE_ALICE },
    ...aliceConnections(LIVE_ALICE, '65.54.239.140:1863', SB15),
  },
  steps: [
    vc('ds', V15, 'VER 1'),
    vs('ds', V15, 'VER 1'),
    vc('ds', V15, 'CVR 2'),
    vs('ds', V15, 'CVR 2'),
    vc('ds', V15, 'USR 3'),
    vs('ds', V15, 'XFR 3 NS'),
    close('ds', 's2c'),
    vc('ns', V15, 'VER 4', { expect: { params: { versions: [15, 14, 13], cvr0: true } } }),
    vs('ns', V15, 'VER 4'),
    vc('ns', V15, 'CVR 5'),
    vs('ns', V15, 'CVR 5'),
    vc('ns', V15, 'USR 6'),
    vs('ns', V15, 'GCF 0', { send: { mss: 60 }, expect: { trId: 0, payloadLength: 159, xml: { kind: 'config', policies: [{ type: 'SHIELDS' }] } } }),
    vs('ns', V15, 'USR 6 SSO S', { expect: { params: { package: 'SSO', policy: 'MBI_KEY_OLD' } } }),
    vc('ns', V15, 'USR 7 SSO S'),
    vs('ns', V15, 'USR 7 OK', { expect: { params: { handle: LIVE_ALICE, verified: true } } }),
    vs('ns', V15, 'SBS 0'),
    vs('ns', V15, 'MSG Hotmail Hotmail 446', { expect: { message: { kind: 'profile', preferredEmail: null } } }),
    vs('ns', V15, 'MSG Hotmail Hotmail 291', { expect: { message: { kind: 'mail-data', notification: 'initial', inboxUrl: '/cgi-bin/HoTMaiL' } } }),
    vc('ns', V15, 'BLP 8'),
    vs('ns', V15, 'BLP 8'),
    vc('ns', V15, 'ADL 9', { expect: { xml: { initial: true, contacts: [{ handle: BOB, networkId: 1 }, { handle: 'dave@yahoo.com', lists: ['FL'], networkId: 32 }] } } }),
    vs('ns', V15, 'ADL 9 OK'),
    vc('ns', V15, 'PRP 10'),
    vs('ns', V15, 'PRP 10'),
    vc('ns', V15, 'CHG 11', { expect: { params: { caps: { value: 2147778604, generation: { code: 8 } } } } }),
    vs('ns', V15, 'CHG 11'),
    vs('ns', V15, 'ILN 11', { expect: { params: { handle: BOB, network: { code: 1 }, friendly: 'Bob', caps: { value: 1342210084 } } } }),
    vs('ns', V15, 'UBX', { send: { mss: 50 }, expect: { params: { handle: BOB, network: { code: 1 } }, xml: { kind: 'status', psm: 'at work' } } }),
    vc('ns', V15, 'UUX 12', { expect: { xml: { kind: 'status', psm: 'hello', machineGuid: '{F26D1F07-95E2-403C-BC18-D4BFED493428}' } } }),
    vs('ns', V15, 'UUX 12 0', { expect: { payloadLength: 0 } }),
    vs('ns', V15, 'CHL 0'),
    vc('ns', V15, 'QRY 13', { expect: { auth: validChallenge('msnp11'), params: { productId: 'PROD0114ES4Z%Q5W' } } }),
    vs('ns', V15, 'QRY 13'),
    vc('ns', V15, 'FQY 14'),
    vs('ns', V15, 'FQY 14', { expect: { xml: { contacts: [{ handle: 'dave@yahoo.com', networkId: 32 }] } } }),
    c('ns', 'ADL 15', { body: ADL_FORBIDDEN }),
    s('ns', '241 15', { body: ADL_FORBIDDEN, send: { split: [9] }, expect: { error: { code: 241 } } }),
    c('ns', 'XFR 16 SB'),
    s('ns', `XFR 16 SB ${SB15} CKI ${COOKIE_XFR} U messenger.msn.com 1`, { expect: { params: { serviceHost: 'messenger.msn.com', direct: true } } }),
    ...callerSwitchboard(capsSwitchboard(LIVE_ALICE, BOB, 1342210084, ['SupportsWinks', 'SupportsChunking'])),
    s('ns', `RNG ${SESSION_RNG} ${SB15} CKI ${COOKIE_RNG} ${BOB} ${BOB_FN} U messenger.hotmail.com 1`),
    ...inviteeSwitchboard(capsSwitchboard(LIVE_ALICE, BOB, 1342210084, ['SupportsWinks', 'SupportsChunking'])),
    vc('ns', V15, 'PNG'),
    vs('ns', V15, 'QNG 50'),
    vs('ns', V15, 'NLN BSY', { expect: { params: { status: { code: 'BSY' }, handle: BOB, network: { code: 1 } } } }),
    vs('ns', V15, 'FLN', { expect: { params: { handle: BOB, network: { code: 1 } } } }),
    vs('ns', V15, 'OUT OTH'),
  ],
};

// --- MSNP18: SSO with machine GUID, netid:handle presence, caps:capsEx, MPOP switchboard endpoints ------------

const LIVE_BOB = 'bob@live.com';
const ALICE_GUID = '{F26D1F07-95E2-403C-BC18-D4BFED493428}';
const BOB_EP = `${LIVE_BOB};{0061D708-CD9B-4D56-B64B-FFFAA92FF344}`;
/** 0xA0008024: MSNC10 (WLM 2009), GIF ink, chunking, winks; capsEx 0x30: RTC video, P2Pv2. */
const CAPS_18 = '2684387364:48';

const msnp18Switchboard: SwitchboardForms = {
  alice: `${LIVE_ALICE};${ALICE_GUID}`,
  bob: LIVE_BOB,
  bobFrom: BOB_EP,
  joi: [`${BOB_EP} ${BOB_FN} ${CAPS_18}`, `${LIVE_BOB} ${BOB_FN} ${CAPS_18}`],
  iro: [`1 2 ${BOB_EP} ${BOB_FN} ${CAPS_18}`, `2 2 ${LIVE_BOB} ${BOB_FN} ${CAPS_18}`],
  bye: [BOB_EP, LIVE_BOB],
  cookieXfr: COOKIE_XFR,
  cookieRng: COOKIE_RNG,
  joiParams: { friendly: BOB_NAME, caps: { value: 2684387364, flags: expect.arrayContaining(['SupportsWinks']) } },
  iroParams: { index: 1, total: 2, friendly: BOB_NAME },
};

const msnp18: Exchange = {
  dialect: 18,
  source: 'MSNP.md §3 forms for MSNP18: SSO (+ machine GUID), GCF 0, ADL + 241 with payload, UUX endpoint data, NLN/FLN/UBX with netid:handle, caps:capsEx; SB §3.6 MSNP16+ endpoints',
  ports: [1863],
  connections: aliceConnections(LIVE_ALICE),
  steps: [
    c('ns', 'VER 1 MSNP18 MSNP17 MSNP16 CVR0'),
    s('ns', 'VER 1 MSNP18'),
    c('ns', `CVR 2 0x0409 winnt 6.1.0 i386 MSNMSGR 14.0.8117.0416 msmsgs ${LIVE_ALICE}`),
    s('ns', 'CVR 2 14.0.8117.0416 14.0.8117.0416 14.0.8089.0726 http://msgr.dlservice.microsoft.com/download/wlsetup-web.exe http://ideas.live.com'),
    c('ns', `USR 3 SSO I ${LIVE_ALICE}`),
    s('ns', 'GCF 0', { body: POLICIES }),
    s('ns', `USR 3 SSO S MBI_KEY_OLD ${SSO_NONCE}`),
    c('ns', `USR 4 SSO S ${ticket(18)} ${MBI_BLOB} ${ALICE_GUID}`, { expect: { params: { package: 'SSO', machineGuid: ALICE_GUID } } }),
    s('ns', `USR 4 OK ${LIVE_ALICE} 1 0`),
    s('ns', 'SBS 0 null'),
    s('ns', 'MSG Hotmail Hotmail', { body: profileBody(LIVE_ALICE, 'Vq18*Tk!4vW', ['ABCHMigrated: 1', 'MPOPEnabled: 1']), expect: PROFILE_EXPECT(LIVE_ALICE) }),
    c('ns', 'BLP 5 BL'),
    s('ns', 'BLP 5 BL'),
    c('ns', 'ADL 6', { body: '<ml l="1"><d n="live.com"><c n="bob" l="3" t="1" /></d></ml>' }),
    s('ns', 'ADL 6 OK'),
    c('ns', 'ADL 7', { body: '<ml><d n="live.com"><c n="bob" l="16" t="1" /></d></ml>' }),
    s('ns', '241 7', { body: '<ml><d n="live.com"><c n="bob" l="16" t="1" /></d></ml>', expect: { error: { code: 241 } } }),
    c('ns', `PRP 8 MFN ${ALICE_FN}`),
    s('ns', `PRP 8 MFN ${ALICE_FN}`),
    c('ns', 'UUX 9', { body: `<EndpointData><Capabilities>${CAPS_18}</Capabilities></EndpointData>`, expect: { xml: { kind: 'status', endpoints: [{ caps: 2684387364, capsEx: 48 }] } } }),
    s('ns', 'UUX 9', { body: '' }),
    c('ns', 'UUX 10', {
      body: '<PrivateEndpointData><EpName>Portable d’Alice</EpName><Idle>false</Idle><ClientType>1</ClientType><State>NLN</State></PrivateEndpointData>',
      expect: { xml: { kind: 'status', privateEndpoints: [{ epName: 'Portable d’Alice', idle: false, clientType: 1, state: 'NLN' }] } },
    }),
    s('ns', 'UUX 10', { body: '' }),
    c('ns', `CHG 11 NLN ${CAPS_18} 0`, { expect: { params: { status: { code: 'NLN' } } } }),
    s('ns', `CHG 11 NLN ${CAPS_18} 0`),
    s('ns', `NLN NLN 1:${LIVE_BOB} ${BOB_FN} ${CAPS_18} 0`, { expect: {
        params: {
          status: { code: 'NLN' },
          handle: LIVE_BOB,
          network: { code: 1 },
          friendly: BOB_NAME,
          caps: { value: 2684387364, flags: ['SupportsGifInk', 'SupportsChunking', 'SupportsWinks'], generation: { code: 10 } },
          capsEx: { value: 48, flags: ['RTCVideoEnabled', 'SupportsP2PV2'] },
        },
      },
    }),
    s('ns', `UBX 1:${LIVE_BOB}`, {
      body: UBX_13.replace('</Data>', '<DDP></DDP><SignatureSound></SignatureSound><Scene></Scene><ColorScheme>-3</ColorScheme></Data>'),
      send: { mss: 40 },
      expect: { params: { handle: LIVE_BOB, network: { code: 1 } }, xml: { kind: 'status', psm: 'Grüße ✓', colorScheme: '-3' } },
    }),
    ...challenge('ns', 12, 'PROD0119GSJUC$18', '13038318816579321232', 18),
    c('ns', 'PNG'),
    s('ns', 'QNG 50'),
    c('ns', 'XFR 13 SB'),
    s('ns', `XFR 13 SB ${SB} CKI ${COOKIE_XFR} U messenger.msn.com 1`),
    ...callerSwitchboard(msnp18Switchboard),
    s('ns', `RNG ${SESSION_RNG} ${SB} CKI ${COOKIE_RNG} ${LIVE_BOB} ${BOB_FN} U messenger.hotmail.com 1`),
    ...inviteeSwitchboard(msnp18Switchboard),
    s('ns', `NLN AWY 1:${LIVE_BOB} ${BOB_FN} ${CAPS_18} 0`, { expect: { params: { status: { code: 'AWY' } } } }),
    s('ns', `FLN 1:${LIVE_BOB} 0:0`, { expect: { params: { handle: LIVE_BOB, network: { code: 1 } } } }),
    c('ns', 'OUT'),
  ],
};

// --- MSNP21: no switchboards; SDG/NFY/PUT multi-part payloads (§7), §13.7 vectors for SDG and NFY --------------

const V21 = 'msnp21-sdg';
const ALICE_EPID = '{03c49942-1aea-4cda-8d9a-2c0a403b6782}';
const BOB_EPID = '{0061d708-cd9b-4d56-b64b-fffaa92ff344}';
/** CVR's extra hop parameter (reference §3.1): base64 of the referral count headers. */
const HOP = Buffer.from('Version: 1\r\nXfrCount: 1\r\n').toString('base64');

function sdg(from: string, fromEpid: string, to: string, messageType: string, body: string): string {
  const text = ['Content-Type: text/plain; charset=UTF-8', 'X-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0'];
  const contentHeaders = [`Message-Type: ${messageType}`, ...(body === '' ? [] : text)];
  return multipart([['Routing: 1.0', `To: 1:${to}`, `From: 1:${from};epid=${fromEpid}`], ['Reliability: 1.0']], ['Messaging: 2.0', ...contentHeaders], body);
}

/** SDG bodies decode in `xml` (multi-part document), the chat message inside it. */
const SDG_HELLO = {
  xml: { kind: 'multipart', messageType: 'Text', routing: { to: { handle: LIVE_BOB }, from: { handle: LIVE_ALICE, epid: ALICE_EPID } }, message: { kind: 'text', text: 'hello' } },
};
const SDG_TYPING = { xml: { kind: 'multipart', messageType: 'Control/Typing', message: { kind: 'typing', typingUser: LIVE_BOB } } };
const SDG_TEXT = { xml: { kind: 'multipart', messageType: 'Text', routing: { to: { handle: LIVE_ALICE }, from: { epid: BOB_EPID } }, message: { kind: 'text', text: TEXT_BOB } } };

const PRESENCE = multipart(
  [['Routing: 1.0', `To: 1:${LIVE_ALICE}`, `From: 1:${LIVE_ALICE};epid=${ALICE_EPID}`], ['Reliability: 1.0']],
  ['Publication: 1.0', 'Uri: /user', 'Content-Type: application/user+xml'],
  `<user><s n="IM"><Status>NLN</Status><CurrentMedia></CurrentMedia></s><s n="PE"><FriendlyName>${ALICE_NAME}</FriendlyName><PSM>Grüße</PSM></s><sep n="IM" epid="${ALICE_EPID}"><Capabilities>2955186480:2609258384</Capabilities></sep></user>`,
);

function ssoLogin21(conn: string, handle: string, epid: string, n: number): Step[] {
  return [
    c(conn, 'VER 1 MSNP21 CVR0'),
    s(conn, 'VER 1 MSNP21'),
    c(conn, `CVR 2 0x0409 winnt 6.1.0 i386 MSNMSGR 15.4.3508.1109 MSNMSGR ${handle} ${HOP}`, { expect: { params: { handle } } }),
    s(conn, 'CVR 2 15.4.3508.1109 15.4.3508.1109 15.4.3502.0922 http://msgr.dlservice.microsoft.com/download/wlsetup-web.exe http://ideas.live.com'),
    c(conn, `USR 3 SSO I ${handle}`),
    s(conn, 'GCF 0', { body: POLICIES }),
    s(conn, `USR 3 SSO S MBI_KEY_OLD ${SSO_NONCE}`),
    c(conn, `USR 4 SSO S ${ticket(n)} ${MBI_BLOB} ${epid}`),
    s(conn, `USR 4 OK ${handle} 1 0`),
  ];
}

const msnp21: Exchange = {
  dialect: 21,
  source: 'MSNP.md §3/§7 forms for MSNP21 (SSO, ADL with services, PUT presence, SDG chat) and testvectors.json msnp21-sdg (§13.7, exact bytes: SDG 58, SDG 0, NFY PUT)',
  ports: [1863],
  connections: {
    ns: { client: '10.0.0.2:50000', server: NS, role: 'NS', user: LIVE_ALICE },
    bobns: { client: '10.0.0.3:50000', server: NS, role: 'NS', user: LIVE_BOB },
  },
  steps: [
    ...ssoLogin21('ns', LIVE_ALICE, ALICE_EPID, 21),
    s('ns', 'MSG Hotmail Hotmail', { body: profileBody(LIVE_ALICE, 'Uq21*Tk!4vW', ['ABCHMigrated: 1', 'MPOPEnabled: 1']), expect: PROFILE_EXPECT(LIVE_ALICE) }),
    ...ssoLogin21('bobns', LIVE_BOB, BOB_EPID, 22),
    c('ns', 'BLP 5 BL'),
    s('ns', 'BLP 5 BL'),
    c('ns', 'ADL 6', {
      body: '<ml l="1"><d n="live.com"><c n="bob"><s n="IM" l="3" /><s n="PE" l="3" /></c></d></ml>',
      expect: { xml: { kind: 'membership', initial: true, contacts: [{ handle: LIVE_BOB, services: [{ name: 'IM', listBits: 3 }, { name: 'PE', listBits: 3 }] }] } },
    }),
    s('ns', 'ADL 6 OK'),
    c('ns', 'ADL 7', { body: '<ml><d n="live.com"><c n="bob"><s n="IM" l="8" /></c></d></ml>' }),
    s('ns', '241 7', { body: '<ml><d n="live.com"><c n="bob"><s n="IM" l="8" /></c></d></ml>', expect: { error: { code: 241 } } }),
    c('ns', 'PUT 8', { body: PRESENCE, send: { mss: 100 }, expect: { xml: { kind: 'multipart', uri: '/user', document: { status: 'NLN', friendlyName: ALICE_NAME, psm: 'Grüße' } } } }),
    s('ns', 'PUT 8 OK'),
    vs('ns', V21, 'NFY PUT', {
      send: { mss: 80 },
      expect: { trId: null, params: { operation: 'PUT' }, xml: { kind: 'multipart', notifType: 'Partial', uri: '/user', routing: { from: { handle: LIVE_BOB } }, document: { status: 'NLN' } } },
    }),
    ...challenge('ns', 9, 'PROD0120PW!CCV9@', '1663122458434562624782678054', 21),
    c('ns', 'PNG'),
    s('ns', 'QNG 50', { expect: { params: { seconds: 50 } } }),
    vc('ns', V21, 'SDG 58', { send: { mss: 100 }, expect: SDG_HELLO }),
    vs('bobns', V21, 'SDG 0', { expect: SDG_HELLO }),
    c('bobns', 'SDG 5', { body: sdg(LIVE_BOB, BOB_EPID, LIVE_ALICE, 'Control/Typing', ''), expect: SDG_TYPING }),
    s('ns', 'SDG 0', { body: sdg(LIVE_BOB, BOB_EPID, LIVE_ALICE, 'Control/Typing', ''), expect: SDG_TYPING }),
    c('bobns', 'SDG 6', { body: sdg(LIVE_BOB, BOB_EPID, LIVE_ALICE, 'Text', TEXT_BOB), send: { mss: 7 }, expect: SDG_TEXT }),
    s('ns', 'SDG 0', { body: sdg(LIVE_BOB, BOB_EPID, LIVE_ALICE, 'Text', TEXT_BOB), send: { mss: 7 }, expect: SDG_TEXT }),
    c('bobns', 'OUT'),
    c('ns', 'OUT'),
  ],
};

export const EXCHANGES: readonly Exchange[] = [msnp2, msnp5, msnp7, msnp8, msnp9, msnp11or12(11), msnp11or12(12), msnp13, msnp15, msnp18, msnp21];
