// Lookup of MSNP protocol knowledge (generated tables in protocol-tables.ts): payload rules,
// TrID rules and error names, per verb and direction. The framer reads these; it holds no verb lists of its own.

import type { Direction } from '../diag.js';
import { COMMANDS, ERRORS } from './protocol-tables.js';

/** How to find the TrID: `first` = the first parameter when all digits; `until:N` = only up to dialect N. */
export type TridRule = 'first' | 'none' | 'optional' | `until:${number}`;

export interface VersionRange {
  from: number;
  to: number;
}

export interface CommandInfo {
  verb: string;
  title: string;
  servers: readonly string[];
  from: number;
  to: number;
  trid: { c2s?: TridRule | undefined; s2c?: TridRule | undefined };
  /** Present when the verb, in that direction, is a payload command (byte count = last parameter). */
  payload: { c2s?: VersionRange | undefined; s2c?: VersionRange | undefined };
  /** Whether the reference knows a form of the verb in that direction. */
  forms: { c2s: boolean; s2c: boolean };
}

export interface ErrorInfo {
  code: number;
  name: string | null;
  meaning: string;
  payload: boolean;
}

const byVerb = new Map<string, CommandInfo>(COMMANDS.map((c) => [c.verb, c]));
const byCode = new Map<number, ErrorInfo>(ERRORS.map((e) => [e.code, e]));

export function commandInfo(verb: string): CommandInfo | undefined {
  return byVerb.get(verb);
}

export function errorInfo(code: number): ErrorInfo | undefined {
  return byCode.get(code);
}

/** True when `verb` is a command the reference knows in this direction (used to confirm a stream is MSNP). */
export function isKnownVerb(verb: string, dir: Direction): boolean {
  const info = byVerb.get(verb);
  return info !== undefined && info.forms[dir];
}

export function isErrorVerb(verb: string): boolean {
  return verb.length === 3 && isDigitCode(verb.charCodeAt(0)) && isDigitCode(verb.charCodeAt(1)) && isDigitCode(verb.charCodeAt(2));
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAllDigits(s: string): boolean {
  if (s.length === 0 || s.length > 10) return false;
  for (let i = 0; i < s.length; i++) if (!isDigitCode(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Whether a command line announces a payload, and its length (reference §2.3–2.7).
 * `dialect` null means version-unknown mode: the direction's payload verbs regardless of version.
 * Returns null for no payload; NaN-free: a non-numeric last parameter means no payload.
 */
export function payloadLength(verb: string, args: readonly string[], dir: Direction, dialect: number | null): number | null {
  const last = args[args.length - 1];
  if (last === undefined || !isAllDigits(last)) return null;
  if (isErrorVerb(verb)) {
    // §2.5: errors carry a payload only from MSNP13 on, with ≥ 2 parameters, the last numeric.
    if (dir !== 's2c' || args.length < 2) return null;
    return dialect === null || dialect >= 13 ? Number(last) : null;
  }
  const rule = byVerb.get(verb)?.payload[dir];
  if (rule === undefined) return null;
  // Version ranges are only approximately known (reference §0): a known dialect below the verb's
  // first payload version disables it; above the range we keep it (never reject traffic).
  if (dialect !== null && dialect < rule.from) return null;
  return Number(last);
}

/** The transaction ID of a command line, or null when this verb/direction has none. */
export function transactionId(verb: string, args: readonly string[], dir: Direction, dialect: number | null): number | null {
  const first = args[0];
  if (first === undefined || !isAllDigits(first)) return null;
  if (isErrorVerb(verb)) return Number(first);
  const info = byVerb.get(verb);
  // Unknown verbs: clients put a TrID on everything but PNG/OUT; servers' unknown lines are not guessed.
  const rule: TridRule | undefined = info ? info.trid[dir] : dir === 'c2s' ? 'first' : undefined;
  if (rule === undefined || rule === 'none') return null;
  if (rule.startsWith('until:')) {
    const until = Number(rule.slice(6));
    if (dialect !== null && dialect > until) return null;
  }
  return Number(first);
}
