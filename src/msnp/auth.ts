// Verification of what a passive observer can check in MSNP authentication (reference §11):
// MSNP2–7 MD5 logins (against passwords the user supplies) and CHL/QRY challenge responses.

import { createHash } from 'node:crypto';
import { CONSTANTS } from './constants.js';

export type ChallengeAlgorithm = 'md5' | 'msnp11';

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

// --- MSNP2–7 MD5 login (§11.1) ------------------------------------------------------------------------

export type Md5LoginVerdict = { valid: true; password: string } | { valid: false };

/** `USR … MD5 S response` = md5hex(salt + password): which of `passwords`, if any, produced it. */
export function verifyMd5Login(salt: string, response: string, passwords: readonly string[]): Md5LoginVerdict {
  const want = response.trim().toLowerCase();
  for (const password of passwords) {
    if (md5Hex(salt + password) === want) return { valid: true, password };
  }
  return { valid: false };
}

// --- CHL/QRY (§11.2, §11.3) ------------------------------------------------------------------------------

/** MSNP6–10: md5hex(challenge + product key). */
export function md5ChallengeResponse(challenge: string, productKey: string): string {
  return md5Hex(challenge + productKey);
}

const MOD = 0x7fffffff;
const MAGIC = Number(CONSTANTS.chl_magic);

/** (a * b) % MOD for a, b < 2^31, exact in doubles: the product is taken in two halves of b (each < 2^48). */
function mulMod(a: number, b: number): number {
  return (((a * (b >>> 16)) % MOD) * 65536 + a * (b & 0xffff)) % MOD;
}

/**
 * MSNP11+: the §11.3 algorithm, step by step. Plain numbers: products go through mulMod, and `low` is kept
 * reduced (only `low % MOD` is used). An earlier BigInt version is the oracle in test/msnp/auth.test.ts.
 */
export function msnp11ChallengeResponse(challenge: string, productId: string, productKey: string): string {
  // 1. MD5 of challenge + key as four little-endian words; the masked copies drive the hash.
  const md5 = createHash('md5').update(challenge + productKey, 'utf8').digest();
  const h0 = md5.readUInt32LE(0);
  const h1 = md5.readUInt32LE(4);
  const h2 = md5.readUInt32LE(8);
  const h3 = md5.readUInt32LE(12);
  const k0 = h0 & MOD;
  const k1 = h1 & MOD;
  const k2 = h2 & MOD;
  const k3 = h3 & MOD;
  // 2. challenge + product id, padded with '0' to a multiple of 8 bytes (always 1…8 zeros).
  const text = Buffer.from(challenge + productId, 'utf8');
  const padded = Buffer.concat([text, Buffer.alloc(8 - (text.length % 8), 0x30)]);
  // 3. little-endian words, consumed in pairs.
  let high = 0;
  let low = 0;
  for (let i = 0; i + 8 <= padded.length; i += 8) {
    const w0 = padded.readUInt32LE(i);
    const w1 = padded.readUInt32LE(i + 4);
    let t = mulMod(w0 % MOD, MAGIC) + high;
    t = (mulMod(k0, t % MOD) + k1) % MOD;
    high = (w1 + t) % MOD;
    high = (mulMod(k2, high) + k3) % MOD;
    low = (low + high + t) % MOD;
  }
  // 5. final mixing.
  high = (high + k1) % MOD;
  low = (low + k3) % MOD;
  // 6. XOR with the *unmasked* MD5 words (Escargot's masked variant is wrong, reference §11.3).
  const out = Buffer.alloc(16);
  out.writeUInt32LE((h0 ^ high) >>> 0, 0);
  out.writeUInt32LE((h1 ^ low) >>> 0, 4);
  out.writeUInt32LE((h2 ^ high) >>> 0, 8);
  out.writeUInt32LE((h3 ^ low) >>> 0, 12);
  return out.toString('hex');
}

export function challengeResponse(algorithm: ChallengeAlgorithm, challenge: string, productId: string, productKey: string): string {
  return algorithm === 'md5' ? md5ChallengeResponse(challenge, productKey) : msnp11ChallengeResponse(challenge, productId, productKey);
}

/**
 * Which client build a product id stands for (reference §11.4, approximate: the table there says
 * the exact build per id is not certain). constants.json carries only ids and keys.
 */
const PRODUCT_CLIENTS: Readonly<Record<string, string>> = {
  'msmsgs@msnmsgr.com': 'MSN 4.x–6.x',
  'PROD0038W!61ZTF9': 'MSN 6.x',
  'PROD0058#7IL2{QD': 'MSN 6.x',
  'PROD0061VRRZH@4F': 'MSN 6.x',
  'PROD00504RLUG%WL': 'MD5-era MSN build',
  'PROD0076ENE8*@AW': 'MD5-era MSN build',
  'PROD0090YUAUV{2B': 'MSN 7.0',
  'PROD0101{0RM?UBW': 'MSN 7.5',
  'PROD01065C%ZFN6F': 'WLM 8.0',
  'PROD0112J1LW7%NB': 'WLM 8.1',
  'PROD0113H11T8$X_': 'WLM 8.x',
  'PROD0114ES4Z%Q5W': 'WLM 8.5',
  'PROD0118R6%2WYOS': 'WLM 2009 beta',
  'PROD0119GSJUC$18': 'WLM 2009',
  'PROD0120PW!CCV9@': 'WLM 2009 14.0.8050 / MSNP21 clients',
};

export function productClient(productId: string): string | null {
  return Object.prototype.hasOwnProperty.call(PRODUCT_CLIENTS, productId) ? (PRODUCT_CLIENTS[productId] ?? null) : null;
}

interface ProductKey {
  id: string;
  key: string;
  algorithm: string;
}
const PRODUCT_KEYS: readonly ProductKey[] = CONSTANTS.product_keys;

export interface ChallengeVerdict {
  /** Some known product key reproduces the response. */
  valid: boolean;
  /** The product whose key reproduces it (null when none does). */
  productId: string | null;
  /** The product id the QRY names. */
  claimedProductId: string;
  algorithm: ChallengeAlgorithm | null;
  /** The client build of `productId` (or of the claimed id when nothing matched). */
  client: string | null;
  /** The match needed another product's key than the QRY names, or the other dialect's algorithm. */
  unexpected: boolean;
  /** One line for transcripts. */
  message: string;
}

/** MSNP6–10 answer with MD5, MSNP11+ with the §11.3 algorithm; null when the dialect is unknown. */
function dialectAlgorithm(dialect: number | null): ChallengeAlgorithm | null {
  if (dialect === null) return null;
  return dialect >= 11 ? 'msnp11' : 'md5';
}

const ALGORITHM_LABEL: Readonly<Record<ChallengeAlgorithm, string>> = { md5: 'MD5 algorithm', msnp11: 'MSNP11 algorithm' };

/**
 * Recomputes a QRY response: first with the key of the product the QRY names and the dialect's
 * algorithm (both algorithms when the dialect is unknown), then with every known key and both
 * algorithms, so that a client answering with another build's key is still recognised.
 */
export function verifyChallengeResponse(challenge: string, productId: string, response: string, dialect: number | null): ChallengeVerdict {
  const want = response.trim().toLowerCase();
  const expected = dialectAlgorithm(dialect);
  const both: readonly ChallengeAlgorithm[] = expected === 'md5' ? ['md5', 'msnp11'] : ['msnp11', 'md5'];
  const fail = (why: string | null): ChallengeVerdict => ({
    valid: false,
    productId: null,
    claimedProductId: productId,
    algorithm: null,
    client: productClient(productId),
    unexpected: false,
    message: why === null ? 'no known key matches' : `no known key matches (${why})`,
  });
  if (!/^[0-9a-f]{32}$/.test(want)) return fail('the response is not 32 hex digits');

  const named = PRODUCT_KEYS.find((p) => p.id === productId);
  const firstTry: readonly ChallengeAlgorithm[] = expected !== null ? [expected] : named?.algorithm === 'md5' ? ['md5', 'msnp11'] : ['msnp11', 'md5'];
  if (named !== undefined) {
    for (const algorithm of firstTry) {
      if (challengeResponse(algorithm, challenge, named.id, named.key) === want) return verdict(named.id, algorithm, false);
    }
  }
  for (const algorithm of both) {
    for (const p of PRODUCT_KEYS) {
      if (p === named && firstTry.includes(algorithm)) continue;
      if (challengeResponse(algorithm, challenge, p.id, p.key) === want) return verdict(p.id, algorithm, true);
    }
  }
  return fail(named === undefined ? `product id ${productId} is not in the table` : null);

  function verdict(id: string, algorithm: ChallengeAlgorithm, unexpected: boolean): ChallengeVerdict {
    const client = productClient(id);
    const buts: string[] = [];
    if (id !== productId) buts.push(`the QRY names ${productId}`);
    if (expected !== null && algorithm !== expected) buts.push(`the session speaks MSNP${dialect ?? ''}`);
    const what = client === null ? ALGORITHM_LABEL[algorithm] : `${client}, ${ALGORITHM_LABEL[algorithm]}`;
    const message = `response valid for ${id} (${what})${buts.length > 0 ? ` although ${buts.join(' and ')}` : ''}`;
    return { valid: true, productId: id, claimedProductId: productId, algorithm, client, unexpected, message };
  }
}
