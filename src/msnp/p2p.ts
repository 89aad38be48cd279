// P2P ("MSNC") binary transport packets (MSNP.md §8.1–8.5, §8.10): the 48-byte little-endian P2Pv1
// header, the P2Pv2 big-endian header with its TLVs, and the 4-byte big-endian AppID footer. No data copied.

import { CONSTANTS } from './constants.js';

export const P2P_V1_HEADER_BYTES = 48;
export const P2P_FOOTER_BYTES = 4;

export interface P2pV1Header {
  sessionId: number;
  identifier: number;
  /** 64-bit fields are numbers; values past 2^53 are reported as a problem by decodeP2pPacket. */
  offset: number;
  totalSize: number;
  messageLength: number;
  flags: number;
  /** `0x01000030` style. */
  flagsHex: string;
  /** Names from CONSTANTS.p2p_flags: the exact value when it has one, else each named bit. */
  flagNames: string[];
  ackIdentifier: number;
  ackUniqueId: number;
  ackDataSize: number;
}

export interface P2pTlv {
  type: number;
  length: number;
  name: string | null;
  /** Numeric TLVs (ACK/NAK sequence, data remaining) as numbers, others as hex. */
  value: number | string;
}

export interface P2pV2Header {
  headerLength: number;
  opcode: number;
  opcodeNames: string[];
  /** L: data header + data bytes. */
  payloadLength: number;
  sequence: number;
  tlvs: P2pTlv[];
  /** Present when payloadLength > 0. */
  data: P2pV2DataHeader | null;
}

export interface P2pV2DataHeader {
  headerLength: number;
  tf: number;
  tfName: string | null;
  packageNumber: number;
  sessionId: number;
  tlvs: P2pTlv[];
  /** From the 0x01 TLV: bytes of the message still to come after this packet. */
  dataRemaining: number | null;
}

/** What a packet is for, so reporters and the session tracker need not re-derive it from flags. */
export type P2pRole =
  | 'slp'
  | 'slp-continuation'
  | 'ack'
  | 'nak'
  | 'data-preparation'
  | 'file-data'
  | 'msnobject-data'
  | 'data'
  | 'close'
  | 'error'
  | 'tlp-error'
  | 'handshake'
  | 'control'
  | 'unknown';

export interface P2pFooter {
  appId: number;
  appName: string | null;
}

interface P2pPacketBase {
  role: P2pRole;
  sessionId: number;
  /** Where this packet's data starts within the bytes given to decodeP2pPacket, and how long it is. */
  dataOffset: number;
  dataLength: number;
  /** Position of this chunk within its P2P message (v1: Offset/TotalSize; v2: derived where possible). */
  chunk: P2pChunkInfo;
  footer: P2pFooter | null;
  problems: string[];
}

export interface P2pChunkInfo {
  offset: number | null;
  totalSize: number | null;
  length: number;
  first: boolean;
  /** This chunk completes its message (v1: Offset + MessageLength = TotalSize; v2: no data remaining). */
  last: boolean;
}

export interface P2pV1Packet extends P2pPacketBase {
  version: 1;
  header: P2pV1Header | null;
}

export interface P2pV2Packet extends P2pPacketBase {
  version: 2;
  header: P2pV2Header | null;
}

export type P2pPacket = P2pV1Packet | P2pV2Packet;

export interface P2pDecodeOptions {
  /** Switchboard/SDG carriage has the AppID footer; direct connections do not. */
  footer: boolean;
  /** 'auto' picks whichever header fits the byte count (v1 first). */
  version?: 1 | 2 | 'auto';
}

const FLAG_NAMES = numericTable(CONSTANTS.p2p_flags);
const APP_NAMES = numericTable(CONSTANTS.p2p_app_ids);
const V2_OPCODES = numericTable(CONSTANTS.p2p_v2.opcodes);
const V2_TF = numericTable(CONSTANTS.p2p_v2.tf);

/** Bits the role logic tests; names come from the constants table. */
const FLAG = { NAK: 0x1, ACK: 0x2, WAIT: 0x4, ERROR: 0x8, FILE: 0x10, OBJECT: 0x20, CLOSE: 0x40, TLP_ERROR: 0x80, HANDSHAKE: 0x100, SLP_INFO: 0x1000000 };

function numericTable(table: Record<string, string>): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(table)) {
    const n = Number(k);
    if (Number.isFinite(n)) m.set(n, v);
  }
  return m;
}

export function p2pFlagNames(flags: number): string[] {
  const exact = FLAG_NAMES.get(flags);
  if (exact !== undefined) return [exact];
  const names: string[] = [];
  for (let b = 0; b < 32; b++) {
    const bit = 2 ** b;
    if ((flags & bit) !== 0) names.push(FLAG_NAMES.get(bit) ?? `0x${bit.toString(16)}`);
  }
  return names;
}

function p2pAppName(appId: number): string | null {
  return APP_NAMES.get(appId) ?? null;
}

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** 64-bit little-endian as a number (exact up to 2^53). */
function u64le(v: DataView, at: number): number {
  return v.getUint32(at + 4, true) * 0x100000000 + v.getUint32(at, true);
}

function u64be(v: DataView, at: number): number {
  return v.getUint32(at, false) * 0x100000000 + v.getUint32(at + 4, false);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The 48-byte header at `at`, or null when fewer than 48 bytes are there. */
export function decodeP2pV1Header(bytes: Uint8Array, at = 0): P2pV1Header | null {
  if (bytes.length - at < P2P_V1_HEADER_BYTES) return null;
  const v = view(bytes);
  const flags = v.getUint32(at + 28, true);
  return {
    sessionId: v.getUint32(at, true),
    identifier: v.getUint32(at + 4, true),
    offset: u64le(v, at + 8),
    totalSize: u64le(v, at + 16),
    messageLength: v.getUint32(at + 24, true),
    flags,
    flagsHex: hex32(flags),
    flagNames: p2pFlagNames(flags),
    ackIdentifier: v.getUint32(at + 32, true),
    ackUniqueId: v.getUint32(at + 36, true),
    ackDataSize: u64le(v, at + 40),
  };
}

export function decodeP2pPacket(bytes: Uint8Array, options: P2pDecodeOptions): P2pPacket {
  const version = options.version ?? 'auto';
  if (version === 1) return decodeV1(bytes, options.footer);
  if (version === 2) return decodeV2(bytes, options.footer);
  if (v1Fits(bytes, options.footer)) return decodeV1(bytes, options.footer);
  if (v2Fits(bytes, options.footer)) return decodeV2(bytes, options.footer);
  return decodeV1(bytes, options.footer);
}

/** Whether the bytes are exactly one P2Pv1 packet (header + MessageLength + footer). */
function v1Fits(bytes: Uint8Array, footer: boolean): boolean {
  if (bytes.length < P2P_V1_HEADER_BYTES + (footer ? P2P_FOOTER_BYTES : 0)) return false;
  const ml = view(bytes).getUint32(24, true);
  return P2P_V1_HEADER_BYTES + ml + (footer ? P2P_FOOTER_BYTES : 0) === bytes.length;
}

/** Whether the bytes are exactly one P2Pv2 packet (H + L + footer, H a plausible header length). */
function v2Fits(bytes: Uint8Array, footer: boolean): boolean {
  if (bytes.length < 8) return false;
  const h = bytes[0] as number;
  if (h < 8 || h % 4 !== 0) return false;
  const l = view(bytes).getUint16(2, false);
  if (h + l + (footer ? P2P_FOOTER_BYTES : 0) !== bytes.length) return false;
  if (l === 0) return true;
  const d = bytes[h] as number;
  return d >= 8 && d <= l;
}

function readFooter(bytes: Uint8Array, at: number): P2pFooter | null {
  if (at < 0 || at + P2P_FOOTER_BYTES > bytes.length) return null;
  const appId = view(bytes).getUint32(at, false);
  return { appId, appName: p2pAppName(appId) };
}

function decodeV1(bytes: Uint8Array, hasFooter: boolean): P2pV1Packet {
  const problems: string[] = [];
  const header = decodeP2pV1Header(bytes);
  if (header === null) {
    problems.push(`p2p.truncated_header: ${bytes.length} bytes, a P2Pv1 header needs ${P2P_V1_HEADER_BYTES}`);
    return {
      version: 1,
      header: null,
      role: 'unknown',
      sessionId: 0,
      dataOffset: Math.min(bytes.length, P2P_V1_HEADER_BYTES),
      dataLength: 0,
      chunk: { offset: null, totalSize: null, length: 0, first: false, last: false },
      footer: null,
      problems,
    };
  }
  const footerBytes = hasFooter ? P2P_FOOTER_BYTES : 0;
  const present = Math.max(0, bytes.length - P2P_V1_HEADER_BYTES - footerBytes);
  const dataLength = Math.min(header.messageLength, present);
  if (header.messageLength > present) {
    problems.push(`p2p.bad_length: MessageLength ${header.messageLength} but only ${present} data bytes present`);
  } else if (header.messageLength < present) {
    problems.push(`p2p.bad_length: MessageLength ${header.messageLength} but ${present} bytes follow the header`);
  }
  let footer: P2pFooter | null = null;
  if (hasFooter) {
    footer = readFooter(bytes, P2P_V1_HEADER_BYTES + header.messageLength);
    if (footer === null && bytes.length >= P2P_V1_HEADER_BYTES + P2P_FOOTER_BYTES) {
      // Length mismatch: the last four bytes are the best guess for the footer.
      footer = readFooter(bytes, bytes.length - P2P_FOOTER_BYTES);
    }
    if (footer === null) problems.push('p2p.missing_footer: no room for the 4-byte AppID footer');
  }
  for (const [name, value] of [['Offset', header.offset], ['TotalSize', header.totalSize], ['AckDataSize', header.ackDataSize]] as const) {
    if (value > Number.MAX_SAFE_INTEGER) problems.push(`p2p.bad_value: ${name} does not fit 53 bits`);
  }
  // An ACK's Offset/TotalSize describe the acknowledged message, not a chunk of its own.
  const isAck = (header.flags & FLAG.ACK) !== 0;
  if (!isAck && header.offset + header.messageLength > header.totalSize) {
    problems.push(`p2p.bad_offset: Offset ${header.offset} + MessageLength ${header.messageLength} exceeds TotalSize ${header.totalSize}`);
  }
  return {
    version: 1,
    header,
    role: v1Role(header, bytes, dataLength),
    sessionId: header.sessionId,
    dataOffset: P2P_V1_HEADER_BYTES,
    dataLength,
    chunk: {
      offset: header.offset,
      totalSize: header.totalSize,
      length: dataLength,
      first: isAck || header.offset === 0,
      last: isAck || header.offset + header.messageLength >= header.totalSize,
    },
    footer,
    problems,
  };
}

function v1Role(h: P2pV1Header, bytes: Uint8Array, dataLength: number): P2pRole {
  const f = h.flags;
  if ((f & FLAG.ACK) !== 0) return 'ack';
  if ((f & FLAG.NAK) !== 0) return 'nak';
  if ((f & FLAG.TLP_ERROR) !== 0) return 'tlp-error';
  if ((f & FLAG.ERROR) !== 0) return 'error';
  if ((f & FLAG.CLOSE) !== 0) return 'close';
  if ((f & FLAG.HANDSHAKE) !== 0) return 'handshake';
  if ((f & FLAG.FILE) !== 0) return 'file-data';
  if ((f & FLAG.OBJECT) !== 0) return 'msnobject-data';
  const plain = (f & ~(FLAG.SLP_INFO | FLAG.WAIT)) === 0;
  if (!plain) return 'unknown';
  if (h.sessionId === 0) return h.messageLength === 0 ? 'control' : h.offset === 0 ? 'slp' : 'slp-continuation';
  // §8.4: SessionID set, flags 0, four zero data bytes = "data preparation" before an MSNObject.
  if (h.totalSize === 4 && dataLength === 4 && bytes.subarray(48, 52).every((b) => b === 0)) return 'data-preparation';
  return 'data';
}

function readTlvs(bytes: Uint8Array, from: number, to: number, names: Record<string, string>, problems: string[], where: string): P2pTlv[] {
  const tlvs: P2pTlv[] = [];
  let i = from;
  while (i < to) {
    const type = bytes[i] as number;
    if (type === 0) break; // zero padding ends the list
    if (i + 2 > to) {
      problems.push(`p2p.bad_tlv: ${where} TLV at ${i} cut short`);
      break;
    }
    const length = bytes[i + 1] as number;
    if (i + 2 + length > to) {
      problems.push(`p2p.bad_tlv: ${where} TLV type ${type} length ${length} overruns the header`);
      break;
    }
    const valueBytes = bytes.subarray(i + 2, i + 2 + length);
    const v = view(valueBytes);
    const value = length === 4 ? v.getUint32(0, false) : length === 8 ? u64be(v, 0) : Buffer.from(valueBytes).toString('hex');
    tlvs.push({ type, length, name: names[`0x${type.toString(16)}/${length}`] ?? null, value });
    i += 2 + length;
  }
  return tlvs;
}

function decodeV2(bytes: Uint8Array, hasFooter: boolean): P2pV2Packet {
  const problems: string[] = [];
  const empty = (role: P2pRole): P2pV2Packet => ({
    version: 2,
    header: null,
    role,
    sessionId: 0,
    dataOffset: bytes.length,
    dataLength: 0,
    chunk: { offset: null, totalSize: null, length: 0, first: false, last: false },
    footer: null,
    problems,
  });
  if (bytes.length < 8) {
    problems.push(`p2p.truncated_header: ${bytes.length} bytes, a P2Pv2 header needs at least 8`);
    return empty('unknown');
  }
  const v = view(bytes);
  const headerLength = bytes[0] as number;
  const opcode = bytes[1] as number;
  const payloadLength = v.getUint16(2, false);
  const sequence = v.getUint32(4, false);
  if (headerLength < 8 || headerLength > bytes.length) {
    problems.push(`p2p.truncated_header: P2Pv2 header length ${headerLength} with ${bytes.length} bytes present`);
    return empty('unknown');
  }
  const tlvs = readTlvs(bytes, 8, headerLength, CONSTANTS.p2p_v2.header_tlvs, problems, 'header');
  const opcodeNames: string[] = [];
  for (const bit of [1, 2]) if ((opcode & bit) !== 0) opcodeNames.push(V2_OPCODES.get(bit) ?? `0x${bit.toString(16)}`);
  const footerBytes = hasFooter ? P2P_FOOTER_BYTES : 0;
  const available = bytes.length - headerLength - footerBytes;
  if (payloadLength > available) problems.push(`p2p.bad_length: payload length ${payloadLength} but only ${Math.max(0, available)} bytes present`);
  else if (payloadLength < available) problems.push(`p2p.bad_length: payload length ${payloadLength} but ${available} bytes follow the header`);
  let data: P2pV2DataHeader | null = null;
  let dataOffset = headerLength;
  let dataLength = 0;
  if (payloadLength > 0) {
    // Check the fixed 8 bytes exist before reading D: an index past the end reads undefined, which
    // compares false with everything and would slip through the range checks below.
    const d = headerLength + 8 <= bytes.length ? (bytes[headerLength] as number) : -1;
    if (d < 8 || headerLength + d > bytes.length || d > payloadLength) {
      problems.push(`p2p.truncated_header: P2Pv2 data header ${d < 0 ? 'cut short' : `length ${d} does not fit`}`);
    } else {
      const tf = bytes[headerLength + 1] as number;
      const dtlvs = readTlvs(bytes, headerLength + 8, headerLength + d, CONSTANTS.p2p_v2.data_tlvs, problems, 'data');
      const remaining = dtlvs.find((t) => t.type === 1 && typeof t.value === 'number');
      data = {
        headerLength: d,
        tf,
        tfName: V2_TF.get(tf) ?? null,
        packageNumber: v.getUint16(headerLength + 2, false),
        sessionId: v.getUint32(headerLength + 4, false),
        tlvs: dtlvs,
        dataRemaining: remaining === undefined ? null : (remaining.value as number),
      };
      dataOffset = headerLength + d;
      dataLength = Math.max(0, Math.min(payloadLength - d, bytes.length - footerBytes - dataOffset));
    }
  }
  const footer = hasFooter ? readFooter(bytes, headerLength + payloadLength) ?? (bytes.length >= 12 ? readFooter(bytes, bytes.length - 4) : null) : null;
  if (hasFooter && footer === null) problems.push('p2p.missing_footer: no room for the 4-byte AppID footer');
  const header: P2pV2Header = { headerLength, opcode, opcodeNames, payloadLength, sequence, tlvs, data };
  return {
    version: 2,
    header,
    role: v2Role(header),
    sessionId: data?.sessionId ?? 0,
    dataOffset,
    dataLength,
    chunk: {
      offset: null,
      totalSize: null,
      length: dataLength,
      first: data !== null && (data.tf & 0x1) !== 0,
      last: data === null || data.dataRemaining === null || data.dataRemaining === 0,
    },
    footer,
    problems,
  };
}

function v2Role(h: P2pV2Header): P2pRole {
  if (h.data === null) {
    if (h.tlvs.some((t) => t.type === 2)) return 'ack';
    if (h.tlvs.some((t) => t.type === 3)) return 'nak';
    return 'control';
  }
  const tf = h.data.tf;
  if (h.data.sessionId === 0) return (tf & 0x1) !== 0 ? 'slp' : 'slp-continuation';
  if (tf === 0x1) return 'data-preparation';
  if (tf === 0x6 || tf === 0x7) return 'file-data';
  if (tf === 0x4 || tf === 0x5) return 'msnobject-data';
  return 'data';
}
