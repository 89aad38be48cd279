// The real corpus through the decoder: frame counts, connections and first bytes checked against the
// facts recorded in corpus/real/SOURCES.md (verified there with TShark).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PacketDecoder } from '../../src/decode/decoder.js';
import { TcpFlag, type TcpSegment } from '../../src/decode/segment.js';
import type { Diagnostic } from '../../src/diag.js';
import { readCaptureBytes } from '../support/capture-builder.js';

const CORPUS = new URL('../../../shared/corpus/real/', import.meta.url);

function decodeFile(name: string): { frames: number; segments: TcpSegment[]; diags: Diagnostic[]; decoder: PacketDecoder } {
  const { packets, linkType } = readCaptureBytes(new Uint8Array(readFileSync(new URL(name, CORPUS))));
  expect(linkType).toBe(1);
  const diags: Diagnostic[] = [];
  const decoder = new PacketDecoder((d) => diags.push(d));
  const segments: TcpSegment[] = [];
  for (const p of packets) {
    const s = decoder.decode(p);
    if (s !== null) segments.push(s);
  }
  decoder.flush();
  return { frames: packets.length, segments, diags, decoder };
}

const endpoint = (s: TcpSegment, side: 'src' | 'dst'): string => (side === 'src' ? `${s.srcAddr}:${s.srcPort}` : `${s.dstAddr}:${s.dstPort}`);
const on1863 = (s: TcpSegment): boolean => s.srcPort === 1863 || s.dstPort === 1863;
const connections = (segs: TcpSegment[]): string[] =>
  [...new Set(segs.filter(on1863).map((s) => [endpoint(s, 'src'), endpoint(s, 'dst')].sort().join(' <> ')))].sort();

describe('real corpus', () => {
  it('PPA switchboard chat: 50 frames, one connection, handshake, no FIN', () => {
    const { frames, segments, diags, decoder } = decodeFile('msnp_sb-chat_2006_practical-packet-analysis.pcap');
    expect(frames).toBe(50);
    expect(diags).toEqual([]);
    expect(segments).toHaveLength(50);
    expect(connections(segments)).toEqual(['192.168.0.114:3331 <> 207.46.26.167:1863']);
    const [syn, synAck, ack] = segments;
    expect(syn!.flags).toBe(TcpFlag.SYN);
    expect(endpoint(syn!, 'src')).toBe('192.168.0.114:3331');
    expect(synAck!.flags).toBe(TcpFlag.SYN | TcpFlag.ACK);
    expect(synAck!.ack).toBe((syn!.seq + 1) >>> 0);
    expect(ack!.flags).toBe(TcpFlag.ACK);
    expect(segments.some((s) => s.flags & (TcpFlag.FIN | TcpFlag.RST))).toBe(false);
    const firstData = segments.find((s) => s.payload.length > 0)!;
    expect(Buffer.from(firstData.payload).toString('latin1')).toMatch(/^USR 93 tesla_brian@hotmail\.com /);
    expect(segments.every((s) => s.missingTail === 0)).toBe(true);
    expect(decoder.stats).toMatchObject({ packets: 50, tcp: 50, ipv4: 50, malformed: 0, truncated: 0 });
  });

  it('MSNP11 nDPI sample: 364 frames, six mid-stream connections of one client, all data, no SYN/FIN/RST', () => {
    const { frames, segments, diags } = decodeFile('msnp11_ns+sb_2005_wireshark-sample_via-ndpi.pcap');
    expect(frames).toBe(364);
    expect(diags).toEqual([]);
    expect(segments).toHaveLength(364);
    expect(segments.every((s) => on1863(s) && s.payload.length > 0 && (s.flags & (TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST)) === 0)).toBe(true);
    expect(connections(segments)).toEqual([
      '192.168.1.14:1037 <> 207.46.107.149:1863',
      '192.168.1.14:1176 <> 207.46.108.39:1863',
      '192.168.1.14:1208 <> 207.46.108.83:1863',
      '192.168.1.14:1217 <> 207.46.108.41:1863',
      '192.168.1.14:1220 <> 207.46.108.150:1863',
      '192.168.1.14:1221 <> 207.46.108.59:1863',
    ]);
    // Stream 0 is client→server only.
    expect(segments.filter((s) => s.dstPort === 1176)).toEqual([]);
  });

  it('DFRWS rhino1: 6557 frames of mixed traffic, 73 on the one MSNP connection', () => {
    const { frames, segments, diags } = decodeFile('dfrws2005-rodeo_rhino1_mixed-traffic_msnp-ns-png-qry_2004.pcap');
    expect(frames).toBe(6557);
    // The DFRWS host captured its own traffic: its TCP checksums are offloaded (tshark agrees).
    expect(diags.map((d) => [d.code, d.details?.source])).toEqual([['tcp.checksum_offload', '137.30.122.253']]);
    const msnp = segments.filter(on1863);
    expect(msnp).toHaveLength(73);
    expect(connections(segments)).toEqual(['137.30.122.253:1042 <> 207.46.106.113:1863']);
    expect(msnp.some((s) => s.flags & TcpFlag.SYN)).toBe(false);
  });

  it('DFRWS rhino3: the only TCP/1863 data is one 0x01 byte from the server', () => {
    const { frames, segments, diags } = decodeFile('dfrws2005-rodeo_rhino3_mixed-traffic_tcp1863-1byte-keepalive_2004.pcap');
    expect(frames).toBe(295);
    // The DFRWS host captured its own traffic: its TCP checksums are offloaded (tshark agrees).
    expect(diags.map((d) => [d.code, d.details?.source])).toEqual([['tcp.checksum_offload', '137.30.123.234']]);
    const msnp = segments.filter(on1863);
    expect(msnp).toHaveLength(2);
    expect(endpoint(msnp[0]!, 'src')).toBe('207.46.106.44:1863');
    expect(endpoint(msnp[0]!, 'dst')).toBe('137.30.123.234:1696');
    expect([...msnp[0]!.payload]).toEqual([0x01]);
    expect(msnp[1]!.payload.length).toBe(0);
    expect(msnp[1]!.flags & TcpFlag.ACK).toBeTruthy();
  });
});
