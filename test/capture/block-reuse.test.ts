// The file reader reads into two buffers in turn, so a packet's bytes are valid only until the next batch.
// Here every reused block is filled with garbage before it is read into again, at block sizes that cut
// records, lines and bodies everywhere: any packet bytes the analysis kept without copying would change
// the output, which must stay exactly the golden output of the whole corpus.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runAnalysis } from '../support/run-analysis.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = resolve(here, '../../../shared/corpus');
const golden = resolve(here, '../golden');

const files = ['real', 'escargot-loopback'].flatMap((dir) =>
  readdirSync(join(corpus, dir))
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => join(corpus, dir, f)),
);

describe('reused read blocks (poisoned before reuse) give the golden outputs', () => {
  for (const file of files) {
    const name = basename(file).replace(/\.(pcap|pcapng)$/, '');
    for (const blockSize of [777, 4096, 65_543]) {
      it(`${name}, ${blockSize}-byte blocks`, async () => {
        for (const [format, ext] of [['ndjson', 'ndjson'], ['transcript', 'txt']] as const) {
          const { text } = await runAnalysis(file, { format, read: { blockSize, poisonReusedBlocks: true } });
          expect(text).toBe(readFileSync(join(golden, `${name}.${ext}`), 'utf8'));
        }
      });
    }
  }
});
