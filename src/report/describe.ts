// One-line, human-readable meanings of decoded commands for the transcript: the reply a line answers,
// the error it names, decoded parameters worth reading (statuses, names, capabilities, addresses),
// message content and MSNSLP summaries, challenge verdicts.

import type { MsnpCommand } from '../msnp/command.js';
import type { MessageContent } from '../msnp/content.js';
import type { ParamValue } from '../msnp/params.js';
import type { SlpMessage } from '../msnp/slp.js';
import type { XmlPayload } from '../msnp/xml-payloads.js';
import type { CommandDetails } from '../session/interpreter.js';

/** Verbs whose decoded parameters say more than the raw line (names decoded, codes named). */
const PARAM_VERBS = new Set([
  'NLN', 'ILN', 'CHG', 'FLN', 'USR', 'XFR', 'RNG', 'ANS', 'CVR', 'LST', 'ADD', 'ADC', 'REM', 'REA', 'PRP', 'BPR',
  'SBP', 'JOI', 'IRO', 'BYE', 'OUT', 'BLP', 'GTC', 'LSG', 'ADG', 'REG', 'QRY', 'UBX', 'UUN', 'UBN', 'UUM', 'UBM',
]);
/** Fields that repeat what the line already says plainly. */
const QUIET_FIELDS = new Set(['length', 'auth', 'serial', 'index', 'total', 'result']);

export function describe(cmd: MsnpCommand, d: CommandDetails): string[] {
  const out: string[] = [];
  if (d.error !== null || d.reply !== null) out.push(replyLine(d));
  if (d.auth !== null) out.push(`${d.auth.valid === true ? '✓' : d.auth.valid === false ? '✗' : '?'} ${d.auth.message}`);
  if (PARAM_VERBS.has(cmd.verb)) {
    const p = renderFields(d.params);
    if (p !== '') out.push(p);
  }
  if (d.message !== null) {
    const m = messageLine(d.message);
    if (m !== null) out.push(m);
  }
  if (d.xml !== null) {
    const x = xmlLine(d.xml);
    if (x !== null) out.push(x);
  }
  if (d.slp !== null) out.push(slpLine(d.slp));
  return out;
}

function replyLine(d: CommandDetails): string {
  const parts: string[] = [];
  if (d.error !== null) parts.push(`error ${d.error.code}${d.error.name ? ` ${d.error.name}` : ''}: ${d.error.meaning}`);
  if (d.reply !== null) {
    const ms = (d.reply.latencyMicros / 1000).toFixed(1);
    parts.push(`${d.reply.first ? 'reply' : 'further reply'} to ${d.reply.verb} ${d.reply.trId} (#${d.reply.packet}, +${ms} ms)`);
  }
  return parts.join(' — ');
}

/** `key value` pairs of the decoded parameters, names instead of codes, nested values flattened. */
function renderFields(fields: Record<string, ParamValue>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (QUIET_FIELDS.has(k) || v === null) continue;
    const text = renderValue(k, v);
    if (text !== '') parts.push(`${k} ${text}`);
  }
  return parts.length === 0 ? '' : `= ${parts.join(' · ')}`;
}

function renderValue(key: string, v: ParamValue): string {
  if (typeof v === 'string') return key === 'friendly' || key === 'groupName' ? JSON.stringify(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '';
  if (Array.isArray(v)) return v.map((x) => renderValue(key, x)).join(',');
  const o = v as Record<string, ParamValue>;
  if ('name' in o && 'code' in o) return o.name === null ? String(o.code) : String(o.name);
  if ('host' in o && 'port' in o) return `${String(o.host)}:${String(o.port)}`;
  if ('flags' in o && 'hex' in o) {
    const flags = Array.isArray(o.flags) ? (o.flags as ParamValue[]).join('+') : '';
    const gen = o.generation !== undefined && o.generation !== null ? renderValue('generation', o.generation) : '';
    return `${String(o.hex)}${gen ? ` ${gen}` : ''}${flags ? ` [${flags}]` : ''}`;
  }
  if ('names' in o && Array.isArray(o.names)) return (o.names as ParamValue[]).join('+');
  if ('creator' in o && 'type' in o) return `${renderValue('type', o.type ?? null)} by ${String(o.creator)} (${String(o.size)} bytes)`;
  return JSON.stringify(o);
}

function messageLine(m: MessageContent): string | null {
  switch (m.kind) {
    case 'text': {
      const f = m.font;
      const style = f === null ? '' : [f.fontName, ...f.effects, f.colour].filter((x) => x !== null && x !== '').join(', ');
      return `» text${style ? ` (${style})` : ''}`;
    }
    case 'typing':
      return `» typing${m.typingUser ? `: ${m.typingUser}` : ''}`;
    case 'datacast':
      return `» datacast ${m.idName ?? m.id ?? ''}`.trimEnd();
    case 'p2p': {
      const p = m.packet;
      const flags = p.version === 1 && p.header !== null ? ` flags ${p.header.flagsHex}${p.header.flagNames.length ? ` [${p.header.flagNames.join('+')}]` : ''}` : '';
      const app = p.footer !== null ? ` AppID ${p.footer.appId}${p.footer.appName ? ` (${p.footer.appName})` : ''}` : '';
      return `» P2Pv${p.version} ${p.role} session ${p.sessionId} bytes ${p.chunk.offset ?? '?'}+${p.chunk.length}/${p.chunk.totalSize ?? '?'}${flags}${app}`;
    }
    case 'unknown':
    case 'not-mime':
      return null;
    default:
      return `» ${m.kind}`;
  }
}

function xmlLine(x: XmlPayload): string | null {
  if (x.kind === 'empty' || x.kind === 'opaque') return null;
  return `» ${x.kind} XML`;
}

function slpLine(s: SlpMessage): string {
  const parts = [`MSNSLP ${s.method ?? `${s.status ?? ''} ${s.reason ?? ''}`.trim()}`];
  if (s.contentType !== null) parts.push(s.contentType);
  if (s.eufGuidName !== null) parts.push(s.eufGuidName);
  if (s.sessionId !== null) parts.push(`SessionID ${s.sessionId}`);
  if (s.context?.kind === 'file') parts.push(`file "${s.context.fileName}" (${s.context.fileSize} bytes)`);
  return `» ${parts.join(' · ')}`;
}
