import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeParams, redact, secretArgs, type ParamValue } from '../../src/msnp/params.js';
import { LAYOUTS } from '../../src/msnp/params-layouts.js';
import { COMMANDS } from '../../src/msnp/protocol-tables.js';
import { urlDecode } from '../../src/msnp/urlcode.js';

type Dir = 'c2s' | 's2c';

/** Tokens after the verb, split like the framer does (runs of spaces, no empty tokens). */
function split(line: string): { verb: string; args: string[] } {
  const [verb = '', ...args] = line.split(' ').filter((t) => t.length > 0);
  return { verb, args };
}
function decode(dir: Dir, dialect: number | null, line: string) {
  const { verb, args } = split(line);
  return decodeParams(verb, dir, args, dialect);
}
function secrets(dir: Dir, dialect: number | null, line: string): number[] {
  const { verb, args } = split(line);
  return secretArgs(verb, dir, args, dialect);
}

const NLN = { code: 'NLN', name: 'online' };
const FL = { code: 'FL', name: 'forward list (contacts)' };
const WLID = { code: 1, name: 'Windows Live / Passport' };
const GUID = '{F26D1F07-95E2-403C-BC18-D4BFED493428}';

// Capability values named in the reference and the corpus notes, decoded in full.
const CAPS_0x10000024 = {
  value: 268435492,
  hex: '0x10000024',
  flags: ['SupportsGifInk', 'SupportsChunking'],
  generation: { code: 1, name: 'MSNC1 (6.0)' },
};
const CAPS_0x4001C03C = {
  value: 0x4001c03c,
  hex: '0x4001C03C',
  flags: ['SupportsGifInk', 'SupportsIsfInk', 'WebcamDetected', 'SupportsChunking', 'SupportsDirectIM', 'SupportsWinks', 'SupportsSharedSearch'],
  generation: { code: 4, name: 'MSNC4 (7.0)' },
};
const CAPS_0x605DC02C = {
  value: 0x605dc02c,
  hex: '0x605DC02C',
  flags: [
    'SupportsGifInk',
    'SupportsIsfInk',
    'SupportsChunking',
    'SupportsDirectIM',
    'SupportsWinks',
    'SupportsSharedSearch',
    'SupportsVoiceIM',
    'SupportsSChannel',
    'SupportsSipInvite',
    'SupportsSDrive',
  ],
  generation: { code: 6, name: 'MSNC6 (8.0)' },
};
const CAPS_EX_48 = { value: 48, hex: '0x00000030', flags: ['RTCVideoEnabled', 'SupportsP2PV2'] };

// The real 2005 capture (corpus/real/SOURCES.md §1): raw UTF-8 in the friendly name, URL-encoded msnobj.
const REAL_NLN =
  'NLN IDL funkay91@msn.com luc%20||%20on%20a%20bris\u00e9%20les%20lyonnais 1073856572 %3Cmsnobj%20Creator%3D%22funkay91%40msn.com%22%20Size%3D%2212776%22%20Type%3D%223%22%20Location%3D%22TFR1F0.dat%22%20Friendly%3D%22AAA%3D%22%20SHA1D%3D%22tsJTU4%2F20YW2DR1%2BVEHtCcuz1%2FU%3D%22%20SHA1C%3D%22bTICdXlAtaX11b4LGLzlzurqcac%3D%22%2F%3E';
// Reference §5.5 test object, URL-encoded.
const MSNOBJ =
  '%3Cmsnobj%20Creator%3D%22alice%40hotmail.com%22%20Size%3D%2232%22%20Type%3D%223%22%20Location%3D%22TFR2C.tmp%22%20Friendly%3D%22AAA%3D%22%20SHA1D%3D%22BuWMNBSbmXUvLgBMCDXUvfMO4L4%3D%22%20SHA1C%3D%22NMGNAfApqf%2FBvHoq8xR8wvOlxNY%3D%22%2F%3E';
const MSNOBJ_FIELDS = {
  creator: 'alice@hotmail.com',
  size: 32,
  type: { code: 3, name: 'display picture' },
  location: 'TFR2C.tmp',
  friendly: '',
  sha1d: 'BuWMNBSbmXUvLgBMCDXUvfMO4L4=',
  sha1c: 'NMGNAfApqf/BvHoq8xR8wvOlxNY=',
};
const HOP = 'VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDINCg=='; // "Version: 1\r\nXfrCount: 2\r\n"

interface Case {
  what: string;
  dir: Dir;
  dialect: number | null;
  line: string;
  fields: Record<string, ParamValue>;
}

const CASES: Case[] = [
  // --- presence: the three NLN layouts and their neighbours ---------------------------------------------
  {
    what: 'NLN MSNP8 (reference §13.1)',
    dir: 's2c',
    dialect: 8,
    line: 'NLN AWY bob@hotmail.com Bob 268435500',
    fields: {
      status: { code: 'AWY', name: 'away' },
      handle: 'bob@hotmail.com',
      friendly: 'Bob',
      caps: { value: 268435500, hex: '0x1000002C', flags: ['SupportsGifInk', 'SupportsIsfInk', 'SupportsChunking'], generation: { code: 1, name: 'MSNC1 (6.0)' } },
    },
  },
  {
    what: 'NLN MSNP11 from the real capture: raw UTF-8 name, 0x4001C03C, msnobj',
    dir: 's2c',
    dialect: 11,
    line: REAL_NLN,
    fields: {
      status: { code: 'IDL', name: 'idle' },
      handle: 'funkay91@msn.com',
      friendly: 'luc || on a brisé les lyonnais',
      caps: CAPS_0x4001C03C,
      msnobj: {
        creator: 'funkay91@msn.com',
        size: 12776,
        type: { code: 3, name: 'display picture' },
        location: 'TFR1F0.dat',
        friendly: '',
        sha1d: 'tsJTU4/20YW2DR1+VEHtCcuz1/U=',
        sha1c: 'bTICdXlAtaX11b4LGLzlzurqcac=',
      },
    },
  },
  {
    what: 'NLN MSNP11 real capture, caps 0 and no msnobj',
    dir: 's2c',
    dialect: 11,
    line: 'NLN NLN cecile260992@hotmail.com choupi 0',
    fields: { status: NLN, handle: 'cecile260992@hotmail.com', friendly: 'choupi', caps: { value: 0, hex: '0x00000000', flags: [], generation: { code: 0, name: 'MSN 5.0 / unknown / third party' } } },
  },
  {
    what: 'NLN MSNP15: netid before the friendly name, msnobj 0 = none (reference §13.2)',
    dir: 's2c',
    dialect: 15,
    line: 'NLN BSY bob@hotmail.com 1 Bob 1342210084 0',
    fields: {
      status: { code: 'BSY', name: 'busy' },
      handle: 'bob@hotmail.com',
      network: WLID,
      friendly: 'Bob',
      caps: { value: 0x50008024, hex: '0x50008024', flags: ['SupportsGifInk', 'SupportsChunking', 'SupportsWinks'], generation: { code: 5, name: 'MSNC5 (7.5)' } },
      msnobj: null,
    },
  },
  {
    what: 'NLN MSNP18: netid:handle and caps:capsEx',
    dir: 's2c',
    dialect: 18,
    line: 'NLN NLN 32:dave@yahoo.com Dave 2789003324:48',
    fields: {
      status: NLN,
      handle: 'dave@yahoo.com',
      network: { code: 32, name: 'Yahoo! Messenger' },
      friendly: 'Dave',
      caps: {
        value: 2789003324,
        hex: '0xA63CD03C',
        flags: [
          'SupportsGifInk',
          'SupportsIsfInk',
          'WebcamDetected',
          'SupportsChunking',
          'HasSpace',
          'SupportsDirectIM',
          'SupportsWinks',
          'SupportsVoiceIM',
          'SupportsSChannel',
          'SupportsSipInvite',
          'SupportsMultipartyMedia',
          'SupportsTURN',
          'SupportsP2PBootstrapViaUUN',
        ],
        generation: { code: 10, name: 'MSNC10 (14.0, WLM 2009)' },
      },
      capsEx: CAPS_EX_48,
    },
  },
  {
    what: 'NLN, Escargot raw UTF-8 friendly name (loopback NOTE)',
    dir: 's2c',
    dialect: 8,
    line: 'NLN NLN alice@example.com Alice%20\u2615%20\u00e9t\u00e9 268435492',
    fields: { status: NLN, handle: 'alice@example.com', friendly: 'Alice ☕ été', caps: CAPS_0x10000024 },
  },
  {
    what: 'ILN MSNP8 with TrID',
    dir: 's2c',
    dialect: 8,
    line: 'ILN 9 NLN bob@hotmail.com Bob 268435492',
    fields: { status: NLN, handle: 'bob@hotmail.com', friendly: 'Bob', caps: CAPS_0x10000024 },
  },
  {
    what: 'CHG MSNP16 caps:capsEx with the reference §5.5 MSNObject',
    dir: 'c2s',
    dialect: 16,
    line: `CHG 11 NLN 268435492:48 ${MSNOBJ}`,
    fields: { status: NLN, caps: CAPS_0x10000024, capsEx: CAPS_EX_48, msnobj: MSNOBJ_FIELDS },
  },
  {
    what: 'CHG MSNP2–7 (no capabilities)',
    dir: 'c2s',
    dialect: 5,
    line: 'CHG 8 HDN',
    fields: { status: { code: 'HDN', name: 'hidden / appear offline' } },
  },
  { what: 'FLN MSNP8', dir: 's2c', dialect: 8, line: 'FLN bob@hotmail.com', fields: { handle: 'bob@hotmail.com' } },
  {
    what: 'FLN MSNP18 netid:handle caps:capsEx',
    dir: 's2c',
    dialect: 18,
    line: 'FLN 1:bob@live.com 0:0',
    fields: {
      handle: 'bob@live.com',
      network: WLID,
      caps: { value: 0, hex: '0x00000000', flags: [], generation: { code: 0, name: 'MSN 5.0 / unknown / third party' } },
      capsEx: { value: 0, hex: '0x00000000', flags: [] },
    },
  },
  { what: 'UBX MSNP14+', dir: 's2c', dialect: 15, line: 'UBX bob@hotmail.com 1 125', fields: { handle: 'bob@hotmail.com', network: WLID, length: 125 } },
  { what: 'UBX MSNP18', dir: 's2c', dialect: 18, line: 'UBX 1:bob@live.com 0', fields: { handle: 'bob@live.com', network: WLID, length: 0 } },

  // --- switchboard ------------------------------------------------------------------------------------
  {
    what: 'JOI MSNP12+ with capabilities 0x605DC02C (PPA capture)',
    dir: 's2c',
    dialect: 12,
    line: 'JOI tesla_thomas@hotmail.com Thomas 1616756780',
    fields: { handle: 'tesla_thomas@hotmail.com', friendly: 'Thomas', caps: CAPS_0x605DC02C },
  },
  {
    what: 'IRO MSNP16 handle;{guid} and caps:capsEx',
    dir: 's2c',
    dialect: 16,
    line: `IRO 1 1 2 alice@live.com;${GUID} Alice 268435492:48`,
    fields: { index: 1, total: 2, handle: 'alice@live.com', endpoint: GUID, friendly: 'Alice', caps: CAPS_0x10000024, capsEx: CAPS_EX_48 },
  },
  {
    what: 'IRO MSNP9',
    dir: 's2c',
    dialect: 9,
    line: 'IRO 1 1 1 alice@hotmail.com Alice%20A.',
    fields: { index: 1, total: 1, handle: 'alice@hotmail.com', friendly: 'Alice A.' },
  },
  {
    what: 'XFR SB reply (brief example)',
    dir: 's2c',
    dialect: 11,
    line: 'XFR 19 SB 207.46.108.39:1863 CKI 1234.5678',
    fields: { serverType: 'SB', address: { host: '207.46.108.39', port: 1863 }, auth: 'CKI', cookie: '1234.5678' },
  },
  {
    what: 'XFR SB MSNP14+ suffix',
    dir: 's2c',
    dialect: 14,
    line: 'XFR 15 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308 U messenger.msn.com 1',
    fields: {
      serverType: 'SB',
      address: { host: '207.46.108.37', port: 1863 },
      auth: 'CKI',
      cookie: '17262740.1050826919.32308',
      serviceHost: 'messenger.msn.com',
      direct: true,
    },
  },
  {
    what: 'XFR SB on Escargot: a host name',
    dir: 's2c',
    dialect: 7,
    line: 'XFR 8 SB m1.escargot.log1p.xyz:1864 CKI e3895d48dfc40bae490a',
    fields: { serverType: 'SB', address: { host: 'm1.escargot.log1p.xyz', port: 1864 }, auth: 'CKI', cookie: 'e3895d48dfc40bae490a' },
  },
  { what: 'XFR SB request', dir: 'c2s', dialect: 8, line: 'XFR 11 SB', fields: { serverType: 'SB' } },
  {
    what: 'XFR NS MSNP7–12 with current server',
    dir: 's2c',
    dialect: 8,
    line: 'XFR 3 NS 207.46.106.118:1863 0 207.46.104.20:1863',
    fields: { serverType: 'NS', address: { host: '207.46.106.118', port: 1863 }, currentAddress: { host: '207.46.104.20', port: 1863 } },
  },
  { what: 'XFR NS MSNP2', dir: 's2c', dialect: 2, line: 'XFR 3 NS 10.0.0.1:1863', fields: { serverType: 'NS', address: { host: '10.0.0.1', port: 1863 } } },
  {
    what: 'XFR NS MSNP21 with base64 hop count',
    dir: 's2c',
    dialect: 21,
    line: `XFR 3 NS 65.54.239.140:1863 U D ${HOP}`,
    fields: { serverType: 'NS', address: { host: '65.54.239.140', port: 1863 }, hop: { Version: '1', XfrCount: '2' } },
  },
  {
    what: 'RNG (brief example)',
    dir: 's2c',
    dialect: 9,
    line: 'RNG 11752013 207.46.108.38:1863 CKI 849102291.520491113 a@b.com A',
    fields: { sessionId: '11752013', address: { host: '207.46.108.38', port: 1863 }, auth: 'CKI', cookie: '849102291.520491113', handle: 'a@b.com', friendly: 'A' },
  },
  {
    what: 'RNG MSNP14+ with U host and direct flag; Escargot UUID session id',
    dir: 's2c',
    dialect: 14,
    line: 'RNG a1c838bc-651a-404a-914e-736fdd72b3ca 127.0.0.1:1864 CKI d1c327d6035d1fe67c74 alice@example.com Alice%20A. U messenger.hotmail.com 0',
    fields: {
      sessionId: 'a1c838bc-651a-404a-914e-736fdd72b3ca',
      address: { host: '127.0.0.1', port: 1864 },
      auth: 'CKI',
      cookie: 'd1c327d6035d1fe67c74',
      handle: 'alice@example.com',
      friendly: 'Alice A.',
      serviceHost: 'messenger.hotmail.com',
      direct: false,
    },
  },
  {
    what: 'ANS (real capture)',
    dir: 'c2s',
    dialect: 11,
    line: 'ANS 89 jujurius@msn.com 1115371039.15845 17069658',
    fields: { handle: 'jujurius@msn.com', cookie: '1115371039.15845', sessionId: '17069658' },
  },
  { what: 'ANS OK', dir: 's2c', dialect: 11, line: 'ANS 89 OK', fields: { result: 'OK' } },
  { what: 'CAL', dir: 'c2s', dialect: 9, line: 'CAL 2 bob@hotmail.com', fields: { handle: 'bob@hotmail.com' } },
  { what: 'CAL RINGING', dir: 's2c', dialect: 9, line: 'CAL 94 RINGING 1835953129', fields: { result: 'RINGING', sessionId: '1835953129' } },
  { what: 'BYE', dir: 's2c', dialect: 9, line: 'BYE bob@hotmail.com', fields: { handle: 'bob@hotmail.com' } },
  { what: 'BYE idle', dir: 's2c', dialect: 9, line: 'BYE bob@hotmail.com 1', fields: { handle: 'bob@hotmail.com', reason: { code: '1', name: 'idle timeout' } } },
  {
    what: 'MSG from client',
    dir: 'c2s',
    dialect: 9,
    line: 'MSG 4 A 128',
    fields: { ackType: { code: 'A', name: 'ACK on success, NAK on failure' }, length: 128 },
  },
  {
    what: 'MSG from server (SB)',
    dir: 's2c',
    dialect: 9,
    line: 'MSG alice@hotmail.com Alice%20A. 128',
    fields: { handle: 'alice@hotmail.com', friendly: 'Alice A.', length: 128 },
  },
  { what: 'MSG from the NS', dir: 's2c', dialect: 8, line: 'MSG Hotmail Hotmail 474', fields: { handle: 'Hotmail', friendly: 'Hotmail', length: 474 } },
  { what: 'ACK', dir: 's2c', dialect: 9, line: 'ACK 4', fields: {} },
  { what: 'NAK', dir: 's2c', dialect: 9, line: 'NAK 4', fields: {} },
  {
    what: 'SB USR MSNP16 handle;{guid}',
    dir: 'c2s',
    dialect: 16,
    line: `USR 1 alice@live.com;${GUID} 17262740.1050826919.32308`,
    fields: { handle: 'alice@live.com', endpoint: GUID, cookie: '17262740.1050826919.32308' },
  },
  {
    what: 'SB USR OK (real capture)',
    dir: 's2c',
    dialect: 11,
    line: 'USR 178 OK jujurius@msn.com July(6)',
    fields: { result: 'OK', handle: 'jujurius@msn.com', friendly: 'July(6)' },
  },

  // --- login --------------------------------------------------------------------------------------------
  {
    what: 'VER offer',
    dir: 'c2s',
    dialect: null,
    line: 'VER 1 MSNP15 MSNP14 MSNP13 CVR0',
    fields: { dialects: ['MSNP15', 'MSNP14', 'MSNP13', 'CVR0'], versions: [15, 14, 13], cvr0: true },
  },
  {
    what: 'VER: no common dialect (Escargot)',
    dir: 's2c',
    dialect: null,
    line: 'VER 1 0 MSNP21 MSNP20 MSNP2',
    fields: { dialects: ['MSNP21', 'MSNP20', 'MSNP2'], versions: [21, 20, 2], cvr0: false, noCommonDialect: true },
  },
  {
    what: 'CVR MSNP2–7: seven parameters',
    dir: 'c2s',
    dialect: 5,
    line: 'CVR 2 0x0409 win 4.10 i386 MSMSGS 3.0.0286 MSMSGS',
    fields: { locale: '0x0409', os: 'win', osVersion: '4.10', arch: 'i386', clientLibrary: 'MSMSGS', clientVersion: '3.0.0286', clientId: 'MSMSGS' },
  },
  {
    what: 'CVR MSNP21 with handle and hop',
    dir: 'c2s',
    dialect: 21,
    line: `CVR 2 0x0409 winnt 6.1.0 i386 MSNMSGR 15.4.3502.0922 MSNMSGR alice@live.com ${HOP}`,
    fields: {
      locale: '0x0409',
      os: 'winnt',
      osVersion: '6.1.0',
      arch: 'i386',
      clientLibrary: 'MSNMSGR',
      clientVersion: '15.4.3502.0922',
      clientId: 'MSNMSGR',
      handle: 'alice@live.com',
      hop: { Version: '1', XfrCount: '2' },
    },
  },
  { what: 'INF reply', dir: 's2c', dialect: 5, line: 'INF 3 MD5', fields: { packages: ['MD5'] } },
  { what: 'USR MD5 I', dir: 'c2s', dialect: 7, line: 'USR 3 MD5 I alice@example.com', fields: { package: 'MD5', stage: 'I', handle: 'alice@example.com' } },
  { what: 'USR MD5 S salt', dir: 's2c', dialect: 7, line: 'USR 3 MD5 S 1013928519.693957190', fields: { package: 'MD5', stage: 'S', salt: '1013928519.693957190' } },
  {
    what: 'USR MD5 S response',
    dir: 'c2s',
    dialect: 7,
    line: 'USR 4 MD5 S 7f919fab309532df353c901430df36fa',
    fields: { package: 'MD5', stage: 'S', response: '7f919fab309532df353c901430df36fa' },
  },
  {
    what: 'USR TWN S (Escargot passport query)',
    dir: 's2c',
    dialect: 8,
    line: 'USR 3 TWN S ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1',
    fields: { package: 'TWN', stage: 'S', passport: { ct: '1', rver: '1', wp: 'FS_40SEC_0_COMPACT', lc: '1', id: '1' } },
  },
  {
    what: 'USR SSO S ticket, MBI response and machine GUID (MSNP16)',
    dir: 'c2s',
    dialect: 16,
    line: `USR 7 SSO S t=EwCoARAnAAAU&p= HAAAAAEAAAADZgAA ${GUID}`,
    fields: { package: 'SSO', stage: 'S', ticket: 't=EwCoARAnAAAU&p=', response: 'HAAAAAEAAAADZgAA', machineGuid: GUID },
  },
  { what: 'USR OK MSNP2–5', dir: 's2c', dialect: 5, line: 'USR 5 OK alice@example.com Alice%20A.', fields: { result: 'OK', handle: 'alice@example.com', friendly: 'Alice A.' } },
  {
    what: 'USR OK MSNP6–7',
    dir: 's2c',
    dialect: 6,
    line: 'USR 5 OK alice@example.com Alice%20A. 1',
    fields: { result: 'OK', handle: 'alice@example.com', friendly: 'Alice A.', verified: true },
  },
  {
    what: 'USR OK MSNP7 on Escargot (no verified flag)',
    dir: 's2c',
    dialect: 7,
    line: 'USR 4 OK bob@example.com bob@example.com',
    fields: { result: 'OK', handle: 'bob@example.com', friendly: 'bob@example.com' },
  },
  {
    what: 'USR OK MSNP8–9',
    dir: 's2c',
    dialect: 8,
    line: 'USR 7 OK alice@hotmail.com Alice%20A. 1 0',
    fields: { result: 'OK', handle: 'alice@hotmail.com', friendly: 'Alice A.', verified: true },
  },
  { what: 'USR OK MSNP10+', dir: 's2c', dialect: 15, line: 'USR 7 OK alice@live.com 1 0', fields: { result: 'OK', handle: 'alice@live.com', verified: true } },
  { what: 'USR OK MSNP10+, dialect unknown', dir: 's2c', dialect: null, line: 'USR 7 OK alice@live.com 0 0', fields: { result: 'OK', handle: 'alice@live.com', verified: false } },
  { what: 'CHL', dir: 's2c', dialect: 8, line: 'CHL 0 15570131571988941333', fields: { challenge: '15570131571988941333' } },
  {
    what: 'QRY (real capture product id)',
    dir: 'c2s',
    dialect: 9,
    line: 'QRY 11 PROD0061VRRZH@4F 32',
    fields: { productId: 'PROD0061VRRZH@4F', client: 'MSN 6.x', length: 32 },
  },
  { what: 'QNG MSNP2–8', dir: 's2c', dialect: 8, line: 'QNG', fields: {} },
  { what: 'QNG seconds', dir: 's2c', dialect: 11, line: 'QNG 42', fields: { seconds: 42 } },
  { what: 'OUT OTH', dir: 's2c', dialect: 15, line: 'OUT OTH', fields: { reason: { code: 'OTH', name: 'signed in elsewhere' } } },
  { what: 'OUT RCT minutes', dir: 's2c', dialect: 11, line: 'OUT RCT 5', fields: { reason: { code: 'RCT', name: 'reconnect after N minutes (MSNP11+)' }, minutes: 5 } },
  { what: 'OUT from client', dir: 'c2s', dialect: 11, line: 'OUT', fields: {} },

  // --- lists: LST in all its forms ------------------------------------------------------------------
  {
    what: 'LST MSNP2–5 on Escargot: total and index swapped',
    dir: 's2c',
    dialect: 5,
    line: 'LST 5 FL 1 2 1 alice@example.com Alice%20A.',
    fields: { list: FL, serial: 1, index: 1, total: 2, indexTotalSwapped: true, handle: 'alice@example.com', friendly: 'Alice A.' },
  },
  {
    what: 'LST MSNP2–5 on Escargot: last item (order indistinguishable)',
    dir: 's2c',
    dialect: 2,
    line: 'LST 5 FL 1 2 2 carol@example.com Carol%20C.',
    fields: { list: FL, serial: 1, index: 2, total: 2, handle: 'carol@example.com', friendly: 'Carol C.' },
  },
  { what: 'LST MSNP2–7 empty list', dir: 's2c', dialect: 5, line: 'LST 5 BL 1 0 0', fields: { list: { code: 'BL', name: 'block list' }, serial: 1, index: 0, total: 0 } },
  {
    what: 'LST MSNP7 with group ids',
    dir: 's2c',
    dialect: 7,
    line: 'LST 5 FL 1 1 1 alice@example.com alice@example.com 0',
    fields: { list: FL, serial: 1, index: 1, total: 1, handle: 'alice@example.com', friendly: 'alice@example.com', groups: ['0'] },
  },
  { what: 'LST request MSNP2–7', dir: 'c2s', dialect: 5, line: 'LST 7 RL', fields: { list: { code: 'RL', name: 'reverse list (who has me)' } } },
  {
    what: 'LST MSNP8: list bits 11 = FL+AL+RL, group 0 (reference §13.1)',
    dir: 's2c',
    dialect: 8,
    line: 'LST bob@hotmail.com Bob 11 0',
    fields: { handle: 'bob@hotmail.com', friendly: 'Bob', lists: { value: 11, names: ['FL', 'AL', 'RL'] }, groups: ['0'] },
  },
  {
    what: 'LST MSNP8 several groups',
    dir: 's2c',
    dialect: 9,
    line: 'LST bob@hotmail.com Bob 3 0,2',
    fields: { handle: 'bob@hotmail.com', friendly: 'Bob', lists: { value: 3, names: ['FL', 'AL'] }, groups: ['0', '2'] },
  },
  {
    what: 'LST MSNP11 on Escargot: N= F= C= and a trailing space',
    dir: 's2c',
    dialect: 11,
    line: 'LST N=carol@example.com F=Carol%20C. C=696687bf-6310-415c-8096-c9506232fa49 8 ',
    fields: { handle: 'carol@example.com', friendly: 'Carol C.', contactId: '696687bf-6310-415c-8096-c9506232fa49', lists: { value: 8, names: ['RL'] } },
  },
  {
    what: 'LST MSNP11 with a group',
    dir: 's2c',
    dialect: 11,
    line: 'LST N=bob@example.com F=Bob%20B. C=4e12c228-448d-41c5-afcd-bf33d1f7faaa 11 1',
    fields: {
      handle: 'bob@example.com',
      friendly: 'Bob B.',
      contactId: '4e12c228-448d-41c5-afcd-bf33d1f7faaa',
      lists: { value: 11, names: ['FL', 'AL', 'RL'] },
      groups: ['1'],
    },
  },
  {
    what: 'LST MSNP12: network id after the list bits',
    dir: 's2c',
    dialect: 12,
    line: 'LST N=bob@example.com F=bob@example.com C=3377da5e-a8cb-4092-aed0-1600a04b9783 9 1 ',
    fields: {
      handle: 'bob@example.com',
      friendly: 'bob@example.com',
      contactId: '3377da5e-a8cb-4092-aed0-1600a04b9783',
      lists: { value: 9, names: ['FL', 'RL'] },
      network: WLID,
    },
  },
  { what: 'LST MSNP11 reverse-list-only contact (no C=)', dir: 's2c', dialect: 11, line: 'LST N=x@y.com 8', fields: { handle: 'x@y.com', lists: { value: 8, names: ['RL'] } } },
  { what: 'LSG MSNP7', dir: 's2c', dialect: 7, line: 'LSG 5 1 1 1 0 Other%20Contacts 0', fields: { serial: 1, index: 1, total: 1, groupId: '0', groupName: 'Other Contacts' } },
  { what: 'LSG MSNP8', dir: 's2c', dialect: 8, line: 'LSG 0 Other%20Contacts 0', fields: { groupId: '0', groupName: 'Other Contacts' } },
  { what: 'LSG MSNP10+', dir: 's2c', dialect: 11, line: 'LSG Friends 1', fields: { groupName: 'Friends', groupId: '1' } },
  { what: 'SYN MSNP8 reply', dir: 's2c', dialect: 8, line: 'SYN 8 42 2 1', fields: { serial: 42, contactCount: 2, groupCount: 1 } },
  { what: 'SYN MSNP2–7 reply', dir: 's2c', dialect: 5, line: 'SYN 6 1', fields: { serial: 1 } },
  {
    what: 'SYN MSNP10+ reply',
    dir: 's2c',
    dialect: 10,
    line: 'SYN 5 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 2 1',
    fields: { timestamp1: '2000-01-01T00:00:00.0-00:00', timestamp2: '2000-01-01T00:00:00.0-00:00', contactCount: 2, groupCount: 1 },
  },
  { what: 'SYN MSNP10+ request', dir: 'c2s', dialect: 12, line: 'SYN 5 0 0', fields: { timestamp1: '0', timestamp2: '0' } },
  { what: 'GTC inside SYN', dir: 's2c', dialect: 8, line: 'GTC A', fields: { setting: { code: 'A', name: 'ask when someone adds me' } } },
  { what: 'GTC MSNP2–9 reply with serial', dir: 's2c', dialect: 5, line: 'GTC 15 7 N', fields: { serial: 7, setting: { code: 'N', name: 'do not ask when someone adds me' } } },
  { what: 'BLP inside SYN', dir: 's2c', dialect: 8, line: 'BLP AL', fields: { setting: { code: 'AL', name: 'everyone not blocked may contact me' } } },
  { what: 'BLP MSNP10+ reply', dir: 's2c', dialect: 15, line: 'BLP 8 BL', fields: { setting: { code: 'BL', name: 'only my allow list may contact me' } } },
  { what: 'PRP inside SYN', dir: 's2c', dialect: 8, line: 'PRP PHH 01%20555%201234', fields: { property: { code: 'PHH', name: 'home phone' }, value: '01 555 1234' } },
  { what: 'PRP MFN reply MSNP10+', dir: 's2c', dialect: 15, line: 'PRP 10 MFN Alice%20(lab)', fields: { property: { code: 'MFN', name: 'display name' }, value: 'Alice (lab)' } },
  { what: 'BPR inside SYN', dir: 's2c', dialect: 8, line: 'BPR PHM 01%20555%209876', fields: { property: { code: 'PHM', name: 'mobile phone' }, value: '01 555 9876' } },
  {
    what: 'BPR MSNP5–9 with serial',
    dir: 's2c',
    dialect: 6,
    line: 'BPR 12 bob@hotmail.com MOB Y',
    fields: { serial: 12, handle: 'bob@hotmail.com', property: { code: 'MOB', name: 'may be paged on mobile (Y/N)' }, value: 'Y' },
  },
  {
    what: 'SBP',
    dir: 'c2s',
    dialect: 10,
    line: 'SBP 11 696687bf-6310-415c-8096-c9506232fa49 MFN Carol%20from%20work',
    fields: { contactId: '696687bf-6310-415c-8096-c9506232fa49', property: { code: 'MFN', name: 'display name' }, value: 'Carol from work' },
  },
  { what: 'ADD request', dir: 'c2s', dialect: 5, line: 'ADD 9 FL dave@example.com Dave%20D.', fields: { list: FL, handle: 'dave@example.com', friendly: 'Dave D.' } },
  {
    what: 'ADD reply with serial and group',
    dir: 's2c',
    dialect: 9,
    line: 'ADD 7 FL 2 dave@example.com Dave%20D. 0',
    fields: { list: FL, serial: 2, handle: 'dave@example.com', friendly: 'Dave D.', groupId: '0' },
  },
  {
    what: 'ADD 0 RL without serial (Escargot)',
    dir: 's2c',
    dialect: 9,
    line: 'ADD 0 RL dave@example.com Dave%20D.',
    fields: { list: { code: 'RL', name: 'reverse list (who has me)' }, handle: 'dave@example.com', friendly: 'Dave D.' },
  },
  {
    what: 'ADC reply with contact GUID',
    dir: 's2c',
    dialect: 11,
    line: 'ADC 9 FL N=carol@example.com F=Carol%20C. C=696687bf-6310-415c-8096-c9506232fa49',
    fields: { list: FL, handle: 'carol@example.com', friendly: 'Carol C.', contactId: '696687bf-6310-415c-8096-c9506232fa49' },
  },
  {
    what: 'ADC: add a contact to a group',
    dir: 'c2s',
    dialect: 11,
    line: 'ADC 11 FL C=696687bf-6310-415c-8096-c9506232fa49 1',
    fields: { list: FL, contactId: '696687bf-6310-415c-8096-c9506232fa49', groupId: '1' },
  },
  { what: 'ADC AL', dir: 'c2s', dialect: 11, line: 'ADC 10 AL N=carol@example.com', fields: { list: { code: 'AL', name: 'allow list' }, handle: 'carol@example.com' } },
  { what: 'REM MSNP2–9 reply', dir: 's2c', dialect: 5, line: 'REM 12 AL 4 dave@example.com', fields: { list: { code: 'AL', name: 'allow list' }, serial: 4, handle: 'dave@example.com' } },
  {
    what: 'REM MSNP10+ by contact GUID from a group',
    dir: 'c2s',
    dialect: 11,
    line: 'REM 25 FL 696687bf-6310-415c-8096-c9506232fa49 1',
    fields: { list: FL, contactId: '696687bf-6310-415c-8096-c9506232fa49', groupId: '1' },
  },
  { what: 'REM MSNP10+ by handle', dir: 'c2s', dialect: 11, line: 'REM 27 AL carol@example.com', fields: { list: { code: 'AL', name: 'allow list' }, handle: 'carol@example.com' } },
  { what: 'ADG request', dir: 'c2s', dialect: 10, line: 'ADG 13 Testers 0', fields: { groupName: 'Testers' } },
  { what: 'ADG MSNP7–9 reply', dir: 's2c', dialect: 8, line: 'ADG 13 5 My%20Group 3 0', fields: { serial: 5, groupName: 'My Group', groupId: '3' } },
  { what: 'ADG MSNP10+ reply (Escargot)', dir: 's2c', dialect: 10, line: 'ADG 23 Lab%20people 2 0', fields: { groupName: 'Lab people', groupId: '2' } },
  { what: 'RMG reply (Escargot)', dir: 's2c', dialect: 10, line: 'RMG 17 1 1', fields: { serial: 1, groupId: '1' } },
  { what: 'REG MSNP10 reply (Escargot order)', dir: 's2c', dialect: 10, line: 'REG 15 1 QA%20team 1 0', fields: { serial: 1, groupName: 'QA team', groupId: '1' } },
  { what: 'REG MSNP7–9 reply', dir: 's2c', dialect: 8, line: 'REG 15 5 1 QA%20team 0', fields: { serial: 5, groupId: '1', groupName: 'QA team' } },
  {
    what: 'REA reply with raw UTF-8 (Escargot)',
    dir: 's2c',
    dialect: 8,
    line: 'REA 7 2 alice@example.com Alice%20\u2615%20\u00e9t\u00e9',
    fields: { serial: 2, handle: 'alice@example.com', friendly: 'Alice ☕ été' },
  },
  {
    what: 'REA request, fully %-encoded UTF-8',
    dir: 'c2s',
    dialect: 8,
    line: 'REA 7 alice@example.com Alice%20%E2%98%95%20%C3%A9t%C3%A9',
    fields: { handle: 'alice@example.com', friendly: 'Alice ☕ été' },
  },
  { what: 'IMS reply', dir: 's2c', dialect: 3, line: 'IMS 5 0 ON', fields: { blocked: true } },

  // --- address-book era, MSNP18/21 ------------------------------------------------------------------------
  { what: 'ADL request', dir: 'c2s', dialect: 15, line: 'ADL 9 111', fields: { length: 111 } },
  { what: 'ADL OK', dir: 's2c', dialect: 15, line: 'ADL 9 OK', fields: { result: 'OK' } },
  { what: 'ADL from server', dir: 's2c', dialect: 15, line: 'ADL 0 86', fields: { length: 86 } },
  { what: 'RML OK', dir: 's2c', dialect: 15, line: 'RML 10 OK', fields: { result: 'OK' } },
  { what: 'FQY', dir: 's2c', dialect: 15, line: 'FQY 14 51', fields: { length: 51 } },
  { what: 'UUX reply', dir: 's2c', dialect: 15, line: 'UUX 12 0', fields: { length: 0 } },
  {
    what: 'UUN MPOP sign-out to an endpoint',
    dir: 'c2s',
    dialect: 16,
    line: `UUN 5 bob@live.com;${GUID} 4 14`,
    fields: { handle: 'bob@live.com', endpoint: GUID, type: { code: 4, name: 'MPOP sign out other endpoint (goawyplzthxbye|gtfo)' }, length: 14 },
  },
  { what: 'UUN OK', dir: 's2c', dialect: 16, line: 'UUN 5 OK', fields: { result: 'OK' } },
  {
    what: 'UBN',
    dir: 's2c',
    dialect: 15,
    line: 'UBN bob@hotmail.com 3 250',
    fields: { handle: 'bob@hotmail.com', type: { code: 3, name: 'MSNSLP/P2P data' }, length: 250 },
  },
  {
    what: 'UUM (reference §3.4)',
    dir: 'c2s',
    dialect: 14,
    line: 'UUM 1 dave@yahoo.com 32 1 85',
    fields: { handle: 'dave@yahoo.com', network: { code: 32, name: 'Yahoo! Messenger' }, type: { code: 1, name: 'text' }, length: 85 },
  },
  {
    what: 'UBM MSNP14–15',
    dir: 's2c',
    dialect: 14,
    line: 'UBM dave@yahoo.com 32 2 85',
    fields: { handle: 'dave@yahoo.com', network: { code: 32, name: 'Yahoo! Messenger' }, type: { code: 2, name: 'typing' }, length: 85 },
  },
  { what: 'GCF MSNP11–12 reply', dir: 's2c', dialect: 11, line: 'GCF 6 Shields.xml 151', fields: { file: 'Shields.xml', length: 151 } },
  { what: 'GCF MSNP13+', dir: 's2c', dialect: 15, line: 'GCF 0 159', fields: { length: 159 } },
  { what: 'SBS', dir: 's2c', dialect: 15, line: 'SBS 0 null', fields: { value: 'null' } },
  { what: 'SDG', dir: 'c2s', dialect: 21, line: 'SDG 58 282', fields: { length: 282 } },
  { what: 'NFY without TrID', dir: 's2c', dialect: 21, line: 'NFY PUT 249', fields: { operation: 'PUT', length: 249 } },
  { what: 'NFY with TrID (msnp-sharp)', dir: 's2c', dialect: 21, line: 'NFY 5 DEL 30', fields: { operation: 'DEL', length: 30 } },
  { what: 'PUT reply with a payload', dir: 's2c', dialect: 21, line: 'PUT 35 OK 165', fields: { result: 'OK', length: 165 } },
  { what: 'DEL reply', dir: 's2c', dialect: 21, line: 'DEL 36 OK', fields: { result: 'OK' } },
  { what: 'NOT', dir: 's2c', dialect: 9, line: 'NOT 420', fields: { length: 420 } },
  { what: 'PGD', dir: 'c2s', dialect: 9, line: 'PGD 5 bob@hotmail.com 1 120', fields: { handle: 'bob@hotmail.com', device: { code: 1, name: 'mobile' }, length: 120 } },

  // --- errors ----------------------------------------------------------------------------------------------
  { what: 'error without payload', dir: 's2c', dialect: 8, line: '911 7', fields: { error: { code: 911, name: 'ERR_AUTHENTICATION_FAILED', meaning: 'authentication failed' } } },
  {
    what: 'error with payload length (MSNP13+)',
    dir: 's2c',
    dialect: 13,
    line: '241 9 55',
    fields: { error: { code: 241, name: null, meaning: 'ADL/RML/FQY: invalid XML or list bits' }, length: 55 },
  },
  { what: 'unknown error code', dir: 's2c', dialect: 8, line: '999 3', fields: { error: { code: 999, name: null, meaning: null } } },

  // --- unknown verbs ---------------------------------------------------------------------------------------
  { what: 'unknown verb (Escargot ZZZ)', dir: 'c2s', dialect: 11, line: 'ZZZ 16 foo', fields: {} },
  { what: 'known verb, direction without layouts', dir: 'c2s', dialect: 11, line: 'NLN NLN a@b.c x 0', fields: {} },
];

describe('decodeParams: layouts per verb, direction and dialect', () => {
  it.each(CASES)('$what: $line', ({ dir, dialect, line, fields }) => {
    const r = decode(dir, dialect, line);
    expect(r.problems).toEqual([]);
    expect(r.fields).toEqual(fields);
  });
});

describe('decodeParams: coverage and edge cases', () => {
  it('has layouts for every verb of the command table but the undocumented ones', () => {
    const undocumented = ['RFS', 'LKP', 'GSB', 'GET', 'FSL'];
    const missing = COMMANDS.map((c) => c.verb).filter((v) => !(v in LAYOUTS) && !undocumented.includes(v));
    expect(missing).toEqual([]);
    for (const v of undocumented) expect(decode('c2s', 15, `${v} 1 2 3`)).toEqual({ fields: {}, dialects: null, problems: [] });
  });

  it('reads the MSNObject attributes of later clients, entities and a non-empty Friendly', () => {
    const xml =
      '<msnobj Creator="bob@live.com" Type="2" SHA1D="x=" Size="10" Location="0" Friendly="aABpAAAA" contenttype="D" stamp="a&amp;b"/>';
    const r = decode('s2c', 9, `NLN NLN bob@live.com Bob 0 ${encodeURIComponent(xml)}`);
    expect(r.problems).toEqual([]);
    expect(r.fields['msnobj']).toEqual({
      creator: 'bob@live.com',
      size: 10,
      type: { code: 2, name: 'custom emoticon' },
      location: '0',
      friendly: 'hi',
      sha1d: 'x=',
      other: { contenttype: 'D', stamp: 'a&b' },
    });
  });

  it('reads the Escargot placeholder <msnobj/> as an object without attributes', () => {
    const r = decode('s2c', 11, 'ILN 6 NLN alice@example.com Alice%20A. 268435492 %3Cmsnobj%2F%3E');
    expect(r.problems).toEqual([]);
    expect(r.fields['msnobj']).toEqual({});
  });

  it('keeps keys taken from traffic as plain own properties', () => {
    const r = decode('c2s', 2, 'FND 5 __proto__=x constructor=y');
    expect(r.problems).toEqual([]);
    const query = r.fields['query'] as Record<string, ParamValue>;
    expect(Object.keys(query)).toEqual(['__proto__', 'constructor']);
    expect(query['constructor']).toBe('y');
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(r.fields))).toEqual(r.fields);
  });

  it('tells NLN shapes apart without a dialect', () => {
    // MSNP9: friendly, caps, msnobj "0" — not MSNP14 (netid "Bob" is no number).
    expect(decode('s2c', null, 'NLN NLN bob@x.com Bob 268435492 0').fields).toMatchObject({ friendly: 'Bob', caps: { value: 268435492 }, msnobj: null });
    // MSNP14: the netid comes first.
    expect(decode('s2c', null, 'NLN NLN bob@x.com 32 Bob 268435492 0').fields).toMatchObject({ network: { code: 32 }, friendly: 'Bob' });
    // MSNP18: netid:handle.
    expect(decode('s2c', null, 'NLN NLN 1:bob@live.com Bob 0:0').fields).toMatchObject({ handle: 'bob@live.com', network: WLID, capsEx: { value: 0 } });
  });

  it('falls back to another dialect’s layout when the session’s does not fit cleanly', () => {
    // Escargot sends the MSNP2–5 form in an MSNP7 session; an MSNP18 server an unprefixed handle.
    expect(decode('s2c', 7, 'USR 4 OK bob@example.com bob@example.com').problems).toEqual([]);
    expect(decode('s2c', 18, 'FLN bob@hotmail.com').fields).toEqual({ handle: 'bob@hotmail.com' });
  });
});

describe('decodeParams: malformed parameters become problems', () => {
  const PROBLEMS: Array<[string, Dir, number | null, string, string[], Record<string, ParamValue>?]> = [
    ['capabilities not a number', 's2c', 8, 'NLN NLN bob@x.com Bob xyz', ["capabilities 'xyz' is not a number"], { status: NLN, handle: 'bob@x.com', friendly: 'Bob', caps: 'xyz' }],
    ['unknown status', 's2c', 8, 'CHG 12 XYZ', ["status 'XYZ' is not a known status code"], { status: { code: 'XYZ', name: null } }],
    ['payload length not a number (Escargot edge case)', 'c2s', 8, 'MSG 4 N abc', ["length 'abc' is not a number"]],
    ['unknown ack type', 'c2s', 8, 'MSG 4 Q 12', ["ackType 'Q' is not an ack type (U, N, A, D)"]],
    [
      'invalid %-escape kept as written',
      's2c',
      9,
      'NLN NLN bob@x.com 100%zz 0',
      ["friendly name '100%zz' has an invalid %-escape (kept as written)"],
      { status: NLN, handle: 'bob@x.com', friendly: '100%zz', caps: { value: 0, hex: '0x00000000', flags: [], generation: { code: 0, name: 'MSN 5.0 / unknown / third party' } } },
    ],
    ['Latin-1 escapes', 's2c', 2, 'NLN NLN bob@x.com %E9t%E9', ["friendly name '%E9t%E9' is not UTF-8 once %-decoded (read as Latin-1)"], { status: NLN, handle: 'bob@x.com', friendly: 'été' }],
    ['QRY length other than 32', 'c2s', 11, 'QRY 10 msmsgs@msnmsgr.com 31', ['QRY length 31 is not 32']],
    ['TrID not a number', 'c2s', 8, 'CHG x NLN 0', ["TrID 'x' is not a number"]],
    ['no layout has that many parameters', 'c2s', 8, 'PNG 1', ['1 parameter fit no known client PNG layout']],
    ['address without a port', 's2c', 8, 'XFR 11 SB 207.46.108.37 CKI 1.2', ["address '207.46.108.37' is not host:port"]],
    ['handle that is no address', 'c2s', 8, 'CAL 2 bob', ["handle 'bob' is not an account address"]],
    ['msnobj that is not one', 's2c', 9, 'NLN NLN bob@x.com Bob 0 %3Cfoo%2F%3E', ["msnobj '<foo/>' is not an <msnobj> element"]],
    ['msnobj with bad Size', 's2c', 9, 'NLN NLN bob@x.com Bob 0 %3Cmsnobj%20Size%3D%22x%22%2F%3E', ["msnobj Size 'x' is not a number"]],
    ['list name', 's2c', 5, 'ADD 9 XL 2 dave@example.com Dave', ["list 'XL' is not a list (FL, AL, BL, RL, PL)"]],
    ['capabilities printed signed', 's2c', 15, 'ILN 11 NLN bob@hotmail.com 1 Bob -2147188692 0', ["capabilities '-2147188692' is written as a signed number"]],
  ];
  it.each(PROBLEMS)('%s: %s', (_what, dir, dialect, line, problems, fields) => {
    const r = decode(dir, dialect, line);
    expect(r.problems).toEqual(problems);
    if (fields !== undefined) expect(r.fields).toEqual(fields);
  });

  it('reads a signed capability rendering as the unsigned value', () => {
    const r = decode('s2c', 15, 'ILN 11 NLN bob@hotmail.com 1 Bob -2147188692 0');
    expect(r.fields['caps']).toMatchObject({ value: 2147778604, hex: '0x8004802C' });
  });
});

describe('decodeParams: conformance with every command line of testvectors.json', () => {
  interface Vector {
    example: string;
    dir: string;
    server: string;
    proto: string;
    first_line: string;
    b64: string;
  }
  const vectors = JSON.parse(readFileSync(new URL('../../../shared/protocol/testvectors.json', import.meta.url), 'utf8')) as { messages: Vector[] };
  // HTTP requests/responses and MSNFTP blocks are not MSNP command lines.
  const lines = vectors.messages
    .filter((m) => m.server !== 'HTTP' && m.server !== 'FTP')
    .map((m) => {
      const bytes = Buffer.from(m.b64, 'base64');
      const end = bytes.indexOf(0x0a);
      const line = bytes.subarray(0, end < 0 ? bytes.length : end).toString('utf8').replace(/\r$/, '');
      return { label: `${m.example} ${m.dir} ${line.slice(0, 60)}`, line, dir: (m.dir === 'C>S' ? 'c2s' : 's2c') as Dir, dialect: Number(m.proto.replace('MSNP', '')) };
    });

  it('covers the examples', () => {
    expect(lines.length).toBeGreaterThan(100);
    expect(lines[0]?.line).toBe('VER 1 MSNP8 CVR0');
  });

  it.each(lines)('$label', ({ line, dir, dialect }) => {
    const known = decode(dir, dialect, line);
    expect(known.problems).toEqual([]);
    // Version-unknown mode must read these lines the same way (their shapes are unambiguous).
    const unknown = decode(dir, null, line);
    expect(unknown.problems).toEqual([]);
    expect(unknown.fields).toEqual(known.fields);
  });
});

describe('secretArgs and redact', () => {
  const SECRETS: Array<[string, Dir, number | null, string, number[]]> = [
    ['TWN ticket', 'c2s', 8, 'USR 7 TWN S t=53*1hAu8ADuD3TEwdXoOMi08sD*2!cMrntTwVMTjoB3p6stWTqzbkKZPVQzA5NOt19SLI60PY!b8K4YhC!Ooo5ug$$&p=5eKB', [3]],
    ['TWN token on Escargot (no t=)', 'c2s', 8, 'USR 4 TWN S 29a98b85dcd3d868aff2', [3]],
    ['SSO ticket and MBI response, not the machine GUID', 'c2s', 16, `USR 7 SSO S t=abc&p= HAAAAAE= ${GUID}`, [3, 4]],
    ['SSO nonce', 's2c', 15, 'USR 6 SSO S MBI_KEY_OLD E4Fhehbe0q2Je+SUSp7IRnJV+rN4uME75ljIpUjIZ1Si+DgmrfuiIL+AFmkMA6Wv', [4]],
    ['SHA circle ticket', 'c2s', 18, 'USR 8 SHA A PGNpcmNsZT4=', [3]],
    ['MD5 login response', 'c2s', 7, 'USR 4 MD5 S f22ffdf93a3cb9274ad53751ff6fd8d1', [3]],
    ['MD5 salt is public', 's2c', 7, 'USR 3 MD5 S 0506027bc8995a9', []],
    ['TWN passport query is public', 's2c', 8, 'USR 6 TWN S lc=1033,id=507,tw=40,fs=1', []],
    ['SB USR cookie', 'c2s', 9, 'USR 1 alice@hotmail.com 17262740.1050826919.32308', [2]],
    ['ANS cookie, not the session id', 'c2s', 9, 'ANS 1 bob@hotmail.com 849102291.520491113 11752013', [2]],
    ['XFR SB cookie', 's2c', 8, 'XFR 11 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308', [4]],
    ['XFR SB cookie, MSNP14 suffix', 's2c', 14, 'XFR 15 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308 U messenger.msn.com 1', [4]],
    ['RNG cookie', 's2c', 9, 'RNG 11752013 207.46.108.37:1863 CKI 849102291.520491113 alice@hotmail.com Alice%20A.', [3]],
    ['RNG that fits no layout still hides the cookie', 's2c', 9, 'RNG 1 2 CKI 849102291.520491113', [3]],
    ['QRY: the response is in the payload', 'c2s', 8, 'QRY 10 msmsgs@msnmsgr.com 32', []],
    ['CHL challenge is public', 's2c', 8, 'CHL 0 15570131571988941333', []],
    ['a t=…&p=… token anywhere', 'c2s', 8, 'ZZZ 5 t=abc&p=def', [1]],
    ['MSNFTP auth cookie', 'c2s', null, 'USR bob@hotmail.com 93301', [1]],
    ['an unknown auth package still hides its token', 'c2s', 15, 'USR 5 XYZ S token', [3]],
    ['a TWN step with an extra parameter (fits no layout)', 'c2s', 8, 'USR 7 TWN S tok extra', [3, 4]],
    ['nothing secret in presence', 's2c', 11, REAL_NLN, []],
  ];
  it.each(SECRETS)('%s: %s', (_what, dir, dialect, line, expected) => {
    expect(secrets(dir, dialect, line)).toEqual(expected);
  });

  it('redact reveals only the length', () => {
    expect(redact('0123456789abcdef0123456789abcdef')).toBe('«redacted 32 chars»');
    expect(redact('')).toBe('«redacted 0 chars»');
    expect(redact('é☕')).toBe('«redacted 2 chars»');
  });

  it('decodeParams can redact secrets in its fields', () => {
    const { verb, args } = split('XFR 11 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308');
    const r = decodeParams(verb, 's2c', args, 8, { redactSecrets: true });
    expect(r.problems).toEqual([]);
    expect(r.fields['cookie']).toBe('«redacted 25 chars»');
    expect(r.fields['address']).toEqual({ host: '207.46.108.37', port: 1863 });
    const usr = split('USR 7 SSO S t=EwCoARAnAAAU&p= HAAAAAEAAAADZgAA');
    const r2 = decodeParams(usr.verb, 'c2s', usr.args, 15, { redactSecrets: true });
    expect(r2.fields).toEqual({ package: 'SSO', stage: 'S', ticket: '«redacted 17 chars»', response: '«redacted 16 chars»' });
    expect(decodeParams(verb, 's2c', args, 8).fields['cookie']).toBe('17262740.1050826919.32308');
  });
});

describe('urlDecode', () => {
  it.each([
    ['Alice%20A.', 'Alice A.', null],
    ['no escapes', 'no escapes', null],
    ['a+b', 'a+b', null],
    ['%C3%A9t%C3%A9', 'été', null],
    ['bris\u00e9%20x', 'brisé x', null],
    ['100%', '100%', 'has an invalid %-escape (kept as written)'],
    ['%4', '%4', 'has an invalid %-escape (kept as written)'],
    ['%E9', 'é', 'is not UTF-8 once %-decoded (read as Latin-1)'],
    ['\u{1F600}%21', '\u{1F600}!', null],
  ])('%s', (input, text, problem) => {
    expect(urlDecode(input)).toEqual({ text, problem });
  });
});

describe('decodeParams never throws and returns plain data', () => {
  const VERBS = [
    'VER', 'CVR', 'CVQ', 'INF', 'USR', 'XFR', 'OUT', 'CHG', 'ILN', 'NLN', 'FLN', 'UUX', 'UBX', 'SYN', 'LST', 'LSG', 'GTC', 'BLP',
    'ADD', 'ADC', 'REM', 'ADG', 'RMG', 'REG', 'REA', 'PRP', 'BPR', 'SBP', 'IMS', 'ADL', 'RML', 'FQY', 'UUN', 'UBN', 'UUM', 'UBM',
    'MSG', 'NOT', 'IPG', 'PAG', 'PGD', 'CHL', 'QRY', 'PNG', 'QNG', 'SBS', 'GCF', 'URL', 'SND', 'SDC', 'FND', 'CAL', 'RNG', 'ANS',
    'IRO', 'JOI', 'BYE', 'ACK', 'NAK', 'SDG', 'PUT', 'DEL', 'NFY', 'VAS', '911', '241', '200',
  ];
  // Tokens that exercise the kinds: numbers, caps pairs, handles, msnobjs, literals, escapes, junk.
  const token = fc.oneof(
    fc.constantFrom(
      '0', '1', '32', '4294967295', '4294967296', '-1', '268435492:48', ':', '1:', 'a@b.c', '1:a@b.c', `a@b.c;${GUID}`, ';', 'N=a@b.c',
      'F=', 'C=x', 'NLN', 'FLN', 'FL', 'RL', 'OK', 'CKI', 'SB', 'NS', 'MD5', 'TWN', 'SSO', 'SHA', 'S', 'I', 'A', 'U', 'D', 'PUT',
      'MSNP8', 'CVR0', '%3Cmsnobj%2F%3E', MSNOBJ, '%3Cmsnobj%20Size%3D%22', '%', '%zz', '%E9', 'Zm9v', '====', '1.2.3.4:1863', ':99999',
      't=x&p=y', '0x0409', 'constructor', '__proto__', '__proto__=1', 'toString', 'hasOwnProperty', 'lc=1,__proto__=2',
    ),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
  );
  const verb = fc.oneof(fc.constantFrom(...VERBS), fc.string({ minLength: 0, maxLength: 4 }));
  const dir = fc.constantFrom<Dir>('c2s', 's2c');
  const dialect = fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 120 }));

  it('on random lines', () => {
    fc.assert(
      fc.property(verb, dir, fc.array(token, { maxLength: 12 }), dialect, fc.boolean(), (v, d, args, dl, red) => {
        const r = decodeParams(v, d, args, dl, { redactSecrets: red });
        expect(JSON.parse(JSON.stringify(r))).toEqual(r);
        for (const p of r.problems) expect(typeof p).toBe('string');
        const s = secretArgs(v, d, args, dl);
        for (const i of s) expect(i >= 0 && i < args.length).toBe(true);
      }),
      { numRuns: 4000 },
    );
  });

  it('on mutated real lines', () => {
    const seeds = CASES.map((c) => ({ ...split(c.line), dir: c.dir, dialect: c.dialect }));
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), token, fc.nat(), (seed, at, replacement, drop) => {
        const args = [...seed.args];
        if (args.length > 0) args[at % args.length] = replacement;
        if (drop % 3 === 0) args.splice(drop % (args.length + 1), 1);
        const r = decodeParams(seed.verb, seed.dir, args, seed.dialect);
        expect(JSON.parse(JSON.stringify(r))).toEqual(r);
      }),
      { numRuns: 3000 },
    );
  });
});
