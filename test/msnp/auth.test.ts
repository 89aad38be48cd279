import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  md5ChallengeResponse,
  md5Hex,
  msnp11ChallengeResponse,
  productClient,
  verifyChallengeResponse,
  verifyMd5Login,
} from '../../src/msnp/auth.js';

interface ChallengeVector {
  algo: 'md5' | 'msnp11';
  challenge: string;
  product_id: string;
  product_key: string;
  response: string;
}
const vectors = JSON.parse(readFileSync(new URL('../../../shared/protocol/testvectors.json', import.meta.url), 'utf8')) as {
  md5_auth: { salt: string; password: string; response: string };
  challenges: ChallengeVector[];
};

describe('MD5 login (MSNP2–7)', () => {
  const { salt, password, response } = vectors.md5_auth;

  it('md5Hex of salt + password is the test vector', () => {
    expect(md5Hex(salt + password)).toBe(response);
  });

  it('finds the password among candidates', () => {
    expect(verifyMd5Login(salt, response, ['hunter2', password, 'other'])).toEqual({ valid: true, password });
    expect(verifyMd5Login(salt, response.toUpperCase(), [password])).toEqual({ valid: true, password });
  });

  it('rejects when no candidate matches', () => {
    expect(verifyMd5Login(salt, response, ['wrong'])).toEqual({ valid: false });
    expect(verifyMd5Login(salt, response, [])).toEqual({ valid: false });
    expect(verifyMd5Login(salt, '7f919fab309532df353c901430df36fb', [password])).toEqual({ valid: false });
  });
});

describe('challenge algorithms', () => {
  it('MSNP8 example: md5(challenge + msmsgs key) (reference §11.3)', () => {
    expect(md5ChallengeResponse('15570131571988941333', 'Q1P7W2E4J9R8U3S5')).toBe('8f2f5a91b72102cd28355e9fc9000d6e');
  });

  it('MSNP11 example (reference §11.3)', () => {
    expect(msnp11ChallengeResponse('22210219642164014968', 'PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL')).toBe('85ecb0db8f32113df79ce0892b9a102c');
  });

  it.each(vectors.challenges)('$algo $challenge $product_id', (v) => {
    const got =
      v.algo === 'md5' ? md5ChallengeResponse(v.challenge, v.product_key) : msnp11ChallengeResponse(v.challenge, v.product_id, v.product_key);
    expect(got).toBe(v.response);
  });

  it('pads to a multiple of 8 with 1…8 zeros (every challenge length)', () => {
    // Not a reference vector: checks the padding rule does not crash or repeat outputs across lengths.
    const seen = new Set<string>();
    for (let n = 0; n < 24; n++) {
      const r = msnp11ChallengeResponse('7'.repeat(n), 'PROD0090YUAUV{2B', 'YMM8C_H7KCQ2S_KL');
      expect(r).toMatch(/^[0-9a-f]{32}$/);
      seen.add(r);
    }
    expect(seen.size).toBe(24);
  });

  it('equals the step-by-step BigInt version of §11.3 on any challenge, product id and key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (challenge, id, key) => {
        expect(msnp11ChallengeResponse(challenge, id, key)).toBe(bigIntMsnp11(challenge, id, key));
      }),
      { numRuns: 2000 },
    );
  });
});

/** §11.3 with BigInt throughout (products reach 2^62, `low` grows unbounded): the oracle for the Number version. */
function bigIntMsnp11(challenge: string, productId: string, productKey: string): string {
  const MOD = 0x7fffffffn;
  const MAGIC = 0x0e79a9c1n;
  const md5 = createHash('md5').update(challenge + productKey, 'utf8').digest();
  const h = [0, 1, 2, 3].map((i) => BigInt(md5.readUInt32LE(i * 4)));
  const [k0, k1, k2, k3] = h.map((w) => w & MOD) as [bigint, bigint, bigint, bigint];
  const text = Buffer.from(challenge + productId, 'utf8');
  const padded = Buffer.concat([text, Buffer.alloc(8 - (text.length % 8), 0x30)]);
  let high = 0n;
  let low = 0n;
  for (let i = 0; i + 8 <= padded.length; i += 8) {
    let t = ((BigInt(padded.readUInt32LE(i)) * MAGIC) % MOD) + high;
    t = (k0 * t + k1) % MOD;
    high = (BigInt(padded.readUInt32LE(i + 4)) + t) % MOD;
    high = (k2 * high + k3) % MOD;
    low = low + high + t;
  }
  high = (high + k1) % MOD;
  low = (low + k3) % MOD;
  const out = Buffer.alloc(16);
  h.forEach((w, i) => out.writeUInt32LE(Number(w ^ (i % 2 === 0 ? high : low)), i * 4));
  return out.toString('hex');
}

describe('verifyChallengeResponse', () => {
  it.each(vectors.challenges)('valid: $algo $product_id on $challenge', (v) => {
    const dialect = v.algo === 'md5' ? 8 : 15;
    const verdict = verifyChallengeResponse(v.challenge, v.product_id, v.response, dialect);
    expect(verdict).toMatchObject({ valid: true, productId: v.product_id, claimedProductId: v.product_id, algorithm: v.algo, unexpected: false });
    expect(verdict.client).toBe(productClient(v.product_id));
    expect(verdict.message).toBe(`response valid for ${v.product_id} (${verdict.client ?? ''}, ${v.algo === 'md5' ? 'MD5' : 'MSNP11'} algorithm)`);
    // Unknown dialect: both algorithms are tried, the verdict is the same.
    expect(verifyChallengeResponse(v.challenge, v.product_id, v.response, null)).toEqual(verdict);
  });

  it('the transcript line of the reference example', () => {
    const v = verifyChallengeResponse('22210219642164014968', 'PROD0090YUAUV{2B', '85ecb0db8f32113df79ce0892b9a102c', 11);
    expect(v.message).toBe('response valid for PROD0090YUAUV{2B (MSN 7.0, MSNP11 algorithm)');
  });

  it('the QRY of reference §13.1 (MSNP8) and §13.2 (MSNP15)', () => {
    expect(verifyChallengeResponse('15570131571988941333', 'msmsgs@msnmsgr.com', '8f2f5a91b72102cd28355e9fc9000d6e', 8)).toMatchObject({
      valid: true,
      algorithm: 'md5',
      message: 'response valid for msmsgs@msnmsgr.com (MSN 4.x–6.x, MD5 algorithm)',
    });
    expect(verifyChallengeResponse('13038318816579321232', 'PROD0114ES4Z%Q5W', 'd29978c57727acabb46c60fc0166c5cb', 15)).toMatchObject({
      valid: true,
      algorithm: 'msnp11',
      client: 'WLM 8.5',
    });
  });

  it('a wrong response matches no key', () => {
    const v = verifyChallengeResponse('22210219642164014968', 'PROD0090YUAUV{2B', '85ecb0db8f32113df79ce0892b9a102d', 11);
    expect(v).toEqual({
      valid: false,
      productId: null,
      claimedProductId: 'PROD0090YUAUV{2B',
      algorithm: null,
      client: 'MSN 7.0',
      unexpected: false,
      message: 'no known key matches',
    });
  });

  it('an unknown product id with a known key’s valid response', () => {
    const v = verifyChallengeResponse('22210219642164014968', 'PROD9999XXXXXXXX', '85ecb0db8f32113df79ce0892b9a102c', 11);
    expect(v).toEqual({
      valid: true,
      productId: 'PROD0090YUAUV{2B',
      claimedProductId: 'PROD9999XXXXXXXX',
      algorithm: 'msnp11',
      client: 'MSN 7.0',
      unexpected: true,
      message: 'response valid for PROD0090YUAUV{2B (MSN 7.0, MSNP11 algorithm) although the QRY names PROD9999XXXXXXXX',
    });
  });

  it('an unknown product id and no match', () => {
    const v = verifyChallengeResponse('22210219642164014968', 'PROD9999XXXXXXXX', '00000000000000000000000000000000', null);
    expect(v.valid).toBe(false);
    expect(v.message).toBe('no known key matches (product id PROD9999XXXXXXXX is not in the table)');
  });

  it('a known product id answered with another product’s key', () => {
    const v = verifyChallengeResponse('13038318816579321232', 'PROD0090YUAUV{2B', 'd29978c57727acabb46c60fc0166c5cb', 15);
    expect(v).toMatchObject({ valid: true, productId: 'PROD0114ES4Z%Q5W', unexpected: true });
    expect(v.message).toBe('response valid for PROD0114ES4Z%Q5W (WLM 8.5, MSNP11 algorithm) although the QRY names PROD0090YUAUV{2B');
  });

  it('the other dialect’s algorithm', () => {
    // An MD5-era response in an MSNP15 session.
    const v = verifyChallengeResponse('15570131571988941333', 'msmsgs@msnmsgr.com', '8f2f5a91b72102cd28355e9fc9000d6e', 15);
    expect(v).toMatchObject({ valid: true, productId: 'msmsgs@msnmsgr.com', algorithm: 'md5', unexpected: true });
    expect(v.message).toBe('response valid for msmsgs@msnmsgr.com (MSN 4.x–6.x, MD5 algorithm) although the session speaks MSNP15');
  });

  it('a response that is not 32 hex digits', () => {
    expect(verifyChallengeResponse('1', 'msmsgs@msnmsgr.com', 'xyz', 8).message).toBe('no known key matches (the response is not 32 hex digits)');
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.oneof(fc.constant(null), fc.integer({ min: -3, max: 40 })), (c, p, r, d) => {
        const v = verifyChallengeResponse(c, p, r, d);
        expect(typeof v.message).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});
