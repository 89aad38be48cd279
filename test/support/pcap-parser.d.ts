// Types for the parts of pcap-parser (untyped, 2013) the oracle test uses: classic pcap only.

declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';

  export interface GlobalHeader {
    magicNumber: number;
    majorVersion: number;
    minorVersion: number;
    gmtOffset: number;
    timestampAccuracy: number;
    snapshotLength: number;
    linkLayerType: number;
  }

  export interface PacketHeader {
    timestampSeconds: number;
    timestampMicroseconds: number;
    capturedLength: number;
    originalLength: number;
  }

  export interface Packet {
    header: PacketHeader;
    data: Buffer;
  }

  /** Emits 'globalHeader', 'packetHeader', 'packetData', 'packet', 'end' and 'error'. */
  export function parse(input: string | NodeJS.ReadableStream): EventEmitter;
}
