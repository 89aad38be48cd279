// Parameter layouts of every MSNP command, per direction and dialect (reference §3, commands.json),
// written in a small syntax that params.ts compiles once. Protocol knowledge lives here, not in code.
//
// Syntax of one layout: space-separated slots, each
//   [PREFIX=][name:]kind[?|*|+]     kind from params-kinds.ts; name defaults to the kind's field
//   [name:]'LIT|LIT'[?]             a literal (alternatives with |); emitted only when named
// `?` optional, `*`/`+` zero/one-or-more (last slot only). `N=handle` matches `N=bob@x.com`.
// When several layouts fit, the one for the session's dialect wins; a layout outside the dialect is
// used only when no in-range layout fits cleanly (servers deviate: Escargot, reference §0).

import type { Fields } from './params-kinds.js';

export type LayoutDir = 'c2s' | 's2c' | 'both';

/** Cross-parameter rules a layout cannot express slot by slot. */
export type PostCheck = (fields: Fields, problems: string[]) => void;

/** [direction, first dialect, last dialect (99 = still current), syntax, cross-check]. */
export type LayoutSpec = readonly [LayoutDir, number, number, string, PostCheck?];

const OPEN = 99;

/**
 * MSNP2–5 on Escargot writes `LST … total index` (reference says `index total`). An index never
 * exceeds the total, so a first number larger than the second means the swapped order.
 */
const lstIndexTotal: PostCheck = (f) => {
  const a = f['index'];
  const b = f['total'];
  if (typeof a === 'number' && typeof b === 'number' && a > b) {
    f['index'] = b;
    f['total'] = a;
    f['indexTotalSwapped'] = true;
  }
};

/** VER: the dialect numbers offered or chosen, CVR0, and the "no common dialect" answer. */
const verDialects =
  (noCommon: boolean): PostCheck =>
  (f) => {
    const list = Array.isArray(f['dialects']) ? f['dialects'] : [];
    const versions: number[] = [];
    for (const d of list) {
      const m = typeof d === 'string' ? /^MSNP(\d{1,3})$/i.exec(d) : null;
      if (m) versions.push(Number(m[1]));
    }
    f['versions'] = versions;
    f['cvr0'] = list.some((d) => typeof d === 'string' && /^CVR0$/i.test(d));
    if (noCommon) f['noCommonDialect'] = true;
  };

/** QRY always announces exactly 32 payload bytes (reference §2.4.1). */
const qryLength: PostCheck = (f, problems) => {
  if (typeof f['length'] === 'number' && f['length'] !== 32) problems.push(`QRY length ${f['length']} is not 32`);
};

const CVR_C2S = 'trid locale:lcid os:raw osVersion:raw arch:raw clientLibrary:raw clientVersion:raw clientId:raw handle? hop:b64headers?';
const CVR_S2C = 'trid recommendedVersion:raw recommendedVersion2:raw minimumVersion:raw downloadUrl:raw infoUrl:raw';

export const LAYOUTS: Readonly<Record<string, readonly LayoutSpec[]>> = {
  // §3.1 connection, negotiation, authentication
  VER: [
    ['c2s', 2, OPEN, 'trid dialect+', verDialects(false)],
    ['s2c', 2, OPEN, "trid '0' dialect*", verDialects(true)],
    ['s2c', 2, OPEN, 'trid dialect+', verDialects(false)],
    // MSNFTP's `VER MSNFTP` has no TrID (reference §9).
    ['both', 0, OPEN, 'dialect+', verDialects(false)],
  ],
  CVR: [
    ['c2s', 2, OPEN, CVR_C2S],
    ['s2c', 2, OPEN, CVR_S2C],
  ],
  CVQ: [
    ['c2s', 4, OPEN, CVR_C2S],
    ['s2c', 4, OPEN, CVR_S2C],
  ],
  INF: [
    ['c2s', 2, 7, 'trid'],
    ['s2c', 2, 7, 'trid packages:word*'],
  ],
  USR: [
    ['c2s', 2, 7, "trid package:'MD5' stage:'I' handle"],
    ['c2s', 2, 7, "trid package:'MD5' stage:'S' response:secret"],
    ['c2s', 8, 14, "trid package:'TWN' stage:'I' handle"],
    ['c2s', 8, 14, "trid package:'TWN' stage:'S' ticket:secret"],
    ['c2s', 15, OPEN, "trid package:'SSO' stage:'I' handle"],
    ['c2s', 15, OPEN, "trid package:'SSO' stage:'S' ticket:secret response:secret machineGuid:guid?"],
    ['c2s', 18, OPEN, "trid package:'SHA' stage:'A' circleTicket:secret"],
    // Switchboard: USR TrID handle{;{guid}} cookie (reference §3.6).
    ['c2s', 2, OPEN, 'trid handle cookie'],
    ['s2c', 2, 7, "trid package:'MD5' stage:'S' salt:raw"],
    ['s2c', 8, 14, "trid package:'TWN' stage:'S' passport"],
    ['s2c', 15, OPEN, "trid package:'SSO' stage:'S' policy:raw nonce:secret"],
    // Before the 6–7 form: `OK alice@live.com 1 0` is MSNP10+, not a friendly name "1".
    ['s2c', 10, OPEN, "trid result:'OK' handle verified:bool01 reserved"],
    ['s2c', 2, OPEN, "trid result:'OK' handle friendly"], // NS MSNP2–5, and every switchboard
    ['s2c', 6, 7, "trid result:'OK' handle friendly verified:bool01"],
    ['s2c', 8, 9, "trid result:'OK' handle friendly verified:bool01 reserved"],
  ],
  XFR: [
    ['c2s', 2, OPEN, "trid serverType:'SB|NS'"],
    ['s2c', 2, 2, "trid serverType:'NS' addr"],
    ['s2c', 3, 6, "trid serverType:'NS' addr reserved"],
    ['s2c', 7, 12, "trid serverType:'NS' addr reserved currentAddress:addr"],
    ['s2c', 13, 20, "trid serverType:'NS' addr 'U' 'D'"],
    ['s2c', 21, OPEN, "trid serverType:'NS' addr 'U' 'D' hop:b64headers"],
    ['s2c', 2, 12, "trid serverType:'SB' addr auth:'CKI' cookie"],
    ['s2c', 13, 13, "trid serverType:'SB' addr auth:'CKI' cookie 'U' serviceHost:raw"],
    ['s2c', 14, OPEN, "trid serverType:'SB' addr auth:'CKI' cookie 'U' serviceHost:raw direct:bool01"],
  ],
  OUT: [['both', 2, OPEN, 'out? minutes:int?']],

  // §3.2 presence
  CHG: [['both', 2, OPEN, 'trid status caps? msnobj?']],
  ILN: [
    ['s2c', 2, 13, 'trid status handle friendly caps? msnobj?'],
    ['s2c', 14, 17, 'trid status handle netid friendly caps msnobj? iconUrl:url?'],
    ['s2c', 18, OPEN, 'trid status nethandle friendly caps msnobj?'],
  ],
  NLN: [
    ['s2c', 2, 13, 'status handle friendly caps? msnobj?'],
    ['s2c', 14, 17, 'status handle netid friendly caps msnobj? iconUrl:url?'],
    ['s2c', 18, OPEN, 'status nethandle friendly caps msnobj?'],
  ],
  FLN: [
    ['s2c', 2, 13, 'handle'],
    ['s2c', 14, 17, 'handle netid caps?'],
    ['s2c', 18, OPEN, 'nethandle caps?'],
  ],
  UUX: [['both', 11, OPEN, 'trid len']],
  UBX: [
    ['s2c', 11, 13, 'handle len'],
    ['s2c', 14, 17, 'handle netid len'],
    ['s2c', 18, OPEN, 'nethandle len'],
  ],

  // §3.3 contact lists, MSNP2–12
  SYN: [
    ['c2s', 2, 9, 'trid ser'],
    ['c2s', 10, 12, 'trid timestamp1:raw timestamp2:raw'],
    ['s2c', 2, 9, 'trid ser contactCount:int? groupCount:int?'],
    ['s2c', 10, 12, 'trid timestamp1:raw timestamp2:raw contactCount:int groupCount:int'],
  ],
  LST: [
    ['c2s', 2, 7, 'trid list'],
    ['s2c', 2, 7, 'trid list ser index:int total:int handle? friendly? groups?', lstIndexTotal],
    ['s2c', 8, 9, 'handle friendly lists:listbits groups?'],
    ['s2c', 10, 11, 'N=handle F=friendly? C=contactId:guid? lists:listbits groups?'],
    ['s2c', 12, 12, 'N=handle F=friendly? C=contactId:guid? lists:listbits netid groups?'],
  ],
  LSG: [
    ['s2c', 7, 7, 'trid ser index:int total:int gid groupName:url reserved'],
    ['s2c', 8, 9, 'gid groupName:url reserved'],
    ['s2c', 10, 12, 'groupName:url gid'],
  ],
  GTC: [
    ['c2s', 2, 12, 'trid gtc'],
    ['s2c', 2, 9, 'trid ser gtc'],
    ['s2c', 10, 12, 'trid gtc'],
    ['s2c', 8, 12, 'gtc'], // inside a SYN reply
  ],
  BLP: [
    ['c2s', 2, OPEN, 'trid blp'],
    ['s2c', 2, 9, 'trid ser blp'],
    ['s2c', 10, OPEN, 'trid blp'],
    ['s2c', 8, 12, 'blp'], // inside a SYN reply
  ],
  ADD: [
    ['c2s', 2, 9, 'trid list handle friendly gid?'],
    ['s2c', 2, 9, 'trid list ser handle friendly gid?'],
    ['s2c', 2, 9, 'trid list handle friendly gid?'], // Escargot's `ADD 0 RL` has no serial
  ],
  ADC: [['both', 10, 12, 'trid list N=handle? F=friendly? C=contactId:guid? gid?']],
  REM: [
    ['c2s', 2, 9, 'trid list handle gid?'],
    ['s2c', 2, 9, 'trid list ser? handle gid?'], // `REM 0 RL{ ser} handle` when asynchronous
    ['both', 10, 12, 'trid list contact gid?'],
  ],
  ADG: [
    ['c2s', 7, 12, 'trid groupName:url reserved?'],
    ['s2c', 7, 9, 'trid ser groupName:url gid reserved?'],
    ['s2c', 10, 12, 'trid groupName:url gid reserved?'],
  ],
  RMG: [
    ['c2s', 7, 12, 'trid gid'],
    ['s2c', 7, 12, 'trid ser? gid'],
  ],
  REG: [
    ['c2s', 7, 12, 'trid gid groupName:url reserved?'],
    ['s2c', 7, 9, 'trid ser gid groupName:url reserved?'],
    // MSNP10–12 order is uncertain (reference §3.3): the echo order, or Escargot's `REG TrID 1 name id 0`.
    ['s2c', 10, 12, 'trid gid groupName:url reserved?'],
    ['s2c', 10, 12, 'trid ser groupName:url gid reserved?'],
  ],
  REA: [
    ['c2s', 2, 9, 'trid handle friendly'],
    ['s2c', 2, 9, 'trid ser handle friendly'],
  ],
  PRP: [
    ['c2s', 5, OPEN, 'trid prp value:url?'],
    ['s2c', 5, 9, 'trid ser prp value:url?'],
    ['s2c', 10, OPEN, 'trid prp value:url?'],
    ['s2c', 8, OPEN, 'prp value:url?'], // inside SYN, and PRP MFN after login
  ],
  BPR: [
    ['s2c', 5, 9, 'ser handle prp value:url?'],
    ['s2c', 8, 12, 'prp value:url?'], // inside SYN: applies to the preceding LST
    ['s2c', 10, 12, 'handle prp value:url?'],
  ],
  SBP: [['both', 10, 12, 'trid contactId:guid prp value:url']],
  IMS: [
    ['c2s', 3, OPEN, 'trid onoff'],
    ['s2c', 3, OPEN, 'trid reserved onoff'],
  ],

  // §3.4 address-book era
  ADL: [
    ['c2s', 13, OPEN, 'trid len'],
    ['s2c', 13, OPEN, "trid result:'OK'"],
    ['s2c', 13, OPEN, 'trid len'],
  ],
  RML: [
    ['c2s', 13, OPEN, 'trid len'],
    ['s2c', 13, OPEN, "trid result:'OK'"],
    ['s2c', 13, OPEN, 'trid len'],
  ],
  FQY: [['both', 14, OPEN, 'trid len']],
  UUN: [
    ['c2s', 13, OPEN, 'trid handle uun len'],
    ['s2c', 13, OPEN, "trid result:'OK'"],
  ],
  UBN: [['s2c', 13, OPEN, 'handle uun len']],
  UUM: [['c2s', 14, OPEN, 'trid handle netid uum len']],
  UBM: [
    ['s2c', 14, 15, 'handle netid uum len'],
    // MSNP16+ has six parameters, length last (reference §3.4, uncertain): the middle pair is a guess.
    ['s2c', 16, OPEN, 'handle netid to:raw toNetwork:raw uum len'],
  ],

  // §3.5 notifications, challenges, keep-alive, misc
  MSG: [
    ['c2s', 2, OPEN, 'trid ack len'],
    ['s2c', 2, OPEN, 'handle friendly len'],
  ],
  NOT: [['s2c', 5, OPEN, 'len']],
  IPG: [['s2c', 6, OPEN, 'len']],
  PAG: [['c2s', 5, 8, 'trid handle len']],
  PGD: [['c2s', 9, OPEN, 'trid handle device len']],
  CHL: [
    ['s2c', 6, OPEN, 'trid challenge:raw'],
    ['c2s', 6, OPEN, 'trid'],
  ],
  // The QRY response is the 32-byte payload, not a parameter.
  QRY: [
    ['c2s', 6, OPEN, 'trid prod len', qryLength],
    ['s2c', 6, OPEN, 'trid'],
  ],
  PNG: [['c2s', 2, OPEN, '']],
  QNG: [['s2c', 2, OPEN, 'seconds:int?']],
  SBS: [['s2c', 11, OPEN, 'trid value:raw']],
  GCF: [
    ['c2s', 11, 12, 'trid file:raw'],
    ['s2c', 11, 12, 'trid file:raw len'],
    ['s2c', 13, OPEN, 'trid len'],
  ],
  URL: [
    ['c2s', 5, OPEN, 'trid service:raw param:raw?'],
    ['s2c', 5, OPEN, 'trid rru:raw url:raw id:raw'],
  ],
  SND: [
    ['c2s', 2, 4, 'trid email:raw locale:raw?'],
    ['s2c', 2, 4, 'trid result:raw'],
  ],
  SDC: [
    ['c2s', 5, OPEN, 'trid email:raw locale:raw library:raw client:raw x1:raw x2:raw friendly len'],
    ['s2c', 5, OPEN, "trid result:'OK'"],
  ],
  FND: [
    ['c2s', 2, OPEN, 'trid kv*'],
    ['s2c', 2, OPEN, 'trid index:int total:int kv*'],
  ],

  // §3.6 switchboard
  CAL: [
    ['c2s', 2, OPEN, 'trid handle'],
    ['s2c', 2, OPEN, "trid result:'RINGING' sid"],
  ],
  RNG: [
    ['s2c', 2, 12, "sid addr auth:'CKI' cookie handle friendly"],
    ['s2c', 13, 13, "sid addr auth:'CKI' cookie handle friendly 'U' serviceHost:raw"],
    ['s2c', 14, OPEN, "sid addr auth:'CKI' cookie handle friendly 'U' serviceHost:raw direct:bool01"],
  ],
  ANS: [
    ['c2s', 2, OPEN, 'trid handle cookie sid'],
    ['s2c', 2, OPEN, "trid result:'OK'"],
  ],
  IRO: [['s2c', 2, OPEN, 'trid index:int total:int handle friendly caps?']],
  JOI: [['s2c', 2, OPEN, 'handle friendly caps?']],
  BYE: [['s2c', 2, OPEN, 'handle byereason?']],
  ACK: [['s2c', 2, OPEN, 'trid']],
  NAK: [['s2c', 2, OPEN, 'trid']],

  // §3.7 MSNP18+/21
  SDG: [['both', 18, OPEN, 'trid len']],
  PUT: [
    ['c2s', 18, OPEN, 'trid len'],
    ['s2c', 18, OPEN, "trid result:'OK' len?"],
  ],
  DEL: [
    ['c2s', 18, OPEN, 'trid len'],
    ['s2c', 18, OPEN, "trid result:'OK' len?"],
  ],
  // No TrID in captured traffic; msnp-sharp shows an optional one (reference §3.7).
  NFY: [['s2c', 18, OPEN, "trid? operation:'PUT|DEL' len"]],
  VAS: [['c2s', 18, OPEN, 'trid handle x:raw y:raw len']],
};
