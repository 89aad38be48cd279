// Golden tests: every capture of the shared corpus, decoded by the real pipeline, must give exactly
// the committed outputs. Regenerate after an intended change with: UPDATE_GOLDEN=1 npx vitest run test/golden
// and review the diff like code.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runAnalysis } from '../support/run-analysis.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = resolve(here, '../../../shared/corpus');
const update = process.env.UPDATE_GOLDEN === '1';

function capturesIn(dir: string): string[] {
  const full = join(corpus, dir);
  return readdirSync(full)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => join(full, f));
}

// Default options, as a user runs it: the Escargot switchboards on port 1864 must be found from the
// XFR/RNG announcements (and content detection), not from a --port list.
const cases = [...capturesIn('real'), ...capturesIn('escargot-loopback')].map((file) => ({ file, ports: [1863] }));

const GOLDEN_EXTENSION = { ndjson: 'ndjson', transcript: 'txt', stats: 'stats.txt' } as const;

describe('golden outputs on the shared corpus', () => {
  it('finds the corpus beside the project', () => {
    expect(existsSync(corpus), `corpus expected at ${corpus}`).toBe(true);
    expect(cases.length).toBe(12);
  });

  for (const { file, ports } of cases) {
    const name = basename(file).replace(/\.(pcap|pcapng)$/, '');
    for (const format of ['ndjson', 'transcript', 'stats'] as const) {
      it(`${name} (${format})`, async () => {
        const { text } = await runAnalysis(file, { format, ports });
        const golden = join(here, `${name}.${GOLDEN_EXTENSION[format]}`);
        if (update) writeFileSync(golden, text);
        expect(existsSync(golden), `missing ${golden}: run with UPDATE_GOLDEN=1`).toBe(true);
        expect(text).toBe(readFileSync(golden, 'utf8'));
      });
    }
  }
});
