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

/** "Alice été" and "Böb ✓", URL-encoded UTF-8 as friendly names are sent (reference §2.1). */
const ALICE_FN = 'Alice%20%C3%A9t%C3%A9';
const BOB_FN = 'B%C3%B6b%20%E2%9C%93';
export const ALICE_NAME = 'Alice été';
export const BOB_NAME = 'Böb ✓';

/** Chat lines with 2-, 3- and 4-byte UTF-8 sequences; sent in 7-byte segments, so characters straddle segments. */
const TEXT_ALICE = 'Grüße, Böb — ça va? 😀 日本語';
const TEXT_BOB = 'Ça va bien, merci ✓ 👋';
const TEXT_BOB_2 = 'Tu viens ce soir? 🎉';
const TEXT_ALICE_2 = 'À plus tard — 再见';

// --- addresses ----------------------------------------------------------------------------------------------

const NS = '10.0.0.1:1863';
/** Switchboards live on 1864: not an MSNP port of the runs, so only XFR/RNG can make them followed. */
const SB = '10.0.0.5:1864';
const SB_HOST_PORT = SB;

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
      expect: { auth: { kind: 'challenge', valid: true }, params: { productId } },
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

const ALICE = 'alice@hotmail.com';
const BOB = 'bob@hotmail.com';

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
    s('ns', `XFR 10 SB ${SB_HOST_PORT} CKI ${COOKIE_XFR}`),
    ...callerSwitchboard(plainSwitchboard(ALICE, BOB)),
    s('ns', `RNG ${SESSION_RNG} ${SB_HOST_PORT} CKI ${COOKIE_RNG} ${BOB} ${BOB_FN}`, { expect: { params: { friendly: BOB_NAME } } }),
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
    s('ns', 'NOT', { body: NOTIFICATION, send: { mss: 40 } }),
    c('ns', 'ADD 8 FL nobody@hotmail.com nobody'),
    s('ns', '205 8', { expect: { error: { code: 205 } } }),
    c('ns', `PAG 9 ${BOB}`, { body: PAGE }),
    s('ns', '800 9', { expect: { error: { code: 800 } } }),
    c('ns', 'PNG'),
    s('ns', 'QNG'),
    s('ns', `NLN LUN ${BOB} ${BOB_FN}`, { expect: { params: { status: { code: 'LUN', name: 'out to lunch' } } } }),
    c('ns', 'XFR 10 SB'),
    s('ns', `XFR 10 SB ${SB_HOST_PORT} CKI ${COOKIE_XFR}`),
    ...callerSwitchboard(plainSwitchboard(ALICE, BOB)),
    s('ns', `RNG ${SESSION_RNG} ${SB_HOST_PORT} CKI ${COOKIE_RNG} ${BOB} ${BOB_FN}`),
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
    s('ns', 'IPG', { body: INCOMING_PAGE, send: { mss: 50 } }),
    c('ns', 'ADG 9 Fr%C3%A8res 0'),
    s('ns', '228 9', { expect: { error: { code: 228 } } }),
    c('ns', 'PNG'),
    s('ns', 'QNG'),
    c('ns', 'XFR 10 SB'),
    s('ns', `XFR 10 SB ${SB_HOST_PORT} CKI ${COOKIE_XFR}`),
    ...callerSwitchboard(plainSwitchboard(ALICE, BOB)),
    s('ns', `RNG ${SESSION_RNG} ${SB_HOST_PORT} CKI ${COOKIE_RNG} ${BOB} ${BOB_FN}`),
    ...inviteeSwitchboard(plainSwitchboard(ALICE, BOB)),
    s('ns', `FLN ${BOB}`),
    c('ns', 'OUT'),
  ],
};

