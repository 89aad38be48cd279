// Parameter kinds: how one MSNP parameter of a given kind (status, handle, capabilities, list bits…)
// is checked and turned into named fields. The layouts in params-layouts.ts refer to these by name.

import { CONSTANTS } from './constants.js';
import { decodeMsnObject } from './params-msnobj.js';
import { isCleanBase64 } from './base64.js';
import { clip, setOwn } from './params-util.js';
import type { ParamValue } from './params.js';
import { productClient } from './auth.js';
import { urlDecode } from './urlcode.js';

export type Fields = Record<string, ParamValue>;

export interface KindContext {
  fields: Fields;
  /** Malformed values, reported to the user. */
  problems: string[];
  /**
   * Soft evidence that a layout does not fit (an unknown property type, a missing network prefix)
   * that is not worth a diagnostic on its own; only used to choose between layouts.
   */
  misfits: number;
}

export interface KindDef {
  /** Field written when a layout does not name the slot. */
  field: string;
  /** The parameter is a credential (ticket, cookie, login response): redact by default. */
  secret?: boolean;
  /** The kind may fill a `*`/`+` slot: it accumulates into one field; `empty` is its value for none. */
  many?: { empty: () => ParamValue };
  decode(value: string, name: string, ctx: KindContext): void;
}

/** A code with its human name (null when the reference does not name it). */
interface Named {
  [key: string]: ParamValue;
  code: string | number;
  name: string | null;
}

const named = (code: string | number, name: string | null | undefined): Named => ({ code, name: name ?? null });

// --- small name tables the generated constants lack (reference §3.3, §3.5) -----------------------------

const LIST_NAMES: Readonly<Record<string, string>> = {
  FL: 'forward list (contacts)',
  AL: 'allow list',
  BL: 'block list',
  RL: 'reverse list (who has me)',
  PL: 'pending list',
};
const GTC_SETTINGS: Readonly<Record<string, string>> = {
  A: 'ask when someone adds me',
  N: 'do not ask when someone adds me',
};
const BLP_SETTINGS: Readonly<Record<string, string>> = {
  AL: 'everyone not blocked may contact me',
  BL: 'only my allow list may contact me',
};
const PROPERTY_TYPES: Readonly<Record<string, string>> = {
  PHH: 'home phone',
  PHW: 'work phone',
  PHM: 'mobile phone',
  MOB: 'may be paged on mobile (Y/N)',
  MBE: 'mobile device enabled (Y/N)',
  MFN: 'display name',
  WWE: 'Web Watch enabled (uncertain)',
  HSB: 'has a blog / space (1/0)',
};
const PAGE_DEVICES: Readonly<Record<string, string>> = { '1': 'mobile', '2': 'Web Watch' };
const BYE_REASONS: Readonly<Record<string, string>> = { '1': 'idle timeout' };

const STATUSES: Readonly<Record<string, string>> = CONSTANTS.statuses;
const ACK_TYPES: Readonly<Record<string, string>> = CONSTANTS.msg_ack_types;
const NETWORKS: Readonly<Record<string, string>> = CONSTANTS.network_ids;
const UUN_TYPES: Readonly<Record<string, string>> = CONSTANTS.uun_ubn_types;
const UUM_TYPES: Readonly<Record<string, string>> = CONSTANTS.uum_ubm_types;
const OUT_REASONS: Readonly<Record<string, string>> = CONSTANTS.out_reasons;
const GENERATIONS: Readonly<Record<string, string>> = CONSTANTS.client_generations;
const LIST_BITS: Readonly<Record<string, number>> = CONSTANTS.list_bits;
const GENERATION_MASK = Number(CONSTANTS.client_generation_mask);

/** [bit, name] pairs from the constants, lowest bit first. */
function bitTable(table: Readonly<Record<string, string>>): ReadonlyArray<readonly [number, string]> {
  return Object.entries(table)
    .map(([hex, name]) => [Number(hex), name] as const)
    .sort((a, b) => a[0] - b[0]);
}
const CAPS_BITS = bitTable(CONSTANTS.client_capabilities);
const CAPS_EX_BITS = bitTable(CONSTANTS.client_capabilities_ex);

// --- labels used in problem messages -----------------------------------------------------------------

const LABELS: Readonly<Record<string, string>> = {
  caps: 'capabilities',
  friendly: 'friendly name',
  length: 'length',
  serial: 'list serial',
  network: 'network id',
  lists: 'list bits',
  groupId: 'group id',
  groupName: 'group name',
  contactId: 'contact id',
  sessionId: 'session id',
  seconds: 'seconds',
  minutes: 'minutes',
};
const label = (name: string): string => LABELS[name] ?? name;

// --- value helpers -----------------------------------------------------------------------------------

export function isDigits(s: string, max = 10): boolean {
  return s.length > 0 && s.length <= max && /^\d+$/.test(s);
}

const GUID = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const isGuid = (s: string): boolean => GUID.test(s);

/** Field name for a companion of a slot: `handle` → `network`; `to` → `toNetwork`. */
function companion(name: string, suffix: string): string {
  return name === 'handle' ? suffix : `${name}${suffix[0]?.toUpperCase() ?? ''}${suffix.slice(1)}`;
}

function setInt(value: string, name: string, ctx: KindContext): void {
  if (isDigits(value, 15)) ctx.fields[name] = Number(value);
  else {
    ctx.fields[name] = value;
    ctx.problems.push(`${label(name)} '${clip(value)}' is not a number`);
  }
}

function setUrlText(value: string, name: string, ctx: KindContext): void {
  const d = urlDecode(value);
  ctx.fields[name] = d.text;
  if (d.problem !== null) ctx.problems.push(`${label(name)} '${clip(value)}' ${d.problem}`);
}

function setNamed(value: string, name: string, ctx: KindContext, table: Readonly<Record<string, string>>, what: string | null): void {
  const known = Object.prototype.hasOwnProperty.call(table, value);
  ctx.fields[name] = named(value, known ? table[value] : null);
  if (!known && what !== null) ctx.problems.push(`${label(name)} '${clip(value)}' is not ${what}`);
}

/** A numeric code named from a table keyed by its decimal text (network ids, UUN types…). */
function setNumberNamed(value: string, name: string, ctx: KindContext, table: Readonly<Record<string, string>>): void {
  if (!isDigits(value, 10)) {
    ctx.fields[name] = named(value, null);
    ctx.problems.push(`${label(name)} '${clip(value)}' is not a number`);
    return;
  }
  const n = Number(value);
  ctx.fields[name] = named(n, table[String(n)]);
}

/**
 * Account handles: `user@domain`, MSNP18+ `netid:user@domain`, MSNP16+ `;{machine-guid}` endpoints,
 * circle `;via=…` and `;epid=…` suffixes (reference §2.8). Writes the bare address plus companions.
 */
function decodeHandle(value: string, name: string, ctx: KindContext, prefix: 'allowed' | 'required'): void {
  let rest = value;
  const m = /^(\d{1,3}):(.*)$/.exec(rest);
  let netId: number | null = null;
  if (m) {
    netId = Number(m[1]);
    rest = m[2] ?? '';
  } else if (prefix === 'required') {
    ctx.misfits++;
    ctx.problems.push(`${label(name)} '${clip(value)}' lacks the network prefix (n:) of MSNP18+`);
  }
  const parts = rest.split(';');
  const address = parts[0] ?? '';
  ctx.fields[name] = address;
  if (netId !== null) ctx.fields[companion(name, 'network')] = named(netId, NETWORKS[String(netId)]);
  const extra: string[] = [];
  for (const p of parts.slice(1)) {
    if (p.startsWith('{') || isGuid(p)) ctx.fields[companion(name, 'endpoint')] = p;
    else if (/^epid=/i.test(p)) ctx.fields[companion(name, 'endpoint')] = p.slice(5);
    else if (/^via=/i.test(p)) ctx.fields[companion(name, 'via')] = p.slice(4);
    else extra.push(p);
  }
  if (extra.length > 0) ctx.fields[companion(name, 'suffix')] = extra;
  if (!isAccountAddress(address)) {
    ctx.problems.push(`${label(name)} '${clip(value)}' is not an account address`);
  }
}

/** user@domain, a `tel:` number, or `Hotmail` (the NS's own MSG sender, reference §2.4.7). */
function isAccountAddress(a: string): boolean {
  return (a.includes('@') && a.length > 2) || /^tel:/i.test(a) || a === 'Hotmail';
}

function capsObject(v: number, bits: ReadonlyArray<readonly [number, string]>, withGeneration: boolean): Fields {
  const flags: string[] = [];
  let known = 0;
  for (const [bit, flag] of bits) {
    known |= bit;
    if ((v & bit) !== 0) flags.push(flag);
  }
  const out: Fields = { value: v, hex: hex32(v), flags };
  let unknown = (v & ~known) >>> 0;
  if (withGeneration) {
    const gen = (v & GENERATION_MASK) >>> 28;
    out['generation'] = named(gen, GENERATIONS[`0x${gen.toString(16)}`]);
    unknown = (unknown & ~GENERATION_MASK) >>> 0;
  }
  if (unknown !== 0) out['unknownFlags'] = hex32(unknown);
  return out;
}

const hex32 = (v: number): string => `0x${(v >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;

/** One capability word: unsigned 32-bit decimal (reference §2.8); a signed rendering is tolerated. */
function capsWord(text: string, name: string, ctx: KindContext): number | null {
  if (isDigits(text, 10) && Number(text) <= 0xffffffff) return Number(text);
  if (/^-\d{1,10}$/.test(text) && Number(text) >= -0x80000000) {
    ctx.problems.push(`${label(name)} '${clip(text)}' is written as a signed number`);
    return (Number(text) + 0x100000000) >>> 0;
  }
  ctx.problems.push(`${label(name)} '${clip(text)}' is not a number`);
  return null;
}

function decodeCaps(value: string, name: string, ctx: KindContext): void {
  // MSNP16+ writes caps:capsEx; accept either form in any dialect (servers differ).
  const colon = value.indexOf(':');
  const baseText = colon < 0 ? value : value.slice(0, colon);
  const base = capsWord(baseText, name, ctx);
  ctx.fields[name] = base === null ? value : capsObject(base, CAPS_BITS, true);
  if (colon >= 0) {
    const exText = value.slice(colon + 1);
    const ex = capsWord(exText, `${name}Ex`, ctx);
    ctx.fields[`${name}Ex`] = ex === null ? exText : capsObject(ex, CAPS_EX_BITS, false);
  }
}

function decodeListBits(value: string, name: string, ctx: KindContext): void {
  if (!isDigits(value, 5)) {
    ctx.fields[name] = value;
    ctx.problems.push(`${label(name)} '${clip(value)}' is not a number`);
    return;
  }
  const v = Number(value);
  const names: string[] = [];
  let known = 0;
  for (const [list, bit] of Object.entries(LIST_BITS)) {
    known |= bit;
    if ((v & bit) !== 0) names.push(list);
  }
  const out: Fields = { value: v, names };
  // msnp-sharp names 32 and 64 too (reference §5.4, uncertain): shown, not flagged.
  if ((v & ~known) !== 0) out['unknownBits'] = v & ~known;
  ctx.fields[name] = out;
}

function decodeAddress(value: string, name: string, ctx: KindContext): void {
  const colon = value.lastIndexOf(':');
  const host = colon < 0 ? value : value.slice(0, colon);
  const portText = colon < 0 ? '' : value.slice(colon + 1);
  if (colon > 0 && isDigits(portText, 5) && Number(portText) <= 65535) {
    ctx.fields[name] = { host, port: Number(portText) };
    return;
  }
  ctx.fields[name] = { host: value, port: null };
  // `0` alone means "restart login on this server" (reference §3.1), not a malformed address.
  if (value !== '0') ctx.problems.push(`${label(name)} '${clip(value)}' is not host:port`);
}

/** Comma-separated group ids: small integers (MSNP7–9, Escargot 10–11) or GUIDs (MSNP10+). */
function decodeGroups(value: string, name: string, ctx: KindContext): void {
  const ids = value.split(',').filter((g) => g.length > 0);
  ctx.fields[name] = ids;
  const bad = ids.find((g) => !isDigits(g) && !isGuid(g));
  if (bad !== undefined) ctx.problems.push(`group id '${clip(bad)}' is neither a number nor a GUID`);
}

function decodeGroupId(value: string, name: string, ctx: KindContext): void {
  ctx.fields[name] = value;
  if (!isDigits(value) && !isGuid(value)) ctx.problems.push(`${label(name)} '${clip(value)}' is neither a number nor a GUID`);
}

/** Comma-separated key=value pairs (the Passport "Tweener" query of `USR … TWN S`). */
function decodeCommaPairs(value: string, name: string, ctx: KindContext): void {
  const out: Fields = {};
  for (const pair of value.split(',')) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    setOwn(out, key, eq < 0 ? '' : urlDecode(pair.slice(eq + 1)).text);
  }
  ctx.fields[name] = out;
}

/** Base64 text such as the MSNP21 hop count `Version: 1\r\nXfrCount: n\r\n`, split into its lines. */
function decodeBase64Headers(value: string, name: string, ctx: KindContext): void {
  if (!isCleanBase64(value)) {
    ctx.fields[name] = value;
    ctx.problems.push(`${label(name)} '${clip(value)}' is not base64`);
    return;
  }
  const text = Buffer.from(value, 'base64').toString('utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const headers: Fields = {};
  for (const line of lines) {
    const m = /^([^:]+):\s?(.*)$/.exec(line);
    if (!m) {
      ctx.fields[name] = text;
      return;
    }
    setOwn(headers, m[1] ?? '', m[2] ?? '');
  }
  ctx.fields[name] = headers;
}

// --- the kinds ---------------------------------------------------------------------------------------

const kind = (field: string, decode: KindDef['decode'], extra: Partial<KindDef> = {}): KindDef => ({ field, decode, ...extra });

export const KINDS: Readonly<Record<string, KindDef>> = {
  // The transaction id: checked, not repeated (the framer already reports it as trId).
  trid: kind('', (v, _n, ctx) => {
    if (!isDigits(v)) {
      ctx.misfits++;
      ctx.problems.push(`TrID '${clip(v)}' is not a number`);
    }
  }),
  int: kind('value', setInt),
  len: kind('length', setInt),
  ser: kind('serial', setInt),
  raw: kind('value', (v, n, ctx) => {
    ctx.fields[n] = v;
  }),
  // A value that must be `0` in every known sample; shown only when it is not.
  reserved: kind('reserved', (v, n, ctx) => {
    if (v !== '0') ctx.fields[n] = v;
  }),
  url: kind('text', setUrlText),
  friendly: kind('friendly', setUrlText),
  status: kind('status', (v, n, ctx) => setNamed(v, n, ctx, STATUSES, 'a known status code')),
  handle: kind('handle', (v, n, ctx) => decodeHandle(v, n, ctx, 'allowed')),
  nethandle: kind('handle', (v, n, ctx) => decodeHandle(v, n, ctx, 'required')),
  // REM's contact: a handle, or (MSNP10+ FL) the contact GUID.
  contact: kind('handle', (v, n, ctx) => {
    if (isGuid(v)) ctx.fields['contactId'] = v;
    else decodeHandle(v, n, ctx, 'allowed');
  }),
  guid: kind('guid', (v, n, ctx) => {
    ctx.fields[n] = v;
    if (!isGuid(v)) ctx.problems.push(`${label(n)} '${clip(v)}' is not a GUID`);
  }),
  gid: kind('groupId', decodeGroupId),
  groups: kind('groups', decodeGroups),
  caps: kind('caps', decodeCaps),
  msnobj: kind('msnobj', (v, n, ctx) => {
    const d = decodeMsnObject(v);
    ctx.fields[n] = d.value;
    ctx.problems.push(...d.problems);
  }),
  netid: kind('network', (v, n, ctx) => setNumberNamed(v, n, ctx, NETWORKS)),
  list: kind('list', (v, n, ctx) => setNamed(v, n, ctx, LIST_NAMES, 'a list (FL, AL, BL, RL, PL)')),
  listbits: kind('lists', decodeListBits),
  addr: kind('address', decodeAddress),
  cookie: kind('cookie', (v, n, ctx) => {
    ctx.fields[n] = v;
  }, { secret: true }),
  secret: kind('secret', (v, n, ctx) => {
    ctx.fields[n] = v;
  }, { secret: true }),
  bool01: kind('flag', (v, n, ctx) => {
    if (v === '0' || v === '1') ctx.fields[n] = v === '1';
    else {
      ctx.fields[n] = v;
      ctx.problems.push(`${label(n)} '${clip(v)}' is not 0 or 1`);
    }
  }),
  ack: kind('ackType', (v, n, ctx) => setNamed(v, n, ctx, ACK_TYPES, 'an ack type (U, N, A, D)')),
  uun: kind('type', (v, n, ctx) => setNumberNamed(v, n, ctx, UUN_TYPES)),
  uum: kind('type', (v, n, ctx) => setNumberNamed(v, n, ctx, UUM_TYPES)),
  out: kind('reason', (v, n, ctx) => setNamed(v, n, ctx, OUT_REASONS, null)),
  prp: kind('property', (v, n, ctx) => {
    setNamed(v, n, ctx, PROPERTY_TYPES, null);
    if (!Object.prototype.hasOwnProperty.call(PROPERTY_TYPES, v)) ctx.misfits++;
  }),
  gtc: kind('setting', (v, n, ctx) => setNamed(v, n, ctx, GTC_SETTINGS, 'A or N')),
  blp: kind('setting', (v, n, ctx) => setNamed(v, n, ctx, BLP_SETTINGS, 'AL or BL')),
  onoff: kind('blocked', (v, n, ctx) => {
    if (v === 'ON' || v === 'OFF') ctx.fields[n] = v === 'ON';
    else {
      ctx.fields[n] = v;
      ctx.problems.push(`${label(n)} '${clip(v)}' is not ON or OFF`);
    }
  }),
  device: kind('device', (v, n, ctx) => setNumberNamed(v, n, ctx, PAGE_DEVICES)),
  byereason: kind('reason', (v, n, ctx) => setNamed(v, n, ctx, BYE_REASONS, null)),
  sid: kind('sessionId', (v, n, ctx) => {
    // Numeric on Microsoft's servers, a UUID on Escargot: kept as text so RNG/ANS/CAL compare equal.
    ctx.fields[n] = v;
  }),
  prod: kind('productId', (v, n, ctx) => {
    ctx.fields[n] = v;
    ctx.fields['client'] = productClient(v);
  }),
  lcid: kind('locale', (v, n, ctx) => {
    ctx.fields[n] = v;
    if (!/^0x[0-9a-fA-F]{1,8}$/.test(v)) ctx.misfits++;
  }),
  passport: kind('passport', decodeCommaPairs),
  b64headers: kind('hop', decodeBase64Headers),
  // Kinds for `*`/`+` slots: they accumulate.
  dialect: kind(
    'dialects',
    (v, n, ctx) => {
      const list = ctx.fields[n];
      if (Array.isArray(list)) list.push(v);
      else ctx.fields[n] = [v];
      if (!/^(MSNP\d{1,3}|CVR\d?|MSNFTP)$/i.test(v)) ctx.problems.push(`dialect '${clip(v)}' is not MSNPn or CVR0`);
    },
    { many: { empty: () => [] } },
  ),
  word: kind(
    'values',
    (v, n, ctx) => {
      const list = ctx.fields[n];
      if (Array.isArray(list)) list.push(v);
      else ctx.fields[n] = [v];
    },
    { many: { empty: () => [] } },
  ),
  // `key=value` parameters (FND): URL-encoded values.
  kv: kind(
    'query',
    (v, n, ctx) => {
      const existing = ctx.fields[n];
      const obj: Fields = existing !== null && typeof existing === 'object' && !Array.isArray(existing) ? existing : {};
      ctx.fields[n] = obj;
      const eq = v.indexOf('=');
      if (eq <= 0) {
        ctx.problems.push(`'${clip(v)}' is not key=value`);
        return;
      }
      setOwn(obj, v.slice(0, eq), urlDecode(v.slice(eq + 1)).text);
    },
    { many: { empty: () => ({}) } },
  ),
};
