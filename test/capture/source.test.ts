// The capture front end: format detection by magic, the errors a user sees, and that packets do not depend
// on how the bytes arrive (whole, one byte at a time, small file blocks, a live pipe).

import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawPacket } from '../../src/capture/packet.js';
import { CaptureFormatError, CaptureOpenError, DEFAULT_BLOCK_SIZE, readCapture } from '../../src/capture/source.js';
import { PcapngWriter, concatBytes, writeCapture } from '../../src/capture/writer.js';
import { Conversation, buildFrames } from '../support/capture-builder.js';
import { pcapRecordOffsets, plain, read, removeTempFiles, sampleFrames, tempFile } from './helpers.js';

afterAll(removeTempFiles);

const frames = sampleFrames();
const pcapBytes = writeCapture({ format: 'pcap', linkType: 1 }, frames);

/** A pcapng with two sections of different byte order, SPB/OPB, a skipped block, and a damaged block. */
function mixedPcapng(): Uint8Array {
  const w = new PcapngWriter();
  const f = frames.map((p) => p.data);
  const blocks = [
    w.sectionHeader(),
    w.interfaceDescription({ linkType: 1, tsResolution: 9 }),
    w.interfaceDescription({ linkType: 1, tsResolution: 0x80 | 20 }),
    ...frames.slice(0, 5).map((p, i) => w.enhancedPacket({ interfaceId: i % 2, tsMicros: p.tsMicros, data: p.data })),
    w.block(5, new Uint8Array(40)),
    w.simplePacket({ data: f[5]! }),
    w.sectionHeader({ bigEndian: true }),
    w.interfaceDescription({ linkType: 1, snaplen: 100 }),
    w.obsoletePacket({ tsMicros: frames[6]!.tsMicros, data: f[6]! }),
    w.enhancedPacket({ tsMicros: frames[7]!.tsMicros, data: f[7]! }),
    w.enhancedPacket({ tsMicros: frames[8]!.tsMicros, data: f[8]! }),
  ];
  const bytes = concatBytes(blocks);
  const damagedAt = blocks.slice(0, -2).reduce((n, b) => n + b.length, 0);
  new DataView(bytes.buffer).setUint32(damagedAt + 4, 13, false); // length not a multiple of 4
  return bytes;
}

/** Classic pcap with garbage inserted and a cut last record: diagnostics as well as packets. */
function damagedPcap(): Uint8Array {
  const at = pcapRecordOffsets(pcapBytes);
  return concatBytes([pcapBytes.subarray(0, at[4]), new Uint8Array(11).fill(0xee), pcapBytes.subarray(at[4], pcapBytes.length - 7)]);
}

async function firstError(input: string | NodeJS.ReadableStream): Promise<Error> {
  const it = readCapture(input, () => {})[Symbol.asyncIterator]();
  try {
    await it.next();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('errors the user sees', () => {
  it('says that a text file is not a capture, naming its first four bytes', async () => {
    const path = tempFile('trace.txt', 'HTTP/1.1 200 OK\r\n\r\n');
    const err = await firstError(path);
    expect(err).toBeInstanceOf(CaptureFormatError);
    expect(err.name).toBe('CaptureFormatError');
    expect(err.message).toBe(`${path} is not a pcap or pcapng capture (starts with 0x48545450)`);
  });

  it('recognises gzip data and says so', async () => {
    const err = await firstError(Readable.from([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])]));
    expect(err.message).toBe('input is not a pcap or pcapng capture (starts with 0x1f8b0800: gzip data, decompress it first)');
  });

  it('says that an empty file or stream is empty, and a 3-byte one too short', async () => {
    expect((await firstError(tempFile('empty.pcap', ''))).message).toMatch(/empty\.pcap is empty$/);
    const err = await firstError(Readable.from([]));
    expect(err).toBeInstanceOf(CaptureFormatError);
    expect(err.message).toBe('input is empty');
    expect((await firstError(Readable.from([Buffer.from([0xd4, 0xc3, 0xb2])]))).message).toBe(
      'input is not a pcap or pcapng capture (only 3 bytes: 0xd4c3b2)',
    );
  });

  it('says that a file is missing, a directory, or unreadable, in one line', async () => {
    const missing = join(dirname(tempFile('x', '')), 'missing.pcap');
    const err = await firstError(missing);
    expect(err).toBeInstanceOf(CaptureOpenError);
    expect(err.name).toBe('CaptureOpenError');
    expect(err.message).toBe(`cannot open ${missing}: no such file or directory`);
    const dir = join(dirname(missing), 'a-directory');
    mkdirSync(dir, { recursive: true });
    expect((await firstError(dir)).message).toBe(`cannot open ${dir}: is a directory`);
  });

  it.skipIf(process.getuid?.() === 0)('says permission denied', async () => {
    const path = tempFile('secret.pcap', pcapBytes);
    chmodSync(path, 0o000);
    expect((await firstError(path)).message).toBe(`cannot open ${path}: permission denied`);
  });

  it('throws from the first next(), not when called', async () => {
    const iterable = readCapture('/nonexistent/trace.pcap', () => {});
    await expect(iterable[Symbol.asyncIterator]().next()).rejects.toThrow('cannot open /nonexistent/trace.pcap: no such file or directory');
  });

  it('turns a failing stream into a CaptureOpenError', async () => {
    const stream = new Readable({
      read() {
        this.destroy(new Error('device gone'));
      },
    });
    const err = await firstError(stream);
    expect(err).toBeInstanceOf(CaptureOpenError);
    expect(err.message).toBe('cannot read input: device gone');
  });
});

describe('chunking does not change the output', () => {
  const cases: Array<[string, Uint8Array]> = [
    ['pcap', pcapBytes],
    ['big-endian ns pcap', writeCapture({ format: 'pcap-ns', linkType: 1, bigEndian: true }, frames)],
    ['pcapng with two sections, SPB, OPB and damage', mixedPcapng()],
    ['pcap with garbage and a cut last record', damagedPcap()],
  ];

  for (const [name, bytes] of cases) {
    it(`${name}: one byte at a time equals whole`, async () => {
      const whole = await read(bytes);
      expect(whole.packets.length).toBeGreaterThan(5);
      const bytewise = await read(bytes, { chunks: 1 });
      expect(plain(bytewise.packets)).toEqual(plain(whole.packets));
      expect(bytewise.diags).toEqual(whole.diags);
    });

    it(`${name}: small file blocks equal whole`, async () => {
      const whole = await read(bytes);
      const path = tempFile(`${name.replace(/\W+/g, '-')}.cap`, bytes);
      for (const blockSize of [3, 64, 1000, 4096]) {
        const r = await read(path, { blockSize });
        // Compared after the whole read: a block reused for a later read would show here.
        expect(plain(r.packets)).toEqual(plain(whole.packets));
        expect(r.diags).toEqual(whole.diags);
      }
    });
  }

  it('reads a multi-block file with the default block size, one batch per block', async () => {
    const conv = new Conversation({ client: '10.0.0.2:50000', server: '10.0.0.1:1863' });
    for (let i = 0; i < 2500; i++) conv.client(`MSG ${i} N 1400\r\n${'m'.repeat(1400)}`);
    const big = buildFrames(conv.segments);
    const bytes = writeCapture({ format: 'pcap', linkType: 1 }, big);
    expect(bytes.length).toBeGreaterThan(3 << 20);
    const r = await read(tempFile('big.pcap', bytes));
    expect(r.diags).toEqual([]);
    expect(r.packets.length).toBe(big.length);
    expect(r.batches).toBe(Math.ceil(bytes.length / DEFAULT_BLOCK_SIZE));
    expect(plain(r.packets.slice(-3))).toEqual(plain(big.slice(-3)));
    expect(r.packets.every((p, i) => p.index === i + 1 && p.data.length === big[i]!.data.length)).toBe(true);
  });

  it('yields views into two blocks read into in turn; each packet is right during its batch', async () => {
    const blockSize = 512;
    expect(pcapBytes.length).toBeGreaterThan(4 * blockSize);
    const seen: RawPacket[] = [];
    const blocks = new Set<ArrayBufferLike>();
    let views = 0;
    for await (const batch of readCapture(tempFile('views.pcap', pcapBytes), () => {}, { blockSize })) {
      for (const p of batch) {
        // A view into a whole block, unless the record straddled two blocks (then it was joined).
        if (p.data.buffer.byteLength === blockSize) {
          blocks.add(p.data.buffer);
          views++;
        }
        seen.push({ ...p, data: p.data.slice() });
      }
    }
    expect(views).toBeGreaterThan(frames.length / 2);
    expect(blocks.size).toBe(2);
    expect(plain(seen)).toEqual(plain(frames));
  });
});

describe('streams', () => {
  it('yields packets as they arrive, before the stream ends', async () => {
    const pipe = new PassThrough();
    const it = readCapture(pipe, () => {})[Symbol.asyncIterator]();
    const at = pcapRecordOffsets(pcapBytes);
    pipe.write(pcapBytes.subarray(0, at[2]));
    const first = await it.next();
    expect(plain(first.value as RawPacket[])).toEqual(plain(frames.slice(0, 2)));
    // Half a record: nothing yet; the rest of it: the packet.
    pipe.write(pcapBytes.subarray(at[2], (at[2] as number) + 20));
    const pending = it.next();
    pipe.write(pcapBytes.subarray((at[2] as number) + 20, at[3]));
    expect(plain((await pending).value as RawPacket[])).toEqual(plain([frames[2]!]));
    pipe.end(pcapBytes.subarray(at[3]));
    const rest: RawPacket[] = [];
    for (let r = await it.next(); r.done !== true; r = await it.next()) rest.push(...r.value);
    expect(plain(rest)).toEqual(plain(frames.slice(3)));
  });

  it('stops reading when the consumer breaks off', async () => {
    const pipe = new PassThrough();
    pipe.write(pcapBytes);
    for await (const batch of readCapture(pipe, () => {})) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    expect(pipe.destroyed).toBe(true);
  });

  it('stops reading a file when the consumer breaks off, and can read it again', async () => {
    const path = tempFile('early.pcap', pcapBytes);
    for await (const batch of readCapture(path, () => {}, { blockSize: 100 })) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    expect((await read(path)).packets).toHaveLength(frames.length);
  });
});
