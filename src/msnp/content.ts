// MSG (and UUM/UBM) bodies → typed, JSON-serialisable content (MSNP.md §6): chat text with its font,
// typing, profile, mail, datacast, emoticons, invitations, P2P/MSNSLP, ink, chunks. Never throws.

import { latin1Text } from '../text.js';
import { CONSTANTS } from './constants.js';
import { decodeUtf8, findHeader, mediaType, parseFieldLines, splitMime, type MimeHeader } from './mime.js';
import { decodeP2pPacket, type P2pPacket } from './p2p.js';
import { parseMsnObject, parseSlp, type MsnObject, type SlpMessage } from './slp.js';
import { urlDecodeToText } from './urlcode.js';
import { child, childElements, childText, parseXml } from './xml.js';

export interface MessageContext {
  verb: string;
  dir: 'c2s' | 's2c';
  dialect: number | null;
}

/** §6.13: part of a message split with Message-ID/Chunks/Chunk. */
export interface ChunkInfo {
  messageId: string;
  /** 0 for the first part (the one with `Chunks:`), else the `Chunk:` number. */
  index: number;
  /** `Chunks:` of the first part; null on continuation parts. */
  count: number | null;
}

interface ContentBase {
  /** Lower-cased media type without parameters ('' when there is no Content-Type). */
  contentType: string;
  charset: string | null;
  headers: MimeHeader[];
  /** Offset of the body within the decoded bytes, and its length. */
  bodyOffset: number;
  bodyLength: number;
  chunk: ChunkInfo | null;
  /** `code: message` strings, e.g. `msnp.invalid_utf8: 2 invalid UTF-8 sequences in the body (14 bytes)`. */
  problems: string[];
}

export interface ImFormat {
  raw: string;
  /** FN, URL-decoded. */
  fontName: string | null;
  /** EF letters as names: bold, italic, underline, strikethrough. */
  effects: string[];
  /** CO (hex BGR) as `#RRGGBB`. */
  colour: string | null;
  colourRaw: string | null;
  /** CS as sent (hex) and its name. */
  charset: string | null;
  charsetName: string | null;
  pitchFamily: string | null;
  rightToLeft: boolean;
  /** Keys other than FN/EF/CO/CS/PF/RL, as sent. */
  other: MimeHeader[];
}

export interface TextContent extends ContentBase {
  kind: 'text';
  text: string;
  font: ImFormat | null;
  /** UTF-8 sequences replaced by U+FFFD in `text`. */
  invalidUtf8: number;
}

export interface TypingContent extends ContentBase {
  kind: 'typing';
  typingUser: string | null;
}

export interface ProfileContent extends ContentBase {
  kind: 'profile';
  fields: MimeHeader[];
  loginTime: number | null;
  memberIdHigh: number | null;
  memberIdLow: number | null;
  /** Passport PUID, `0x` + 16 hex digits, from the two halves. */
  puid: string | null;
  preferredEmail: string | null;
  language: number | null;
  country: string | null;
  clientIp: string | null;
  clientPort: number | null;
  /** §6.11: ClientPort with its two bytes swapped (reported to be the real external port) [?]. */
  clientPortSwapped: number | null;
}

export interface EmailInitialContent extends ContentBase {
  kind: 'email-initial';
  fields: MimeHeader[];
  inboxUnread: number | null;
  foldersUnread: number | null;
  inboxUrl: string | null;
  foldersUrl: string | null;
  postUrl: string | null;
}

export interface EmailNewContent extends ContentBase {
  kind: 'email-new';
  fields: MimeHeader[];
  from: string | null;
  fromAddress: string | null;
  /** RFC 2047 decoded. */
  subject: string | null;
  destFolder: string | null;
  messageUrl: string | null;
  postUrl: string | null;
  id: string | null;
}

export interface EmailActivityContent extends ContentBase {
  kind: 'email-activity';
  fields: MimeHeader[];
  srcFolder: string | null;
  destFolder: string | null;
  messageDelta: number | null;
}

export interface OfflineMessageInfo {
  type: string | null;
  size: number | null;
  receivedTime: string | null;
  sender: string | null;
  /** RFC 2047 decoded friendly name. */
  senderName: string | null;
  id: string | null;
  folder: string | null;
}

export interface MailData {
  tooLarge: boolean;
  inboxTotal: number | null;
  inboxUnread: number | null;
  otherTotal: number | null;
  otherUnread: number | null;
  quotaTotal: number | null;
  quotaUsed: number | null;
  offlineMessages: OfflineMessageInfo[];
}

export interface MailDataContent extends ContentBase {
  kind: 'mail-data';
  /** `text/x-msmsgsinitialmdatanotification` (login) or `text/x-msmsgsoimnotification` (new OIM). */
  notification: 'initial' | 'oim';
  fields: MimeHeader[];
  mailData: MailData | null;
  inboxUrl: string | null;
  foldersUrl: string | null;
  postUrl: string | null;
}

export interface DatacastContent extends ContentBase {
  kind: 'datacast';
  fields: MimeHeader[];
  id: number | null;
  idName: string | null;
  data: string | null;
  msnObject: MsnObject | null;
}

export interface EmoticonEntry {
  shortcut: string;
  msnObjectText: string;
  msnObject: MsnObject | null;
}

export interface EmoticonsContent extends ContentBase {
  kind: 'emoticons';
  animated: boolean;
  emoticons: EmoticonEntry[];
}

export interface ClientCapsContent extends ContentBase {
  kind: 'client-caps';
  fields: MimeHeader[];
  clientName: string | null;
  chatLogging: string | null;
  chatLoggingMeaning: string | null;
}

export interface SystemContent extends ContentBase {
  kind: 'system';
  fields: MimeHeader[];
  systemType: number | null;
  arg1: string | null;
  description: string | null;
}

export interface KeepaliveContent extends ContentBase {
  kind: 'keepalive';
}

export interface InviteContent extends ContentBase {
  kind: 'invite';
  fields: MimeHeader[];
  command: string | null;
  applicationName: string | null;
  applicationGuid: string | null;
  applicationGuidName: string | null;
  cookie: number | null;
  fileName: string | null;
  fileSize: number | null;
  ipAddress: string | null;
  port: number | null;
  authCookie: string | null;
  cancelCode: string | null;
  senderConnect: boolean;
}

export interface P2pContent extends ContentBase {
  kind: 'p2p';
  p2pDest: string | null;
  p2pSrc: string | null;
  /** The binary packet; `packet.dataOffset` is relative to the body — `dataOffset` here to the payload. */
  packet: P2pPacket;
  dataOffset: number;
  /** MSNSLP of a first SLP chunk (partial when the message spans chunks — reassemble with SlpReassembler). */
  slp: SlpMessage | null;
}

export interface InkContent extends ContentBase {
  kind: 'ink';
  format: 'gif' | 'isf';
  encoding: 'base64' | 'binary';
  /** Decoded ink bytes. */
  dataBytes: number;
}

export interface ChunkContent extends ContentBase {
  kind: 'chunk';
}

export interface UnknownContent extends ContentBase {
  kind: 'unknown';
}

/** The payload did not start with MIME header lines at all. */
export interface NotMimeContent extends ContentBase {
  kind: 'not-mime';
}

export type MessageContent =
  | TextContent
  | TypingContent
  | ProfileContent
  | EmailInitialContent
  | EmailNewContent
  | EmailActivityContent
  | MailDataContent
  | DatacastContent
  | EmoticonsContent
  | ClientCapsContent
  | SystemContent
  | KeepaliveContent
  | InviteContent
  | P2pContent
  | InkContent
  | ChunkContent
  | UnknownContent
  | NotMimeContent;

export type MessageKind = MessageContent['kind'];

/** Decodes a whole MSG payload: MIME headers, then the body by Content-Type. */
export function decodeMessage(payload: Uint8Array, ctx: MessageContext): MessageContent {
  const mime = splitMime(payload);
  if (mime.headers.length === 0) {
    return {
      kind: 'not-mime',
      contentType: '',
      charset: null,
      headers: [],
      bodyOffset: 0,
      bodyLength: payload.length,
      chunk: null,
      problems: payload.length === 0 ? ['msnp.bad_mime: empty message'] : ['msnp.bad_mime: the payload does not start with MIME header lines'],
    };
  }
  const problems: string[] = [];
  if (mime.invalidUtf8 > 0) problems.push(`msnp.invalid_utf8: ${mime.invalidUtf8} invalid UTF-8 sequences in the MIME headers`);
  if (mime.badLines > 0) problems.push(`msnp.bad_mime: ${mime.badLines} header lines are not "Name: value"`);
  const body = payload.subarray(mime.bodyOffset);
  if (mime.missingBlankLine && body.length > 0) problems.push('msnp.bad_mime: no empty line between headers and body');
  return decodeMimeBody(mime.headers, body, ctx, { bodyOffset: mime.bodyOffset, problems });
}

export interface BodyOptions {
  /** Where the body starts within the bytes the caller reports offsets against. */
  bodyOffset?: number;
  /** Problems already found (they are kept, first). */
  problems?: string[];
  /** Decode as this media type instead of the Content-Type header (MSNP21 `Message-Type: Nudge`). */
  contentType?: string;
}

/** Types a body given its headers: used by decodeMessage and by the MSNP21 multi-part decoder. */
export function decodeMimeBody(headers: MimeHeader[], body: Uint8Array, ctx: MessageContext, options: BodyOptions = {}): MessageContent {
  const ct = mediaType(options.contentType ?? findHeader(headers, 'Content-Type'));
  const charset = ct.params.find((p) => p.name.toLowerCase() === 'charset')?.value ?? null;
  const problems = [...(options.problems ?? [])];
  const chunk = chunkInfo(headers, problems);
  const base: ContentBase = {
    contentType: ct.type,
    charset,
    headers,
    bodyOffset: options.bodyOffset ?? 0,
    bodyLength: body.length,
    chunk,
    problems,
  };
  // Continuation parts carry a piece of someone else's body: nothing to type until reassembled.
  if (chunk !== null && chunk.index > 0) return Object.assign(base, { kind: 'chunk' as const });
  const allowTrailingCut = chunk !== null;
  const text = (): string => bodyText(body, problems, allowTrailingCut);
  const fields = (): MimeHeader[] => bodyFields(headers, body, problems);
  switch (ct.type) {
    case '':
      problems.push('msnp.missing_content_type: the message has no Content-Type header');
      return Object.assign(base, { kind: 'unknown' as const });
    case 'text/plain': {
      // Bodies are UTF-8 in practice; an explicit other charset that the platform knows is honoured.
      const declared = charset === null || /^utf-?8$/i.test(charset.trim()) ? null : textDecoderFor(charset);
      const decoded = declared === null ? decodeUtf8(body) : { text: declared.decode(body), invalid: 0, trailingIncomplete: false };
      const invalid = decoded.invalid - (allowTrailingCut && decoded.trailingIncomplete ? 1 : 0);
      if (invalid > 0) problems.push(invalidUtf8Problem(invalid, body.length));
      const fmt = findHeader(headers, 'X-MMS-IM-Format');
      return Object.assign(base, {
        kind: 'text' as const,
        text: decoded.text,
        font: fmt === undefined ? null : parseImFormat(fmt, problems),
        invalidUtf8: invalid,
      });
    }
    case 'text/x-msmsgscontrol':
      return Object.assign(base, { kind: 'typing' as const, typingUser: findHeader(headers, 'TypingUser')?.trim() ?? null });
    case 'text/x-msmsgsprofile':
      return profile(base, fields());
    case 'text/x-msmsgsinitialemailnotification': {
      const f = fields();
      const g = (n: string) => findHeader(f, n);
      return Object.assign(base, {
        kind: 'email-initial' as const,
        fields: f,
        inboxUnread: int(g('Inbox-Unread')),
        foldersUnread: int(g('Folders-Unread')),
        inboxUrl: g('Inbox-URL') ?? null,
        foldersUrl: g('Folders-URL') ?? null,
        postUrl: g('Post-URL') ?? null,
      });
    }
    case 'text/x-msmsgsemailnotification': {
      const f = fields();
      const g = (n: string) => findHeader(f, n);
      return Object.assign(base, {
        kind: 'email-new' as const,
        fields: f,
        from: orNull(g('From'), decodeMimeWords),
        fromAddress: g('From-Addr') ?? null,
        subject: orNull(g('Subject'), decodeMimeWords),
        destFolder: g('Dest-Folder') ?? null,
        messageUrl: g('Message-URL') ?? null,
        postUrl: g('Post-URL') ?? null,
        id: g('id') ?? null,
      });
    }
    case 'text/x-msmsgsactivemailnotification': {
      const f = fields();
      const g = (n: string) => findHeader(f, n);
      return Object.assign(base, { kind: 'email-activity' as const, fields: f, srcFolder: g('Src-Folder') ?? null, destFolder: g('Dest-Folder') ?? null, messageDelta: int(g('Message-Delta')) });
    }
    case 'text/x-msmsgsinitialmdatanotification':
    case 'text/x-msmsgsoimnotification': {
      const f = fields();
      const g = (n: string) => findHeader(f, n);
      const md = g('Mail-Data');
      return Object.assign(base, {
        kind: 'mail-data' as const,
        notification: ct.type === 'text/x-msmsgsoimnotification' ? ('oim' as const) : ('initial' as const),
        fields: f,
        mailData: md === undefined ? null : parseMailData(md, problems),
        inboxUrl: g('Inbox-URL') ?? null,
        foldersUrl: g('Folders-URL') ?? null,
        postUrl: g('Post-URL') ?? null,
      });
    }
    case 'text/x-msnmsgr-datacast':
      return datacast(base, fields(), problems);
    case 'text/x-mms-emoticon':
    case 'text/x-mms-animemoticon':
      return Object.assign(base, { kind: 'emoticons' as const, animated: ct.type === 'text/x-mms-animemoticon', emoticons: emoticons(text(), problems) });
    case 'text/x-clientcaps':
    case 'text/x-clientinfo': {
      const f = fields();
      const logging = findHeader(f, 'Chat-Logging')?.trim() ?? null;
      return Object.assign(base, {
        kind: 'client-caps' as const,
        fields: f,
        clientName: findHeader(f, 'Client-Name') ?? null,
        chatLogging: logging,
        chatLoggingMeaning: logging === null ? null : (CHAT_LOGGING[logging.toUpperCase()] ?? null),
      });
    }
    case 'application/x-msmsgssystemmessage':
    case 'text/x-msmsgssystemmessage': {
      const f = fields();
      const systemType = int(findHeader(f, 'Type'));
      const arg1 = findHeader(f, 'Arg1') ?? null;
      return Object.assign(base, {
        kind: 'system' as const,
        fields: f,
        systemType,
        arg1,
        description: systemType === 1 ? `server going down for maintenance in ${arg1 ?? '?'} minutes` : null,
      });
    }
    case 'text/x-keepalive':
      return Object.assign(base, { kind: 'keepalive' as const });
    case 'text/x-msmsgsinvite':
      return invite(base, fields());
    case 'application/x-msnmsgrp2p':
      return p2p(base, headers, body, ctx, problems);
    case 'image/gif':
    case 'application/x-ms-ink':
      return ink(base, ct.type === 'image/gif' ? 'gif' : 'isf', body, problems);
    default:
      return Object.assign(base, { kind: 'unknown' as const });
  }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

const CHAT_LOGGING: Record<string, string> = { Y: 'logs the conversation', N: 'does not log', S: 'secure / encrypted logging' };
const CHARSETS: Record<string, string> = CONSTANTS.charsets_CS;
const INVITE_APPS = new Map(Object.entries(CONSTANTS.invite_application_guids).map(([k, v]) => [k.toUpperCase(), v]));
const DATACAST: Record<string, string> = CONSTANTS.datacast_ids;
const EFFECTS: Record<string, string> = { B: 'bold', I: 'italic', U: 'underline', S: 'strikethrough' };

function int(v: string | undefined): number | null {
  if (v === undefined) return null;
  const t = v.trim();
  return /^[-+]?\d+$/.test(t) ? Number(t) : null;
}

function orNull(v: string | undefined, f: (s: string) => string): string | null {
  return v === undefined ? null : f(v);
}

function bodyText(body: Uint8Array, problems: string[], allowTrailingCut: boolean): string {
  const d = decodeUtf8(body);
  const bad = d.invalid - (allowTrailingCut && d.trailingIncomplete ? 1 : 0);
  if (bad > 0) problems.push(invalidUtf8Problem(bad, body.length));
  return d.text;
}

function invalidUtf8Problem(count: number, bytes: number): string {
  return `msnp.invalid_utf8: ${count} invalid UTF-8 sequence${count === 1 ? '' : 's'} in the body (${bytes} bytes; shown as U+FFFD)`;
}

/** MIME headers other than the framing ones, followed by the body's own `Name: value` lines. */
function bodyFields(headers: readonly MimeHeader[], body: Uint8Array, problems: string[]): MimeHeader[] {
  const own = headers.filter((h) => !/^(mime-version|content-type)$/i.test(h.name));
  if (body.length === 0) return own;
  const parsed = parseFieldLines(bodyText(body, problems, false));
  if (parsed.badLines > 0) problems.push(`msnp.bad_field: ${parsed.badLines} body lines are not "Name: value"`);
  return [...own, ...parsed.fields];
}

function chunkInfo(headers: readonly MimeHeader[], problems: string[]): ChunkInfo | null {
  const id = findHeader(headers, 'Message-ID');
  const chunks = findHeader(headers, 'Chunks');
  const chunk = findHeader(headers, 'Chunk');
  if (id === undefined && chunks === undefined && chunk === undefined) return null;
  if (id === undefined) {
    problems.push('msnp.bad_chunk: Chunks/Chunk header without Message-ID');
    return null;
  }
  if (chunk !== undefined) {
    const index = int(chunk);
    if (index === null || index < 1) {
      problems.push(`msnp.bad_chunk: Chunk ${JSON.stringify(chunk)} is not a positive number`);
      return { messageId: id.trim(), index: 0, count: null };
    }
    return { messageId: id.trim(), index, count: null };
  }
  const count = int(chunks);
  if (chunks !== undefined && (count === null || count < 1)) problems.push(`msnp.bad_chunk: Chunks ${JSON.stringify(chunks)} is not a positive number`);
  return { messageId: id.trim(), index: 0, count };
}

/** RFC 2047 encoded words (`=?utf-8?B?…?=`, `=?"us-ascii"?Q?…?=`); unknown charsets stay encoded. */
export function decodeMimeWords(s: string): string {
  return s
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?"?([^?"]+)"?\?([BbQq])\?([^?]*)\?=/g, (whole, charset: string, enc: string, text: string) => {
      let bytes: Uint8Array;
      if (enc.toUpperCase() === 'B') bytes = new Uint8Array(Buffer.from(text, 'base64'));
      else {
        const q = text.replace(/_/g, ' ');
        const out: number[] = [];
        for (let i = 0; i < q.length; i++) {
          if (q[i] === '=' && /^[0-9a-fA-F]{2}$/.test(q.slice(i + 1, i + 3))) {
            out.push(parseInt(q.slice(i + 1, i + 3), 16));
            i += 2;
          } else out.push(q.charCodeAt(i) & 0xff);
        }
        bytes = new Uint8Array(out);
      }
      const decoder = textDecoderFor(charset);
      return decoder === null ? whole : decoder.decode(bytes);
    });
}

function textDecoderFor(label: string): { decode(bytes: Uint8Array): string } | null {
  try {
    return new TextDecoder(label.trim().toLowerCase());
  } catch {
    // An unknown label is a RangeError by specification; the encoded word is then shown as sent.
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Per-type decoders

/**
 * Parsed X-MMS-IM-Format values by raw text: a client sends the same one with every message. The objects
 * are shared between messages, so nothing downstream may change them. Bounded; cleared when full.
 */
const imFormatCache = new Map<string, { font: ImFormat; problems: readonly string[] }>();
const IM_FORMAT_CACHE_MAX = 512;

export function parseImFormat(raw: string, problems: string[]): ImFormat {
  let hit = imFormatCache.get(raw);
  if (hit === undefined) {
    const found: string[] = [];
    const font = parseImFormatUncached(raw, found);
    Object.freeze(font.effects);
    Object.freeze(font.other);
    hit = { font: Object.freeze(font), problems: found };
    if (imFormatCache.size >= IM_FORMAT_CACHE_MAX) imFormatCache.clear();
    imFormatCache.set(raw, hit);
  }
  for (const p of hit.problems) problems.push(p);
  return hit.font;
}

/** `FN=Arial; EF=I; CO=0; CS=0; PF=22` (§6.2). */
function parseImFormatUncached(raw: string, problems: string[]): ImFormat {
  const f: ImFormat = { raw, fontName: null, effects: [], colour: null, colourRaw: null, charset: null, charsetName: null, pitchFamily: null, rightToLeft: false, other: [] };
  for (const part of raw.split(';')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    const key = (eq < 0 ? p : p.slice(0, eq)).trim().toUpperCase();
    const value = eq < 0 ? '' : p.slice(eq + 1).trim();
    switch (key) {
      case 'FN':
        f.fontName = urlDecodeToText(value);
        break;
      case 'EF':
        for (const c of value.toUpperCase()) {
          const name = EFFECTS[c];
          if (name === undefined) problems.push(`msnp.bad_value: unknown font effect ${JSON.stringify(c)} in X-MMS-IM-Format`);
          else if (!f.effects.includes(name)) f.effects.push(name);
        }
        break;
      case 'CO':
        f.colourRaw = value;
        if (/^[0-9a-fA-F]{1,6}$/.test(value)) {
          const bgr = value.padStart(6, '0').toUpperCase();
          f.colour = `#${bgr.slice(4, 6)}${bgr.slice(2, 4)}${bgr.slice(0, 2)}`;
        } else {
          problems.push(`msnp.bad_value: font colour ${JSON.stringify(value)} is not 1-6 hex digits`);
        }
        break;
      case 'CS': {
        f.charset = value;
        const n = /^[0-9a-fA-F]{1,2}$/.test(value) ? parseInt(value, 16) : NaN;
        f.charsetName = Number.isNaN(n) ? null : (CHARSETS[n.toString(16).toUpperCase()] ?? null);
        if (Number.isNaN(n)) problems.push(`msnp.bad_value: font charset ${JSON.stringify(value)} is not hex`);
        break;
      }
      case 'PF':
        f.pitchFamily = value;
        break;
      case 'RL':
        f.rightToLeft = value === '1';
        break;
      default:
        f.other.push({ name: eq < 0 ? p : p.slice(0, eq).trim(), value });
    }
  }
  return f;
}

function profile(base: ContentBase, f: MimeHeader[]): ProfileContent {
  const g = (n: string) => findHeader(f, n);
  const high = int(g('MemberIdHigh'));
  const low = int(g('MemberIdLow'));
  let puid: string | null = null;
  if (high !== null && low !== null) {
    // Both halves may be written signed; the PUID is their unsigned 32-bit concatenation.
    puid = `0x${(high >>> 0).toString(16).padStart(8, '0')}${(low >>> 0).toString(16).padStart(8, '0')}`;
  }
  const port = int(g('ClientPort'));
  const ip = g('ClientIP')?.trim();
  return Object.assign(base, {
    kind: 'profile' as const,
    fields: f,
    loginTime: int(g('LoginTime')),
    memberIdHigh: high,
    memberIdLow: low,
    puid,
    preferredEmail: nonEmpty(g('preferredEmail')),
    language: int(g('lang_preference')),
    country: nonEmpty(g('country')),
    clientIp: ip === undefined || ip === '' ? null : ip,
    clientPort: port,
    clientPortSwapped: port === null || port < 0 || port > 0xffff ? null : ((port & 0xff) << 8) | (port >> 8),
  });
}

function nonEmpty(v: string | undefined): string | null {
  const t = v?.trim();
  return t === undefined || t === '' ? null : t;
}

/** `<MD><E><I>…</I><IU>…</IU><O>…</O><OU>…</OU></E><Q><QTM>…</QTM><QNM>…</QNM></Q><M>…</M>…</MD>` (§6.11). */
function parseMailData(raw: string, problems: string[]): MailData {
  const md: MailData = { tooLarge: false, inboxTotal: null, inboxUnread: null, otherTotal: null, otherUnread: null, quotaTotal: null, quotaUsed: null, offlineMessages: [] };
  if (raw.trim() === 'too-large') {
    md.tooLarge = true;
    return md;
  }
  const doc = parseXml(raw, { maxDepth: 16 });
  for (const p of doc.problems) problems.push(`msnp.bad_xml: Mail-Data: ${p}`);
  const root = doc.root;
  if (root === null || root.name !== 'MD') {
    problems.push('msnp.bad_xml: Mail-Data has no <MD> element');
    return md;
  }
  const e = child(root, 'E');
  md.inboxTotal = int(childText(e, 'I'));
  md.inboxUnread = int(childText(e, 'IU'));
  md.otherTotal = int(childText(e, 'O'));
  md.otherUnread = int(childText(e, 'OU'));
  const q = child(root, 'Q');
  md.quotaTotal = int(childText(q, 'QTM'));
  md.quotaUsed = int(childText(q, 'QNM'));
  for (const m of childElements(root, 'M')) {
    const name = childText(m, 'N');
    md.offlineMessages.push({
      type: childText(m, 'T') ?? null,
      size: int(childText(m, 'SZ')),
      receivedTime: childText(m, 'RT') ?? null,
      sender: childText(m, 'E') ?? null,
      senderName: name === undefined ? null : decodeMimeWords(name),
      id: childText(m, 'I') ?? null,
      folder: childText(m, 'F') ?? null,
    });
  }
  return md;
}

function datacast(base: ContentBase, f: MimeHeader[], problems: string[]): DatacastContent {
  const idRaw = findHeader(f, 'ID');
  const id = int(idRaw);
  if (idRaw === undefined) problems.push('msnp.bad_field: datacast without an ID field');
  else if (id === null) problems.push(`msnp.bad_value: datacast ID ${JSON.stringify(idRaw)} is not a number`);
  const data = findHeader(f, 'Data') ?? null;
  let msnObject: MsnObject | null = null;
  if (data !== null && /^\s*<msnobj[\s/>]/i.test(data)) {
    const parsed = parseMsnObject(data);
    msnObject = parsed.msnObject;
    for (const p of parsed.problems) problems.push(`msnp.bad_xml: ${p}`);
  }
  const name = id === null ? undefined : DATACAST[String(id)];
  return Object.assign(base, { kind: 'datacast' as const, fields: f, id, idName: name === undefined ? null : name.replace(/\s*\(.*\)$/, ''), data, msnObject });
}

/** `shortcut TAB msnobj TAB` repeated (§6.5). */
function emoticons(text: string, problems: string[]): EmoticonEntry[] {
  const parts = text.replace(/\r?\n$/, '').split('\t');
  if (parts[parts.length - 1] === '') parts.pop();
  const out: EmoticonEntry[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const shortcut = parts[i] as string;
    const msnObjectText = parts[i + 1] as string;
    const parsed = parseMsnObject(msnObjectText);
    for (const p of parsed.problems) problems.push(`msnp.bad_xml: emoticon ${shortcut}: ${p}`);
    out.push({ shortcut, msnObjectText, msnObject: parsed.msnObject });
  }
  if (parts.length % 2 === 1) problems.push('msnp.bad_field: emoticon list has a shortcut without an MSNObject');
  return out;
}

function invite(base: ContentBase, f: MimeHeader[]): InviteContent {
  const g = (n: string) => findHeader(f, n);
  const guid = g('Application-GUID')?.trim() ?? null;
  return Object.assign(base, {
    kind: 'invite' as const,
    fields: f,
    command: g('Invitation-Command')?.trim().toUpperCase() ?? null,
    applicationName: g('Application-Name') ?? null,
    applicationGuid: guid,
    applicationGuidName: guid === null ? null : (INVITE_APPS.get(guid.toUpperCase()) ?? null),
    cookie: int(g('Invitation-Cookie')),
    fileName: g('Application-File') ?? null,
    fileSize: int(g('Application-FileSize')),
    ipAddress: nonEmpty(g('IP-Address')),
    port: int(g('Port')),
    authCookie: nonEmpty(g('AuthCookie')),
    cancelCode: nonEmpty(g('Cancel-Code')),
    senderConnect: g('Sender-Connect')?.trim().toUpperCase() === 'TRUE',
  });
}

function p2p(base: ContentBase, headers: MimeHeader[], body: Uint8Array, ctx: MessageContext, problems: string[]): P2pContent {
  // MSNP16+ peers may speak P2Pv2; 'auto' takes whichever header layout fits the byte count.
  const packet = decodeP2pPacket(body, { footer: true, version: ctx.dialect !== null && ctx.dialect < 16 ? 1 : 'auto' });
  problems.push(...packet.problems);
  let slp: SlpMessage | null = null;
  if (packet.role === 'slp' && packet.dataLength > 0) {
    const data = body.subarray(packet.dataOffset, packet.dataOffset + packet.dataLength);
    slp = parseSlp(data, { partial: !packet.chunk.last });
    problems.push(...slp.problems);
  }
  return Object.assign(base, {
    kind: 'p2p' as const,
    p2pDest: findHeader(headers, 'P2P-Dest')?.trim() ?? null,
    p2pSrc: findHeader(headers, 'P2P-Src')?.trim() ?? null,
    packet,
    dataOffset: base.bodyOffset + packet.dataOffset,
    slp,
  });
}

function ink(base: ContentBase, format: 'gif' | 'isf', body: Uint8Array, problems: string[]): InkContent {
  const head = latin1Text(body, 0, Math.min(7, body.length));
  if (head.toLowerCase() === 'base64:') {
    const text = latin1Text(body, 7).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) problems.push('msnp.bad_value: ink data is not clean base64');
    return Object.assign(base, { kind: 'ink' as const, format, encoding: 'base64' as const, dataBytes: Buffer.from(text, 'base64').length });
  }
  return Object.assign(base, { kind: 'ink' as const, format, encoding: 'binary' as const, dataBytes: body.length });
}
