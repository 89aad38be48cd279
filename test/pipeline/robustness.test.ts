// Damaged captures never crash the analysis: every truncated prefix and random byte corruption of real
// captures decodes to events and diagnostics, never to an exception.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runAnalysis } from '../support/run-analysis.js';

const corpus = new URL('../../../shared/corpus/', import.meta.url);
const files = {
  ppa: readFileSync(new URL('real/msnp_sb-chat_2006_practical-packet-analysis.pcap', corpus)),
  quickstart: readFileSync(new URL('../../fixtures/quickstart.pcapng', import.meta.url)),
  // HTTP gateway (two sessions interleaved on one keep-alive connection) and P2P/SLP bodies.
  gateway: readFileSync(new URL('escargot-loopback/escargot2017-server_scripted-client_msnp9+msnp11_http-gateway-ns+sb.pcap', corpus)),
  p2p: readFileSync(new URL('escargot-loopback/escargot2017-server_scripted-client_msnp8-twn_ns+sb+p2p-ft.pcap', corpus)),
};

async function analyseOk(bytes: Uint8Array): Promise<void> {
  const { text, summary } = await runAnalysis(bytes, { format: 'ndjson', ports: [1863] });
  // The summary line is the last thing written: the run went to the end.
  expect(text.trimEnd().split('\n').pop()).toMatch(/^\{"type":"summary"/);
  expect(summary.packets).toBeGreaterThanOrEqual(0);
}

describe('every truncated prefix decodes without an exception', () => {
  for (const [name, bytes] of Object.entries(files)) {
    it(name, async () => {
      // Every prefix up to the first few records, then a stride through the rest (the full set is slow).
      const stride = bytes.length > 20_000 ? 97 : 13;
      for (let n = 24; n <= bytes.length; n += n < 600 ? 1 : stride) await analyseOk(bytes.subarray(0, n));
      await analyseOk(bytes);
    });
  }
});

describe('random corruption decodes without an exception', () => {
  it('regression: a flipped interface clock and timestamp put a packet past year 9999 (fast-check seed -1486521318)', async () => {
    const copy = Uint8Array.from(files.quickstart);
    copy[190] = 0;
    copy[9155] = 119;
    const { text } = await runAnalysis(copy, { format: 'ndjson', ports: [1863] });
    expect(text).toContain('"code":"pcapng.bad_timestamp"');
    await analyseOk(copy);
  });


  for (const [name, bytes] of Object.entries(files)) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 40 }), async (flips) => {
          const copy = Uint8Array.from(bytes);
          // Keep the file header so the capture is still recognised; everything after it is fair game.
          for (const [at, value] of flips) if (at >= 24) copy[at] = value;
          await analyseOk(copy);
        }),
        { numRuns: Number(process.env.ROBUSTNESS_RUNS ?? (bytes.length > 20_000 ? 60 : 150)) },
      );
    });
  }
});
