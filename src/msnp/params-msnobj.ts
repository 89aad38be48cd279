// The MSNObject (reference §5.5) as it appears in CHG/ILN/NLN parameters: URL-encoded
// `<msnobj Creator=".." Size=".." Type=".." .../>`, decoded into its named attributes.

import { CONSTANTS } from './constants.js';
import type { ParamValue } from './params.js';
import { isCleanBase64 } from './base64.js';
import { clip, setOwn } from './params-util.js';
import { urlDecode } from './urlcode.js';

export interface MsnObjectDecoded {
  /** The attributes; null when the parameter says "no object" (`0`); the text when it is no MSNObject. */
  value: { [key: string]: ParamValue } | string | null;
  problems: string[];
}

const TYPE_NAMES: Readonly<Record<string, string>> = CONSTANTS.msnobject_types;

/** Attributes with a dedicated field; anything else a later client adds goes to `other` as written. */
const KNOWN = new Set(['Creator', 'Size', 'Type', 'Location', 'Friendly', 'SHA1D', 'SHA1C']);

export function decodeMsnObject(param: string): MsnObjectDecoded {
  const problems: string[] = [];
  // Servers echo 0 when a client has no object (reference §3.2).
  if (param === '0') return { value: null, problems };
  const decoded = urlDecode(param);
  if (decoded.problem !== null) problems.push(`msnobj ${decoded.problem}`);
  const xml = decoded.text.trim();
  if (!/^<msnobj[\s/>]/i.test(xml)) {
    problems.push(`msnobj '${clip(xml)}' is not an <msnobj> element`);
    return { value: xml, problems };
  }
  if (!xml.endsWith('>')) problems.push('msnobj element is not closed');
  const attrs = new Map<string, string>();
  const re = /([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    const name = m[1] ?? '';
    if (!attrs.has(name)) attrs.set(name, decodeEntities(m[2] ?? m[3] ?? ''));
  }
  const value: { [key: string]: ParamValue } = {};
  const creator = attrs.get('Creator');
  if (creator !== undefined) value['creator'] = creator;
  const size = attrs.get('Size');
  if (size !== undefined) {
    if (/^\d{1,15}$/.test(size)) value['size'] = Number(size);
    else {
      value['size'] = size;
      problems.push(`msnobj Size '${clip(size)}' is not a number`);
    }
  }
  const type = attrs.get('Type');
  if (type !== undefined) {
    if (/^\d{1,6}$/.test(type)) value['type'] = { code: Number(type), name: TYPE_NAMES[String(Number(type))] ?? null };
    else {
      value['type'] = { code: type, name: null };
      problems.push(`msnobj Type '${clip(type)}' is not a number`);
    }
  }
  const location = attrs.get('Location');
  if (location !== undefined) value['location'] = location;
  const friendly = attrs.get('Friendly');
  if (friendly !== undefined) {
    const text = utf16Base64(friendly);
    if (text === null) {
      value['friendly'] = friendly;
      problems.push(`msnobj Friendly '${clip(friendly)}' is not base64`);
    } else value['friendly'] = text;
  }
  const sha1d = attrs.get('SHA1D');
  if (sha1d !== undefined) value['sha1d'] = sha1d;
  const sha1c = attrs.get('SHA1C');
  if (sha1c !== undefined) value['sha1c'] = sha1c;
  const other: { [key: string]: ParamValue } = {};
  let hasOther = false;
  for (const [k, v] of attrs) {
    if (KNOWN.has(k)) continue;
    setOwn(other, k, v);
    hasOther = true;
  }
  if (hasOther) value['other'] = other;
  return { value, problems };
}

/** `Friendly` is base64 of a UTF-16LE name with a terminating NUL (`AAA=` = empty). */
function utf16Base64(b64: string): string | null {
  if (!isCleanBase64(b64)) return null;
  const bytes = Buffer.from(b64, 'base64');
  const even = bytes.subarray(0, bytes.length - (bytes.length % 2));
  return even.toString('utf16le').replace(/\0+$/, '');
}

function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|amp|lt|gt|quot|apos);/g, (whole, ent: string) => {
    if (ent.startsWith('#')) {
      const cp = ent[1] === 'x' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : whole;
    }
    return ENTITIES[ent] ?? whole;
  });
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
