// Runs built frames through the real packet decoder and collects its segments and diagnostics
// (shared by the decoder tests).

import type { RawPacket } from '../../src/capture/packet.js';
import { type DecoderOptions, PacketDecoder } from '../../src/decode/decoder.js';
import type { TcpSegment } from '../../src/decode/segment.js';
import type { Diagnostic } from '../../src/diag.js';

export function decodeAll(frames: readonly RawPacket[], opts: DecoderOptions = {}): { decoder: PacketDecoder; segments: TcpSegment[]; diags: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const decoder = new PacketDecoder((d) => diags.push(d), opts);
  const segments: TcpSegment[] = [];
  for (const f of frames) {
    const s = decoder.decode(f);
    if (s !== null) segments.push(s);
  }
  decoder.flush();
  return { decoder, segments, diags };
}

/** A segment's payload as Latin-1 text, for readable assertions. */
export const payloadText = (s: TcpSegment): string => Buffer.from(s.payload).toString('latin1');
