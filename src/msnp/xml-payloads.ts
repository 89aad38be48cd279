// Payloads of the NS's XML and document commands (MSNP.md §3.2–3.7, §7): UUX/UBX status, ADL/RML/FQY
// membership lists, NOT/IPG notifications, GCF policies, UUN/UBN by type, SDG/NFY/PUT/DEL multi-part.

import { CONSTANTS } from './constants.js';
import { decodeUtf8, findHeader, type MimeHeader } from './mime.js';
import { parseMultipart, uint, type MultipartPayload } from './multipart.js';
import { parseMsnObject, parseSlp, type MsnObject, type SlpMessage } from './slp.js';
import { urlDecodeToText } from './urlcode.js';
import { attr, child, childElements, childText, parseXml, rootElements, textOf, type XmlDocument, type XmlElement } from './xml.js';

interface PayloadBase {
  verb: string;
  bytes: number;
  /** `code: message` strings (`msnp.bad_xml: …`, `msnp.invalid_utf8: …`). */
  problems: string[];
}

export interface CurrentMedia {
  raw: string;
  application: string;
  /** Music, Games, Office … */
  type: string;
  enabled: boolean;
  /** Format string with {0}, {1} … placeholders. */
  format: string;
  args: string[];
  /** The format with its placeholders filled in. */
  text: string;
}

export interface EndpointInfo {
  id: string | null;
  capabilities: string | null;
  caps: number | null;
  capsEx: number | null;
}

export interface PrivateEndpointInfo {
  id: string | null;
  epName: string | null;
  idle: boolean | null;
  clientType: number | null;
  state: string | null;
}

export interface StatusPayload extends PayloadBase {
  kind: 'status';
  root: string | null;
  psm: string | null;
  currentMedia: CurrentMedia | null;
  machineGuid: string | null;
  ddp: string | null;
  signatureSound: string | null;
  scene: string | null;
  colorScheme: string | null;
  endpoints: EndpointInfo[];
  privateEndpoints: PrivateEndpointInfo[];
  /** Other elements seen under <Data>, by name. */
  otherElements: string[];
}

export interface ListService {
  name: string;
  listBits: number | null;
  lists: string[];
}

export interface MembershipContact {
  handle: string;
  user: string;
  domain: string;
  listBits: number | null;
  lists: string[];
  networkId: number | null;
  networkName: string | null;
  friendly: string | null;
  /** MSNP21: per-service list bits (`<s n="IM" l="3"/>`). */
  services: ListService[];
}

export interface MembershipPayload extends PayloadBase {
  kind: 'membership';
  /** `<ml l="1">`: the initial full list. */
  initial: boolean;
  contacts: MembershipContact[];
  /** Domains listed without any contact (the server answers 240). */
  emptyDomains: string[];
}

export interface NotificationMessage {
  id: string | null;
  actionUrl: string | null;
  subscriptionUrl: string | null;
  body: string | null;
  /** Root element of an XML document carried (escaped) inside <BODY>, e.g. NotificationData. */
  bodyRoot: string | null;
}

export interface NotificationPayload extends PayloadBase {
  kind: 'notification';
  id: string | null;
  version: string | null;
  siteId: string | null;
  siteUrl: string | null;
  to: { pid: string | null; name: string | null; via: string | null } | null;
  from: { pid: string | null; name: string | null } | null;
  messages: NotificationMessage[];
  /** IPG: the page text. */
  text: string | null;
}

export interface ConfigPayload extends PayloadBase {
  kind: 'config';
  root: string | null;
  summary: string;
  policies: Array<{ type: string | null; checksum: string | null; bytes: number }>;
  shieldClients: MimeHeader[][];
}

export interface UserNotificationPayload extends PayloadBase {
  kind: 'user-notification';
  /** handle{;{guid}} from the command line (when args were given). */
  target: string | null;
  type: number | null;
  typeName: string | null;
  /** Type 1: root element and its attributes (`<SNM opcode=… csid=…/>`). */
  root: string | null;
  rootAttributes: MimeHeader[];
  /** Type 3 (and MSNSLP-looking bodies): the parsed MSNSLP message. */
  slp: SlpMessage | null;
  /** Printable payloads that are neither XML nor MSNSLP (type 4 `goawyplzthxbye`/`gtfo`, SIP text …), cut at 512. */
  text: string | null;
}

export interface PresenceService {
  name: string;
  fields: MimeHeader[];
}

export interface PresenceEndpoint {
  name: string;
  epid: string | null;
  fields: MimeHeader[];
}

export type MultipartDocument =
  | {
      type: 'user';
      status: string | null;
      psm: string | null;
      friendlyName: string | null;
      currentMedia: CurrentMedia | null;
      userTile: MsnObject | null;
      services: PresenceService[];
      endpoints: PresenceEndpoint[];
    }
  | { type: 'roster'; root: string; rosterIds: string[]; members: string[] }
  | { type: 'network'; status: string | null }
  | { type: 'xml'; root: string | null };

export interface MultipartXmlPayload extends PayloadBase, Omit<MultipartPayload, 'problems'> {
  kind: 'multipart';
  /** Typed XML body of Notification/Publication blocks (application/user+xml, circles+xml …). */
  document: MultipartDocument | null;
}

export interface GenericXmlPayload extends PayloadBase {
  kind: 'xml';
  root: string | null;
}

export interface OpaquePayload extends PayloadBase {
  kind: 'opaque';
}

export interface EmptyPayload extends PayloadBase {
  kind: 'empty';
}

export type XmlPayload =
  | StatusPayload
  | MembershipPayload
  | NotificationPayload
  | ConfigPayload
  | UserNotificationPayload
  | MultipartXmlPayload
  | GenericXmlPayload
  | OpaquePayload
  | EmptyPayload;

export type XmlPayloadKind = XmlPayload['kind'];

const LIST_BITS = Object.entries(CONSTANTS.list_bits) as Array<[string, number]>;
const NETWORKS: Record<string, string> = CONSTANTS.network_ids;
const UUN_TYPES: Record<string, string> = CONSTANTS.uun_ubn_types;

/**
 * Decodes the payload of an XML/document command. `args` (every token after the verb, as framed) is
 * only needed for UUN/UBN, whose type is a command parameter.
 */
export function decodeXmlPayload(verb: string, payload: Uint8Array, dialect: number | null, args: readonly string[] = []): XmlPayload {
  const v = verb.toUpperCase();
  const base: PayloadBase = { verb: v, bytes: payload.length, problems: [] };
  if (payload.length === 0) return Object.assign(base, { kind: 'empty' as const });
  switch (v) {
    case 'SDG':
    case 'NFY':
    case 'PUT':
    case 'DEL':
      return multipart(base, payload, dialect);
    case 'UUN':
    case 'UBN':
      return userNotification(base, payload, args);
  }
  const text = decodeUtf8(payload);
  if (text.invalid > 0) base.problems.push(`msnp.invalid_utf8: ${text.invalid} invalid UTF-8 sequences in the ${v} payload`);
  if (!/^\s*</.test(text.text)) {
    if (['UUX', 'UBX', 'ADL', 'RML', 'FQY', 'NOT', 'IPG', 'GCF'].includes(v)) base.problems.push(`msnp.bad_xml: ${v} payload is not XML`);
    return Object.assign(base, { kind: 'opaque' as const });
  }
  const doc = parseXml(text.text);
  for (const p of doc.problems) base.problems.push(`msnp.bad_xml: ${p}`);
  switch (v) {
    case 'UUX':
    case 'UBX':
      return status(base, doc);
    case 'ADL':
    case 'RML':
    case 'FQY':
      return membership(base, doc);
    case 'NOT':
    case 'IPG':
      return notification(base, doc);
    case 'GCF':
      return config(base, doc);
    default:
      return Object.assign(base, { kind: 'xml' as const, root: doc.root?.name ?? null });
  }
}

// ---------------------------------------------------------------------------------------------
// UUX / UBX

/** `\0Music\01\0{0} - {1}\0Title\0Artist\0\0` (the separator is a literal backslash-zero). */
export function parseCurrentMedia(raw: string): CurrentMedia | null {
  if (raw.trim() === '') return null;
  const parts = raw.split('\\0');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  const format = parts[3] ?? '';
  const args = parts.slice(4);
  return {
    raw,
    application: parts[0] ?? '',
    type: parts[1] ?? '',
    enabled: (parts[2] ?? '') === '1',
    format,
    args,
    text: format.replace(/\{(\d+)\}/g, (whole, i: string) => args[Number(i)] ?? whole),
  };
}

function status(base: PayloadBase, doc: XmlDocument): StatusPayload {
  const roots = rootElements(doc);
  const data = roots.find((r) => r.name.toLowerCase() === 'data') ?? null;
  // EndpointData may sit at the top level (UUX) or inside <Data> (UBX, MSNP16+).
  const containers = [...roots, ...(data === null ? [] : childElements(data))];
  const endpoints: EndpointInfo[] = [];
  const privateEndpoints: PrivateEndpointInfo[] = [];
  for (const el of containers) {
    const name = el.name.toLowerCase();
    if (name === 'endpointdata') {
      const capabilities = childText(el, 'Capabilities')?.trim() ?? null;
      const [caps, capsEx] = (capabilities ?? '').split(':');
      endpoints.push({ id: attr(el, 'id') ?? null, capabilities, caps: uint(caps), capsEx: uint(capsEx) });
    } else if (name === 'privateendpointdata') {
      const idle = childText(el, 'Idle')?.trim().toLowerCase();
      privateEndpoints.push({
        id: attr(el, 'id') ?? null,
        epName: childText(el, 'EpName') ?? null,
        idle: idle === undefined ? null : idle === 'true',
        clientType: uint(childText(el, 'ClientType')),
        state: childText(el, 'State')?.trim() ?? null,
      });
    }
  }
  const known = new Set(['psm', 'currentmedia', 'machineguid', 'ddp', 'signaturesound', 'scene', 'colorscheme', 'endpointdata', 'privateendpointdata']);
  const cm = childText(data, 'CurrentMedia');
  return Object.assign(base, {
    kind: 'status' as const,
    root: doc.root?.name ?? null,
    psm: childText(data, 'PSM') ?? null,
    currentMedia: cm === undefined ? null : parseCurrentMedia(cm),
    machineGuid: childText(data, 'MachineGuid')?.trim() ?? null,
    ddp: childText(data, 'DDP') ?? null,
    signatureSound: childText(data, 'SignatureSound') ?? null,
    scene: childText(data, 'Scene') ?? null,
    colorScheme: childText(data, 'ColorScheme') ?? null,
    endpoints,
    privateEndpoints,
    otherElements: childElements(data)
      .map((e) => e.name)
      .filter((n) => !known.has(n.toLowerCase())),
  });
}

// ---------------------------------------------------------------------------------------------
// ADL / RML / FQY

function listNames(bits: number): string[] {
  const names: string[] = [];
  let rest = bits;
  for (const [name, bit] of LIST_BITS) {
    if ((bits & bit) !== 0) {
      names.push(name);
      rest &= ~bit;
    }
  }
  for (let b = 0; b < 31 && rest !== 0; b++) {
    if ((rest & (1 << b)) !== 0) names.push(`0x${(1 << b).toString(16)}`);
  }
  return names;
}

function membership(base: PayloadBase, doc: XmlDocument): MembershipPayload {
  const ml = doc.root;
  if (ml === null || ml.name.toLowerCase() !== 'ml') base.problems.push('msnp.bad_xml: no <ml> root element');
  const contacts: MembershipContact[] = [];
  const emptyDomains: string[] = [];
  for (const d of childElements(ml, 'd')) {
    const domain = attr(d, 'n') ?? '';
    const cs = childElements(d, 'c');
    if (cs.length === 0) emptyDomains.push(domain);
    for (const c of cs) {
      const user = attr(c, 'n') ?? '';
      const l = uint(attr(c, 'l'));
      const t = uint(attr(c, 't'));
      const f = attr(c, 'f');
      contacts.push({
        handle: `${user}@${domain}`,
        user,
        domain,
        listBits: l,
        lists: l === null ? [] : listNames(l),
        networkId: t,
        networkName: t === null ? null : (NETWORKS[String(t)] ?? null),
        friendly: f === undefined ? null : urlDecodeToText(f),
        services: childElements(c, 's').map((s) => {
          const sl = uint(attr(s, 'l'));
          return { name: attr(s, 'n') ?? '', listBits: sl, lists: sl === null ? [] : listNames(sl) };
        }),
      });
    }
  }
  return Object.assign(base, { kind: 'membership' as const, initial: attr(ml, 'l') === '1', contacts, emptyDomains });
}

// ---------------------------------------------------------------------------------------------
// NOT / IPG

function notification(base: PayloadBase, doc: XmlDocument): NotificationPayload {
  const n = doc.root;
  if (n === null || n.name.toUpperCase() !== 'NOTIFICATION') base.problems.push('msnp.bad_xml: no <NOTIFICATION> root element');
  const to = child(n, 'TO');
  const from = child(n, 'FROM');
  const messages = childElements(n, 'MSG').map((m): NotificationMessage => {
    const bodyEl = child(m, 'BODY');
    const body = bodyEl === undefined ? null : textOf(bodyEl);
    let bodyRoot: string | null = null;
    if (bodyEl !== undefined) {
      const nested = childElements(bodyEl)[0];
      if (nested !== undefined) bodyRoot = nested.name;
      else if (body !== null && /^\s*</.test(body)) bodyRoot = parseXml(body, { maxDepth: 8 }).root?.name ?? null;
    }
    return {
      id: attr(m, 'id') ?? null,
      actionUrl: attr(child(m, 'ACTION'), 'url') ?? null,
      subscriptionUrl: attr(child(m, 'SUBSCR'), 'url') ?? null,
      body,
      bodyRoot,
    };
  });
  const textEl = child(n, 'TEXT') ?? childElements(n, 'MSG').map((m) => child(m, 'TEXT')).find((e) => e !== undefined);
  return Object.assign(base, {
    kind: 'notification' as const,
    id: attr(n, 'id') ?? null,
    version: attr(n, 'ver') ?? null,
    siteId: attr(n, 'siteid') ?? null,
    siteUrl: attr(n, 'siteurl') ?? null,
    to: to === undefined ? null : { pid: attr(to, 'pid') ?? null, name: attr(to, 'name') ?? null, via: attr(child(to, 'VIA'), 'agent') ?? null },
    from: from === undefined ? null : { pid: attr(from, 'pid') ?? null, name: attr(from, 'name') ?? null },
    messages,
    text: textEl === undefined ? null : textOf(textEl),
  });
}

// ---------------------------------------------------------------------------------------------
// GCF

function config(base: PayloadBase, doc: XmlDocument): ConfigPayload {
  const root = doc.root;
  const policies = childElements(root, 'Policy').map((p) => ({
    type: attr(p, 'type') ?? null,
    checksum: attr(p, 'checksum') ?? null,
    bytes: serialisedSize(p),
  }));
  const configs = root === null ? [] : root.name.toLowerCase() === 'config' ? [root] : childElements(root, 'Policy').flatMap((p) => childElements(p, 'config'));
  const shieldClients = configs.flatMap((c) => childElements(child(c, 'shield'), 'cli').map((cli) => cli.attributes.map((a) => ({ name: a.name, value: a.value }))));
  let summary: string;
  if (root === null) summary = 'no XML element';
  else if (policies.length > 0) summary = `${policies.length} polic${policies.length === 1 ? 'y' : 'ies'}: ${policies.map((p) => p.type ?? '?').join(', ')}`;
  else if (root.name.toLowerCase() === 'config') summary = `shields config, ${shieldClients.length} client rule${shieldClients.length === 1 ? '' : 's'}`;
  else summary = `<${root.name}> with ${childElements(root).length} child elements`;
  return Object.assign(base, { kind: 'config' as const, root: root?.name ?? null, summary, policies, shieldClients });
}

/** Rough size of an element's text content (for summaries; the XML itself is not re-serialised). */
function serialisedSize(el: XmlElement): number {
  let size = 0;
  const walk = (e: XmlElement, depth: number): void => {
    size += e.name.length * 2 + 5;
    for (const a of e.attributes) size += a.name.length + a.value.length + 4;
    if (depth > 64) return;
    for (const c of e.children) {
      if (c.type === 'text') size += c.text.length;
      else walk(c, depth + 1);
    }
  };
  walk(el, 0);
  return size;
}

// ---------------------------------------------------------------------------------------------
// UUN / UBN

function userNotification(base: PayloadBase, payload: Uint8Array, args: readonly string[]): UserNotificationPayload {
  // UUN TrID handle type len / UBN handle type len: the type is always the next-to-last parameter.
  const type = args.length >= 3 ? uint(args[args.length - 2]) : null;
  const target = args.length >= 3 ? (args[args.length - 3] ?? null) : null;
  const result: UserNotificationPayload = Object.assign(base, {
    kind: 'user-notification' as const,
    target,
    type,
    typeName: type === null ? null : (UUN_TYPES[String(type)] ?? null),
    root: null,
    rootAttributes: [],
    slp: null,
    text: null,
  });
  const text = decodeUtf8(payload);
  const looksXml = /^\s*</.test(text.text);
  const looksSlp = /^(?:[A-Za-z]+ \S+ MSNSLP\/\d\.\d|MSNSLP\/\d\.\d \d{3})/.test(text.text);
  if (type === 3 || looksSlp) {
    result.slp = parseSlp(payload);
    result.problems.push(...result.slp.problems);
  } else if (type === 1 || looksXml) {
    if (text.invalid > 0) result.problems.push(`msnp.invalid_utf8: ${text.invalid} invalid UTF-8 sequences in the ${base.verb} payload`);
    const doc = parseXml(text.text);
    for (const p of doc.problems) result.problems.push(`msnp.bad_xml: ${p}`);
    result.root = doc.root?.name ?? null;
    result.rootAttributes = doc.root?.attributes.map((a) => ({ name: a.name, value: a.value })) ?? [];
  } else if (text.invalid === 0 && /^[\x20-\x7e\t\r\n]*$/.test(text.text)) {
    result.text = text.text.length <= 512 ? text.text : `${text.text.slice(0, 512)}…`;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// SDG / NFY / PUT / DEL

function multipart(base: PayloadBase, payload: Uint8Array, dialect: number | null): MultipartXmlPayload {
  const dir = base.verb === 'NFY' ? 's2c' : 'c2s';
  const parsed = parseMultipart(payload, { verb: base.verb, dir, dialect });
  const { problems, ...rest } = parsed;
  base.problems.push(...problems);
  let document: MultipartDocument | null = null;
  const content = parsed.content;
  if (content !== null && content.kind !== 'messaging' && parsed.bodyLength > 0 && /xml/.test(content.contentType)) {
    const body = payload.subarray(parsed.bodyOffset);
    const text = decodeUtf8(body);
    if (text.invalid > 0) base.problems.push(`msnp.invalid_utf8: ${text.invalid} invalid UTF-8 sequences in the ${content.contentType} body`);
    const doc = parseXml(text.text);
    for (const p of doc.problems) base.problems.push(`msnp.bad_xml: ${p}`);
    document = typedDocument(content.contentType, doc, base.problems);
  }
  return Object.assign(base, { ...rest, kind: 'multipart' as const, document });
}

function typedDocument(contentType: string, doc: XmlDocument, problems: string[]): MultipartDocument {
  const root = doc.root;
  if (root === null) return { type: 'xml', root: null };
  const name = root.name.toLowerCase();
  if (contentType === 'application/user+xml' || name === 'user') return userDocument(root, problems);
  if (name === 'network') return { type: 'network', status: childText(root, 'status')?.trim() ?? null };
  if (name === 'circle' || name === 'multiparty' || contentType === 'application/circles+xml' || contentType === 'application/multiparty+xml') {
    const rosters = childElements(root, 'roster');
    return {
      type: 'roster',
      root: root.name,
      rosterIds: rosters.map((r) => childText(r, 'id')?.trim() ?? ''),
      members: rosters.flatMap((r) => childElements(r, 'user').map((u) => childText(u, 'id')?.trim() ?? '')),
    };
  }
  return { type: 'xml', root: root.name };
}

function elementFields(el: XmlElement): MimeHeader[] {
  return childElements(el).map((c) => ({ name: c.name, value: textOf(c) }));
}

function userDocument(root: XmlElement, problems: string[]): MultipartDocument {
  const services = childElements(root, 's').map((s) => ({ name: attr(s, 'n') ?? '', fields: elementFields(s) }));
  const endpoints = childElements(root, 'sep').map((s) => ({ name: attr(s, 'n') ?? '', epid: attr(s, 'epid') ?? null, fields: elementFields(s) }));
  const find = (field: string): string | null => {
    for (const s of services) {
      const v = findHeader(s.fields, field);
      if (v !== undefined) return v;
    }
    return null;
  };
  const tile = find('UserTileLocation');
  let userTile: MsnObject | null = null;
  if (tile !== null && /^\s*<msnobj[\s/>]/i.test(tile)) {
    const parsed = parseMsnObject(tile);
    userTile = parsed.msnObject;
    for (const p of parsed.problems) problems.push(`msnp.bad_xml: UserTileLocation: ${p}`);
  }
  const cm = find('CurrentMedia');
  return {
    type: 'user',
    status: find('Status')?.trim() ?? null,
    psm: find('PSM'),
    friendlyName: find('FriendlyName'),
    currentMedia: cm === null ? null : parseCurrentMedia(cm),
    userTile,
    services,
    endpoints,
  };
}
