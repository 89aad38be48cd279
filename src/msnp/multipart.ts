// MSNP18+/21 multi-part payloads of SDG/NFY/PUT/DEL (MSNP.md §7): routing, reliability and content
// header blocks, then a body of Content-Length bytes; Messaging bodies are typed with content.ts.

import { CONSTANTS } from './constants.js';
import { decodeMimeBody, type MessageContent, type MessageContext, type TypingContent } from './content.js';
import { decodeUtf8, findHeader, headerLine, mediaType, scanHeaderBlock, type MimeHeader } from './mime.js';
import { parseSlp, type SlpMessage } from './slp.js';
import { stripCr } from '../text.js';

export interface MultipartAddress {
  raw: string;
  networkId: number | null;
  networkName: string | null;
  handle: string;
  epid: string | null;
  path: string | null;
  via: string | null;
  /** Every `;name=value` after the address. */
  params: MimeHeader[];
}

export interface RoutingBlock {
  version: string;
  headers: MimeHeader[];
  to: MultipartAddress | null;
  from: MultipartAddress | null;
  options: string | null;
  serviceChannel: string | null;
}

export interface ReliabilityBlock {
  version: string;
  headers: MimeHeader[];
  stream: number | null;
  segment: number | null;
  flags: string | null;
}

export type ContentBlockKind = 'messaging' | 'notification' | 'publication' | 'other';

export interface ContentBlock {
  kind: ContentBlockKind;
  version: string | null;
  headers: MimeHeader[];
  contentType: string;
  contentLength: number | null;
}

export interface MultipartPayload {
  routing: RoutingBlock | null;
  reliability: ReliabilityBlock | null;
  content: ContentBlock | null;
  /** `Message-Type` (Messaging blocks): Text, Nudge, Control/Typing, Data, Signal/P2P … */
  messageType: string | null;
  messageSubtype: string | null;
  /** Notification/Publication blocks. */
  uri: string | null;
  notifType: string | null;
  notifNum: number | null;
  /** Body position within the payload and its length. */
  bodyOffset: number;
  bodyLength: number;
  /** Typed Messaging body (text, datacast, typing, P2P …), else null. */
  message: MessageContent | null;
  /** `Message-Type: Signal/P2P`: the MSNSLP text of the body. */
  slp: SlpMessage | null;
  /** Every problem, including those also listed inside `message` and `slp`. */
  problems: string[];
}

const NETWORKS: Record<string, string> = CONSTANTS.network_ids;
const MAX_BLOCKS = 8;

/** `1:alice@live.com;epid={…};path=IM` → parts. */
function parseAddress(raw: string): MultipartAddress {
  const parts = raw.trim().split(';');
  const first = (parts[0] ?? '').trim();
  const m = /^(\d+):(.*)$/.exec(first);
  const networkId = m === null ? null : Number(m[1]);
  const params: MimeHeader[] = [];
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq < 0) params.push({ name: p.trim(), value: '' });
    else params.push({ name: p.slice(0, eq).trim(), value: p.slice(eq + 1).trim() });
  }
  const param = (n: string) => findHeader(params, n) ?? null;
  return {
    raw,
    networkId,
    networkName: networkId === null ? null : (NETWORKS[String(networkId)] ?? null),
    handle: m === null ? first : (m[2] as string),
    epid: param('epid'),
    path: param('path'),
    via: param('via'),
    params,
  };
}

interface RawBlock {
  headers: MimeHeader[];
  /** Offset just after the block's blank line. */
  next: number;
  /** The block ran to the end of the payload without a blank line. */
  unterminated: boolean;
  badLines: number;
  invalidUtf8: number;
}

function readBlock(payload: Uint8Array, from: number): RawBlock {
  // Searched to the end of the payload; an unterminated block takes all the rest.
  const block = scanHeaderBlock(payload, from);
  const end = block.end;
  const next = end < 0 ? payload.length : end + block.sepLength;
  const decoded = decodeUtf8(payload.subarray(from, block.headerEnd));
  const headers: MimeHeader[] = [];
  let badLines = 0;
  for (const raw of decoded.text.split('\n')) {
    const line = stripCr(raw);
    if (line === '') continue;
    const header = headerLine(line);
    if (header === null) badLines++;
    else headers.push(header);
  }
  return { headers, next, unterminated: end < 0, badLines, invalidUtf8: decoded.invalid };
}

function blockKind(headers: readonly MimeHeader[]): 'routing' | 'reliability' | ContentBlockKind {
  const first = headers[0]?.name.toLowerCase();
  switch (first) {
    case 'routing':
      return 'routing';
    case 'reliability':
      return 'reliability';
    case 'messaging':
      return 'messaging';
    case 'notification':
      return 'notification';
    case 'publication':
      return 'publication';
    default:
      return 'other';
  }
}

/** Unsigned decimal (surrounding white space allowed), else null; also used by xml-payloads.ts. */
export function uint(v: string | undefined): number | null {
  if (v === undefined) return null;
  const t = v.trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

export function parseMultipart(payload: Uint8Array, ctx: MessageContext): MultipartPayload {
  const problems: string[] = [];
  const result: MultipartPayload = {
    routing: null,
    reliability: null,
    content: null,
    messageType: null,
    messageSubtype: null,
    uri: null,
    notifType: null,
    notifNum: null,
    bodyOffset: payload.length,
    bodyLength: 0,
    message: null,
    slp: null,
    problems,
  };
  let offset = 0;
  for (let n = 0; n < MAX_BLOCKS && offset < payload.length; n++) {
    const block = readBlock(payload, offset);
    if (block.invalidUtf8 > 0) problems.push(`msnp.invalid_utf8: ${block.invalidUtf8} invalid UTF-8 sequences in a multi-part header block`);
    if (block.badLines > 0) problems.push(`msnp.bad_multipart: ${block.badLines} header lines are not "Name: value"`);
    if (block.headers.length === 0) {
      problems.push(`msnp.bad_multipart: empty header block at byte ${offset}`);
      offset = block.next;
      if (block.unterminated) break;
      continue;
    }
    const kind = blockKind(block.headers);
    const version = block.headers[0]?.value.trim() ?? '';
    const get = (name: string) => findHeader(block.headers, name);
    if (kind === 'routing' && result.routing === null) {
      const to = get('To');
      const from = get('From');
      result.routing = {
        version,
        headers: block.headers,
        to: to === undefined ? null : parseAddress(to),
        from: from === undefined ? null : parseAddress(from),
        options: get('Options') ?? null,
        serviceChannel: get('Service-Channel') ?? null,
      };
      if (to === undefined) problems.push('msnp.bad_multipart: routing block without To');
      if (from === undefined) problems.push('msnp.bad_multipart: routing block without From');
    } else if (kind === 'reliability' && result.reliability === null) {
      result.reliability = { version, headers: block.headers, stream: uint(get('Stream')), segment: uint(get('Segment')), flags: get('Flags') ?? null };
    } else {
      const ct = mediaType(get('Content-Type'));
      result.content = {
        kind: kind === 'routing' || kind === 'reliability' ? 'other' : kind,
        version: kind === 'other' ? null : version,
        headers: block.headers,
        contentType: ct.type,
        contentLength: uint(get('Content-Length')),
      };
      result.messageType = get('Message-Type')?.trim() ?? null;
      result.messageSubtype = get('Message-Subtype')?.trim() ?? null;
      result.uri = get('Uri')?.trim() ?? null;
      result.notifType = get('NotifType')?.trim() ?? null;
      result.notifNum = uint(get('NotifNum'));
      if (block.unterminated) {
        problems.push('msnp.bad_multipart: no empty line after the content headers');
        offset = payload.length;
      } else {
        offset = block.next;
      }
      break;
    }
    if (block.unterminated) {
      offset = payload.length;
      problems.push('msnp.bad_multipart: payload ends inside a header block');
      break;
    }
    offset = block.next;
  }
  if (result.routing === null) problems.push('msnp.bad_multipart: no Routing block');
  result.bodyOffset = Math.min(offset, payload.length);
  const body = payload.subarray(result.bodyOffset);
  result.bodyLength = body.length;
  const content = result.content;
  if (content === null) {
    if (result.routing !== null) problems.push('msnp.bad_multipart: no content block');
    return result;
  }
  if (content.contentLength !== null && content.contentLength !== body.length) {
    problems.push(`msnp.bad_length: Content-Length ${content.contentLength} but ${body.length} body bytes`);
  }
  if (content.kind === 'messaging') typeMessagingBody(result, content, body, ctx);
  return result;
}

function typeMessagingBody(result: MultipartPayload, content: ContentBlock, body: Uint8Array, ctx: MessageContext): void {
  const type = (result.messageType ?? '').toLowerCase();
  const subtype = (result.messageSubtype ?? '').toLowerCase();
  const opts = { bodyOffset: result.bodyOffset };
  if (type === 'control/typing' || (type === 'control' && subtype === 'typing')) {
    const typing: TypingContent = {
      kind: 'typing',
      contentType: content.contentType,
      charset: null,
      headers: content.headers,
      bodyOffset: result.bodyOffset,
      bodyLength: body.length,
      chunk: null,
      problems: [],
      // MSNP21 typing carries no TypingUser header: the routing sender is the one typing.
      typingUser: result.routing?.from?.handle ?? null,
    };
    result.message = typing;
  } else if (type === 'signal/p2p') {
    result.slp = parseSlp(body);
    result.problems.push(...result.slp.problems);
  } else if (type === 'nudge') {
    result.message = decodeMimeBody(content.headers, body, ctx, { ...opts, contentType: 'text/x-msnmsgr-datacast' });
  } else if (type === 'data') {
    result.message = decodeMimeBody(content.headers, body, ctx, { ...opts, contentType: 'application/x-msnmsgrp2p' });
  } else if (content.contentType !== '') {
    result.message = decodeMimeBody(content.headers, body, ctx, opts);
  }
  if (result.message !== null) result.problems.push(...result.message.problems);
}
