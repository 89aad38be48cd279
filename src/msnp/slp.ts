// MSNSLP (MSNP.md §8.6–8.8): the SIP-like text carried in P2P messages with SessionID 0 — start line,
// headers, body fields, EUF-GUIDs, base64 Contexts (file context, MSNObject) — and chunk reassembly of it.

import { CONSTANTS } from './constants.js';
import { isCleanBase64 } from './base64.js';
import { decodeUtf8, findHeader, parseFieldLines, scanHeaderBlock, type MimeHeader } from './mime.js';
import type { P2pV1Header } from './p2p.js';
import { attr, parseXml } from './xml.js';
import { stripCr } from '../text.js';

export interface MsnObject {
  creator: string | null;
  size: number | null;
  type: number | null;
  typeName: string | null;
  location: string | null;
  /** Friendly name decoded from base64 UTF-16LE (null when absent or undecodable). */
  friendly: string | null;
  sha1d: string | null;
  sha1c: string | null;
  /** Every attribute as sent. */
  attributes: MimeHeader[];
}

export interface FileContext {
  kind: 'file';
  headerLength: number;
  version: number;
  fileSize: number;
  type: number;
  typeName: string;
  fileName: string;
  /** Bytes after the header (a preview PNG when type is 0). */
  previewLength: number;
  bytes: number;
}

export interface MsnObjectContext {
  kind: 'msnobject';
  xml: string;
  msnObject: MsnObject | null;
  bytes: number;
}

export interface OpaqueContext {
  kind: 'opaque';
  bytes: number;
  /** Printable text when the context decodes to it (activities use plain strings). */
  text: string | null;
}

export type SlpContext = FileContext | MsnObjectContext | OpaqueContext;

export interface SlpMessage {
  type: 'request' | 'response' | 'unknown';
  startLine: string;
  /** INVITE, BYE, ACK … (requests). */
  method: string | null;
  /** Address after `MSNMSGR:` in a request line. */
  target: string | null;
  version: string | null;
  /** 200, 603 … (responses). */
  status: number | null;
  reason: string | null;
  headers: MimeHeader[];
  to: string | null;
  from: string | null;
  branch: string | null;
  cseq: number | null;
  callId: string | null;
  maxForwards: number | null;
  contentType: string | null;
  contentLength: number | null;
  /** Body bytes present (including the terminating NUL). */
  bodyLength: number;
  /** Body `Name: value` fields (EUF-GUID, SessionID, AppID, Context, Bridges, Nonce …). */
  body: MimeHeader[];
  eufGuid: string | null;
  eufGuidName: string | null;
  sessionId: number | null;
  appId: number | null;
  context: SlpContext | null;
  /** Only the first chunk of a longer message was given: length checks and the Context were skipped. */
  partial: boolean;
  problems: string[];
}

const EUF_NAMES = new Map(Object.entries(CONSTANTS.euf_guids).map(([k, v]) => [k.toUpperCase(), v]));
const EUF_FILE = '{5D3E02AB-6190-11D3-BBBB-00C04F795683}';
const EUF_MSNOBJECT = '{A4268EEC-FEC5-49E5-95C3-F126696BDBF6}';
const MSNOBJ_TYPES: Record<string, string> = CONSTANTS.msnobject_types;
const FILE_TYPES: Record<number, string> = { 0: 'preview', 1: 'no preview', 4: 'background sharing', 8: 'background sharing' };
// One decoder for file names and MSNObject Friendly names (non-fatal: bad code units become U+FFFD).
const utf16le = new TextDecoder('utf-16le');

export function eufGuidName(guid: string): string | null {
  return EUF_NAMES.get(guid.trim().toUpperCase()) ?? null;
}

/**
 * Parses one MSNSLP message. `partial` means the bytes are only the start of the message (the first
 * P2P chunk): what is there is decoded, but a short body is not a problem then.
 */
export function parseSlp(bytes: Uint8Array, options: { partial?: boolean } = {}): SlpMessage {
  const partial = options.partial ?? false;
  const problems: string[] = [];
  // Header block ends at the first empty line; offsets are bytes because Content-Length counts bytes.
  // No search limit: the whole message is searched, and without a blank line it is all headers.
  const block = scanHeaderBlock(bytes);
  const headerEnd = block.headerEnd;
  const bodyStart = block.end < 0 ? bytes.length : block.end + block.sepLength;
  if (block.end < 0 && !partial) problems.push('slp.bad_message: no empty line after the headers');
  const head = decodeUtf8(bytes.subarray(0, headerEnd));
  if (head.invalid > 0) problems.push(`msnp.invalid_utf8: ${head.invalid} invalid UTF-8 sequences in the SLP headers`);
  const lines = head.text.split('\n').map(stripCr);
  const startLine = lines[0] ?? '';
  const msg: SlpMessage = {
    type: 'unknown',
    startLine,
    method: null,
    target: null,
    version: null,
    status: null,
    reason: null,
    headers: [],
    to: null,
    from: null,
    branch: null,
    cseq: null,
    callId: null,
    maxForwards: null,
    contentType: null,
    contentLength: null,
    bodyLength: Math.max(0, bytes.length - bodyStart),
    body: [],
    eufGuid: null,
    eufGuidName: null,
    sessionId: null,
    appId: null,
    context: null,
    partial,
    problems,
  };
  const request = /^([A-Za-z-]+) +(\S+) +(MSNSLP\/\d+\.\d+) *$/.exec(startLine);
  const response = /^(MSNSLP\/\d+\.\d+) +(\d{3})(?: +(.*))?$/.exec(startLine);
  if (response !== null) {
    msg.type = 'response';
    msg.version = response[1] ?? null;
    msg.status = Number(response[2]);
    msg.reason = response[3]?.trim() ?? '';
  } else if (request !== null) {
    msg.type = 'request';
    msg.method = (request[1] as string).toUpperCase();
    const target = request[2] as string;
    msg.target = /^MSNMSGR:/i.test(target) ? target.slice(8) : target;
    msg.version = request[3] ?? null;
  } else {
    problems.push(`slp.bad_start_line: ${JSON.stringify(startLine.slice(0, 80))}`);
  }
  const fields = parseFieldLines(lines.slice(1).join('\n'));
  msg.headers = fields.fields;
  if (fields.badLines > 0) problems.push(`slp.bad_header: ${fields.badLines} header lines are not "Name: value"`);
  const h = (name: string): string | undefined => findHeader(msg.headers, name);
  msg.to = address(h('To'));
  msg.from = address(h('From'));
  msg.branch = /branch=(\{[^}]*\}|[^\s;]+)/i.exec(h('Via') ?? '')?.[1] ?? null;
  msg.cseq = intOrNull(h('CSeq'));
  msg.callId = h('Call-ID')?.trim() ?? null;
  msg.maxForwards = intOrNull(h('Max-Forwards'));
  msg.contentType = h('Content-Type')?.trim() ?? null;
  msg.contentLength = intOrNull(h('Content-Length'));
  if (msg.type !== 'unknown') {
    for (const required of ['To', 'From', 'Call-ID', 'Content-Type']) {
      if (h(required) === undefined && !(partial && headerEnd === bytes.length)) problems.push(`slp.missing_header: no ${required}`);
    }
  }
  if (!partial && msg.contentLength !== null && msg.contentLength !== msg.bodyLength) {
    problems.push(`slp.bad_length: Content-Length ${msg.contentLength} but ${msg.bodyLength} body bytes`);
  }

  const bodyBytes = bytes.subarray(Math.min(bodyStart, bytes.length));
  const body = decodeUtf8(bodyBytes);
  const invalidBody = body.invalid - (partial && body.trailingIncomplete ? 1 : 0);
  if (invalidBody > 0) problems.push(`msnp.invalid_utf8: ${invalidBody} invalid UTF-8 sequences in the SLP body`);
  const bodyText = body.text.replace(/\0+$/, '');
  const parsedBody = parseFieldLines(bodyText);
  msg.body = parsedBody.fields;
  if (parsedBody.badLines > 0 && !partial) problems.push(`slp.bad_body: ${parsedBody.badLines} body lines are not "Name: value"`);
  const b = (name: string): string | undefined => findHeader(msg.body, name);
  const euf = b('EUF-GUID');
  if (euf !== undefined) {
    msg.eufGuid = euf.trim();
    msg.eufGuidName = eufGuidName(euf);
  }
  msg.sessionId = intOrNull(b('SessionID'));
  msg.appId = intOrNull(b('AppID'));
  const context = b('Context');
  if (context !== undefined && !partial) {
    msg.context = decodeContext(context, msg.eufGuid, problems);
  }
  return msg;
}

function intOrNull(v: string | undefined): number | null {
  if (v === undefined) return null;
  const t = v.trim();
  return /^-?\d+$/.test(t) ? Number(t) : null;
}

/** `<msnmsgr:bob@hotmail.com>` → `bob@hotmail.com` (MSNP16+ keeps its `;{guid}`). */
function address(v: string | undefined): string | null {
  if (v === undefined) return null;
  const m = /<\s*(?:msnmsgr:)?([^>]*)>/i.exec(v);
  return (m?.[1] ?? v).trim();
}

// ---------------------------------------------------------------------------------------------
// Contexts

/** Decodes base64 leniently; `clean` says whether the text was well-formed base64. */
function decodeBase64(text: string): { bytes: Uint8Array; clean: boolean } {
  const compact = text.replace(/\s+/g, '');
  const clean = isCleanBase64(compact);
  return { bytes: new Uint8Array(Buffer.from(compact, 'base64')), clean };
}

function decodeContext(base64: string, eufGuid: string | null, problems: string[]): SlpContext {
  const { bytes, clean } = decodeBase64(base64);
  if (!clean) problems.push('slp.bad_context: Context is not clean base64');
  const euf = eufGuid?.toUpperCase() ?? null;
  const looksLikeFile = bytes.length >= 20 && (bytes[4] === 2 || bytes[4] === 3) && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0;
  if (euf === EUF_FILE || (euf === null && looksLikeFile)) {
    const file = decodeFileContext(bytes, problems);
    if (file !== null) return file;
  }
  const text = decodeUtf8(bytes);
  const xml = text.text.replace(/\0+$/, '');
  if (euf === EUF_MSNOBJECT || /^\s*<msnobj[\s/>]/i.test(xml)) {
    const parsed = parseMsnObject(xml);
    problems.push(...parsed.problems.map((p) => `slp.bad_context: ${p}`));
    return { kind: 'msnobject', xml, msnObject: parsed.msnObject, bytes: bytes.length };
  }
  const printable = text.invalid === 0 && /^[\x20-\x7e\t\r\n]*$/.test(xml);
  return { kind: 'opaque', bytes: bytes.length, text: printable ? xml : null };
}

/** The little-endian file context of a file-transfer INVITE (§8.7); null when too short to say anything. */
export function decodeFileContext(bytes: Uint8Array, problems: string[]): FileContext | null {
  if (bytes.length < 20) {
    problems.push(`slp.bad_context: file context of ${bytes.length} bytes`);
    return null;
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = v.getUint32(0, true);
  const version = v.getUint32(4, true);
  const fileSize = v.getUint32(12, true) * 0x100000000 + v.getUint32(8, true);
  const type = v.getUint32(16, true);
  const nameEnd = Math.min(bytes.length, 20 + 520);
  let end = 20;
  while (end + 1 < nameEnd && !(bytes[end] === 0 && bytes[end + 1] === 0)) end += 2;
  const fileName = utf16le.decode(bytes.subarray(20, end));
  if (headerLength !== CONSTANTS.file_context.v2_length && headerLength !== CONSTANTS.file_context.v3_length) {
    problems.push(`slp.bad_context: file context header length ${headerLength} (expected ${CONSTANTS.file_context.v2_length} or ${CONSTANTS.file_context.v3_length})`);
  }
  if (bytes.length < Math.min(headerLength, CONSTANTS.file_context.v2_length)) {
    problems.push(`slp.bad_context: file context is ${bytes.length} bytes, its header says ${headerLength}`);
  }
  return {
    kind: 'file',
    headerLength,
    version,
    fileSize,
    type,
    typeName: FILE_TYPES[type] ?? 'unknown',
    fileName,
    previewLength: Math.max(0, bytes.length - headerLength),
    bytes: bytes.length,
  };
}

/** Parses `<msnobj Creator=… Size=… Type=… …/>` (as text, not URL-encoded). */
export function parseMsnObject(text: string): { msnObject: MsnObject | null; problems: string[] } {
  const doc = parseXml(text.trim(), { maxDepth: 4, maxNodes: 64 });
  const problems = doc.problems.map((p) => `msnobj: ${p}`);
  const root = doc.root;
  if (root === null || root.name.toLowerCase() !== 'msnobj') {
    problems.push('msnobj: no <msnobj> element');
    return { msnObject: null, problems };
  }
  const num = (name: string): number | null => intOrNull(attr(root, name));
  const type = num('Type');
  const friendlyRaw = attr(root, 'Friendly');
  let friendly: string | null = null;
  if (friendlyRaw !== undefined) {
    const { bytes, clean } = decodeBase64(friendlyRaw);
    friendly = clean ? utf16le.decode(bytes).replace(/\0+$/, '') : null;
    if (!clean) problems.push('msnobj: Friendly is not base64');
  }
  return {
    msnObject: {
      creator: attr(root, 'Creator') ?? null,
      size: num('Size'),
      type,
      typeName: type === null ? null : (MSNOBJ_TYPES[String(type)] ?? null),
      location: attr(root, 'Location') ?? null,
      friendly,
      sha1d: attr(root, 'SHA1D') ?? null,
      sha1c: attr(root, 'SHA1C') ?? null,
      attributes: root.attributes.map((a) => ({ name: a.name, value: a.value })),
    },
    problems,
  };
}

// ---------------------------------------------------------------------------------------------
// Reassembly of SLP messages that span P2P chunks (an INVITE with a file context is ~1276 bytes,
// more than the 1202-byte switchboard chunk).

export interface SlpReassemblerOptions {
  /** Largest SLP message accepted (TotalSize); larger ones are not buffered. Default 64 KiB. */
  maxMessageBytes?: number;
  /** Messages buffered at once; the oldest is dropped beyond this. Default 64. */
  maxPending?: number;
}

export interface SlpChunkResult {
  /** The whole message, once every byte of it has arrived. */
  complete: { bytes: Uint8Array; slp: SlpMessage } | null;
  /** Why this chunk could not be used (oversized, inconsistent TotalSize, eviction …). */
  problems: string[];
}

interface PendingSlp {
  total: number;
  buffer: Uint8Array;
  /** Sorted, non-overlapping [start, end) ranges received so far. */
  ranges: Array<[number, number]>;
}

/**
 * Joins the chunks of SLP messages keyed by (scope, SessionID, Identifier); `scope` lets the caller
 * separate connections and directions. Duplicate, overlapping and out-of-order chunks give the same
 * result as an in-order delivery.
 */
export class SlpReassembler {
  private readonly maxMessageBytes: number;
  private readonly maxPending: number;
  private readonly pending = new Map<string, PendingSlp>();

  constructor(options: SlpReassemblerOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? 64 * 1024;
    this.maxPending = options.maxPending ?? 64;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Feeds one chunk of an SLP message (role 'slp' or 'slp-continuation'): its header and data bytes. */
  push(scope: string, header: P2pV1Header, data: Uint8Array): SlpChunkResult {
    const problems: string[] = [];
    if (header.sessionId !== 0) return { complete: null, problems: [`slp.not_slp: chunk of session ${header.sessionId} is not MSNSLP`] };
    const total = header.totalSize;
    const offset = header.offset;
    const length = Math.min(data.length, header.messageLength);
    if (total > this.maxMessageBytes) {
      return { complete: null, problems: [`slp.too_large: SLP message of ${total} bytes not reassembled (limit ${this.maxMessageBytes})`] };
    }
    if (offset + length > total || total === 0) {
      return { complete: null, problems: [`p2p.bad_offset: chunk ${offset}+${length} outside TotalSize ${total}`] };
    }
    if (offset === 0 && length === total) {
      const bytes = data.subarray(0, length);
      return { complete: { bytes, slp: parseSlp(bytes) }, problems };
    }
    const key = `${scope}|${header.sessionId}|${header.identifier}`;
    let entry = this.pending.get(key);
    if (entry !== undefined && entry.total !== total) {
      problems.push(`p2p.bad_length: TotalSize changed from ${entry.total} to ${total} within message ${header.identifier}`);
      this.pending.delete(key);
      entry = undefined;
    }
    if (entry === undefined) {
      if (this.pending.size >= this.maxPending) {
        const oldest = this.pending.keys().next().value as string;
        this.pending.delete(oldest);
        problems.push('slp.evicted: too many incomplete SLP messages; the oldest was dropped');
      }
      entry = { total, buffer: new Uint8Array(total), ranges: [] };
      this.pending.set(key, entry);
    }
    entry.buffer.set(data.subarray(0, length), offset);
    addRange(entry.ranges, offset, offset + length);
    const first = entry.ranges[0];
    if (entry.ranges.length === 1 && first !== undefined && first[0] === 0 && first[1] === total) {
      this.pending.delete(key);
      return { complete: { bytes: entry.buffer, slp: parseSlp(entry.buffer) }, problems };
    }
    return { complete: null, problems };
  }

  /** Drops everything buffered for a scope (e.g. when its connection closes). */
  dropScope(scope: string): void {
    for (const key of [...this.pending.keys()]) if (key.startsWith(`${scope}|`)) this.pending.delete(key);
  }
}

function addRange(ranges: Array<[number, number]>, start: number, end: number): void {
  if (end <= start) return;
  const merged: Array<[number, number]> = [];
  let s = start;
  let e = end;
  let placed = false;
  for (const r of ranges) {
    if (r[1] < s) merged.push(r);
    else if (r[0] > e) {
      if (!placed) {
        merged.push([s, e]);
        placed = true;
      }
      merged.push(r);
    } else {
      s = Math.min(s, r[0]);
      e = Math.max(e, r[1]);
    }
  }
  if (!placed) merged.push([s, e]);
  ranges.splice(0, ranges.length, ...merged);
}
