// The file reader reads into two buffers in turn, so a packet's bytes are valid only until the next batch.
// Here every reused block is filled with garbage before it is read into again, at block sizes that cut
// records, lines and bodies everywhere: any packet bytes the analysis kept without copying would change
// the output, which must stay exactly the golden output of the whole corpus.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Conversation, buildCapture } from '../support/capture-builder.js';
import { eventsOf, runAnalysis } from '../support/run-analysis.js';

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

describe('bytes held across batches survive the reuse of their blocks', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'msnsniff-block-reuse-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('an opening line split over segments far apart, on a port found by content', async () => {
    // The pieces of the NS's first line sit blocks apart (other traffic in between), so content
    // detection holds them while the blocks they came from are read into again.
    const ns = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:7001' }).handshake();
    ns.client('VER 1 MSNP8 CVR0\r\n', { split: [2, 5, 9, 14] }).server('VER 1 MSNP8\r\n');
    const web = new Conversation({ client: '10.0.0.3:40000', server: '10.0.0.4:80' }).handshake();
    for (let i = 0; i < 40; i++) web.client(`${'x'.repeat(400)}\r\n`);
    const [nsHandshake, nsData] = [ns.segments.slice(0, 3), ns.segments.slice(3)];
    const interleaved = [...nsHandshake];
    nsData.forEach((seg, i) => interleaved.push(seg, ...web.segments.slice(i * 8, i * 8 + 8)));
    const file = join(scratch, 'split-opening.pcap');
    writeFileSync(file, buildCapture(interleaved, { link: 'ethernet', format: 'pcap' }));
    const read = { blockSize: 1024, poisonReusedBlocks: true };
    const { text } = await runAnalysis(file, { format: 'ndjson', ports: [1863], read });
    const commands = eventsOf(text, 'command').map((c) => [c.dir, c.verb, c.args]);
    expect(commands).toEqual([
      ['c2s', 'VER', ['1', 'MSNP8', 'CVR0']],
      ['s2c', 'VER', ['1', 'MSNP8']],
    ]);
  });
});
